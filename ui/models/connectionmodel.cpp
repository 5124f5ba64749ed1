#include "models/connectionmodel.h"
#include "engine/workbench.h"
#include "language/address.h"
#include "language/payload.h"
#include "protocol/rules.h"
#include "style/presentation.h"

#include <QDir>
#include <QFileInfo>
#include <QFont>

#include <algorithm>

namespace sockbench {

ConnectionModel::ConnectionModel(Workbench *workbench, QObject *parent)
    : QAbstractItemModel(parent)
    , m_workbench(workbench) {
    m_counterTimer.setSingleShot(true);
    m_counterTimer.setInterval(100);
    connect(&m_counterTimer, &QTimer::timeout, this, &ConnectionModel::refreshCounters);
    connect(workbench, &Workbench::stateChanged, this,
            [this](EndpointId id, EndpointState, const QString &) { onStateChanged(id); });
    connect(
        workbench, &Workbench::connectionAccepted, this,
        [this](EndpointId id, EndpointId, const NetAddress &, const NetAddress &) { onStateChanged(id); });
    connect(workbench, &Workbench::listenerStarted, this,
            [this](EndpointId id, const NetAddress &) { onStateChanged(id); });
    connect(workbench, &Workbench::udpBound, this,
            [this](EndpointId id, const NetAddress &) { onStateChanged(id); });
    connect(workbench, &Workbench::connected, this,
            [this](EndpointId id, const NetAddress &, const NetAddress &) { onStateChanged(id); });
    connect(workbench, &Workbench::connecting, this,
            [this](EndpointId id, const NetAddress &) { onStateChanged(id); });
    connect(workbench, &Workbench::listenerWarning, this,
            [this](EndpointId id, const QString &) { onStateChanged(id); });
    connect(workbench, &Workbench::bytesWritten, this,
            [this](EndpointId id, quint64, quint64) { onBytesWritten(id); });
    connect(workbench, &Workbench::journalGrew, this, &ConnectionModel::scheduleCounterRefresh);
    connect(workbench, &Workbench::autoReplyChanged, this, &ConnectionModel::onAutoReplyChanged);
    // The Workbench tells each connection a listener's rules reach, so one row at a time will do.
    connect(workbench, &Workbench::rulesChanged, this, &ConnectionModel::emitRowChanged);
    connect(workbench, &Workbench::tlsChanged, this, &ConnectionModel::emitRowChanged);
    // A relay's target leg appears next to the client leg it serves, and the client leg's row then
    // names it.
    connect(workbench, &Workbench::relayLegOpened, this,
            [this](EndpointId id, EndpointId, EndpointId clientLeg) {
                onStateChanged(id);
                emitRowChanged(clientLeg);
            });
    connect(workbench, &Workbench::relayFaultsChanged, this, &ConnectionModel::onRelayFaultsChanged);
    // Streams read from a capture file are rows under a row for their file.
    connect(workbench, &Workbench::captureEndpointAdded, this, &ConnectionModel::addEndpoint);
}

ConnectionModel::~ConnectionModel() = default;

std::vector<EndpointId> &ConnectionModel::childrenOf(EndpointId parentId) {
    return parentId == 0 ? m_top : m_children[parentId];
}

const std::vector<EndpointId> *ConnectionModel::childrenOf(EndpointId parentId) const {
    if (parentId == 0)
        return &m_top;
    auto it = m_children.constFind(parentId);
    return it == m_children.constEnd() ? nullptr : &*it;
}

void ConnectionModel::addEndpoint(EndpointId id) {
    if (id == 0 || m_parentOf.contains(id) || !m_workbench->endpoints().contains(id))
        return;
    const EndpointInfo info = m_workbench->info(id);
    EndpointId parentId = 0;
    if (info.listener != 0 && m_parentOf.contains(info.listener))
        parentId = info.listener;
    else if (info.isFromCapture() && info.captureOpening != 0)
        parentId = captureNodeFor(info);
    auto &siblings = childrenOf(parentId);
    int row = int(siblings.size());
    // A relayed pair reads as one: the target leg right under the client leg it serves.
    if (info.relayPeer != 0 && m_parentOf.contains(info.relayPeer) &&
        m_parentOf.value(info.relayPeer) == parentId)
        row = m_rowOf.value(info.relayPeer) + 1;
    beginInsertRows(parentId == 0 ? QModelIndex() : indexOf(parentId), row, row);
    siblings.insert(siblings.begin() + row, id);
    m_parentOf.insert(id, parentId);
    if (row == int(siblings.size()) - 1)
        m_rowOf.insert(id, row);
    else
        renumber(siblings);
    endInsertRows();
    if (isCaptureNode(parentId))
        emitRowChanged(parentId); // its count of streams
}

EndpointId ConnectionModel::captureNodeFor(const EndpointInfo &info) {
    const EndpointId node = CaptureRowBit | info.captureOpening;
    if (m_captureFiles.contains(node))
        return node;
    const int row = int(m_top.size());
    beginInsertRows({}, row, row);
    m_top.push_back(node);
    m_parentOf.insert(node, 0);
    m_rowOf.insert(node, row);
    m_children.insert(node, {});
    m_captureFiles.insert(node, info.captureFile);
    endInsertRows();
    return node;
}

bool ConnectionModel::isCaptureRow(const QModelIndex &index) const {
    return index.isValid() && isCaptureNode(nodeAt(index));
}

QModelIndex ConnectionModel::captureRowOf(const QModelIndex &index) const {
    const EndpointId node = nodeAt(index);
    if (isCaptureNode(node))
        return indexOf(node);
    const EndpointId parentId = m_parentOf.value(node);
    return isCaptureNode(parentId) ? indexOf(parentId) : QModelIndex();
}

QList<EndpointId> ConnectionModel::captureStreams(const QModelIndex &captureRow) const {
    const EndpointId node = nodeAt(captureRow);
    if (!isCaptureNode(node))
        return {};
    const std::vector<EndpointId> streams = m_children.value(node);
    return QList<EndpointId>(streams.begin(), streams.end());
}

void ConnectionModel::closeCapture(const QModelIndex &index) {
    const QModelIndex row = captureRowOf(index);
    if (!row.isValid())
        return;
    const EndpointId node = nodeAt(row);
    m_captureFiles.remove(node);
    for (EndpointId stream : removeTopLevelRow(row.row())) {
        m_openedAs.remove(stream);
        m_workbench->forget(stream);
    }
}

std::vector<EndpointId> ConnectionModel::removeTopLevelRow(int row) {
    const EndpointId id = m_top[size_t(row)];
    const auto kids = m_children.value(id);
    beginRemoveRows({}, row, row);
    m_top.erase(m_top.begin() + row);
    m_parentOf.remove(id);
    m_rowOf.remove(id);
    m_children.remove(id);
    for (EndpointId child : kids) {
        m_parentOf.remove(child);
        m_rowOf.remove(child);
    }
    renumber(m_top);
    endRemoveRows();
    return kids;
}

void ConnectionModel::setOpenedAs(EndpointId id, const SessionEndpoint &opened) {
    if (id == 0)
        return;
    m_openedAs.insert(id, opened);
    emitRowChanged(id);
}

std::optional<SessionEndpoint> ConnectionModel::openedAs(EndpointId id) const {
    const auto it = m_openedAs.constFind(id);
    if (it == m_openedAs.constEnd())
        return std::nullopt;
    return *it;
}

QList<EndpointId> ConnectionModel::topLevelEndpoints() const {
    QList<EndpointId> ids;
    for (EndpointId id : m_top) {
        if (!isCaptureNode(id))
            ids.append(id);
    }
    return ids;
}

void ConnectionModel::onStateChanged(EndpointId id) {
    if (!m_parentOf.contains(id)) {
        addEndpoint(id);
        return;
    }
    emitRowChanged(id);
    // A listener's state does not change when a child closes, but the row may now be clearable.
    const EndpointId parentId = m_parentOf.value(id);
    if (parentId != 0 && !isCaptureNode(parentId) && isFinal(m_workbench->info(id).state))
        noteClosedChild(parentId, id);
}

void ConnectionModel::noteClosedChild(EndpointId parentId, EndpointId child) {
    std::deque<EndpointId> &closed = m_closedChildren[parentId];
    if (std::find(closed.begin(), closed.end(), child) != closed.end())
        return; // a final state repainted again
    closed.push_back(child);
    while (closed.size() > MaxClosedChildren) {
        const EndpointId oldest = closed.front();
        closed.pop_front();
        if (m_parentOf.value(oldest) == parentId && isRemovable(oldest))
            removeChildRow(parentId, oldest);
    }
}

void ConnectionModel::removeChildRow(EndpointId parentId, EndpointId child) {
    auto &kids = childrenOf(parentId);
    const int row = m_rowOf.value(child);
    beginRemoveRows(indexOf(parentId), row, row);
    kids.erase(kids.begin() + row);
    m_parentOf.remove(child);
    m_rowOf.remove(child);
    renumber(kids);
    endRemoveRows();
    m_openedAs.remove(child);
    m_workbench->forget(child);
}

void ConnectionModel::onBytesWritten(EndpointId id) {
    if (m_parentOf.contains(id))
        emitRowChanged(id);
}

void ConnectionModel::onRelayFaultsChanged(EndpointId id) {
    const EndpointInfo info = m_workbench->info(id);
    // A relay's faults reach all of its legs; a leg's reach its pair.
    emitRowChanged(id);
    emitRowChanged(info.relayPeer);
    if (info.relay) {
        if (const auto legs = m_children.constFind(id); legs != m_children.constEnd()) {
            for (EndpointId leg : *legs)
                emitRowChanged(leg);
        }
    }
    if (auto it = m_openedAs.find(id); it != m_openedAs.end() && it->relay && info.relay)
        it->relay->options.faults = info.relay->faults; // a saved session keeps the faults as they are now
}

void ConnectionModel::emitRowChanged(EndpointId id) {
    const QModelIndex first = indexOf(id, 0);
    if (first.isValid())
        Q_EMIT dataChanged(first, indexOf(id, ColumnCount - 1));
}

void ConnectionModel::scheduleCounterRefresh() {
    if (!m_counterTimer.isActive())
        m_counterTimer.start();
}

void ConnectionModel::refreshCounters() {
    if (!m_top.empty())
        Q_EMIT dataChanged(index(0, InColumn), index(int(m_top.size()) - 1, QueuedColumn));
    for (auto it = m_children.cbegin(); it != m_children.cend(); ++it) {
        if (it->empty())
            continue;
        const QModelIndex parentIndex = indexOf(it.key());
        Q_EMIT dataChanged(index(0, InColumn, parentIndex),
                           index(int(it->size()) - 1, QueuedColumn, parentIndex));
    }
}

bool ConnectionModel::isRemovable(EndpointId id) const {
    // A capture's streams were never live: they go with their capture (closeCapture()).
    if (isCaptureNode(id))
        return false;
    const EndpointInfo info = m_workbench->info(id);
    if (!isFinal(info.state) || info.isFromCapture())
        return false;
    auto it = m_children.constFind(id);
    if (it == m_children.constEnd())
        return true;
    return std::all_of(it->begin(), it->end(), [this](EndpointId child) { return isRemovable(child); });
}

void ConnectionModel::renumber(const std::vector<EndpointId> &siblings) {
    for (size_t i = 0; i < siblings.size(); ++i)
        m_rowOf.insert(siblings[i], int(i));
}

void ConnectionModel::clearClosed() {
    QList<EndpointId> forgotten;
    // Children first, so a listener whose clients are all gone can go too.
    for (auto it = m_children.begin(); it != m_children.end(); ++it) {
        const QModelIndex parentIndex = indexOf(it.key());
        auto &kids = *it;
        for (int row = int(kids.size()) - 1; row >= 0; --row) {
            const EndpointId child = kids[size_t(row)];
            if (!isRemovable(child))
                continue;
            beginRemoveRows(parentIndex, row, row);
            kids.erase(kids.begin() + row);
            m_parentOf.remove(child);
            m_rowOf.remove(child);
            renumber(kids);
            endRemoveRows();
            forgotten.append(child);
        }
    }
    for (int row = int(m_top.size()) - 1; row >= 0; --row) {
        const EndpointId id = m_top[size_t(row)];
        if (!isRemovable(id))
            continue;
        const auto kids = removeTopLevelRow(row);
        forgotten.append(id);
        for (EndpointId child : kids)
            forgotten.append(child);
    }
    for (EndpointId id : forgotten) {
        m_openedAs.remove(id);
        m_workbench->forget(id);
    }
    for (auto it = m_closedChildren.begin(); it != m_closedChildren.end();) {
        std::erase_if(*it, [this](EndpointId id) { return !m_parentOf.contains(id); });
        it = it->empty() ? m_closedChildren.erase(it) : std::next(it);
    }
}

QModelIndex ConnectionModel::indexOf(EndpointId id, int column) const {
    auto it = m_parentOf.constFind(id);
    if (it == m_parentOf.constEnd())
        return {};
    return createIndex(m_rowOf.value(id), column, quintptr(*it));
}

EndpointId ConnectionModel::endpointAt(const QModelIndex &index) const {
    const EndpointId node = nodeAt(index);
    return isCaptureNode(node) ? 0 : node;
}

EndpointId ConnectionModel::nodeAt(const QModelIndex &index) const {
    if (!index.isValid())
        return 0;
    const auto *siblings = childrenOf(EndpointId(index.internalId()));
    if (!siblings || index.row() >= int(siblings->size()))
        return 0;
    return (*siblings)[size_t(index.row())];
}

QModelIndex ConnectionModel::index(int row, int column, const QModelIndex &parent) const {
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    const EndpointId parentId = parent.isValid() ? nodeAt(parent) : 0;
    if (parent.isValid() && parent.column() != 0)
        return {};
    const auto *siblings = childrenOf(parentId);
    if (!siblings || row >= int(siblings->size()))
        return {};
    return createIndex(row, column, quintptr(parentId));
}

QModelIndex ConnectionModel::parent(const QModelIndex &child) const {
    if (!child.isValid() || child.internalId() == 0)
        return {};
    return indexOf(EndpointId(child.internalId()));
}

int ConnectionModel::rowCount(const QModelIndex &parent) const {
    if (!parent.isValid())
        return int(m_top.size());
    if (parent.column() != 0)
        return 0;
    const EndpointId id = nodeAt(parent);
    auto it = m_children.constFind(id);
    return it == m_children.constEnd() ? 0 : int(it->size());
}

int ConnectionModel::columnCount(const QModelIndex &) const {
    return ColumnCount;
}

QVariant ConnectionModel::displayText(EndpointId id, const EndpointInfo &info, int column) const {
    switch (column) {
    case NameColumn: {
        const QString relayKind = relayKindText(*m_workbench, info);
        QString name = tr("%1 #%2")
                           .arg(relayKind.isEmpty() ? kindText(info.kind, info.listener != 0) : relayKind)
                           .arg(id);
        if (info.relayPeer != 0)
            name += tr(" ⇄ #%1").arg(info.relayPeer);
        // The warning first: a cut name never loses it.
        if (info.tls && info.tls->insecure)
            name = tr("⚠ %1").arg(name);
        QStringList parts{name};
        if (info.isFromCapture() && info.captureOpening != 0)
            parts << tr("stream %1").arg(info.captureStream); // its file is the row above
        else if (info.isFromCapture())
            parts << tr("from capture %1").arg(QFileInfo(info.captureFile).fileName());
        for (const QString &part : {tlsText(info), autoReplyText(id), rulesText(info), faultsText(info)}) {
            if (!part.isEmpty())
                parts << part;
        }
        return parts.join(QStringLiteral(" · "));
    }
    case LocalColumn:
        if (info.local.isValid())
            return info.local.toString();
        // Not bound (yet, or ever: "Address already in use"): where it was asked to bind, so a
        // failed row names its address and port.
        if ((info.kind == EndpointKind::TcpListener || info.relay) && !info.requestedHost.isEmpty())
            return formatHostPort(info.requestedHost, info.requestedPort);
        return QString();
    case PeerColumn:
        // A relay's other address is where it relays to.
        if (info.relay)
            return formatHostPort(info.relay->targetHost, info.relay->targetPort);
        if (info.peer.isValid())
            return info.peer.toString();
        if (info.outgoing && !info.requestedHost.isEmpty())
            return formatHostPort(info.requestedHost, info.requestedPort);
        return QString();
    case StateColumn:
        return stateText(info);
    case InColumn:
        return formatCount(m_workbench->journal().counters(id).bytesIn);
    case OutColumn:
        return formatCount(m_workbench->journal().counters(id).bytesOut);
    case QueuedColumn:
        return info.kind == EndpointKind::TcpConnection ? formatCount(info.queuedBytes) : QString();
    }
    return {};
}

QVariant ConnectionModel::toolTip(EndpointId id, const EndpointInfo &info, int column) const {
    if (column == StateColumn)
        return stateToolTip(info);
    if (column == NameColumn && (info.relay || relayOf(*m_workbench, info) != 0))
        return relayToolTip(info);
    if (column == NameColumn) {
        switch (info.kind) {
        case EndpointKind::TcpListener:
            return tr("TCP listener; its accepted connections are listed under it\n%1%2%3")
                .arg(autoReplyToolTip(id), rulesToolTip(info), tlsToolTip(info));
        case EndpointKind::TcpConnection:
            return (info.listener != 0 ? tr("TCP connection accepted by listener #%1").arg(info.listener)
                                       : tr("Outgoing TCP connection to %1")
                                             .arg(formatHostPort(info.requestedHost, info.requestedPort))) +
                   tlsToolTip(info) + rulesToolTip(info);
        case EndpointKind::UdpSocket:
            return tr("UDP socket\n%1%2").arg(autoReplyToolTip(id), rulesToolTip(info));
        }
    }
    if (column == LocalColumn && info.kind == EndpointKind::TcpListener && info.local.isValid() &&
        isWildcardAddress(info.local.ip))
        return tr("Listening on every interface: reachable from other machines");
    return {};
}

QVariant ConnectionModel::captureRowData(EndpointId node, int column, int role) const {
    const QString path = m_captureFiles.value(node);
    const int streams = int(m_children.value(node).size());
    switch (role) {
    case Qt::DisplayRole:
        if (column == NameColumn)
            return streams == 1
                       ? tr("%1 · 1 stream").arg(QFileInfo(path).fileName())
                       : tr("%1 · %2 streams").arg(QFileInfo(path).fileName(), QString::number(streams));
        if (column == StateColumn)
            return tr("capture");
        break;
    case Qt::ToolTipRole:
        if (column == NameColumn)
            return tr("%1\nA capture file, read-only, with its streams under it. Close capture removes it; "
                      "Clear closed leaves it.")
                .arg(QDir::toNativeSeparators(path));
        break;
    case CaptureFileRole:
        return path;
    case EndpointRole:
        return QVariant::fromValue(EndpointId(0));
    }
    return {};
}

QVariant ConnectionModel::data(const QModelIndex &index, int role) const {
    const EndpointId node = nodeAt(index);
    if (isCaptureNode(node))
        return captureRowData(node, index.column(), role);
    const EndpointId id = node;
    if (id == 0)
        return {};
    if (role == EndpointRole)
        return QVariant::fromValue(id);
    const EndpointInfo info = m_workbench->info(id);
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayText(id, info, column);
    case Qt::DecorationRole:
        if (column == StateColumn)
            return stateIcon(info);
        break;
    case Qt::ForegroundRole:
        if (column == StateColumn)
            return stateColor(info.state);
        if (isFinal(info.state))
            return finishedColor();
        // An insecure TLS connection is a warning wherever it shows.
        if (column == NameColumn && info.tls && info.tls->insecure)
            return warningColor();
        break;
    case Qt::ToolTipRole:
        return toolTip(id, info, column);
    case Qt::FontRole:
        if (column == LocalColumn && info.kind == EndpointKind::TcpListener &&
            isWildcardAddress(info.local.ip)) {
            QFont font;
            font.setBold(true);
            return font;
        }
        break;
    case Qt::TextAlignmentRole:
        if (column >= InColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    }
    return {};
}

QString ConnectionModel::autoReplyText(EndpointId id) const {
    const EndpointInfo info = m_workbench->info(id);
    if (info.kind == EndpointKind::TcpConnection)
        return {};
    switch (info.autoReply) {
    case AutoReply::None:
        // The common case stays quiet in the tree; the tooltip still says it.
        return {};
    case AutoReply::Echo:
        return tr("echo");
    case AutoReply::Greeting:
        return tr("greeting");
    }
    return {};
}

QString ConnectionModel::autoReplyToolTip(EndpointId id) const {
    const EndpointInfo info = m_workbench->info(id);
    switch (info.autoReply) {
    case AutoReply::None:
        return tr("Auto-reply: none, only records traffic");
    case AutoReply::Echo:
        return info.kind == EndpointKind::UdpSocket ? tr("Auto-reply: echo, sends every datagram back")
                                                    : tr("Auto-reply: echo, sends everything received back");
    case AutoReply::Greeting:
        return tr("Auto-reply: greeting \"%1\", sent to each client as it connects")
            .arg(bytesToEscapedText(info.greeting));
    }
    return {};
}

QString ConnectionModel::rulesText(const EndpointInfo &info) const {
    return info.rules ? tr("rules: %1").arg(info.rules->rules().rules.size()) : QString();
}

QString ConnectionModel::rulesToolTip(const EndpointInfo &info) const {
    if (!info.rules)
        return {};
    const RuleSet &set = info.rules->rules();
    return tr("\nResponse rules: %n, on each message (frame %1)", nullptr, int(set.rules.size()))
        .arg(toString(set.frame));
}

QString ConnectionModel::faultsText(const EndpointInfo &info) const {
    const std::optional<RelayFaults> faults =
        info.relay ? std::optional(info.relay->faults) : info.relayFaults;
    if (!faults || *faults == RelayFaults{})
        return {};
    return tr("faults: %1").arg(faults->describe());
}

QString ConnectionModel::relayToolTip(const EndpointInfo &info) const {
    QString text;
    if (info.relay) {
        const RelayOptions &r = *info.relay;
        text = tr("%1 relay: each client of %2 is relayed to %3")
                   .arg(r.udp ? tr("UDP") : tr("TCP"),
                        info.local.isValid() ? info.local.toString()
                                             : formatHostPort(info.requestedHost, info.requestedPort),
                        formatHostPort(r.targetHost, r.targetPort));
        if (!r.udp) {
            text += r.relayResets ? tr("\nA reset on one side resets the other")
                                  : tr("\nA reset on one side closes the other (FIN)");
            text += r.onTargetFailure == RelayEnd::Reset ? tr("\nA client whose target fails is reset")
                                                         : tr("\nA client whose target fails is closed");
        }
        if (r.clientTls)
            text += tr("\nTLS from the client (the relay serves it)");
        if (r.targetTls)
            text += tr("\nTLS to the target");
    } else {
        const EndpointId relay = relayOf(*m_workbench, info);
        if (info.kind == EndpointKind::UdpSocket)
            text = tr("Relay #%1's socket to the target for client %2")
                       .arg(relay)
                       .arg(info.relayClient.toString());
        else if (info.outgoing)
            text = tr("Relay #%1's leg to the target, for client leg #%2").arg(relay).arg(info.relayPeer);
        else
            text = info.relayPeer != 0 ? tr("Relay #%1's leg from the client, relayed by target leg #%2")
                                             .arg(relay)
                                             .arg(info.relayPeer)
                                       : tr("Relay #%1's leg from the client").arg(relay);
    }
    const std::optional<RelayFaults> faults =
        info.relay ? std::optional(info.relay->faults) : info.relayFaults;
    text +=
        faults && *faults != RelayFaults{} ? tr("\nFaults: %1").arg(faults->describe()) : tr("\nNo faults");
    return text + tlsToolTip(info);
}

QString ConnectionModel::tlsText(const EndpointInfo &info) const {
    if (!info.tls)
        return {};
    return info.tls->insecure ? tr("TLS ⚠ insecure") : tr("TLS");
}

QString ConnectionModel::tlsToolTip(const EndpointInfo &info) const {
    if (!info.tls)
        return {};
    const TlsInfo &tls = *info.tls;
    QString line;
    switch (tls.phase) {
    case TlsInfo::Phase::Serving:
        line = tr("TLS: every client is served TLS");
        if (!tls.localCertificate.isEmpty())
            line += tr(" with %1").arg(tls.localCertificate.first().subject);
        break;
    case TlsInfo::Phase::Handshaking:
        line = tr("TLS: handshake under way");
        break;
    case TlsInfo::Phase::Established:
    case TlsInfo::Phase::Closed:
        line = tr("TLS: %1, %2").arg(tls.protocol, tls.cipher);
        if (!tls.peerChain.isEmpty())
            line += tr("; peer %1").arg(tls.peerChain.first().subject);
        break;
    case TlsInfo::Phase::Failed:
        line = tr("TLS failed: %1").arg(tls.failure);
        break;
    }
    if (tls.insecure)
        line += tr("\n⚠ Insecure: the server's certificate was not checked");
    else if (!tls.verification.isEmpty() && tls.phase != TlsInfo::Phase::Failed)
        line += tr("\nVerification: %1").arg(tls.verification);
    return QLatin1Char('\n') + line;
}

void ConnectionModel::onAutoReplyChanged(EndpointId id) {
    // What a saved session reopens follows the change; the tree reads the Workbench's own record.
    if (auto it = m_openedAs.find(id); it != m_openedAs.end()) {
        const EndpointInfo info = m_workbench->info(id);
        it->reply = info.autoReply;
        it->greeting = info.autoReply == AutoReply::Greeting ? bytesToEscapedText(info.greeting) : QString();
    }
    emitRowChanged(id);
}

QVariant ConnectionModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case LocalColumn:
        return tr("Local address");
    case PeerColumn:
        return tr("Peer address");
    case StateColumn:
        return tr("State");
    case InColumn:
        return tr("Bytes in");
    case OutColumn:
        return tr("Bytes out");
    case QueuedColumn:
        return tr("Queued");
    }
    return {};
}

} // namespace sockbench
