#pragma once

#include "engine/endpoint.h"

#include <QHash>
#include <QSet>
#include <QTimer>
#include <QWidget>

class QAction;
class QFrame;
class QLabel;
class QModelIndex;
class QPushButton;
class QTreeView;

namespace sockbench {

class ConnectionModel;
class EndpointDialog;
class RelayDialog;
class Workbench;

/// The connections panel: listeners with their clients, connections and UDP sockets in a tree; the
/// actions on them (open, close, abort, auto-reply, rules, socket options, framing, Start TLS) and
/// the forms they open; the first-run hint over the empty tree; and the bar that says why a TLS
/// connection refused the server's certificate, with the way on. The window puts the actions in
/// its menus and toolbar and passes the selection on to the other parts.
///
/// It lives with the window, not with the panels: its forms remember addresses in the window's
/// settings and what was opened in the session's terms.
class ConnectionsPanel final : public QWidget {
    Q_OBJECT

public:
    ConnectionsPanel(Workbench *workbench, ConnectionModel *model, QWidget *parent = nullptr);
    ~ConnectionsPanel() override;
    Q_DISABLE_COPY_MOVE(ConnectionsPanel)

    /// The actions on endpoints, for the window's menus and toolbar.
    struct Actions {
        QAction *newListener = nullptr;
        QAction *connect = nullptr;
        QAction *openUdp = nullptr;
        QAction *newRelay = nullptr;
        QAction *close = nullptr;
        QAction *abort = nullptr;
        QAction *socketOptions = nullptr;
        QAction *framing = nullptr;
        QAction *startTls = nullptr;
        QAction *closeAll = nullptr;
        QAction *clearClosed = nullptr;
        QAction *autoReply = nullptr;
        QAction *rules = nullptr;
        /// Removes the selected capture file's row and its streams.
        QAction *closeCapture = nullptr;
    };
    const Actions &actions() const { return m_actions; }

    QTreeView *view() const { return m_view; }
    EndpointId selectedEndpoint() const;
    void selectEndpoint(EndpointId id);
    /// Adds `action` to the tree's context menu, with the actions on the selected endpoint.
    void addContextAction(QAction *action);
    /// Enables what applies to the selected endpoint, and Close all / Clear closed.
    void updateActions();
    /// Closes every endpoint still open.
    void closeAll();

Q_SIGNALS:
    /// The selection changed (id 0: none), or what it covers did: `endpoints` is the selected one
    /// with, for a listener, every connection it accepted and, for a relayed connection, its other leg.
    void selectionChanged(EndpointId id, const QSet<EndpointId> &endpoints);
    /// After each updateActions(), for the window's own actions on the selection.
    void actionsUpdated();
    /// A line for the status bar; error is true for failures.
    void message(const QString &text, bool error);

private:
    void createActions();
    void buildTree();
    void buildFirstRunHint();
    void buildTlsFailureBar();
    void buildLayout();
    void connectSignals();

    void onNewListenerActionTriggered();
    void onConnectActionTriggered();
    void onOpenUdpActionTriggered();
    void onNewRelayActionTriggered();
    void onRelayDialogAccepted(RelayDialog *dialog);
    void onEndpointDialogAccepted(EndpointDialog *dialog);
    void onCloseActionTriggered();
    void onAbortActionTriggered();
    void onAutoReplyActionTriggered();
    void onRulesActionTriggered();
    void onSocketOptionsActionTriggered();
    void onFramingActionTriggered();
    void onStartTlsActionTriggered();
    void onClearClosedActionTriggered();
    void onCloseCaptureActionTriggered();
    void onConnectAnywayButtonClicked();
    void onViewCurrentRowChanged();
    void onModelRowsInserted(const QModelIndex &parent);
    void onWorkbenchConnectFailed(EndpointId id, const QString &reason);
    void onWorkbenchConnectionAccepted(EndpointId id, EndpointId listener);
    void onWorkbenchStateChanged(EndpointId id);
    /// Shows the bar under the connections that names why a TLS connection's certificate was
    /// refused and offers to connect again without checking it.
    void showTlsFailure(EndpointId id, const QString &reason);
    void hideTlsFailure();
    void updateFirstRunHint();
    void openEndpointDialog(EndpointKind kind);
    void scheduleUpdateActions();
    /// The endpoint, and for a listener every connection it accepted (closed ones included).
    QSet<EndpointId> endpointAndItsConnections(EndpointId id) const;

    /// How the panel opened an outgoing TLS connection, so that "Connect anyway (insecure)" can
    /// open it again alike.
    struct TlsConnect {
        QString host;
        quint16 port = 0;
        ConnectOptions options;
    };

    Workbench *m_workbench;
    ConnectionModel *m_model;
    Actions m_actions;
    QTreeView *m_view = nullptr;
    QLabel *m_firstRunHint = nullptr;  ///< over the empty tree
    QFrame *m_tlsFailureBar = nullptr; ///< under the tree: a refused certificate, and what to do
    QLabel *m_tlsFailureLabel = nullptr;
    QPushButton *m_connectAnywayButton = nullptr;
    EndpointId m_tlsFailureEndpoint = 0;
    QHash<EndpointId, TlsConnect> m_tlsConnects;
    QTimer m_actionsTimer;          ///< coalesces action updates during bursts of accepts
    QTimer m_selectionRefreshTimer; ///< coalesces filter rebuilds when a selected listener accepts
};

} // namespace sockbench
