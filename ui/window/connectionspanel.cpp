#include "window/connectionspanel.h"

#include "dialogs/autoreplydialog.h"
#include "dialogs/endpointdialog.h"
#include "dialogs/framingfield.h"
#include "dialogs/relaydialog.h"
#include "dialogs/rulesdialog.h"
#include "dialogs/socketoptionsdialog.h"
#include "dialogs/starttlsdialog.h"
#include "engine/workbench.h"
#include "language/address.h"
#include "models/connectionmodel.h"
#include "session/session.h"
#include "style/presentation.h"
#include "views/elidingdelegate.h"
#include "window/sessioncontroller.h"
#include "window/windowsettings.h"

#include <QAction>
#include <QApplication>
#include <QFontMetrics>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace sockbench {

namespace {

constexpr int SelectionRefreshMs = 200;

} // namespace

ConnectionsPanel::ConnectionsPanel(Workbench *workbench, ConnectionModel *model, QWidget *parent)
    : QWidget(parent)
    , m_workbench(workbench)
    , m_model(model) {
    setObjectName(QStringLiteral("connectionsPanel"));
    // The actions first: the window lists shortcuts in the order its actions were made.
    createActions();
    buildTree();
    buildFirstRunHint();
    buildTlsFailureBar();
    buildLayout();
    connectSignals();
    updateFirstRunHint();
}

ConnectionsPanel::~ConnectionsPanel() = default;

void ConnectionsPanel::createActions() {
    auto make = [this](const QString &name, const QString &text, const QKeySequence &shortcut,
                       const QIcon &icon, const QString &tip) {
        auto *action = new QAction(icon, text, this);
        action->setObjectName(name);
        action->setShortcut(shortcut);
        action->setToolTip(
            shortcut.isEmpty() ? tip : tr("%1 (%2)").arg(tip, shortcut.toString(QKeySequence::NativeText)));
        action->setStatusTip(tip);
        return action;
    };
    Actions &a = m_actions;
    a.newListener =
        make(QStringLiteral("newListenerAction"), tr("New &listener..."), QKeySequence(Qt::CTRL | Qt::Key_L),
             resourceIcon("listener", QStyle::SP_MediaPlay), tr("Start a TCP listener"));
    a.connect = make(QStringLiteral("connectAction"), tr("&Connect..."), QKeySequence(Qt::CTRL | Qt::Key_N),
                     resourceIcon("connect", QStyle::SP_ArrowRight), tr("Open a TCP connection to a server"));
    a.openUdp =
        make(QStringLiteral("openUdpAction"), tr("Open &UDP socket..."), QKeySequence(Qt::CTRL | Qt::Key_U),
             resourceIcon("udp", QStyle::SP_DriveNetIcon), tr("Bind a UDP socket"));
    a.newRelay = make(
        QStringLiteral("newRelayAction"), tr("New &relay..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N),
        resourceIcon("relay", QStyle::SP_BrowserReload),
        tr("Stand between a client and a server: relay each client to a target, with faults on purpose"));
    a.close = make(QStringLiteral("closeAction"), tr("Cl&ose"), QKeySequence(Qt::CTRL | Qt::Key_W),
                   resourceIcon("close", QStyle::SP_DialogCloseButton),
                   tr("Close the selected connection gracefully (FIN), or stop the selected listener"));
    a.abort =
        make(QStringLiteral("abortAction"), tr("&Abort (RST)"),
             QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W), resourceIcon("abort", QStyle::SP_BrowserStop),
             tr("Abort the selected connection: the peer sees a reset"));
    a.socketOptions = make(QStringLiteral("socketOptionsAction"), tr("Socket o&ptions..."),
                           QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), {},
                           tr("Change the selected socket's options (TCP_NODELAY, keepalive, buffers, "
                              "TOS, …) while it is open"));
    a.framing = make(QStringLiteral("framingAction"), tr("&Framing..."), {}, {},
                     tr("Change how the selected TCP listener or connection is split into messages"));
    a.startTls = make(QStringLiteral("startTlsAction"), tr("Start &TLS..."), {}, {},
                      tr("Upgrade the selected plaintext TCP connection to TLS, as STARTTLS does"));
    a.closeAll =
        make(QStringLiteral("closeAllAction"), tr("Close &all"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_W),
             resourceIcon("closeall", QStyle::SP_DialogDiscardButton),
             tr("Close every listener, connection and socket"));
    a.clearClosed = make(
        QStringLiteral("clearClosedAction"), tr("Clear c&losed"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K), resourceIcon("clear", QStyle::SP_DialogResetButton),
        tr("Remove closed, reset and failed rows from the connections panel (the log keeps their traffic; "
           "opened captures stay)"));
    a.closeCapture = make(QStringLiteral("closeCaptureAction"), tr("Close ca&pture"), {}, {},
                          tr("Remove the selected capture file and its streams from the connections panel "
                             "(the log keeps their traffic)"));
    a.autoReply =
        make(QStringLiteral("autoReplyAction"), tr("Auto-&reply..."), QKeySequence(Qt::CTRL | Qt::Key_R), {},
             tr("Change what the selected listener or UDP socket answers on its own"));
    a.rules =
        make(QStringLiteral("rulesAction"), tr("R&ules..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
             {}, tr("Edit the response rules the selected socket answers messages by"));
}

