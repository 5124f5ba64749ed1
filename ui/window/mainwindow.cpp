#include "window/mainwindow.h"

#include "dialogs/autoreplydialog.h"
#include "dialogs/endpointdialog.h"
#include "dialogs/framingfield.h"
#include "dialogs/relaydialog.h"
#include "dialogs/rulesdialog.h"
#include "dialogs/shortcutsdialog.h"
#include "dialogs/socketoptionsdialog.h"
#include "dialogs/starttlsdialog.h"
#include "engine/workbench.h"
#include "language/address.h"
#include "language/payload.h"
#include "library/payloadlibrary.h"
#include "models/connectionmodel.h"
#include "models/journalfeed.h"
#include "models/trafficmodel.h"
#include "panels/composer.h"
#include "panels/detailpane.h"
#include "panels/librarypanel.h"
#include "panels/logpanel.h"
#include "panels/statussummary.h"
#include "session/session.h"
#include "style/presentation.h"
#include "views/hexview.h"
#include "window/capturecontroller.h"
#include "window/sessioncontroller.h"
#include "window/windowsettings.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

// Q_INIT_RESOURCE must run outside any namespace: the resources live in a static library.
static void initSockbenchResources() {
    Q_INIT_RESOURCE(sockbench);
}

namespace sockbench {

namespace {

constexpr int StatusMessageMs = 10000;
constexpr int ErrorMessageMs = 20000;
constexpr int SelectionRefreshMs = 200;

QIcon resourceIcon(const char *name, QStyle::StandardPixmap fallback) {
    QIcon icon(QStringLiteral(":/icons/%1.png").arg(QLatin1String(name)));
    if (icon.isNull())
        icon = QApplication::style()->standardIcon(fallback);
    return icon;
}

} // namespace

MainWindow::MainWindow(QWidget *parent)
    : MainWindow(WorkbenchConfig{}, parent) {}

MainWindow::MainWindow(const WorkbenchConfig &config, QWidget *parent)
    : QMainWindow(parent)
    , m_workbench(std::make_unique<Workbench>(config)) {
    initSockbenchResources();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Sockbench"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/sockbench.png")));
    resize(1280, 800);

    // The feed paces every view that follows the journal; each one connects itself to it.
    m_feed = new JournalFeed(m_workbench.get(), this);
    m_connectionModel = new ConnectionModel(m_workbench.get(), this);
    m_composer = new Composer(m_workbench.get(), this);
    m_composer->setObjectName(QStringLiteral("composer"));
    m_logPanel = new LogPanel(m_workbench.get(), m_feed, this);
    m_detailPane = new DetailPane(m_workbench.get(), m_feed, this);
    m_statusSummary = new StatusSummary(m_workbench.get(), this);
    m_sessions = new SessionController(m_workbench.get(), m_connectionModel, this);
    createActions();
    m_captures = new CaptureController(
        m_workbench.get(), this, statusBar(), [this] { return selectedEndpoint(); },
        [this] { return m_logPanel->selectedRecords(); }, this);
    auto *exportRows = new QAction(tr("Export selected rows..."), this);
    exportRows->setObjectName(QStringLiteral("exportRowsAction"));
    connect(exportRows, &QAction::triggered, m_captures, [this] { m_captures->showExportDialog(1); });
    m_logPanel->addContextAction(exportRows);
    auto *exportConnection = new QAction(tr("Export this connection..."), this);
    exportConnection->setObjectName(QStringLiteral("exportConnectionAction"));
    connect(exportConnection, &QAction::triggered, m_captures, [this] {
        // The connection of the log row the menu was opened on, else the selected one.
        const QList<quint64> rows = m_logPanel->selectedRecords();
        Record record;
        const EndpointId endpoint =
            !rows.isEmpty() && m_workbench->journal().record(rows.constFirst(), &record, false)
                ? record.endpoint
                : 0;
        m_captures->showExportDialog(2, endpoint);
    });
    m_logPanel->addContextAction(exportConnection);

    m_leftSplitter = new QSplitter(Qt::Vertical, this);
    m_leftSplitter->setObjectName(QStringLiteral("leftSplitter"));
    m_leftSplitter->addWidget(createConnectionsPanel());
    m_leftSplitter->addWidget(m_composer);
    m_leftSplitter->setStretchFactor(0, 3);
    m_leftSplitter->setStretchFactor(1, 2);

    m_rightSplitter = new QSplitter(Qt::Vertical, this);
    m_rightSplitter->setObjectName(QStringLiteral("rightSplitter"));
    m_rightSplitter->addWidget(m_logPanel);
    m_rightSplitter->addWidget(m_detailPane);
    m_rightSplitter->setStretchFactor(0, 3);
    m_rightSplitter->setStretchFactor(1, 2);

    m_mainSplitter = new QSplitter(Qt::Horizontal, this);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_mainSplitter->addWidget(m_leftSplitter);
    m_mainSplitter->addWidget(m_rightSplitter);
    m_mainSplitter->setStretchFactor(0, 2);
    m_mainSplitter->setStretchFactor(1, 3);
    setCentralWidget(m_mainSplitter);
    // First-run proportions; saved ones replace them in loadSettings().
    m_mainSplitter->setSizes({700, 740});
    m_leftSplitter->setSizes({560, 220});
    m_rightSplitter->setSizes({500, 280});
    statusBar()->addPermanentWidget(m_statusSummary);
    createLibraryDock();

    createMenusAndToolBar();
    wireParts();
    wireWorkbench();

    setTabOrder(m_connectionsView, m_composer);
    setTabOrder(m_composer, m_logPanel);

    loadSettings();
    updateActions();
    m_composer->setTarget(0);
}

