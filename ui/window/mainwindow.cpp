#include "window/mainwindow.h"

#include "dialogs/endpointdialog.h"
#include "engine/workbench.h"
#include "language/payload.h"
#include "models/connectionmodel.h"
#include "models/trafficmodel.h"
#include "panels/composer.h"
#include "platform/privatefile.h"
#include "style/presentation.h"
#include "views/conversationview.h"
#include "views/hexview.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

// Q_INIT_RESOURCE must run outside any namespace: the resources live in a static library.
static void initSockbenchResources() {
    Q_INIT_RESOURCE(sockbench);
}

namespace sockbench {

namespace {

constexpr int MaxRecent = 20;
const QString RecentAddressesKey = QStringLiteral("recent/addresses");
const QString RecentPortsKey = QStringLiteral("recent/ports");

/// Writes the settings out now and keeps the file the user's alone: it holds the hosts they talked to
/// and what they sent (DESIGN.md, "Security defaults").
void writePrivately(QSettings &settings) {
    settings.sync();
    restrictToOwner(settings.fileName());
}

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

    m_connectionModel = new ConnectionModel(m_workbench.get(), this);
    m_trafficModel = new TrafficModel(&m_workbench->journal(), this);
    m_trafficModel->setEndpointLabeler([this](EndpointId id) { return endpointLabel(id); });

    createActions();
    m_composer = new Composer(m_workbench.get(), this);
    m_composer->setObjectName(QStringLiteral("composer"));

    m_leftSplitter = new QSplitter(Qt::Vertical, this);
    m_leftSplitter->setObjectName(QStringLiteral("leftSplitter"));
    m_leftSplitter->addWidget(createConnectionsPanel());
    m_leftSplitter->addWidget(m_composer);
    m_leftSplitter->setStretchFactor(0, 3);
    m_leftSplitter->setStretchFactor(1, 2);

    m_rightSplitter = new QSplitter(Qt::Vertical, this);
    m_rightSplitter->setObjectName(QStringLiteral("rightSplitter"));
    m_rightSplitter->addWidget(createLogPanel());
    m_rightSplitter->addWidget(createDetailPane());
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

    createMenusAndToolBar();
    createStatusBar();
    wireWorkbench();

    setTabOrder(m_connectionsView, m_composer);
    setTabOrder(m_composer, m_connectionFilterCombo);

    loadSettings();
    updateActions();
    m_composer->setTarget(0);
    m_actionsTimer.setSingleShot(true);
    m_actionsTimer.setInterval(0);
    connect(&m_actionsTimer, &QTimer::timeout, this, &MainWindow::updateActions);
    m_selectionRefreshTimer.setSingleShot(true);
    m_selectionRefreshTimer.setInterval(200);
    connect(&m_selectionRefreshTimer, &QTimer::timeout, this, &MainWindow::onConnectionSelectionChanged);
    m_rateClock.start();
    m_logTimer.setSingleShot(true);
    m_logTimer.setInterval(40);
    connect(&m_logTimer, &QTimer::timeout, this, [this] {
        if (m_logBehind)
            appendToViews();
    });
    m_statusTimer.setInterval(500);
    connect(&m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatus);
    m_statusTimer.start();
    updateStatus();
}

MainWindow::~MainWindow() {
    // Views and models read the workbench; take them down before it goes.
    m_workbench->disconnect(this);
    delete takeCentralWidget();
    delete m_connectionModel;
    delete m_trafficModel;
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
    m_closeAction = make(QStringLiteral("closeAction"), tr("Cl&ose"), QKeySequence(Qt::CTRL | Qt::Key_W),
                         resourceIcon("close", QStyle::SP_DialogCloseButton),
                         tr("Close the selected connection gracefully (FIN), or stop the selected listener"));
    m_abortAction =
        make(QStringLiteral("abortAction"), tr("&Abort (RST)"),
             QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W), resourceIcon("abort", QStyle::SP_BrowserStop),
             tr("Abort the selected connection: the peer sees a reset"));
    m_closeAllAction =
        make(QStringLiteral("closeAllAction"), tr("Close &all"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_W),
             resourceIcon("closeall", QStyle::SP_DialogDiscardButton),
             tr("Close every listener, connection and socket"));
    m_clearClosedAction = make(
        QStringLiteral("clearClosedAction"), tr("Clear c&losed"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K), resourceIcon("clear", QStyle::SP_DialogResetButton),
        tr("Remove closed, reset and failed rows from the connections panel (the log keeps their traffic)"));
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
    m_followAction->setChecked(true);
    m_quitAction = make(QStringLiteral("quitAction"), tr("&Quit"), QKeySequence::Quit, {},
                        tr("Close every socket and quit"));