void ConnectionsPanel::buildTree() {
    m_view = new QTreeView(this);
    m_view->setObjectName(QStringLiteral("connectionsView"));
    m_view->setModel(m_model);
    m_view->setUniformRowHeights(true);
    m_view->setAllColumnsShowFocus(true);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->setToolTip(tr("Listeners with their clients, connections and UDP sockets"));
    QHeaderView *header = m_view->header();
    header->setStretchLastSection(false);
    header->resizeSection(ConnectionModel::NameColumn, 145);
    header->resizeSection(ConnectionModel::LocalColumn, 108);
    header->resizeSection(ConnectionModel::PeerColumn, 108);
    // Counts and states grow with the traffic: their columns are as wide as their largest content
    // can be, so "1,100,000" is never cut to "1,10…"; the tree scrolls sideways rather than
    // widening the window. Widths come from the font, not from ResizeToContents, which re-measured
    // the rows at every update and stalled a burst of 10,000 accepts for 89 ms.
    const QFontMetrics metrics(m_view->font());
    const int padding = 2 * m_view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin) + 16;
    header->resizeSection(ConnectionModel::StateColumn, widestStateText(metrics) + padding + 20);
    for (int c = ConnectionModel::InColumn; c <= ConnectionModel::QueuedColumn; ++c)
        header->resizeSection(c,
                              std::max(metrics.horizontalAdvance(QStringLiteral("88,888,888,888")) + padding,
                                       header->sectionSizeHint(c)));
    // The context menu: what applies to the selected endpoint, then what applies to all.
    // What is cut shows whole in the tooltip; an address keeps its port, cut in the middle.
    m_view->setItemDelegate(new ElidingDelegate(Qt::ElideRight, m_view));
    for (int c : {int(ConnectionModel::LocalColumn), int(ConnectionModel::PeerColumn)})
        m_view->setItemDelegateForColumn(c, new ElidingDelegate(Qt::ElideMiddle, m_view));
    const Actions &a = m_actions;
    m_view->addActions({a.newListener, a.connect, a.openUdp, a.newRelay, a.close, a.abort, a.autoReply,
                        a.rules, a.socketOptions, a.startTls, a.closeAll, a.clearClosed, a.closeCapture});
}

void ConnectionsPanel::buildFirstRunHint() {
    m_firstRunHint = new QLabel(m_view->viewport());
    m_firstRunHint->setObjectName(QStringLiteral("firstRunHint"));
    m_firstRunHint->setWordWrap(true);
    m_firstRunHint->setAlignment(Qt::AlignCenter);
    m_firstRunHint->setForegroundRole(QPalette::PlaceholderText);
    m_firstRunHint->setAttribute(Qt::WA_TransparentForMouseEvents);
    auto *hintLayout = new QVBoxLayout(m_view->viewport());
    hintLayout->addWidget(m_firstRunHint, 0, Qt::AlignCenter);
}