MainWindow::~MainWindow() {
    // The parts read the workbench; take them down before it goes.
    m_workbench->disconnect(this);
    // Its reader, export and recorder threads read the journal: they stop first.
    delete m_captures;
    delete m_libraryDock; // it sends through the composer
    delete takeCentralWidget();
    delete m_statusSummary;
    delete m_connectionModel;
    delete m_feed;
}

TrafficModel *MainWindow::trafficModel() const {
    return m_logPanel->model();
}

void MainWindow::createActions() {
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
    m_newListenerAction =
        make(QStringLiteral("newListenerAction"), tr("New &listener..."), QKeySequence(Qt::CTRL | Qt::Key_L),
             resourceIcon("listener", QStyle::SP_MediaPlay), tr("Start a TCP listener"));
    m_connectAction =
        make(QStringLiteral("connectAction"), tr("&Connect..."), QKeySequence(Qt::CTRL | Qt::Key_N),
             resourceIcon("connect", QStyle::SP_ArrowRight), tr("Open a TCP connection to a server"));
    m_openUdpAction =
        make(QStringLiteral("openUdpAction"), tr("Open &UDP socket..."), QKeySequence(Qt::CTRL | Qt::Key_U),
             resourceIcon("udp", QStyle::SP_DriveNetIcon), tr("Bind a UDP socket"));
    m_newRelayAction = make(
        QStringLiteral("newRelayAction"), tr("New &relay..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N),
        resourceIcon("relay", QStyle::SP_BrowserReload),
        tr("Stand between a client and a server: relay each client to a target, with faults on purpose"));
    m_closeAction = make(QStringLiteral("closeAction"), tr("Cl&ose"), QKeySequence(Qt::CTRL | Qt::Key_W),
                         resourceIcon("close", QStyle::SP_DialogCloseButton),
                         tr("Close the selected connection gracefully (FIN), or stop the selected listener"));
    m_abortAction =
        make(QStringLiteral("abortAction"), tr("&Abort (RST)"),
             QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W), resourceIcon("abort", QStyle::SP_BrowserStop),
             tr("Abort the selected connection: the peer sees a reset"));
    m_socketOptionsAction = make(QStringLiteral("socketOptionsAction"), tr("Socket o&ptions..."),
                                 QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), {},
                                 tr("Change the selected socket's options (TCP_NODELAY, keepalive, buffers, "
                                    "TOS, …) while it is open"));
    m_framingAction = make(QStringLiteral("framingAction"), tr("&Framing..."), {}, {},
                           tr("Change how the selected TCP listener or connection is split into messages"));
    m_startTlsAction = make(QStringLiteral("startTlsAction"), tr("Start &TLS..."), {}, {},
                            tr("Upgrade the selected plaintext TCP connection to TLS, as STARTTLS does"));
    m_closeAllAction =
        make(QStringLiteral("closeAllAction"), tr("Close &all"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_W),
             resourceIcon("closeall", QStyle::SP_DialogDiscardButton),
             tr("Close every listener, connection and socket"));
    m_clearClosedAction = make(
        QStringLiteral("clearClosedAction"), tr("Clear c&losed"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K), resourceIcon("clear", QStyle::SP_DialogResetButton),
        tr("Remove closed, reset and failed rows from the connections panel (the log keeps their traffic)"));
    m_autoReplyAction =
        make(QStringLiteral("autoReplyAction"), tr("Auto-&reply..."), QKeySequence(Qt::CTRL | Qt::Key_R), {},
             tr("Change what the selected listener or UDP socket answers on its own"));
    m_rulesAction =
        make(QStringLiteral("rulesAction"), tr("R&ules..."), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
             {}, tr("Edit the response rules the selected socket answers messages by"));
    m_clearLogAction = make(QStringLiteral("clearLogAction"), tr("Clear &log..."),
                            QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L), {},
                            tr("Empty the log and the conversation; the byte counters stay"));
    m_hexPreviewAction =
        make(QStringLiteral("hexPreviewAction"), tr("&Hex preview"), QKeySequence(Qt::CTRL | Qt::Key_H), {},
             tr("Show the log's data column in hex"));
    m_hexPreviewAction->setCheckable(true);
    m_timeDeltaAction =
        make(QStringLiteral("timeDeltaAction"), tr("&Time since previous"),
             QKeySequence(Qt::CTRL | Qt::Key_T), {}, tr("Show the time since the previous row"));
    m_timeDeltaAction->setCheckable(true);
    m_followAction = make(QStringLiteral("followAction"), tr("&Follow new records"),
                          QKeySequence(Qt::CTRL | Qt::Key_End), resourceIcon("follow", QStyle::SP_ArrowDown),
                          tr("Keep the newest record in sight; scrolling up pauses it"));
    m_followAction->setCheckable(true);
    m_followAction->setChecked(m_logPanel->isFollowing());
    m_quitAction = make(QStringLiteral("quitAction"), tr("&Quit"), QKeySequence::Quit, {},
                        tr("Close every socket and quit"));
    m_saveSessionAction =
        make(QStringLiteral("saveSessionAction"), tr("&Save session..."), QKeySequence::Save, {},
             tr("Save the open listeners, clients and UDP sockets to a session file"));
    m_openSessionAction =
        make(QStringLiteral("openSessionAction"), tr("&Open session..."), QKeySequence::Open, {},
             tr("Open the listeners, clients and UDP sockets of a session file"));
    m_reopenSessionAction = make(QStringLiteral("reopenSessionAction"), tr("&Reopen last session at start"),
                                 {}, {}, tr("At start, open the session file saved or opened last"));
    m_reopenSessionAction->setCheckable(true);
    m_aboutAction = make(QStringLiteral("aboutAction"), tr("&About Sockbench"), {}, {},
                         tr("Version, Qt version and build of this Sockbench"));
    m_shortcutsAction = make(QStringLiteral("shortcutsAction"), tr("&Keyboard shortcuts"), {}, {},
                             tr("Every keyboard shortcut of the window"));
}