    connect(m_newListenerAction, &QAction::triggered, this,
            [this] { openEndpointDialog(EndpointKind::TcpListener); });
    connect(m_connectAction, &QAction::triggered, this,
            [this] { openEndpointDialog(EndpointKind::TcpConnection); });
    connect(m_openUdpAction, &QAction::triggered, this,
            [this] { openEndpointDialog(EndpointKind::UdpSocket); });
    connect(m_closeAction, &QAction::triggered, this, &MainWindow::closeSelected);
    connect(m_abortAction, &QAction::triggered, this, &MainWindow::abortSelected);
    connect(m_closeAllAction, &QAction::triggered, this, &MainWindow::closeAll);
    connect(m_clearClosedAction, &QAction::triggered, this, [this] {
        m_connectionModel->clearClosed();
        updateActions();
    });
    connect(m_hexPreviewAction, &QAction::toggled, this,
            [this](bool on) { m_trafficModel->setHexPreview(on); });
    connect(m_timeDeltaAction, &QAction::toggled, this,
            [this](bool on) { m_trafficModel->setTimeDelta(on); });
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
}

void MainWindow::createMenusAndToolBar() {
    QMenu *fileMenu = menuBar()->addMenu(tr("&Session"));
    fileMenu->addAction(m_newListenerAction);
    fileMenu->addAction(m_connectAction);
    fileMenu->addAction(m_openUdpAction);
    fileMenu->addSeparator();
    fileMenu->addAction(m_quitAction);

    QMenu *connectionMenu = menuBar()->addMenu(tr("&Connection"));
    connectionMenu->addAction(m_closeAction);
    connectionMenu->addAction(m_abortAction);
    connectionMenu->addSeparator();
    connectionMenu->addAction(m_closeAllAction);
    connectionMenu->addAction(m_clearClosedAction);

    QMenu *viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(m_hexPreviewAction);
    viewMenu->addAction(m_timeDeltaAction);
    viewMenu->addAction(m_followAction);
    viewMenu->addSeparator();
    auto focusAction = [this, viewMenu](const QString &text, int key, QWidget *target) {
        QAction *action =
            viewMenu->addAction(text, this, [target] { target->setFocus(Qt::ShortcutFocusReason); });
        action->setShortcut(QKeySequence(Qt::ALT | key));
    };
    focusAction(tr("Go to &connections"), Qt::Key_1, m_connectionsView);
    focusAction(tr("Go to the &log"), Qt::Key_2, m_trafficView);
    focusAction(tr("Go to the &composer"), Qt::Key_3,
                m_composer->findChild<QWidget *>(QStringLiteral("composerEdit")));
    focusAction(tr("Go to the &bytes"), Qt::Key_4, m_hexView);
    QAction *findAction = viewMenu->addAction(tr("&Search the log"), this, [this] {
        m_searchEdit->setFocus(Qt::ShortcutFocusReason);
        m_searchEdit->selectAll();
    });
    findAction->setShortcut(QKeySequence::Find);

    QToolBar *toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addAction(m_newListenerAction);
    toolBar->addAction(m_connectAction);
    toolBar->addAction(m_openUdpAction);
    toolBar->addSeparator();
    toolBar->addAction(m_closeAction);
    toolBar->addAction(m_abortAction);
    toolBar->addAction(m_closeAllAction);
    toolBar->addAction(m_clearClosedAction);
    toolBar->addSeparator();
    toolBar->addAction(m_followAction);
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
    m_connectionsView->addActions({m_newListenerAction, m_connectAction, m_openUdpAction, m_closeAction,
                                   m_abortAction, m_closeAllAction, m_clearClosedAction});
    QHeaderView *header = m_connectionsView->header();
    header->setStretchLastSection(false);
    header->resizeSection(ConnectionModel::NameColumn, 145);
    header->resizeSection(ConnectionModel::LocalColumn, 108);
    header->resizeSection(ConnectionModel::PeerColumn, 108);
    header->resizeSection(ConnectionModel::StateColumn, 170);
    for (int c = ConnectionModel::InColumn; c <= ConnectionModel::QueuedColumn; ++c)
        header->resizeSection(c, 58);
    connect(m_connectionsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::onConnectionSelectionChanged);
    // Accepted connections appear under their listener; show them without a click.
    connect(m_connectionModel, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex &parent) {
        if (parent.isValid())
            m_connectionsView->expand(parent);
        scheduleUpdateActions();
    });
    connect(m_connectionModel, &QAbstractItemModel::dataChanged, this, &MainWindow::scheduleUpdateActions);
    return m_connectionsView;
}