void ConnectionsPanel::buildTlsFailureBar() {
    // A refused certificate is said right under the row the user just opened, with the way on.
    m_tlsFailureBar = new QFrame(this);
    m_tlsFailureBar->setObjectName(QStringLiteral("tlsFailureBar"));
    m_tlsFailureBar->setFrameShape(QFrame::StyledPanel);
    m_tlsFailureLabel = new QLabel(m_tlsFailureBar);
    m_tlsFailureLabel->setObjectName(QStringLiteral("tlsFailureLabel"));
    m_tlsFailureLabel->setWordWrap(true);
    m_tlsFailureLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_tlsFailureLabel->setStyleSheet(errorTextStyle());
    m_connectAnywayButton = new QPushButton(tr("Connect anyway (insecure)"), m_tlsFailureBar);
    m_connectAnywayButton->setObjectName(QStringLiteral("connectAnywayButton"));
    m_connectAnywayButton->setToolTip(tr("Connect again to the same host and port with the same options, "
                                         "without checking the server's certificate"));
    auto *dismiss = new QToolButton(m_tlsFailureBar);
    dismiss->setObjectName(QStringLiteral("tlsFailureCloseButton"));
    dismiss->setText(QStringLiteral("×"));
    dismiss->setAutoRaise(true);
    dismiss->setToolTip(tr("Hide this message"));
    auto *barLayout = new QHBoxLayout(m_tlsFailureBar);
    barLayout->setContentsMargins(6, 3, 3, 3);
    barLayout->addWidget(m_tlsFailureLabel, 1);
    barLayout->addWidget(m_connectAnywayButton);
    barLayout->addWidget(dismiss);
    m_tlsFailureBar->hide();
    connect(m_connectAnywayButton, &QPushButton::clicked, this,
            &ConnectionsPanel::onConnectAnywayButtonClicked);
    connect(dismiss, &QToolButton::clicked, this, &ConnectionsPanel::hideTlsFailure);
}

void ConnectionsPanel::buildLayout() {
    auto *panelLayout = new QVBoxLayout(this);
    panelLayout->setContentsMargins(0, 0, 0, 0);
    panelLayout->setSpacing(2);
    panelLayout->addWidget(m_view, 1);
    panelLayout->addWidget(m_tlsFailureBar);
}

void ConnectionsPanel::connectSignals() {
    const Actions &a = m_actions;
    connect(a.newListener, &QAction::triggered, this, &ConnectionsPanel::onNewListenerActionTriggered);
    connect(a.connect, &QAction::triggered, this, &ConnectionsPanel::onConnectActionTriggered);
    connect(a.openUdp, &QAction::triggered, this, &ConnectionsPanel::onOpenUdpActionTriggered);
    connect(a.newRelay, &QAction::triggered, this, &ConnectionsPanel::onNewRelayActionTriggered);
    connect(a.close, &QAction::triggered, this, &ConnectionsPanel::onCloseActionTriggered);
    connect(a.abort, &QAction::triggered, this, &ConnectionsPanel::onAbortActionTriggered);
    connect(a.socketOptions, &QAction::triggered, this, &ConnectionsPanel::onSocketOptionsActionTriggered);
    connect(a.closeAll, &QAction::triggered, this, &ConnectionsPanel::closeAll);
    connect(a.clearClosed, &QAction::triggered, this, &ConnectionsPanel::onClearClosedActionTriggered);
    connect(a.closeCapture, &QAction::triggered, this, &ConnectionsPanel::onCloseCaptureActionTriggered);
    connect(a.autoReply, &QAction::triggered, this, &ConnectionsPanel::onAutoReplyActionTriggered);
    connect(a.rules, &QAction::triggered, this, &ConnectionsPanel::onRulesActionTriggered);
    connect(a.startTls, &QAction::triggered, this, &ConnectionsPanel::onStartTlsActionTriggered);
    connect(a.framing, &QAction::triggered, this, &ConnectionsPanel::onFramingActionTriggered);

    connect(m_model, &QAbstractItemModel::rowsInserted, this, &ConnectionsPanel::updateFirstRunHint);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &ConnectionsPanel::updateFirstRunHint);
    connect(m_model, &QAbstractItemModel::modelReset, this, &ConnectionsPanel::updateFirstRunHint);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &ConnectionsPanel::onViewCurrentRowChanged);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &ConnectionsPanel::onModelRowsInserted);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &ConnectionsPanel::scheduleUpdateActions);

    m_actionsTimer.setSingleShot(true);
    m_actionsTimer.setInterval(0);
    connect(&m_actionsTimer, &QTimer::timeout, this, &ConnectionsPanel::updateActions);
    m_selectionRefreshTimer.setSingleShot(true);
    m_selectionRefreshTimer.setInterval(SelectionRefreshMs);
    connect(&m_selectionRefreshTimer, &QTimer::timeout, this, &ConnectionsPanel::onViewCurrentRowChanged);

    Workbench *wb = m_workbench;
    connect(wb, &Workbench::connectFailed, this, &ConnectionsPanel::onWorkbenchConnectFailed);
    connect(wb, &Workbench::connectionAccepted, this, &ConnectionsPanel::onWorkbenchConnectionAccepted);
    // A client leg's conversation takes in its target leg once the relay opens it.
    connect(wb, &Workbench::relayLegOpened, this,
            [this](EndpointId leg, EndpointId relay, EndpointId clientLeg) {
                onWorkbenchConnectionAccepted(leg, relay);
                if (clientLeg != 0)
                    onWorkbenchConnectionAccepted(leg, clientLeg);
            });
    connect(wb, &Workbench::stateChanged, this, &ConnectionsPanel::onWorkbenchStateChanged);
    // Start TLS is for plaintext connections only: a handshake under way changes what is allowed.
    connect(wb, &Workbench::tlsChanged, this, &ConnectionsPanel::onWorkbenchStateChanged);
}