void MainWindow::createMenusAndToolBar() {
    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->addAction(m_newListenerAction);
    fileMenu->addAction(m_connectAction);
    fileMenu->addAction(m_openUdpAction);
    fileMenu->addAction(m_newRelayAction);
    fileMenu->addSeparator();
    fileMenu->addAction(m_openSessionAction);
    fileMenu->addAction(m_saveSessionAction);
    fileMenu->addAction(m_reopenSessionAction);
    fileMenu->addSeparator();
    fileMenu->addAction(m_captures->openCaptureAction());
    fileMenu->addAction(m_captures->exportAction());
    fileMenu->addAction(m_captures->recordAction());
    fileMenu->addSeparator();
    fileMenu->addAction(m_quitAction);

    QMenu *connectionMenu = menuBar()->addMenu(tr("&Connection"));
    connectionMenu->addAction(m_closeAction);
    connectionMenu->addAction(m_abortAction);
    connectionMenu->addAction(m_autoReplyAction);
    connectionMenu->addAction(m_rulesAction);
    connectionMenu->addAction(m_socketOptionsAction);
    connectionMenu->addAction(m_framingAction);
    connectionMenu->addAction(m_startTlsAction);
    connectionMenu->addAction(m_captures->replayAction());
    connectionMenu->addSeparator();
    connectionMenu->addAction(m_closeAllAction);
    connectionMenu->addAction(m_clearClosedAction);

    QMenu *viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(m_hexPreviewAction);
    viewMenu->addAction(m_timeDeltaAction);
    viewMenu->addAction(m_logPanel->messagesAction());
    viewMenu->addAction(m_followAction);
    viewMenu->addAction(m_clearLogAction);
    viewMenu->addSeparator();
    auto focusAction = [this, viewMenu](const QString &text, int key, QWidget *target) {
        QAction *action =
            viewMenu->addAction(text, this, [target] { target->setFocus(Qt::ShortcutFocusReason); });
        action->setShortcut(QKeySequence(Qt::ALT | key));
    };
    focusAction(tr("Go to &connections"), Qt::Key_1, m_connectionsView);
    focusAction(tr("Go to the &log"), Qt::Key_2, m_logPanel->view());
    focusAction(tr("Go to the &composer"), Qt::Key_3, m_composer);
    focusAction(tr("Go to the &bytes"), Qt::Key_4, m_detailPane->hexView());
    QAction *findAction = viewMenu->addAction(tr("&Search the log"), m_logPanel, &LogPanel::focusSearch);
    findAction->setShortcut(QKeySequence::Find);
    viewMenu->addSeparator();
    viewMenu->addAction(m_libraryDock->toggleViewAction());

    QMenu *helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(m_shortcutsAction);
    helpMenu->addAction(m_aboutAction);

    QToolBar *toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addAction(m_newListenerAction);
    toolBar->addAction(m_connectAction);
    toolBar->addAction(m_openUdpAction);
    toolBar->addAction(m_newRelayAction);
    toolBar->addSeparator();
    toolBar->addAction(m_closeAction);
    toolBar->addAction(m_abortAction);
    toolBar->addAction(m_closeAllAction);
    toolBar->addAction(m_clearClosedAction);
    toolBar->addSeparator();
    toolBar->addAction(m_followAction);

    m_connectionsView->addActions({m_newListenerAction, m_connectAction, m_openUdpAction, m_newRelayAction,
                                   m_closeAction, m_abortAction, m_autoReplyAction, m_socketOptionsAction,
                                   m_closeAllAction, m_clearClosedAction});
    m_connectionsView->insertAction(m_socketOptionsAction, m_rulesAction);
    m_connectionsView->insertAction(m_closeAllAction, m_startTlsAction);
    m_connectionsView->insertAction(m_closeAllAction, m_captures->replayAction());
    m_logPanel->view()->addActions({m_hexPreviewAction, m_timeDeltaAction, m_followAction, m_clearLogAction});
}

