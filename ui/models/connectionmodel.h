#pragma once

#include "engine/endpoint.h"
#include "session/session.h"

#include <QAbstractItemModel>
#include <QHash>
#include <QTimer>

#include <deque>
#include <optional>
#include <vector>

namespace sockbench {

class Workbench;
struct EndpointInfo;

/// The connections panel's tree: listeners with their accepted connections under them, outgoing
/// TCP connections and UDP sockets at the top level, and one row per opened capture file with its
/// streams under it (read-only, kept by Clear closed, removed by closeCapture()). Reads everything
/// from the Workbench; keeps only ids and their places in the tree.
class ConnectionModel final : public QAbstractItemModel {
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        LocalColumn,
        PeerColumn,
        StateColumn,
        InColumn,
        OutColumn,
        QueuedColumn,
        ColumnCount
    };
    /// Role carrying the EndpointId of a row (0 on a capture row).
    static constexpr int EndpointRole = Qt::UserRole + 1;
    /// Role carrying the full path of a capture row's file (empty on other rows).
    static constexpr int CaptureFileRole = Qt::UserRole + 2;

    explicit ConnectionModel(Workbench *workbench, QObject *parent = nullptr);
    ~ConnectionModel() override;
    Q_DISABLE_COPY_MOVE(ConnectionModel)

    /// Adds a row for an endpoint the window just created; later changes arrive by signal.
    void addEndpoint(EndpointId id);
    /// Removes every endpoint whose socket is gone (and that has no open child), and forgets it.
    /// Streams read from a capture stay: they were never live, and closeCapture() removes them.
    void clearClosed();
    /// True for the row that stands for an opened capture file (its streams are its children).
    bool isCaptureRow(const QModelIndex &index) const;
    /// The capture row that `index` is, or holds the stream at `index`; invalid otherwise.
    QModelIndex captureRowOf(const QModelIndex &index) const;
    /// The streams under a capture row, in the capture's order.
    QList<EndpointId> captureStreams(const QModelIndex &captureRow) const;
    /// Removes a capture row (or the one holding the stream at `index`) with its streams, and
    /// forgets them. The journal keeps their records, as for Clear closed.
    void closeCapture(const QModelIndex &index);
    /// A listener (or relay) lists at most this many closed connections: past it the oldest closed
    /// one leaves the tree and is forgotten, as Clear closed would, so that connection churn costs
    /// the window bounded memory however long it runs.
    static constexpr size_t MaxClosedChildren = 1000;
    /// Remembers how the window opened an endpoint: address and port as asked, the auto-reply and
    /// greeting as typed. The one place the window keeps them: the tree shows a listener's
    /// auto-reply from it, and a saved session is made of it. Call again when the reply changes.
    void setOpenedAs(EndpointId id, const SessionEndpoint &opened);
    /// How the window opened this endpoint; nothing for accepted connections.
    std::optional<SessionEndpoint> openedAs(EndpointId id) const;
    /// Top-level endpoints in the tree's order, as the window opened them (what a session saves).
    QList<EndpointId> topLevelEndpoints() const;
    QModelIndex indexOf(EndpointId id, int column = 0) const;
    /// The endpoint of a row; 0 for a capture row and invalid indexes.
    EndpointId endpointAt(const QModelIndex &index) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    /// A capture row's node id in the tree: this bit with the opening's number (endpoint ids are
    /// counted from 1 and never come near it).
    static constexpr EndpointId CaptureRowBit = EndpointId(1) << 62;
    static bool isCaptureNode(EndpointId node) { return (node & CaptureRowBit) != 0; }
    /// The node of a row: an endpoint id or a capture row's node id.
    EndpointId nodeAt(const QModelIndex &index) const;
    /// The capture row for this stream's opening, added at the end of the top level if new.
    EndpointId captureNodeFor(const EndpointInfo &info);
    QVariant captureRowData(EndpointId node, int column, int role) const;
    /// Removes a top-level row and its children from the tree; returns the children.
    std::vector<EndpointId> removeTopLevelRow(int row);

    /// What the row of `id` shows in `column` (Qt::DisplayRole).
    QVariant displayText(EndpointId id, const EndpointInfo &info, int column) const;
    QVariant toolTip(EndpointId id, const EndpointInfo &info, int column) const;

    void onStateChanged(EndpointId id);
    void onBytesWritten(EndpointId id);
    void onAutoReplyChanged(EndpointId id);
    void onRelayFaultsChanged(EndpointId id);
    void refreshCounters();
    void scheduleCounterRefresh();
    void emitRowChanged(EndpointId id);
    std::vector<EndpointId> &childrenOf(EndpointId parentId);
    const std::vector<EndpointId> *childrenOf(EndpointId parentId) const;
    bool isRemovable(EndpointId id) const;
    /// A child connection closed: past MaxClosedChildren closed ones, the oldest goes.
    void noteClosedChild(EndpointId parentId, EndpointId child);
    void removeChildRow(EndpointId parentId, EndpointId child);
    /// "echo" or "greeting" for the name column; empty for none or unknown.
    QString autoReplyText(EndpointId id) const;
    /// The auto-reply in a sentence, with the greeting as typed.
    QString autoReplyToolTip(EndpointId id) const;
    /// "rules: 3" for the name column when the endpoint has response rules; empty otherwise.
    QString rulesText(const EndpointInfo &info) const;
    /// A tooltip line naming the rules' count and frame, starting with a line break; or empty.
    QString rulesToolTip(const EndpointInfo &info) const;
    /// "TLS" (a lock would not show in every font) or "TLS ⚠ insecure" for the name column; empty
    /// for plain TCP and UDP.
    QString tlsText(const EndpointInfo &info) const;
    /// A tooltip line on the TLS, starting with a line break; or empty.
    QString tlsToolTip(const EndpointInfo &info) const;
    /// "faults: up: latency 200 ms" for a relay or a relayed connection with faults; empty otherwise.
    QString faultsText(const EndpointInfo &info) const;
    /// What a relay or one of its legs is, its ends, TLS legs and faults, in a few lines.
    QString relayToolTip(const EndpointInfo &info) const;
    void renumber(const std::vector<EndpointId> &siblings);

    Workbench *m_workbench;
    std::vector<EndpointId> m_top;
    QHash<EndpointId, std::vector<EndpointId>> m_children;
    QHash<EndpointId, EndpointId> m_parentOf; ///< 0 for top-level rows
    QHash<EndpointId, int> m_rowOf;           ///< row among its siblings: thousands of clients stay O(1)
    QHash<EndpointId, SessionEndpoint> m_openedAs;
    QHash<EndpointId, std::deque<EndpointId>> m_closedChildren; ///< per parent, oldest first
    QHash<EndpointId, QString> m_captureFiles;                  ///< capture row node -> the file's path
    QTimer m_counterTimer; ///< coalesces counter repaints while traffic flows
};

} // namespace sockbench
