#pragma once

#include "engine/endpoint.h"

#include <QMainWindow>
#include <QSet>

#include <memory>

class QAction;
class QDockWidget;
class QSplitter;

namespace sockbench {

class CaptureController;
class Composer;
class ConnectionModel;
class ConnectionsPanel;
class DetailPane;
class JournalFeed;
class LibraryPanel;
class LogPanel;
class SessionController;
class StatusSummary;
class TrafficModel;
class Workbench;
struct WorkbenchConfig;

/// The workbench window: it lays out the connections panel, the composer, the log panel, the detail
/// pane and the status summary, puts their actions in its menus, and wires them to one Workbench
/// and to each other. The parts do
/// their own work; nothing here blocks: every socket call returns at once and its outcome arrives
/// as a signal.
class MainWindow final : public QMainWindow {
    Q_OBJECT

public:
    /// Creates its own Workbench with the default configuration.
    explicit MainWindow(QWidget *parent = nullptr);
    explicit MainWindow(const WorkbenchConfig &config, QWidget *parent = nullptr);
    ~MainWindow() override;
    Q_DISABLE_COPY_MOVE(MainWindow)

    Workbench *workbench() const { return m_workbench.get(); }
    ConnectionModel *connectionModel() const { return m_connectionModel; }
    TrafficModel *trafficModel() const;

    /// File > Save session / Open session, and what `sockbench FILE.sockbench` opens.
    SessionController *sessions() const { return m_sessions; }
    /// The library of saved payloads, in a dock (View > Library).
    LibraryPanel *libraryPanel() const { return m_libraryPanel; }
    /// Open capture, Export, Record to file and Replay.
    CaptureController *captures() const { return m_captures; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createParts();
    void createActions();
    void buildLayout();
    void createMenusAndToolBar();
    void createLibraryDock();
    void wireParts();
    void wireWorkbench();
    void loadSettings();
    void saveSettings() const;
    /// With connections open (and unless the user said "Don't ask again"), opens the question
    /// whether to quit and returns true: the close waits for the answer.
    bool askBeforeClosing();

    void onClearLogActionTriggered();
    void onConnectionsSelectionChanged(EndpointId id, const QSet<EndpointId> &endpoints);
    void onLogPanelShowBytesRequested(quint64 seq);
    void onWorkbenchListenerStarted(EndpointId id, const NetAddress &local);
    void onWorkbenchListenerFailed(EndpointId id, const QString &reason);
    void onWorkbenchConnectFailed(EndpointId id, const QString &reason);
    void onWorkbenchUdpFailed(EndpointId id, const QString &reason);
    void onWorkbenchSendFailed(EndpointId id, const QString &reason);
    void onWorkbenchAutoReplyChanged(EndpointId id);
    void onAboutActionTriggered();
    void onPreferencesActionTriggered();
    void onShortcutsActionTriggered();
    /// A line in the status bar, shown longer when it says what failed.
    void showStatusMessage(const QString &text, bool error);

    std::unique_ptr<Workbench> m_workbench;
    JournalFeed *m_feed = nullptr;
    ConnectionModel *m_connectionModel = nullptr;

    QSplitter *m_mainSplitter = nullptr;
    QSplitter *m_leftSplitter = nullptr;
    QSplitter *m_rightSplitter = nullptr;
    ConnectionsPanel *m_connections = nullptr;
    Composer *m_composer = nullptr;
    LogPanel *m_logPanel = nullptr;
    DetailPane *m_detailPane = nullptr;
    StatusSummary *m_statusSummary = nullptr;
    SessionController *m_sessions = nullptr;
    CaptureController *m_captures = nullptr;
    LibraryPanel *m_libraryPanel = nullptr;
    QDockWidget *m_libraryDock = nullptr;

    QAction *m_hexPreviewAction = nullptr;
    QAction *m_timeDeltaAction = nullptr;
    QAction *m_followAction = nullptr;
    QAction *m_clearLogAction = nullptr;
    QAction *m_quitAction = nullptr;
    QAction *m_saveSessionAction = nullptr;
    QAction *m_openSessionAction = nullptr;
    QAction *m_reopenSessionAction = nullptr;
    QAction *m_aboutAction = nullptr;
    QAction *m_shortcutsAction = nullptr;
    QAction *m_preferencesAction = nullptr;
    bool m_settingsLoaded = false;
    bool m_quitConfirmed = false;
};

} // namespace sockbench
