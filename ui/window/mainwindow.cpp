#include "window/mainwindow.h"

#include "dialogs/preferencesdialog.h"
#include "dialogs/shortcutsdialog.h"
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
#include "style/presentation.h"
#include "style/screenfit.h"
#include "views/hexview.h"
#include "window/capturecontroller.h"
#include "window/connectionspanel.h"
#include "window/sessioncontroller.h"
#include "window/windowsettings.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDockWidget>
#include <QHeaderView>
#include <QKeySequence>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QTreeView>

// Q_INIT_RESOURCE must run outside any namespace: the resources live in a static library.
static void initSockbenchResources() {
    Q_INIT_RESOURCE(sockbench);
}

namespace sockbench {

namespace {

constexpr int ErrorMessageMs = 20000;

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
    // 1280×800, or the screen's available size where that is smaller (a 1024×640 laptop); every
    // dialog and the window itself stay on the screen from then on.
    resize(boundedToScreen(this, QSize(1280, 800)));
    keepWindowsOnScreen();

    createParts();
    buildLayout();
    createLibraryDock();
    createMenusAndToolBar();
    wireParts();
    wireWorkbench();

    setTabOrder(m_connections->view(), m_composer);
    setTabOrder(m_composer, m_logPanel);

    loadSettings();
    m_connections->updateActions();
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

void MainWindow::createParts() {
    // The feed paces every view that follows the journal; each one connects itself to it.
    m_feed = new JournalFeed(m_workbench.get(), this);
    m_connectionModel = new ConnectionModel(m_workbench.get(), this);
    m_composer = new Composer(m_workbench.get(), this);
    m_composer->setObjectName(QStringLiteral("composer"));
    m_logPanel = new LogPanel(m_workbench.get(), m_feed, this);
    m_detailPane = new DetailPane(m_workbench.get(), m_feed, this);
    m_statusSummary = new StatusSummary(m_workbench.get(), this);
    m_sessions = new SessionController(m_workbench.get(), m_connectionModel, this);
    m_connections = new ConnectionsPanel(m_workbench.get(), m_connectionModel, this);
    createActions();
    m_captures = new CaptureController(
        m_workbench.get(), this, statusBar(), [this] { return m_connections->selectedEndpoint(); },
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
}

void MainWindow::buildLayout() {
    m_leftSplitter = new QSplitter(Qt::Vertical, this);
    m_leftSplitter->setObjectName(QStringLiteral("leftSplitter"));
    m_leftSplitter->addWidget(m_connections);
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
    // A message has priority over the counters: they step aside while one does not fit beside them.
    connect(statusBar(), &QStatusBar::messageChanged, this, [this](const QString &message) {
        QStatusBar *bar = statusBar();
        // The message's margins and the size grip, roughly: a few pixels' error only hides counters early.
        const int room = bar->width() - m_statusSummary->sizeHint().width() - 32;
        m_statusSummary->setVisible(message.isEmpty() ||
                                    bar->fontMetrics().horizontalAdvance(message) <= room);
    });
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
    // Ctrl+Q whatever the platform theme says (some, such as offscreen, bind no key to Quit).
    m_quitAction = make(QStringLiteral("quitAction"), tr("&Quit"), QKeySequence(Qt::CTRL | Qt::Key_Q), {},
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
    m_preferencesAction =
        make(QStringLiteral("preferencesAction"), tr("&Preferences..."), QKeySequence::Preferences, {},
             tr("How much memory the traffic history may use"));
}

void MainWindow::createMenusAndToolBar() {
    QMenu *fileMenu = menuBar()->addMenu(tr("&File"));
    const ConnectionsPanel::Actions &endpoints = m_connections->actions();
    fileMenu->addAction(endpoints.newListener);
    fileMenu->addAction(endpoints.connect);
    fileMenu->addAction(endpoints.openUdp);
    fileMenu->addAction(endpoints.newRelay);
    fileMenu->addSeparator();
    fileMenu->addAction(m_openSessionAction);
    fileMenu->addAction(m_saveSessionAction);
    fileMenu->addAction(m_reopenSessionAction);
    fileMenu->addSeparator();
    // The library's import and export, reachable whatever the dock's size (its File button may not
    // fit); they show the dock, where the outcome is said.
    QMenu *libraryMenu = fileMenu->addMenu(tr("&Library"));
    libraryMenu->setObjectName(QStringLiteral("libraryFileMenu"));
    for (QAction *action : m_libraryPanel->fileActions()) {
        libraryMenu->addAction(action);
        connect(action, &QAction::triggered, m_libraryDock, &QWidget::show);
    }
    fileMenu->addSeparator();
    fileMenu->addAction(m_captures->openCaptureAction());
    fileMenu->addAction(m_captures->exportAction());
    fileMenu->addAction(m_captures->recordAction());
    fileMenu->addSeparator();
    fileMenu->addAction(m_preferencesAction);
    fileMenu->addAction(m_quitAction);

    QMenu *connectionMenu = menuBar()->addMenu(tr("&Connection"));
    connectionMenu->addAction(endpoints.close);
    connectionMenu->addAction(endpoints.abort);
    connectionMenu->addAction(endpoints.autoReply);
    connectionMenu->addAction(endpoints.rules);
    connectionMenu->addAction(endpoints.socketOptions);
    connectionMenu->addAction(endpoints.framing);
    connectionMenu->addAction(endpoints.startTls);
    connectionMenu->addAction(m_captures->replayAction());
    connectionMenu->addSeparator();
    connectionMenu->addAction(endpoints.closeAll);
    connectionMenu->addAction(endpoints.clearClosed);
    connectionMenu->addAction(endpoints.closeCapture);

    QMenu *viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(m_hexPreviewAction);
    viewMenu->addAction(m_logPanel->hexColumnAction());
    viewMenu->addAction(m_timeDeltaAction);
    viewMenu->addAction(m_logPanel->timeOfDayAction());
    viewMenu->addAction(m_logPanel->messagesAction());
    viewMenu->addAction(m_followAction);
    viewMenu->addAction(m_clearLogAction);
    viewMenu->addSeparator();
    auto focusAction = [this, viewMenu](const QString &text, int key, QWidget *target) {
        QAction *action =
            viewMenu->addAction(text, this, [target] { target->setFocus(Qt::ShortcutFocusReason); });
        action->setShortcut(QKeySequence(Qt::ALT | key));
    };
    focusAction(tr("Go to &connections"), Qt::Key_1, m_connections->view());
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
    toolBar->addAction(endpoints.newListener);
    toolBar->addAction(endpoints.connect);
    toolBar->addAction(endpoints.openUdp);
    toolBar->addAction(endpoints.newRelay);
    toolBar->addSeparator();
    toolBar->addAction(endpoints.close);
    toolBar->addAction(endpoints.abort);
    toolBar->addAction(endpoints.closeAll);
    toolBar->addAction(endpoints.clearClosed);
    toolBar->addSeparator();
    toolBar->addAction(m_followAction);

    m_connections->addContextAction(m_captures->replayAction());
    m_logPanel->view()->addActions({m_hexPreviewAction, m_timeDeltaAction, m_followAction, m_clearLogAction});
    m_logPanel->view()->horizontalHeader()->addAction(m_timeDeltaAction);
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
    m_libraryPanel->acceptDropsOn(m_connections->view());
    connect(m_composer, &Composer::saveToLibraryRequested, this,
            [this](const QString &payload, const PayloadSpec &spec) {
                m_libraryDock->show();
                m_libraryPanel->newEntryFrom(payload, spec);
            });
}

void MainWindow::wireParts() {
    connect(m_clearLogAction, &QAction::triggered, this, &MainWindow::onClearLogActionTriggered);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
    connect(m_saveSessionAction, &QAction::triggered, m_sessions, &SessionController::chooseFileAndSave);
    connect(m_openSessionAction, &QAction::triggered, m_sessions, &SessionController::chooseFileAndOpen);
    connect(m_sessions, &SessionController::opened, m_connections, &ConnectionsPanel::selectEndpoint);
    connect(m_sessions, &SessionController::message, this, &MainWindow::showStatusMessage);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::onAboutActionTriggered);
    connect(m_preferencesAction, &QAction::triggered, this, &MainWindow::onPreferencesActionTriggered);
    connect(m_shortcutsAction, &QAction::triggered, this, &MainWindow::onShortcutsActionTriggered);

    connect(m_hexPreviewAction, &QAction::toggled, m_logPanel, &LogPanel::setHexPreview);
    connect(m_timeDeltaAction, &QAction::toggled, m_logPanel, &LogPanel::setTimeDelta);
    connect(m_followAction, &QAction::toggled, m_logPanel, &LogPanel::setFollowing);
    connect(m_logPanel, &LogPanel::followingChanged, m_followAction, &QAction::setChecked);
    connect(m_logPanel, &LogPanel::currentRecordChanged, m_detailPane, &DetailPane::showRecord);
    connect(m_logPanel, &LogPanel::currentRecordCleared, m_detailPane, &DetailPane::clearRecord);
    connect(m_logPanel, &LogPanel::sendAgainRequested, m_composer, &Composer::setPayloadBytes);
    connect(m_logPanel, &LogPanel::showBytesRequested, this, &MainWindow::onLogPanelShowBytesRequested);

    connect(m_connections, &ConnectionsPanel::selectionChanged, this,
            &MainWindow::onConnectionsSelectionChanged);
    connect(m_connections, &ConnectionsPanel::actionsUpdated, m_captures, &CaptureController::updateActions);
    connect(m_connections, &ConnectionsPanel::message, this, &MainWindow::showStatusMessage);
}

void MainWindow::wireWorkbench() {
    Workbench *wb = m_workbench.get();
    connect(wb, &Workbench::listenerStarted, this, &MainWindow::onWorkbenchListenerStarted);
    connect(wb, &Workbench::listenerFailed, this, &MainWindow::onWorkbenchListenerFailed);
    connect(wb, &Workbench::connectFailed, this, &MainWindow::onWorkbenchConnectFailed);
    connect(wb, &Workbench::udpFailed, this, &MainWindow::onWorkbenchUdpFailed);
    connect(wb, &Workbench::sendFailed, this, &MainWindow::onWorkbenchSendFailed);
    connect(wb, &Workbench::autoReplyChanged, this, &MainWindow::onWorkbenchAutoReplyChanged);
}

void MainWindow::showStatusMessage(const QString &text, bool error) {
    statusBar()->showMessage(text, error ? ErrorMessageMs : StatusMessageMs);
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
}

void MainWindow::onWorkbenchUdpFailed(EndpointId id, const QString &reason) {
    statusBar()->showMessage(tr("UDP socket #%1 failed: %2").arg(id).arg(reason), ErrorMessageMs);
}

void MainWindow::onWorkbenchSendFailed(EndpointId id, const QString &reason) {
    m_composer->showMessage(tr("Send on #%1 failed: %2").arg(id).arg(reason), true);
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

void MainWindow::onConnectionsSelectionChanged(EndpointId id, const QSet<EndpointId> &endpoints) {
    m_composer->setTarget(id);
    m_detailPane->setConversationEndpoints(endpoints, id);
    m_detailPane->setSelectedEndpoint(id);
    m_logPanel->setSelectedEndpoints(endpoints);
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
    // The connections' actions first, as they come first in the menus.
    auto *dialog =
        new ShortcutsDialog(m_connections->findChildren<QAction *>() + findChildren<QAction *>(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void MainWindow::onPreferencesActionTriggered() {
    auto *dialog = new PreferencesDialog(
        m_workbench->journal(),
        WindowSettings().values().value(WindowSettings::AskBeforeQuitKey, true).toBool(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        m_workbench->journal().setBudgetBytes(dialog->budgetBytes());
        WindowSettings store;
        store.values().setValue(QStringLiteral("journal/budgetMiB"), dialog->budgetBytes() >> 20);
        store.values().setValue(WindowSettings::AskBeforeQuitKey, dialog->askBeforeQuit());
        store.save();
        m_statusSummary->refresh();
    });
    dialog->open();
}

void MainWindow::loadSettings() {
    WindowSettings store;
    const QSettings &settings = store.values();
    // Only a budget the user chose: otherwise the one this window was made with (tests, the default).
    if (settings.contains(QStringLiteral("journal/budgetMiB")))
        m_workbench->journal().setBudgetBytes(
            std::clamp<qint64>(settings.value(QStringLiteral("journal/budgetMiB")).toLongLong(),
                               PreferencesDialog::MinimumBudgetMiB, PreferencesDialog::MaximumBudgetMiB)
            << 20);
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_mainSplitter->restoreState(settings.value(QStringLiteral("window/mainSplitter")).toByteArray());
    m_leftSplitter->restoreState(settings.value(QStringLiteral("window/leftSplitter")).toByteArray());
    m_rightSplitter->restoreState(settings.value(QStringLiteral("window/rightSplitter")).toByteArray());
    m_hexPreviewAction->setChecked(settings.value(QStringLiteral("log/hexPreview"), false).toBool());
    m_logPanel->hexColumnAction()->setChecked(
        settings.value(QStringLiteral("log/hexColumn"), false).toBool());
    m_timeDeltaAction->setChecked(settings.value(QStringLiteral("log/timeDelta"), false).toBool());
    m_logPanel->timeOfDayAction()->setChecked(settings.value(QStringLiteral("log/timeOfDay"), true).toBool());
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
    settings.setValue(QStringLiteral("log/hexColumn"), m_logPanel->hexColumnAction()->isChecked());
    settings.setValue(QStringLiteral("log/timeDelta"), m_timeDeltaAction->isChecked());
    settings.setValue(QStringLiteral("log/timeOfDay"), m_logPanel->timeOfDayAction()->isChecked());
    m_composer->saveSettings(settings);
    store.save();
}

bool MainWindow::askBeforeClosing() {
    qsizetype open = 0;
    for (const EndpointInfo &info : m_workbench->endpoints()) {
        if (info.kind == EndpointKind::TcpConnection && !isFinal(info.state))
            ++open;
    }
    if (m_quitConfirmed || open == 0 ||
        !WindowSettings().values().value(WindowSettings::AskBeforeQuitKey, true).toBool())
        return false;
    for (QMessageBox *asking : findChildren<QMessageBox *>(QStringLiteral("quitBox"))) {
        if (asking->isVisible()) { // already asking: once is enough
            asking->activateWindow();
            return true;
        }
    }
    // Window-modal and opened, not exec()uted: traffic keeps flowing while the question is up.
    auto *box = new QMessageBox(QMessageBox::Question, tr("Quit Sockbench"),
                                open == 1 ? tr("1 connection is open. Quit and close it?")
                                          : tr("%1 connections are open. Quit and close them all?").arg(open),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("quitBox"));
    box->setInformativeText(tr("Their peers see them close; listeners and UDP sockets close too."));
    box->setDefaultButton(QMessageBox::Cancel);
    box->button(QMessageBox::Yes)->setText(tr("Quit"));
    auto *dontAsk = new QCheckBox(tr("Don't ask again"), box);
    dontAsk->setObjectName(QStringLiteral("quitDontAskCheck"));
    box->setCheckBox(dontAsk);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box->button(QMessageBox::Yes), &QAbstractButton::clicked, this, [this, dontAsk] {
        if (dontAsk->isChecked()) {
            WindowSettings store;
            store.values().setValue(WindowSettings::AskBeforeQuitKey, false);
            store.save();
        }
        m_quitConfirmed = true;
        // Once the box has closed.
        QMetaObject::invokeMethod(
            this, [this] { close(); }, Qt::QueuedConnection);
    });
    box->open();
    return true;
}

void MainWindow::closeEvent(QCloseEvent *event) {
    // Closing the window closes every socket: with connections open, the user says so first.
    if (askBeforeClosing()) {
        event->ignore();
        return;
    }
    saveSettings();
    // Sockets close now, not when the process winds down: peers see a prompt FIN.
    m_connections->closeAll();
    event->accept();
}

} // namespace sockbench