QWidget *MainWindow::createLogPanel() {
    auto *panel = new QWidget(this);
    m_connectionFilterCombo = new QComboBox(panel);
    m_connectionFilterCombo->setObjectName(QStringLiteral("connectionFilterCombo"));
    m_connectionFilterCombo->addItem(tr("All connections"));
    m_connectionFilterCombo->addItem(tr("Selected connection"));
    m_connectionFilterCombo->setToolTip(tr("Show every connection's records, or follow the selection"));
    m_directionFilterCombo = new QComboBox(panel);
    m_directionFilterCombo->setObjectName(QStringLiteral("directionFilterCombo"));
    m_directionFilterCombo->addItem(tr("Both directions"), int(TrafficModel::Direction::All));
    m_directionFilterCombo->addItem(tr("← In only"), int(TrafficModel::Direction::In));
    m_directionFilterCombo->addItem(tr("→ Out only"), int(TrafficModel::Direction::Out));
    m_directionFilterCombo->addItem(tr("• Events only"), int(TrafficModel::Direction::Events));
    m_directionFilterCombo->setToolTip(tr("Show records of one direction only"));
    m_searchModeCombo = new QComboBox(panel);
    m_searchModeCombo->setObjectName(QStringLiteral("searchModeCombo"));
    m_searchModeCombo->addItem(tr("Text"), int(PayloadMode::Text));
    m_searchModeCombo->addItem(tr("Hex"), int(PayloadMode::Hex));
    m_searchModeCombo->setToolTip(tr("Search for text (with escapes) or for hex bytes"));
    m_searchEdit = new QLineEdit(panel);
    m_searchEdit->setObjectName(QStringLiteral("searchEdit"));
    m_searchEdit->setPlaceholderText(tr("Search payloads (Ctrl+F)"));
    m_searchEdit->setClearButtonEnabled(true);
    auto *searchLabel = new QLabel(tr("Searc&h:"), panel);
    searchLabel->setBuddy(m_searchEdit);

    auto *filters = new QHBoxLayout;
    filters->setContentsMargins(0, 0, 0, 0);
    filters->addWidget(m_connectionFilterCombo);
    filters->addWidget(m_directionFilterCombo);
    filters->addWidget(searchLabel);
    filters->addWidget(m_searchEdit, 1);
    filters->addWidget(m_searchModeCombo);

    m_trafficView = new QTableView(panel);
    m_trafficView->setObjectName(QStringLiteral("trafficView"));
    m_trafficView->setModel(m_trafficModel);
    m_trafficView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_trafficView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_trafficView->setWordWrap(false);
    m_trafficView->setShowGrid(false);
    m_trafficView->setAlternatingRowColors(true);
    m_trafficView->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_trafficView->addActions({m_hexPreviewAction, m_timeDeltaAction, m_followAction});
    m_trafficView->setToolTip(tr("Every record of what crossed the wire"));
    // Fixed row heights keep a million rows cheap: the header never measures contents.
    QHeaderView *rows = m_trafficView->verticalHeader();
    rows->setVisible(false);
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(QFontMetrics(m_trafficView->font()).height() + 4);
    QHeaderView *columns = m_trafficView->horizontalHeader();
    columns->setStretchLastSection(true);
    columns->resizeSection(TrafficModel::NumberColumn, 60);
    columns->resizeSection(TrafficModel::TimeColumn, 192);
    columns->resizeSection(TrafficModel::ConnectionColumn, 175);
    columns->resizeSection(TrafficModel::DirectionColumn, 62);
    columns->resizeSection(TrafficModel::LengthColumn, 55);

    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(filters);
    layout->addWidget(m_trafficView, 1);

    m_searchTimer.setSingleShot(true);
    m_searchTimer.setInterval(250);
    connect(&m_searchTimer, &QTimer::timeout, this, &MainWindow::onSearchChanged);
    connect(m_searchEdit, &QLineEdit::textChanged, &m_searchTimer, qOverload<>(&QTimer::start));
    connect(m_searchModeCombo, &QComboBox::currentIndexChanged, this, &MainWindow::onSearchChanged);
    connect(m_connectionFilterCombo, &QComboBox::currentIndexChanged, this,
            &MainWindow::applyConnectionFilter);
    connect(m_directionFilterCombo, &QComboBox::currentIndexChanged, this, [this] {
        m_trafficModel->setDirectionFilter(
            TrafficModel::Direction(m_directionFilterCombo->currentData().toInt()));
    });
    connect(m_trafficView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::onTrafficCurrentChanged);

    // Follow the newest rows only while the user is at the bottom; looking at older rows pauses it.
    QScrollBar *bar = m_trafficView->verticalScrollBar();
    connect(bar, &QScrollBar::rangeChanged, this, [this, bar](int, int max) {
        if (m_followAction->isChecked())
            bar->setValue(max);
    });
    connect(bar, &QScrollBar::valueChanged, this, [this, bar](int value) {
        const bool atBottom = value >= bar->maximum();
        if (atBottom != m_followAction->isChecked())
            m_followAction->setChecked(atBottom);
    });
    connect(m_followAction, &QAction::toggled, this, [bar](bool on) {
        if (on)
            bar->setValue(bar->maximum());
    });
    return panel;
}