QWidget *MainWindow::createConnectionsPanel() {
    m_connectionsView = new QTreeView(this);
    m_connectionsView->setObjectName(QStringLiteral("connectionsView"));
    m_connectionsView->setModel(m_connectionModel);
    m_connectionsView->setUniformRowHeights(true);
    m_connectionsView->setAllColumnsShowFocus(true);
    m_connectionsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_connectionsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_connectionsView->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_connectionsView->setToolTip(tr("Listeners with their clients, connections and UDP sockets"));
    QHeaderView *header = m_connectionsView->header();
    header->setStretchLastSection(false);
    header->resizeSection(ConnectionModel::NameColumn, 145);
    header->resizeSection(ConnectionModel::LocalColumn, 108);
    header->resizeSection(ConnectionModel::PeerColumn, 108);
    // Counts and states grow with the traffic: their columns are as wide as their largest content
    // can be, so "1,100,000" is never cut to "1,10…"; the tree scrolls sideways rather than
    // widening the window. Widths come from the font, not from ResizeToContents, which re-measured
    // the rows at every update and stalled a burst of 10,000 accepts for 89 ms.
    const QFontMetrics metrics(m_connectionsView->font());
    const int padding = 2 * m_connectionsView->style()->pixelMetric(QStyle::PM_FocusFrameHMargin) + 16;
    header->resizeSection(ConnectionModel::StateColumn, widestStateText(metrics) + padding + 20);
    for (int c = ConnectionModel::InColumn; c <= ConnectionModel::QueuedColumn; ++c)
        header->resizeSection(c,
                              std::max(metrics.horizontalAdvance(QStringLiteral("88,888,888,888")) + padding,
                                       header->sectionSizeHint(c)));

    m_firstRunHint = new QLabel(m_connectionsView->viewport());
    m_firstRunHint->setObjectName(QStringLiteral("firstRunHint"));
    m_firstRunHint->setWordWrap(true);
    m_firstRunHint->setAlignment(Qt::AlignCenter);
    m_firstRunHint->setForegroundRole(QPalette::PlaceholderText);
    m_firstRunHint->setAttribute(Qt::WA_TransparentForMouseEvents);
    auto *hintLayout = new QVBoxLayout(m_connectionsView->viewport());
    hintLayout->addWidget(m_firstRunHint, 0, Qt::AlignCenter);

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
    connect(m_connectAnywayButton, &QPushButton::clicked, this, &MainWindow::onConnectAnywayButtonClicked);
    connect(dismiss, &QToolButton::clicked, this, &MainWindow::hideTlsFailure);

    auto *panel = new QWidget(this);
    panel->setObjectName(QStringLiteral("connectionsPanel"));
    auto *panelLayout = new QVBoxLayout(panel);
    panelLayout->setContentsMargins(0, 0, 0, 0);
    panelLayout->setSpacing(2);
    panelLayout->addWidget(m_connectionsView, 1);
    panelLayout->addWidget(m_tlsFailureBar);
    return panel;
}

void MainWindow::createLibraryDock() {
    // A dock, not a tab: entries are dragged onto the connections panel, so both must be in sight.
    // Hidden at first, so that the window's first layout keeps its proportions (and fits 1024×640);
    // its place and visibility persist with the window's state.
    m_libraryPanel = new LibraryPanel(defaultLibraryPath(), m_composer, this);
    m_libraryDock = new QDockWidget(tr("Library"), this);
    m_libraryDock->setObjectName(QStringLiteral("libraryDock"));
    m_libraryDock->setWidget(m_libraryPanel);
    QAction *toggle = m_libraryDock->toggleViewAction();
    toggle->setObjectName(QStringLiteral("libraryAction"));
    toggle->setText(tr("&Library"));
    toggle->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
    toggle->setStatusTip(tr("Show or hide the library of saved payloads"));
    addDockWidget(Qt::LeftDockWidgetArea, m_libraryDock);
    m_libraryDock->hide();
    addActions(m_libraryPanel->sendShortcutActions());
    m_libraryPanel->acceptDropsOn(m_connectionsView);
    connect(m_composer, &Composer::saveToLibraryRequested, this,
            [this](const QString &payload, const PayloadSpec &spec) {
                m_libraryDock->show();
                m_libraryPanel->newEntryFrom(payload, spec);
            });
}

