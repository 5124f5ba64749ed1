#pragma once

#include "engine/endpoint.h"

#include <QHash>
#include <QMainWindow>
#include <QSet>
#include <QTimer>

#include <memory>

class QAction;
class QDockWidget;
class QFrame;
class QLabel;
class QModelIndex;
class QPushButton;
class QSplitter;
class QTreeView;

namespace sockbench {

class CaptureController;
class Composer;
class ConnectionModel;
class DetailPane;
class EndpointDialog;
class RelayDialog;
class JournalFeed;
class LibraryPanel;
class LogPanel;
class SessionController;
class StatusSummary;
class TrafficModel;
class Workbench;
struct WorkbenchConfig;

/// The workbench window: it lays out the connections panel, the composer, the log panel, the detail
/// pane and the status summary, and wires them to one Workbench and to each other. The parts do
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
    void createActions();
    void createMenusAndToolBar();
    QWidget *createConnectionsPanel();
    void createLibraryDock();
    void wireParts();
    void wireWorkbench();
    void loadSettings();
    void saveSettings() const;

    void onNewListenerActionTriggered();
    void onConnectActionTriggered();
    void onOpenUdpActionTriggered();
    void onNewRelayActionTriggered();
    void onRelayDialogAccepted(RelayDialog *dialog);
    void onCloseActionTriggered();
    void onAbortActionTriggered();
    void onAutoReplyActionTriggered();
    void onRulesActionTriggered();
    void onClearLogActionTriggered();
    void onSocketOptionsActionTriggered();
    void onCloseAllActionTriggered();
    void onClearClosedActionTriggered();
    void onEndpointDialogAccepted(EndpointDialog *dialog);
    void onConnectionsViewCurrentRowChanged();
    void onConnectionModelRowsInserted(const QModelIndex &parent);
    void onLogPanelShowBytesRequested(quint64 seq);
    void onWorkbenchListenerStarted(EndpointId id, const NetAddress &local);
    void onWorkbenchListenerFailed(EndpointId id, const QString &reason);
    void onWorkbenchConnectFailed(EndpointId id, const QString &reason);
    void onWorkbenchUdpFailed(EndpointId id, const QString &reason);
    void onWorkbenchSendFailed(EndpointId id, const QString &reason);
    void onWorkbenchConnectionAccepted(EndpointId id, EndpointId listener);
    void onWorkbenchStateChanged(EndpointId id);
    void onWorkbenchAutoReplyChanged(EndpointId id);
    void onStartTlsActionTriggered();
    void onConnectAnywayButtonClicked();
    /// Shows the bar under the connections that names why a TLS connection's certificate was
    /// refused and offers to connect again without checking it.
    void showTlsFailure(EndpointId id, const QString &reason);
    void hideTlsFailure();
    void onAboutActionTriggered();
    void onShortcutsActionTriggered();
    void updateFirstRunHint();

    void openEndpointDialog(EndpointKind kind);
    void updateActions();
    void scheduleUpdateActions();
    void closeAll();
    void selectEndpoint(EndpointId id);
    EndpointId selectedEndpoint() const;
    /// The endpoint, and for a listener every connection it accepted (closed ones included).
    QSet<EndpointId> endpointAndItsConnections(EndpointId id) const;

    /// How the window opened an outgoing TLS connection, so that "Connect anyway (insecure)" can
    /// open it again alike.
    struct TlsConnect {
        QString host;
        quint16 port = 0;
        ConnectOptions options;
    };

    std::unique_ptr<Workbench> m_workbench;
    JournalFeed *m_feed = nullptr;
    ConnectionModel *m_connectionModel = nullptr;

    QSplitter *m_mainSplitter = nullptr;
    QSplitter *m_leftSplitter = nullptr;
    QSplitter *m_rightSplitter = nullptr;
    QTreeView *m_connectionsView = nullptr;
    Composer *m_composer = nullptr;
    LogPanel *m_logPanel = nullptr;
    DetailPane *m_detailPane = nullptr;
    StatusSummary *m_statusSummary = nullptr;
    SessionController *m_sessions = nullptr;
    CaptureController *m_captures = nullptr;
    LibraryPanel *m_libraryPanel = nullptr;
    QDockWidget *m_libraryDock = nullptr;

    QAction *m_newListenerAction = nullptr;
    QAction *m_connectAction = nullptr;
    QAction *m_openUdpAction = nullptr;
    QAction *m_newRelayAction = nullptr;
    QAction *m_closeAction = nullptr;
    QAction *m_abortAction = nullptr;
    QAction *m_autoReplyAction = nullptr;
    QAction *m_rulesAction = nullptr;
    QAction *m_socketOptionsAction = nullptr;
    QAction *m_framingAction = nullptr;
    QAction *m_startTlsAction = nullptr;
    QAction *m_closeAllAction = nullptr;
    QAction *m_clearClosedAction = nullptr;
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
    QLabel *m_firstRunHint = nullptr;  ///< over the empty connections panel
    QFrame *m_tlsFailureBar = nullptr; ///< under the connections: a refused certificate, and what to do
    QLabel *m_tlsFailureLabel = nullptr;
    QPushButton *m_connectAnywayButton = nullptr;
    EndpointId m_tlsFailureEndpoint = 0;
    QHash<EndpointId, TlsConnect> m_tlsConnects;

    QTimer m_actionsTimer;          ///< coalesces action updates during bursts of accepts
    QTimer m_selectionRefreshTimer; ///< coalesces filter rebuilds when a selected listener accepts
    bool m_settingsLoaded = false;
};

} // namespace sockbench