QWidget *MainWindow::createDetailPane() {
    m_detailTabs = new QTabWidget(this);
    m_detailTabs->setObjectName(QStringLiteral("detailTabs"));

    auto *bytesPage = new QWidget(m_detailTabs);
    m_hexView = new HexView(bytesPage);
    m_hexView->setObjectName(QStringLiteral("hexView"));
    m_recordLabel = new QLabel(tr("No record selected"), bytesPage);
    m_recordLabel->setObjectName(QStringLiteral("recordLabel"));
    auto *copyHex = new QPushButton(tr("Cop&y hex"), bytesPage);
    copyHex->setObjectName(QStringLiteral("copyHexButton"));
    copyHex->setToolTip(tr("Copy the selected bytes (or all) as hex"));
    auto *copyText = new QPushButton(tr("Copy te&xt"), bytesPage);
    copyText->setObjectName(QStringLiteral("copyTextButton"));
    copyText->setToolTip(tr("Copy the selected bytes (or all) as text"));
    auto *copyC = new QPushButton(tr("Copy as C &array"), bytesPage);
    copyC->setObjectName(QStringLiteral("copyCArrayButton"));
    copyC->setToolTip(tr("Copy the selected bytes (or all) as a C array"));
    connect(copyHex, &QPushButton::clicked, m_hexView, &HexView::copyAsHex);
    connect(copyText, &QPushButton::clicked, m_hexView, &HexView::copyAsText);
    connect(copyC, &QPushButton::clicked, m_hexView, &HexView::copyAsCArray);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_recordLabel, 1);
    buttons->addWidget(copyHex);
    buttons->addWidget(copyText);
    buttons->addWidget(copyC);
    auto *bytesLayout = new QVBoxLayout(bytesPage);
    bytesLayout->setContentsMargins(2, 2, 2, 2);
    bytesLayout->addLayout(buttons);
    bytesLayout->addWidget(m_hexView, 1);

    m_conversationView = new ConversationView(&m_workbench->journal(), m_detailTabs);
    m_conversationView->setObjectName(QStringLiteral("conversationView"));

    m_detailTabs->addTab(bytesPage, tr("&Bytes"));
    m_detailTabs->addTab(m_conversationView, tr("Conversa&tion"));
    return m_detailTabs;
}

