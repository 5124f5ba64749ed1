#pragma once

#include "engine/endpoint.h"
#include "language/address.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMainWindow>
#include <QTimer>

#include <memory>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QTableView;
class QTabWidget;
class QTreeView;

namespace sockbench {

class Composer;
class ConnectionModel;
class ConversationView;
class EndpointDialog;
class HexView;
class TrafficModel;
class Workbench;
struct WorkbenchConfig;

/// The workbench window: connections panel, traffic log, detail pane, composer and status bar,
/// all fed by one Workbench whose signals it listens to. Nothing here blocks: every socket call
/// returns at once and its outcome arrives as a signal.
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
    TrafficModel *trafficModel() const { return m_trafficModel; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createMenusAndToolBar();
    QWidget *createConnectionsPanel();
    QWidget *createLogPanel();
    QWidget *createDetailPane();
    void createStatusBar();
    void wireWorkbench();
    void loadSettings();
    void saveSettings() const;

    void openEndpointDialog(EndpointKind kind);
    void onEndpointDialogAccepted(EndpointDialog *dialog);
    void onConnectionSelectionChanged();
    void onTrafficCurrentChanged();
    void onJournalGrew(quint64 count);
    void appendToViews();
    void onSearchChanged();
    void applyConnectionFilter();
    void updateActions();
    void scheduleUpdateActions();
    void updateStatus();
    void closeSelected();
    void abortSelected();
    void closeAll();
    void selectEndpoint(EndpointId id);
    EndpointId selectedEndpoint() const;
    /// The endpoint, and for a listener every connection it accepted (closed ones included).
    QSet<EndpointId> endpointAndItsConnections(EndpointId id) const;
    QString endpointLabel(EndpointId id) const;
    void rememberRecent(const QString &key, const QString &value);

    std::unique_ptr<Workbench> m_workbench;
    ConnectionModel *m_connectionModel = nullptr;
    TrafficModel *m_trafficModel = nullptr;

    QSplitter *m_mainSplitter = nullptr;
    QSplitter *m_leftSplitter = nullptr;
    QSplitter *m_rightSplitter = nullptr;
    QTreeView *m_connectionsView = nullptr;
    QTableView *m_trafficView = nullptr;
    QComboBox *m_connectionFilterCombo = nullptr;
    QComboBox *m_directionFilterCombo = nullptr;
    QLineEdit *m_searchEdit = nullptr;
    QComboBox *m_searchModeCombo = nullptr;
    QTabWidget *m_detailTabs = nullptr;
    HexView *m_hexView = nullptr;
    QLabel *m_recordLabel = nullptr;
    ConversationView *m_conversationView = nullptr;
    Composer *m_composer = nullptr;

    QLabel *m_inLabel = nullptr;
    QLabel *m_outLabel = nullptr;
    QLabel *m_journalLabel = nullptr;
    QLabel *m_openLabel = nullptr;

    QAction *m_newListenerAction = nullptr;
    QAction *m_connectAction = nullptr;
    QAction *m_openUdpAction = nullptr;
    QAction *m_closeAction = nullptr;
    QAction *m_abortAction = nullptr;
    QAction *m_closeAllAction = nullptr;
    QAction *m_clearClosedAction = nullptr;
    QAction *m_hexPreviewAction = nullptr;
    QAction *m_timeDeltaAction = nullptr;
    QAction *m_followAction = nullptr;
    QAction *m_quitAction = nullptr;

    QTimer m_statusTimer;
    QTimer m_actionsTimer;          ///< coalesces action updates during bursts of accepts
    QTimer m_logTimer;              ///< caps log/conversation appends (and so their repaints) at ~25/s
    quint64 m_journalCount = 0;     ///< latest count announced by the Workbench
    bool m_logBehind = false;       ///< an announcement arrived while m_logTimer was running
    QTimer m_selectionRefreshTimer; ///< coalesces filter rebuilds when a selected listener accepts
    QTimer m_searchTimer;
    QElapsedTimer m_rateClock;
    quint64 m_lastBytesIn = 0;
    quint64 m_lastBytesOut = 0;
    bool m_settingsLoaded = false;
};

} // namespace sockbench