void ConnectionsPanel::addContextAction(QAction *action) {
    m_view->insertAction(m_actions.closeAll, action);
}

// ---- the selection ----

void ConnectionsPanel::selectEndpoint(EndpointId id) {
    const QModelIndex index = m_model->indexOf(id);
    if (index.isValid())
        m_view->setCurrentIndex(index);
}

EndpointId ConnectionsPanel::selectedEndpoint() const {
    return m_model->endpointAt(m_view->currentIndex());
}

QSet<EndpointId> ConnectionsPanel::endpointAndItsConnections(EndpointId id) const {
    QSet<EndpointId> ids;
    if (id == 0)
        return ids;
    ids.insert(id);
    for (EndpointId client : m_workbench->connectionsOf(id))
        ids.insert(client);
    // A relayed connection is one conversation: either leg brings the other.
    if (const EndpointId peer = m_workbench->info(id).relayPeer; peer != 0)
        ids.insert(peer);
    return ids;
}

void ConnectionsPanel::onViewCurrentRowChanged() {
    const EndpointId id = selectedEndpoint();
    Q_EMIT selectionChanged(id, endpointAndItsConnections(id));
    updateActions();
}

void ConnectionsPanel::onModelRowsInserted(const QModelIndex &parent) {
    // Accepted connections appear under their listener; show them without a click.
    if (parent.isValid())
        m_view->expand(parent);
    scheduleUpdateActions();
}

void ConnectionsPanel::onWorkbenchConnectionAccepted(EndpointId, EndpointId listener) {
    // A listener's filter and conversation cover its clients, including ones accepted later.
    if (listener != 0 && listener == selectedEndpoint() && !m_selectionRefreshTimer.isActive())
        m_selectionRefreshTimer.start();
}

void ConnectionsPanel::onWorkbenchStateChanged(EndpointId id) {
    if (id == selectedEndpoint())
        updateActions();
}

void ConnectionsPanel::scheduleUpdateActions() {
    if (!m_actionsTimer.isActive())
        m_actionsTimer.start();
}

void ConnectionsPanel::updateActions() {
    const EndpointId id = selectedEndpoint();
    const EndpointInfo info = m_workbench->info(id);
    const bool open = id != 0 && !isFinal(info.state);
    // A relay forwards what it gets: it neither answers on its own nor by rules.
    const bool relay = info.relay.has_value();
    const Actions &a = m_actions;
    a.close->setEnabled(open);
    a.abort->setEnabled(open && info.kind == EndpointKind::TcpConnection);
    a.autoReply->setEnabled(open && !relay && info.kind != EndpointKind::TcpConnection);
    a.rules->setEnabled(open && !relay); // listeners, UDP sockets and TCP connections all take rules
    a.socketOptions->setEnabled(open);
    a.framing->setEnabled(open && info.kind != EndpointKind::UdpSocket);
    a.startTls->setEnabled(info.kind == EndpointKind::TcpConnection &&
                           info.state == EndpointState::Connected && !info.tls);
    bool anyOpen = false;
    bool anyFinal = false;
    for (const EndpointInfo &e : m_workbench->endpoints()) {
        if (!e.isFromCapture()) // Clear closed leaves captures alone
            (isFinal(e.state) ? anyFinal : anyOpen) = true;
    }
    a.closeAll->setEnabled(anyOpen);
    a.clearClosed->setEnabled(anyFinal);
    a.closeCapture->setEnabled(m_model->captureRowOf(m_view->currentIndex()).isValid());
    Q_EMIT actionsUpdated();
}