void MainWindow::createStatusBar() {
    auto make = [this](const char *name, const QString &tip) {
        auto *label = new QLabel(this);
        label->setObjectName(QLatin1String(name));
        label->setToolTip(tip);
        statusBar()->addPermanentWidget(label);
        return label;
    };
    m_inLabel = make("inLabel", tr("Bytes received in total, and the current rate"));
    m_outLabel = make("outLabel", tr("Bytes sent in total, and the current rate"));
    m_journalLabel =
        make("journalLabel", tr("Payload bytes the journal holds, of its memory budget (the oldest "
                                "payloads are evicted past it), and the memory of record headers"));
    m_openLabel = make("openLabel", tr("Open listeners, connections and sockets"));
}

void MainWindow::wireWorkbench() {
    Workbench *wb = m_workbench.get();
    connect(wb, &Workbench::journalGrew, this, &MainWindow::onJournalGrew);
    connect(wb, &Workbench::listenerStarted, this, [this](EndpointId id, const NetAddress &local) {
        statusBar()->showMessage(tr("Listener #%1 is listening on %2").arg(id).arg(local.toString()), 10000);
    });
    connect(wb, &Workbench::listenerFailed, this, [this](EndpointId id, const QString &reason) {
        statusBar()->showMessage(tr("Listener #%1 cannot listen: %2").arg(id).arg(reason), 20000);
    });
    connect(wb, &Workbench::connectFailed, this, [this](EndpointId id, const QString &reason) {
        statusBar()->showMessage(tr("Connection #%1 failed: %2").arg(id).arg(reason), 20000);
    });
    connect(wb, &Workbench::udpFailed, this, [this](EndpointId id, const QString &reason) {
        statusBar()->showMessage(tr("UDP socket #%1 failed: %2").arg(id).arg(reason), 20000);
    });
    connect(wb, &Workbench::sendFailed, this, [this](EndpointId id, const QString &reason) {
        m_composer->showMessage(tr("Send on #%1 failed: %2").arg(id).arg(reason), true);
    });
    // A listener's filter and conversation cover its clients, including ones accepted later.
    connect(wb, &Workbench::connectionAccepted, this,
            [this](EndpointId, EndpointId listener, const NetAddress &, const NetAddress &) {
                if (listener != 0 && listener == selectedEndpoint() && !m_selectionRefreshTimer.isActive())
                    m_selectionRefreshTimer.start();
            });
    connect(wb, &Workbench::stateChanged, this, [this](EndpointId id) {
        if (id == selectedEndpoint())
            updateActions();
    });
}

void MainWindow::onJournalGrew(quint64 count) {
    m_journalCount = count;
    // The engine announces up to ~100 times a second; repainting the log's tail that often is most
    // of the GUI thread's work under a flood. Show the first batch at once, then at most every 40 ms.
    if (m_logTimer.isActive()) {
        m_logBehind = true;
        return;
    }
    appendToViews();
}

void MainWindow::appendToViews() {
    m_logBehind = false;
    m_trafficModel->appendUpTo(m_journalCount);
    m_conversationView->appendUpTo(m_journalCount);
    m_logTimer.start();
}

