#pragma once

#include "capture/pcapngblocks.h"
#include "capture/pcapngwire.h"
#include "capture/pcapngwriter.h"

#include <QHash>
#include <QSet>

#include <unordered_map>
#include <vector>

namespace sockbench {

// The pcapng writer's state, shared by its parts: pcapngwriter.cpp (endpoints, comments, UDP
// datagrams), pcapngtcp.cpp (TCP segments: handshake, data, FINs, resets). The bytes of each
// block are pcapngblocks' business, the addresses pcapngwire's.
struct PcapngWriter::Impl {
    using Wire = capture::Wire;
    using Comments = capture::Comments;

    enum class Phase : quint8 {
        Fresh,   ///< nothing drawn yet
        SynSent, ///< the client's SYN is out
        Open,    ///< handshake drawn
        Done,    ///< ended (FINs and final ACK, or RST): nothing more is drawn
    };

    /// What the writer knows of one endpoint.
    struct Flow {
        EndpointId id = 0;
        bool described = false;
        EndpointMeta meta;
        Wire wire;
        Phase phase = Phase::Fresh;
        bool hadPacket = false;  ///< its name went out already
        bool registered = false; ///< UDP: in udpPorts
        bool imported = false;   ///< read from a capture: its datagrams are never one of our sends
        bool activated = false;  ///< TCP: looked for its mirror
        EndpointId primary = 0;  ///< TCP: the other end of the same connection, drawn already
        bool localFin = false;
        bool peerFin = false;
        bool finalAckOwed = false; ///< the second FIN is not acked yet
        bool lastFinLocal = false; ///< who sent the FIN that finalAckOwed is about
        quint32 localSeq = 0;      ///< next sequence number the local end sends
        quint32 peerSeq = 0;
        quint32 localIsn = 0;
        quint32 peerIsn = 0;
        quint16 localIpId = 0;
        quint16 peerIpId = 0;
        Comments pending; ///< comments waiting for this endpoint's next packet
        // UDP: the wire of the last datagram's peer, reused while the peer stays the same.
        NetAddress lastPeer;
        Wire lastPeerWire;
    };

    const Journal &journal;
    EndpointNamer namer;
    std::unordered_map<EndpointId, Flow> flows;
    QHash<QByteArray, EndpointId> liveTuples; ///< TCP 4-tuples drawn now, to spot the other end
    QMultiHash<quint16, EndpointId> udpPorts; ///< our UDP sockets by local port
    QSet<QString> ownAddresses;               ///< this machine's interface addresses (getifaddrs)
    /// The engine's text for a refused connect, in this process's language ("Connection refused",
    /// "Verbindungsaufbau abgelehnt"): what a Failed event of a refused connect says.
    QByteArray refusedText;
    Comments global; ///< comments for whichever packet comes next
    Comments lead;   ///< for the next packet written (name, waiting comments)
    Comments own;    ///< for the packet the current record designates
    quint64 packets = 0;
    qint64 lastTimeNs = 0;
    uchar header[64] = {};

    Impl(const Journal &j, EndpointNamer n);

    // ---- endpoints and comments (pcapngwriter.cpp) ----

    void add(const Record &r, QByteArray *out);
    bool isOwnAddress(QString ip) const;
    QString nameOf(EndpointId id) const;
    QByteArray prefixed(EndpointId id, const QByteArray &text) const;
    Flow &flow(EndpointId id);
    void refresh(Flow &f);
    void gatherLead(Flow &f);
    void toGlobal(Flow &f, const QByteArray *text);
    /// One packet with the waiting comments (`lead`, and `own` when `designated`), which it takes.
    void packet(QByteArray *out, qint64 timeNs, const Wire &w, bool fromLocal, quint16 *ipId,
                const capture::TransportHeader &transport, const char *payload, quint32 captured,
                quint32 onWire, bool designated);

    // ---- UDP (pcapngwriter.cpp) ----

    bool sentByUs(const Flow &receiver, const NetAddress &from) const;
    void addUdp(const Record &r, Flow &f, QByteArray *out);

    // ---- TCP (pcapngtcp.cpp) ----

    void addTcp(const Record &r, Flow &f, QByteArray *out);
    void drawTcpEvent(const Record &r, Flow &f, QByteArray *out);
    void drawFailed(const Record &r, Flow &f, QByteArray *out);
    void tcp(QByteArray *out, qint64 timeNs, Flow &f, bool fromLocal, quint8 flags, const char *payload,
             quint32 capPayload, quint32 wirePayload, bool designated);
    void activate(Flow &f);
    void retire(Flow &f);
    bool clientIsLocal(const Flow &f) const { return f.meta.outgoing; }
    void drawSyn(QByteArray *out, qint64 t, Flow &f, bool designated);
    void drawSynAckAck(QByteArray *out, qint64 t, Flow &f, bool designated);
    void ensureOpen(QByteArray *out, qint64 t, Flow &f);
    void fin(QByteArray *out, qint64 t, Flow &f, bool fromLocal, bool designated);
    void tcpData(QByteArray *out, const Record &r, Flow &f);
    /// Which end sent its FIN last (the one whose FIN still needs an ACK).
    static bool lastFinFromLocal(const Flow &f) { return f.lastFinLocal; }
};

} // namespace sockbench