void MainWindow::wireParts() {
    connect(m_newListenerAction, &QAction::triggered, this, &MainWindow::onNewListenerActionTriggered);
    connect(m_connectAction, &QAction::triggered, this, &MainWindow::onConnectActionTriggered);
    connect(m_openUdpAction, &QAction::triggered, this, &MainWindow::onOpenUdpActionTriggered);
    connect(m_newRelayAction, &QAction::triggered, this, &MainWindow::onNewRelayActionTriggered);
    connect(m_closeAction, &QAction::triggered, this, &MainWindow::onCloseActionTriggered);
    connect(m_abortAction, &QAction::triggered, this, &MainWindow::onAbortActionTriggered);
    connect(m_socketOptionsAction, &QAction::triggered, this, &MainWindow::onSocketOptionsActionTriggered);
    connect(m_closeAllAction, &QAction::triggered, this, &MainWindow::onCloseAllActionTriggered);
    connect(m_clearClosedAction, &QAction::triggered, this, &MainWindow::onClearClosedActionTriggered);
    connect(m_autoReplyAction, &QAction::triggered, this, &MainWindow::onAutoReplyActionTriggered);
    connect(m_rulesAction, &QAction::triggered, this, &MainWindow::onRulesActionTriggered);
    connect(m_startTlsAction, &QAction::triggered, this, &MainWindow::onStartTlsActionTriggered);
    connect(m_framingAction, &QAction::triggered, this, [this] {
        auto *dialog = new FramingDialog(m_workbench.get(), selectedEndpoint(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    connect(m_clearLogAction, &QAction::triggered, this, &MainWindow::onClearLogActionTriggered);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
    connect(m_saveSessionAction, &QAction::triggered, m_sessions, &SessionController::chooseFileAndSave);
    connect(m_openSessionAction, &QAction::triggered, m_sessions, &SessionController::chooseFileAndOpen);
    connect(m_sessions, &SessionController::opened, this, &MainWindow::selectEndpoint);
    connect(m_sessions, &SessionController::message, this, [this](const QString &text, bool error) {
        statusBar()->showMessage(text, error ? ErrorMessageMs : StatusMessageMs);
    });
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::onAboutActionTriggered);
    connect(m_shortcutsAction, &QAction::triggered, this, &MainWindow::onShortcutsActionTriggered);
    connect(m_connectionModel, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateFirstRunHint);
    connect(m_connectionModel, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateFirstRunHint);
    connect(m_connectionModel, &QAbstractItemModel::modelReset, this, &MainWindow::updateFirstRunHint);
    updateFirstRunHint();

    connect(m_hexPreviewAction, &QAction::toggled, m_logPanel, &LogPanel::setHexPreview);
    connect(m_timeDeltaAction, &QAction::toggled, m_logPanel, &LogPanel::setTimeDelta);
    connect(m_followAction, &QAction::toggled, m_logPanel, &LogPanel::setFollowing);
    connect(m_logPanel, &LogPanel::followingChanged, m_followAction, &QAction::setChecked);
    connect(m_logPanel, &LogPanel::currentRecordChanged, m_detailPane, &DetailPane::showRecord);
    connect(m_logPanel, &LogPanel::currentRecordCleared, m_detailPane, &DetailPane::clearRecord);
    connect(m_logPanel, &LogPanel::sendAgainRequested, m_composer, &Composer::setPayloadBytes);
    connect(m_logPanel, &LogPanel::showBytesRequested, this, &MainWindow::onLogPanelShowBytesRequested);

    connect(m_connectionsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::onConnectionsViewCurrentRowChanged);
    connect(m_connectionModel, &QAbstractItemModel::rowsInserted, this,
            &MainWindow::onConnectionModelRowsInserted);
    connect(m_connectionModel, &QAbstractItemModel::dataChanged, this, &MainWindow::scheduleUpdateActions);

    m_actionsTimer.setSingleShot(true);
    m_actionsTimer.setInterval(0);
    connect(&m_actionsTimer, &QTimer::timeout, this, &MainWindow::updateActions);
    m_selectionRefreshTimer.setSingleShot(true);
    m_selectionRefreshTimer.setInterval(SelectionRefreshMs);
    connect(&m_selectionRefreshTimer, &QTimer::timeout, this,
            &MainWindow::onConnectionsViewCurrentRowChanged);
}

void MainWindow::wireWorkbench() {
    Workbench *wb = m_workbench.get();
    connect(wb, &Workbench::listenerStarted, this, &MainWindow::onWorkbenchListenerStarted);
    connect(wb, &Workbench::listenerFailed, this, &MainWindow::onWorkbenchListenerFailed);
    connect(wb, &Workbench::connectFailed, this, &MainWindow::onWorkbenchConnectFailed);
    connect(wb, &Workbench::udpFailed, this, &MainWindow::onWorkbenchUdpFailed);
    connect(wb, &Workbench::sendFailed, this, &MainWindow::onWorkbenchSendFailed);
    connect(wb, &Workbench::connectionAccepted, this, &MainWindow::onWorkbenchConnectionAccepted);
    // A client leg's conversation takes in its target leg once the relay opens it.
    connect(wb, &Workbench::relayLegOpened, this,
            [this](EndpointId leg, EndpointId relay, EndpointId clientLeg) {
                onWorkbenchConnectionAccepted(leg, relay);
                if (clientLeg != 0)
                    onWorkbenchConnectionAccepted(leg, clientLeg);
            });
    connect(wb, &Workbench::stateChanged, this, &MainWindow::onWorkbenchStateChanged);
    connect(wb, &Workbench::autoReplyChanged, this, &MainWindow::onWorkbenchAutoReplyChanged);
    // Start TLS is for plaintext connections only: a handshake under way changes what is allowed.
    connect(wb, &Workbench::tlsChanged, this, &MainWindow::onWorkbenchStateChanged);
}

void MainWindow::onWorkbenchListenerStarted(EndpointId id, const NetAddress &local) {
    if (const EndpointInfo info = m_workbench->info(id); info.relay) {
        statusBar()->showMessage(
            tr("Relay #%1 relays %2 to %3")
                .arg(id)
                .arg(local.toString(), formatHostPort(info.relay->targetHost, info.relay->targetPort)),
            StatusMessageMs);
        return;
    }
    statusBar()->showMessage(tr("Listener #%1 is listening on %2").arg(id).arg(local.toString()),
                             StatusMessageMs);
}

void MainWindow::onWorkbenchListenerFailed(EndpointId id, const QString &reason) {
    const EndpointInfo info = m_workbench->info(id);
    statusBar()->showMessage(tr("Listener #%1 cannot listen on %2: %3")
                                 .arg(id)
                                 .arg(formatHostPort(info.requestedHost, info.requestedPort), reason),
                             ErrorMessageMs);
}

void MainWindow::onWorkbenchConnectFailed(EndpointId id, const QString &reason) {
    statusBar()->showMessage(tr("Connection #%1 failed: %2").arg(id).arg(reason), ErrorMessageMs);
    const EndpointInfo info = m_workbench->info(id);
    // Opened by the form, or by a session: either way the window knows how to open it again.
    const std::optional<SessionEndpoint> opened = m_connectionModel->openedAs(id);
    if (info.tls && info.tls->verificationFailed &&
        (m_tlsConnects.contains(id) || (opened && opened->tlsClient)))
        showTlsFailure(id, reason);
}

void MainWindow::showTlsFailure(EndpointId id, const QString &reason) {
    const EndpointInfo info = m_workbench->info(id);
    m_tlsFailureEndpoint = id;
    m_tlsFailureLabel->setText(tr("⚠ Connection #%1 to %2 refused the server's certificate: %3")
                                   .arg(id)
                                   .arg(formatHostPort(info.requestedHost, info.requestedPort), reason));
    m_tlsFailureBar->show();
}

void MainWindow::hideTlsFailure() {
    m_tlsFailureEndpoint = 0;
    m_tlsFailureBar->hide();
}

void MainWindow::onConnectAnywayButtonClicked() {
    const EndpointId failed = m_tlsFailureEndpoint;
    std::optional<SessionEndpoint> opened = m_connectionModel->openedAs(failed);
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
    m_connectionModel->addEndpoint(id);
    if (opened)
        m_connectionModel->setOpenedAs(id, *opened);
    selectEndpoint(id);
    const EndpointInfo info = m_workbench->info(id);
    statusBar()->showMessage(tr("Connection #%1 to %2 does not check the server's certificate")
                                 .arg(id)
                                 .arg(formatHostPort(info.requestedHost, info.requestedPort)),
                             StatusMessageMs);
}

void MainWindow::onStartTlsActionTriggered() {
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
            statusBar()->showMessage(tr("Connection #%1: TLS handshake started").arg(id), StatusMessageMs);
    });
    dialog->open();
}

void MainWindow::onWorkbenchUdpFailed(EndpointId id, const QString &reason) {
    statusBar()->showMessage(tr("UDP socket #%1 failed: %2").arg(id).arg(reason), ErrorMessageMs);
}

void MainWindow::onWorkbenchSendFailed(EndpointId id, const QString &reason) {
    m_composer->showMessage(tr("Send on #%1 failed: %2").arg(id).arg(reason), true);
}

void MainWindow::onWorkbenchConnectionAccepted(EndpointId, EndpointId listener) {
    // A listener's filter and conversation cover its clients, including ones accepted later.
    if (listener != 0 && listener == selectedEndpoint() && !m_selectionRefreshTimer.isActive())
        m_selectionRefreshTimer.start();
}

void MainWindow::onWorkbenchStateChanged(EndpointId id) {
    if (id == selectedEndpoint())
        updateActions();
}

void MainWindow::onLogPanelShowBytesRequested(quint64 seq) {
    m_detailPane->showRecord(seq);
    HexView *hex = m_detailPane->hexView();
    // The hex view sits on one of the detail pane's tabs; bring that tab forward.
    if (auto *tabs = m_detailPane->findChild<QTabWidget *>()) {
        for (int i = 0; i < tabs->count(); ++i) {
            if (tabs->widget(i)->isAncestorOf(hex))
                tabs->setCurrentIndex(i);
        }
    }
    hex->setSelection(0, hex->data().size());
    hex->setFocus(Qt::OtherFocusReason);
}

void MainWindow::onConnectionModelRowsInserted(const QModelIndex &parent) {
    // Accepted connections appear under their listener; show them without a click.
    if (parent.isValid())
        m_connectionsView->expand(parent);
    scheduleUpdateActions();
}

void MainWindow::onNewListenerActionTriggered() {
    openEndpointDialog(EndpointKind::TcpListener);
}

void MainWindow::onConnectActionTriggered() {
    openEndpointDialog(EndpointKind::TcpConnection);
}

void MainWindow::onOpenUdpActionTriggered() {
    openEndpointDialog(EndpointKind::UdpSocket);
}

void MainWindow::onNewRelayActionTriggered() {
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

void MainWindow::onRelayDialogAccepted(RelayDialog *dialog) {
    const RelayDialog::Request r = dialog->request();
    const EndpointId id = m_workbench->startRelay(r.address, r.port, r.options);
    WindowSettings settings;
    settings.remember(WindowSettings::Recent::Addresses, r.address);
    m_connectionModel->addEndpoint(id);
    SessionEndpoint opened;
    opened.kind = r.options.udp ? EndpointKind::UdpSocket : EndpointKind::TcpListener;
    opened.host = r.address;
    opened.port = r.port;
    opened.relay = SessionRelay{r.options};
    m_connectionModel->setOpenedAs(id, opened);
    selectEndpoint(id);
}

void MainWindow::openEndpointDialog(EndpointKind kind) {
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

void MainWindow::onEndpointDialogAccepted(EndpointDialog *dialog) {
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
    m_connectionModel->addEndpoint(id);
    m_connectionModel->setOpenedAs(id, SessionController::describe(r));
    selectEndpoint(id);
}

void MainWindow::selectEndpoint(EndpointId id) {
    const QModelIndex index = m_connectionModel->indexOf(id);
    if (index.isValid())
        m_connectionsView->setCurrentIndex(index);
}

EndpointId MainWindow::selectedEndpoint() const {
    return m_connectionModel->endpointAt(m_connectionsView->currentIndex());
}

QSet<EndpointId> MainWindow::endpointAndItsConnections(EndpointId id) const {
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

void MainWindow::onConnectionsViewCurrentRowChanged() {
    const EndpointId id = selectedEndpoint();
    const QSet<EndpointId> ids = endpointAndItsConnections(id);
    m_composer->setTarget(id);
    m_detailPane->setConversationEndpoints(ids, id);
    m_detailPane->setSelectedEndpoint(id);
    m_logPanel->setSelectedEndpoints(ids);
    updateActions();
}

void MainWindow::scheduleUpdateActions() {
    if (!m_actionsTimer.isActive())
        m_actionsTimer.start();
}

void MainWindow::updateActions() {
    const EndpointId id = selectedEndpoint();
    const EndpointInfo info = m_workbench->info(id);
    const bool open = id != 0 && !isFinal(info.state);
    // A relay forwards what it gets: it neither answers on its own nor by rules.
    const bool relay = info.relay.has_value();
    m_closeAction->setEnabled(open);
    m_abortAction->setEnabled(open && info.kind == EndpointKind::TcpConnection);
    m_autoReplyAction->setEnabled(open && !relay && info.kind != EndpointKind::TcpConnection);
    m_rulesAction->setEnabled(open && !relay); // listeners, UDP sockets and TCP connections all take rules
    m_socketOptionsAction->setEnabled(open);
    m_framingAction->setEnabled(open && info.kind != EndpointKind::UdpSocket);
    m_startTlsAction->setEnabled(info.kind == EndpointKind::TcpConnection &&
                                 info.state == EndpointState::Connected && !info.tls);
    bool anyOpen = false;
    bool anyFinal = false;
    for (const EndpointInfo &e : m_workbench->endpoints()) {
        (isFinal(e.state) ? anyFinal : anyOpen) = true;
    }
    m_closeAllAction->setEnabled(anyOpen);
    m_clearClosedAction->setEnabled(anyFinal);
    m_captures->updateActions();
}

void MainWindow::onCloseActionTriggered() {
    const EndpointId id = selectedEndpoint();
    if (id != 0)
        m_workbench->close(id);
}

void MainWindow::onAbortActionTriggered() {
    const EndpointId id = selectedEndpoint();
    if (id != 0 && m_workbench->info(id).kind == EndpointKind::TcpConnection)
        m_workbench->abort(id);
}

void MainWindow::onAutoReplyActionTriggered() {
    const EndpointInfo info = m_workbench->info(selectedEndpoint());
    if (info.id == 0 || isFinal(info.state) || info.kind == EndpointKind::TcpConnection)
        return;
    auto *dialog = new AutoReplyDialog(info.id, info.kind, info.autoReply, info.greeting, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        // The endpoint may have ended while the form was open; the Workbench then refuses.
        if (!m_workbench->setAutoReply(dialog->endpoint(), dialog->reply(), dialog->greeting()))
            statusBar()->showMessage(
                tr("#%1 is closed: its auto-reply cannot change any more").arg(dialog->endpoint()),
                ErrorMessageMs);
    });
    dialog->open();
}

void MainWindow::onWorkbenchAutoReplyChanged(EndpointId id) {
    const EndpointInfo info = m_workbench->info(id);
    QString reply;
    switch (info.autoReply) {
    case AutoReply::None:
        reply = tr("only records traffic");
        break;
    case AutoReply::Echo:
        reply = tr("echoes");
        break;
    case AutoReply::Greeting:
        reply = tr("greets each new client with \"%1\"").arg(bytesToEscapedText(info.greeting));
        break;
    }
    statusBar()->showMessage(tr("#%1 now %2").arg(id).arg(reply), StatusMessageMs);
}

void MainWindow::onClearLogActionTriggered() {
    const quint64 shown = m_feed->shownCount();
    if (shown == 0) {
        statusBar()->showMessage(tr("The log is already empty"), StatusMessageMs);
        return;
    }
    // Window-modal and opened, not exec()uted: traffic keeps flowing while the question is up.
    auto *box = new QMessageBox(
        QMessageBox::Question, tr("Clear log"),
        tr("Clear the %1 record(s) from the log and the conversation?\n\nThe byte counters of the "
           "connections stay; records that arrive from now on are shown as usual.")
            .arg(QLocale().toString(shown)),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("clearLogBox"));
    box->setDefaultButton(QMessageBox::Cancel);
    box->button(QMessageBox::Yes)->setText(tr("Clear"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box->button(QMessageBox::Yes), &QAbstractButton::clicked, this, [this] {
        const quint64 cleared = m_feed->clear();
        statusBar()->showMessage(tr("Cleared %1 record(s) from the log").arg(QLocale().toString(cleared)),
                                 StatusMessageMs);
    });
    box->open();
}

void MainWindow::onSocketOptionsActionTriggered() {
    const EndpointId id = selectedEndpoint();
    if (id == 0 || isFinal(m_workbench->info(id).state))
        return;
    auto *dialog = new SocketOptionsDialog(m_workbench.get(), id, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::onRulesActionTriggered() {
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
    auto *dialog = new RulesDialog(m_workbench.get(), info.id, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void MainWindow::onCloseAllActionTriggered() {
    closeAll();
}

void MainWindow::onClearClosedActionTriggered() {
    m_connectionModel->clearClosed();
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

void MainWindow::updateFirstRunHint() {
    // The shortcuts are read from the actions, so the hint follows them if they ever change.
    m_firstRunHint->setText(
        tr("Start a listener (%1), connect (%2) or stand in the middle with New relay… (%3)")
            .arg(m_newListenerAction->shortcut().toString(QKeySequence::NativeText),
                 m_connectAction->shortcut().toString(QKeySequence::NativeText),
                 m_newRelayAction->shortcut().toString(QKeySequence::NativeText)));
    m_firstRunHint->setVisible(m_connectionModel->rowCount() == 0);
}

void MainWindow::onAboutActionTriggered() {
#if defined(__clang__)
    const QString compiler = QStringLiteral("Clang " __clang_version__);
#elif defined(__GNUC__)
    const QString compiler = QStringLiteral("GCC " __VERSION__);
#else
    const QString compiler = tr("an unknown compiler");
#endif
    // open(), not exec(): the window keeps running its sockets while the box is up.
    auto *box = new QMessageBox(QMessageBox::Information, tr("About Sockbench"),
                                tr("Sockbench %1\nA desktop TCP/UDP socket workbench.\n\n"
                                   "Qt %2 (built with Qt %3)\nBuilt with %4, %5 build")
                                    .arg(QStringLiteral(SOCKBENCH_VERSION), QString::fromLatin1(qVersion()),
                                         QStringLiteral(QT_VERSION_STR), compiler,
                                         QStringLiteral(SOCKBENCH_BUILD_TYPE)),
                                QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("aboutBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::onShortcutsActionTriggered() {
    auto *dialog = new ShortcutsDialog(findChildren<QAction *>(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::closeAll() {
    const QList<EndpointId> ids = m_workbench->endpoints().keys();
    for (EndpointId id : ids) {
        if (!isFinal(m_workbench->info(id).state))
            m_workbench->close(id);
    }
}

void MainWindow::loadSettings() {
    WindowSettings store;
    const QSettings &settings = store.values();
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_mainSplitter->restoreState(settings.value(QStringLiteral("window/mainSplitter")).toByteArray());
    m_leftSplitter->restoreState(settings.value(QStringLiteral("window/leftSplitter")).toByteArray());
    m_rightSplitter->restoreState(settings.value(QStringLiteral("window/rightSplitter")).toByteArray());
    m_hexPreviewAction->setChecked(settings.value(QStringLiteral("log/hexPreview"), false).toBool());
    m_timeDeltaAction->setChecked(settings.value(QStringLiteral("log/timeDelta"), false).toBool());
    m_reopenSessionAction->setChecked(SessionController::reopenAtStart());
    // Connected after reading the setting, so that reading it does not write it back.
    connect(m_reopenSessionAction, &QAction::toggled, this, &SessionController::setReopenAtStart);
    m_composer->restoreSettings(settings);
    m_settingsLoaded = true;
}

void MainWindow::saveSettings() const {
    if (!m_settingsLoaded)
        return;
    WindowSettings store;
    QSettings &settings = store.values();
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/mainSplitter"), m_mainSplitter->saveState());
    settings.setValue(QStringLiteral("window/leftSplitter"), m_leftSplitter->saveState());
    settings.setValue(QStringLiteral("window/rightSplitter"), m_rightSplitter->saveState());
    settings.setValue(QStringLiteral("log/hexPreview"), m_hexPreviewAction->isChecked());
    settings.setValue(QStringLiteral("log/timeDelta"), m_timeDeltaAction->isChecked());
    m_composer->saveSettings(settings);
    store.save();
}

void MainWindow::closeEvent(QCloseEvent *event) {
    saveSettings();
    // Sockets close now, not when the process winds down: peers see a prompt FIN.
    closeAll();
    event->accept();
}

} // namespace sockbench