void ConnectionsPanel::updateFirstRunHint() {
    // The shortcuts are read from the actions, so the hint follows them if they ever change.
    m_firstRunHint->setText(
        tr("Start a listener (%1), connect (%2) or stand in the middle with New relay… (%3)")
            .arg(m_actions.newListener->shortcut().toString(QKeySequence::NativeText),
                 m_actions.connect->shortcut().toString(QKeySequence::NativeText),
                 m_actions.newRelay->shortcut().toString(QKeySequence::NativeText)));
    m_firstRunHint->setVisible(m_model->rowCount() == 0);
}

// ---- opening endpoints ----

void ConnectionsPanel::onNewListenerActionTriggered() {
    openEndpointDialog(EndpointKind::TcpListener);
}

void ConnectionsPanel::onConnectActionTriggered() {
    openEndpointDialog(EndpointKind::TcpConnection);
}

void ConnectionsPanel::onOpenUdpActionTriggered() {
    openEndpointDialog(EndpointKind::UdpSocket);
}

void ConnectionsPanel::onNewRelayActionTriggered() {
    if (auto *open = findChild<RelayDialog *>(); open && open->isVisible()) {
        open->raise();
        open->activateWindow();
        return;
    }
    WindowSettings settings;
    auto *dialog = new RelayDialog(settings.recent(WindowSettings::Recent::Addresses), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // Relaying to the listener in sight is the common first step.
    const EndpointInfo selected = m_workbench->info(selectedEndpoint());
    if (selected.id != 0 && selected.kind == EndpointKind::TcpListener && !selected.relay &&
        selected.local.port != 0) {
        const QString ip = selected.local.ip;
        dialog->setTarget(!isWildcardAddress(ip)  ? ip
                          : selected.local.isV6() ? QStringLiteral("::1")
                                                  : QStringLiteral("127.0.0.1"),
                          selected.local.port);
    }
    connect(dialog, &QDialog::accepted, this, [this, dialog] { onRelayDialogAccepted(dialog); });
    dialog->open();
}

void ConnectionsPanel::onRelayDialogAccepted(RelayDialog *dialog) {
    const RelayDialog::Request r = dialog->request();
    const EndpointId id = m_workbench->startRelay(r.address, r.port, r.options);
    WindowSettings settings;
    settings.remember(WindowSettings::Recent::Addresses, r.address);
    m_model->addEndpoint(id);
    SessionEndpoint opened;
    opened.kind = r.options.udp ? EndpointKind::UdpSocket : EndpointKind::TcpListener;
    opened.host = r.address;
    opened.port = r.port;
    opened.relay = SessionRelay{r.options};
    m_model->setOpenedAs(id, opened);
    selectEndpoint(id);
}

void ConnectionsPanel::openEndpointDialog(EndpointKind kind) {
    if (auto *open = findChild<EndpointDialog *>(); open && open->isVisible()) {
        open->setKind(kind);
        open->raise();
        open->activateWindow();
        return;
    }
    WindowSettings settings;
    auto *dialog = new EndpointDialog(kind, settings.recent(WindowSettings::Recent::Addresses),
                                      settings.recent(WindowSettings::Recent::Ports), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (kind == EndpointKind::TcpConnection) {
        // Connecting to the listener in sight is the common first step; else where the last went.
        const EndpointInfo selected = m_workbench->info(selectedEndpoint());
        if (selected.id != 0 && selected.kind == EndpointKind::TcpListener && selected.local.port != 0) {
            const QString ip = selected.local.ip;
            const QString host = !isWildcardAddress(ip)  ? ip
                                 : selected.local.isV6() ? QStringLiteral("::1")
                                                         : QStringLiteral("127.0.0.1");
            dialog->setConnectTarget(host, selected.local.port);
        } else {
            const QSettings &values = settings.values();
            dialog->setConnectTarget(values.value(QStringLiteral("connect/lastHost")).toString(),
                                     quint16(values.value(QStringLiteral("connect/lastPort")).toUInt()));
        }
    }
    connect(dialog, &QDialog::accepted, this, [this, dialog] { onEndpointDialogAccepted(dialog); });
    dialog->open();
}

void ConnectionsPanel::onEndpointDialogAccepted(EndpointDialog *dialog) {
    const EndpointDialog::Request r = dialog->request();
    WindowSettings settings;
    EndpointId id = 0;
    switch (r.kind) {
    case EndpointKind::TcpListener:
        id = m_workbench->startTcpListener(r.address, r.port, r.listener);
        break;
    case EndpointKind::TcpConnection:
        id = m_workbench->connectTcp(r.address, r.port, r.connect);
        if (r.connect.tls)
            m_tlsConnects.insert(id, TlsConnect{r.address, r.port, r.connect});
        settings.values().setValue(QStringLiteral("connect/lastHost"), r.address);
        settings.values().setValue(QStringLiteral("connect/lastPort"), r.port);
        settings.remember(WindowSettings::Recent::Ports, QString::number(r.port));
        break;
    case EndpointKind::UdpSocket:
        id = m_workbench->bindUdp(r.address, r.port, r.udp);
        break;
    }
    settings.remember(WindowSettings::Recent::Addresses, r.address);
    m_model->addEndpoint(id);
    m_model->setOpenedAs(id, SessionController::describe(r));
    selectEndpoint(id);
}

// ---- the selected endpoint ----

void ConnectionsPanel::onCloseActionTriggered() {
    const EndpointId id = selectedEndpoint();
    if (id != 0)
        m_workbench->close(id);
}

void ConnectionsPanel::onAbortActionTriggered() {
    const EndpointId id = selectedEndpoint();
    if (id != 0 && m_workbench->info(id).kind == EndpointKind::TcpConnection)
        m_workbench->abort(id);
}

void ConnectionsPanel::onAutoReplyActionTriggered() {
    const EndpointInfo info = m_workbench->info(selectedEndpoint());
    if (info.id == 0 || isFinal(info.state) || info.kind == EndpointKind::TcpConnection)
        return;
    auto *dialog = new AutoReplyDialog(info.id, info.kind, info.autoReply, info.greeting, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        // The endpoint may have ended while the form was open; the Workbench then refuses.
        if (!m_workbench->setAutoReply(dialog->endpoint(), dialog->reply(), dialog->greeting()))
            Q_EMIT message(tr("#%1 is closed: its auto-reply cannot change any more").arg(dialog->endpoint()),
                           true);
    });
    dialog->open();
}

void ConnectionsPanel::onSocketOptionsActionTriggered() {
    const EndpointId id = selectedEndpoint();
    if (id == 0 || isFinal(m_workbench->info(id).state))
        return;
    auto *dialog = new SocketOptionsDialog(m_workbench, id, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void ConnectionsPanel::onRulesActionTriggered() {
    const EndpointInfo info = m_workbench->info(selectedEndpoint());
    if (info.id == 0 || isFinal(info.state))
        return;
    // One rules dialog per socket: asking again brings the open one forward.
    for (RulesDialog *open : findChildren<RulesDialog *>()) {
        if (open->endpoint() == info.id && open->isVisible()) {
            open->raise();
            open->activateWindow();
            return;
        }
    }
    // Non-modal: the user watches the log and the hit counts while editing.
    auto *dialog = new RulesDialog(m_workbench, info.id, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void ConnectionsPanel::onFramingActionTriggered() {
    auto *dialog = new FramingDialog(m_workbench, selectedEndpoint(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void ConnectionsPanel::onStartTlsActionTriggered() {
    const EndpointInfo info = m_workbench->info(selectedEndpoint());
    if (info.id == 0 || info.kind != EndpointKind::TcpConnection || info.state != EndpointState::Connected ||
        info.tls)
        return;
    // An accepted connection usually serves; one we opened is usually the client.
    auto *dialog = new StartTlsDialog(info.id, info.listener != 0, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const EndpointId id = dialog->endpoint();
        // The connection may have closed while the form was open; the Workbench then refuses and
        // sendFailed() says why, in the composer.
        const bool started = dialog->asServer() ? m_workbench->startTlsServer(id, dialog->serverOptions())
                                                : m_workbench->startTls(id, dialog->clientOptions());
        if (started)
            Q_EMIT message(tr("Connection #%1: TLS handshake started").arg(id), false);
    });
    dialog->open();
}

// ---- all endpoints ----

void ConnectionsPanel::closeAll() {
    const QList<EndpointId> ids = m_workbench->endpoints().keys();
    for (EndpointId id : ids) {
        if (!isFinal(m_workbench->info(id).state))
            m_workbench->close(id);
    }
}

void ConnectionsPanel::onClearClosedActionTriggered() {
    m_model->clearClosed();
    // What the window remembers of connections that are gone goes with them.
    for (auto it = m_tlsConnects.begin(); it != m_tlsConnects.end();) {
        if (!m_workbench->endpoints().contains(it.key()))
            it = m_tlsConnects.erase(it);
        else
            ++it;
    }
    if (m_tlsFailureEndpoint != 0 && !m_workbench->endpoints().contains(m_tlsFailureEndpoint))
        hideTlsFailure();
    updateActions();
}

void ConnectionsPanel::onCloseCaptureActionTriggered() {
    m_model->closeCapture(m_view->currentIndex());
    updateActions();
}

// ---- a refused certificate ----

void ConnectionsPanel::onWorkbenchConnectFailed(EndpointId id, const QString &reason) {
    const EndpointInfo info = m_workbench->info(id);
    // Opened by the form, or by a session: either way the panel knows how to open it again.
    const std::optional<SessionEndpoint> opened = m_model->openedAs(id);
    if (info.tls && info.tls->verificationFailed &&
        (m_tlsConnects.contains(id) || (opened && opened->tlsClient)))
        showTlsFailure(id, reason);
}

void ConnectionsPanel::showTlsFailure(EndpointId id, const QString &reason) {
    const EndpointInfo info = m_workbench->info(id);
    m_tlsFailureEndpoint = id;
    m_tlsFailureLabel->setText(tr("⚠ Connection #%1 to %2 refused the server's certificate: %3")
                                   .arg(id)
                                   .arg(formatHostPort(info.requestedHost, info.requestedPort), reason));
    m_tlsFailureBar->show();
}

void ConnectionsPanel::hideTlsFailure() {
    m_tlsFailureEndpoint = 0;
    m_tlsFailureBar->hide();
}

void ConnectionsPanel::onConnectAnywayButtonClicked() {
    const EndpointId failed = m_tlsFailureEndpoint;
    std::optional<SessionEndpoint> opened = m_model->openedAs(failed);
    const auto it = m_tlsConnects.constFind(failed);
    hideTlsFailure();
    // Everything as asked, but the certificate: the name, ALPN and client certificate still go.
    const auto insecure = [](TlsClientOptions tls) {
        tls.verify = TlsVerify::None;
        tls.caFile.clear();
        return tls;
    };
    EndpointId id = 0;
    if (it != m_tlsConnects.constEnd() && it->options.tls) {
        TlsConnect again = *it;
        again.options.tls = insecure(*again.options.tls);
        id = m_workbench->connectTcp(again.host, again.port, again.options);
        m_tlsConnects.insert(id, again);
        if (opened) // a session saved now reopens it as it now is: without the check
            opened->tlsClient = again.options.tls;
    } else if (opened && opened->tlsClient) {
        // Opened from a session file: opened again the same way.
        opened->tlsClient = insecure(*opened->tlsClient);
        id = openSessionEndpoint(*m_workbench, *opened);
    } else {
        return;
    }
    m_model->addEndpoint(id);
    if (opened)
        m_model->setOpenedAs(id, *opened);
    selectEndpoint(id);
    const EndpointInfo info = m_workbench->info(id);
    Q_EMIT message(tr("Connection #%1 to %2 does not check the server's certificate")
                       .arg(id)
                       .arg(formatHostPort(info.requestedHost, info.requestedPort)),
                   false);
}

} // namespace sockbench