void MainWindow::openEndpointDialog(EndpointKind kind) {
    if (auto *open = findChild<EndpointDialog *>(); open && open->isVisible()) {
        open->setKind(kind);
        open->raise();
        open->activateWindow();
        return;
    }
    QSettings settings;
    auto *dialog = new EndpointDialog(kind, settings.value(RecentAddressesKey).toStringList(),
                                      settings.value(RecentPortsKey).toStringList(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { onEndpointDialogAccepted(dialog); });
    dialog->open();
}

void MainWindow::onEndpointDialogAccepted(EndpointDialog *dialog) {
    const EndpointDialog::Request r = dialog->request();
    EndpointId id = 0;
    switch (r.kind) {
    case EndpointKind::TcpListener:
        id = m_workbench->startTcpListener(r.address, r.port, r.listener);
        break;
    case EndpointKind::TcpConnection:
        id = m_workbench->connectTcp(r.address, r.port, r.connect);
        rememberRecent(RecentPortsKey, QString::number(r.port));
        break;
    case EndpointKind::UdpSocket:
        id = m_workbench->bindUdp(r.address, r.port, r.udp);
        break;
    }
    rememberRecent(RecentAddressesKey, r.address);
    m_connectionModel->addEndpoint(id);
    selectEndpoint(id);
}

void MainWindow::rememberRecent(const QString &key, const QString &value) {
    QSettings settings;
    QStringList list = settings.value(key).toStringList();
    list.removeAll(value);
    list.prepend(value);
    while (list.size() > MaxRecent)
        list.removeLast();
    settings.setValue(key, list);
    writePrivately(settings);
}

void MainWindow::selectEndpoint(EndpointId id) {
    const QModelIndex index = m_connectionModel->indexOf(id);
    if (index.isValid())
        m_connectionsView->setCurrentIndex(index);
}

EndpointId MainWindow::selectedEndpoint() const {
    return m_connectionModel->endpointAt(m_connectionsView->currentIndex());
}

QString MainWindow::endpointLabel(EndpointId id) const {
    const auto it = m_workbench->endpoints().constFind(id);
    if (it == m_workbench->endpoints().constEnd())
        return tr("#%1").arg(id);
    switch (it->kind) {
    case EndpointKind::TcpListener:
        return tr("#%1 listener").arg(id);
    case EndpointKind::TcpConnection:
        return it->listener != 0 ? tr("#%1 accepted").arg(id) : tr("#%1 client").arg(id);
    case EndpointKind::UdpSocket:
        return tr("#%1 UDP").arg(id);
    }
    return tr("#%1").arg(id);
}

QSet<EndpointId> MainWindow::endpointAndItsConnections(EndpointId id) const {
    QSet<EndpointId> ids;
    if (id == 0)
        return ids;
    ids.insert(id);
    for (EndpointId client : m_workbench->connectionsOf(id))
        ids.insert(client);
    return ids;
}

void MainWindow::onConnectionSelectionChanged() {
    const EndpointId id = selectedEndpoint();
    m_composer->setTarget(id);
    m_conversationView->setEndpoints(endpointAndItsConnections(id));
    applyConnectionFilter();
    updateActions();
}

void MainWindow::applyConnectionFilter() {
    QSet<EndpointId> ids;
    // Following a selection of nothing shows nothing rather than everything.
    if (m_connectionFilterCombo->currentIndex() == 1)
        ids = endpointAndItsConnections(selectedEndpoint()) << selectedEndpoint();
    m_trafficModel->setEndpointFilter(ids);
}

void MainWindow::onSearchChanged() {
    const auto mode = PayloadMode(m_searchModeCombo->currentData().toInt());
    PayloadSpec spec;
    spec.mode = mode;
    const PayloadResult result = parsePayload(m_searchEdit->text(), spec);
    if (!result.ok()) {
        m_searchEdit->setStyleSheet(QStringLiteral("background: #ffcdd2;"));
        m_searchEdit->setToolTip(tr("Column %1: %2").arg(result.errorPosition + 1).arg(result.error));
        return;
    }
    m_searchEdit->setStyleSheet(QString());
    m_searchEdit->setToolTip(tr("Only records whose payload contains these bytes"));
    m_trafficModel->setSearchBytes(result.bytes);
}

void MainWindow::onTrafficCurrentChanged() {
    const QModelIndex current = m_trafficView->currentIndex();
    if (!current.isValid()) {
        m_recordLabel->setText(tr("No record selected"));
        m_hexView->setPlaceholder(tr("Select a record to see its bytes"));
        return;
    }
    const quint64 seq = m_trafficModel->seqAt(current.row());
    Record record;
    if (!m_workbench->journal().record(seq, &record, true))
        return;
    QString what;
    switch (record.kind) {
    case RecordKind::DataIn:
        what = tr("received");
        break;
    case RecordKind::DataOut:
        what = tr("sent");
        break;
    case RecordKind::Event:
        what = tr("event");
        break;
    }
    m_recordLabel->setText(tr("Record %1, %2, %3: %4 %5")
                               .arg(seq + 1)
                               .arg(endpointLabel(record.endpoint), formatTimestamp(record.timeNs),
                                    formatByteCount(record.length), what));
    if (record.isEvicted())
        m_hexView->setPlaceholder(
            tr("The journal's memory budget dropped these %1; only their length and time remain.")
                .arg(formatByteCount(record.length)));
    else
        m_hexView->setData(record.payload);
}

void MainWindow::scheduleUpdateActions() {
    if (!m_actionsTimer.isActive())
        m_actionsTimer.start();
}

void MainWindow::updateActions() {
    const EndpointId id = selectedEndpoint();
    const EndpointInfo info = m_workbench->info(id);
    const bool open = id != 0 && !isFinal(info.state);
    m_closeAction->setEnabled(open);
    m_abortAction->setEnabled(open && info.kind == EndpointKind::TcpConnection);
    bool anyOpen = false;
    bool anyFinal = false;
    for (const EndpointInfo &e : m_workbench->endpoints()) {
        (isFinal(e.state) ? anyFinal : anyOpen) = true;
    }
    m_closeAllAction->setEnabled(anyOpen);
    m_clearClosedAction->setEnabled(anyFinal);
}

void MainWindow::closeSelected() {
    const EndpointId id = selectedEndpoint();
    if (id != 0)
        m_workbench->close(id);
}

void MainWindow::abortSelected() {
    const EndpointId id = selectedEndpoint();
    if (id != 0 && m_workbench->info(id).kind == EndpointKind::TcpConnection)
        m_workbench->abort(id);
}

void MainWindow::closeAll() {
    const QList<EndpointId> ids = m_workbench->endpoints().keys();
    for (EndpointId id : ids) {
        if (!isFinal(m_workbench->info(id).state))
            m_workbench->close(id);
    }
}

void MainWindow::updateStatus() {
    const Journal &journal = m_workbench->journal();
    const Counters totals = journal.totals();
    const double seconds = std::max<qint64>(1, m_rateClock.restart()) / 1000.0;
    const double rateIn = double(totals.bytesIn - m_lastBytesIn) / seconds;
    const double rateOut = double(totals.bytesOut - m_lastBytesOut) / seconds;
    m_lastBytesIn = totals.bytesIn;
    m_lastBytesOut = totals.bytesOut;
    m_inLabel->setText(tr("In: %1 (%2/s)").arg(formatSize(double(totals.bytesIn)), formatSize(rateIn)));
    m_outLabel->setText(tr("Out: %1 (%2/s)").arg(formatSize(double(totals.bytesOut)), formatSize(rateOut)));
    // The budget bounds payload bytes; headers are never evicted, so they are shown beside it.
    QString journalText =
        tr("Journal: %1 of %2, headers %3")
            .arg(formatSize(double(journal.payloadBytesHeld())), formatSize(double(journal.budgetBytes())),
                 formatSize(double(journal.headerBytes())));
    if (journal.evictedBytes() > 0)
        journalText += tr(", %1 evicted").arg(formatSize(double(journal.evictedBytes())));
    m_journalLabel->setText(journalText);
    int open = 0;
    for (const EndpointInfo &e : m_workbench->endpoints()) {
        if (!isFinal(e.state))
            ++open;
    }
    m_openLabel->setText(tr("%1 open").arg(open));
}

void MainWindow::loadSettings() {
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_mainSplitter->restoreState(settings.value(QStringLiteral("window/mainSplitter")).toByteArray());
    m_leftSplitter->restoreState(settings.value(QStringLiteral("window/leftSplitter")).toByteArray());
    m_rightSplitter->restoreState(settings.value(QStringLiteral("window/rightSplitter")).toByteArray());
    m_hexPreviewAction->setChecked(settings.value(QStringLiteral("log/hexPreview"), false).toBool());
    m_timeDeltaAction->setChecked(settings.value(QStringLiteral("log/timeDelta"), false).toBool());
    m_composer->restoreSettings(settings);
    m_settingsLoaded = true;
}

void MainWindow::saveSettings() const {
    if (!m_settingsLoaded)
        return;
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/mainSplitter"), m_mainSplitter->saveState());
    settings.setValue(QStringLiteral("window/leftSplitter"), m_leftSplitter->saveState());
    settings.setValue(QStringLiteral("window/rightSplitter"), m_rightSplitter->saveState());
    settings.setValue(QStringLiteral("log/hexPreview"), m_hexPreviewAction->isChecked());
    settings.setValue(QStringLiteral("log/timeDelta"), m_timeDeltaAction->isChecked());
    m_composer->saveSettings(settings);
    writePrivately(settings);
}

void MainWindow::closeEvent(QCloseEvent *event) {
    saveSettings();
    // Sockets close now, not when the process winds down: peers see a prompt FIN.
    closeAll();
    m_statusTimer.stop();
    event->accept();
}

} // namespace sockbench
