#pragma once

#include "engine/endpoint.h"
#include "engine/outcome.h"
#include "engine/relayoptions.h"
#include "engine/resolver.h"
#include "engine/tcpinfo.h"
#include "journal/journal.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <memory>
#include <vector>

namespace sockbench {

class RateMeter;
class Reactor;
struct ReactorShared;

/// What the GUI thread knows about one endpoint, kept current from the lifecycle signals.
struct EndpointInfo {
    EndpointId id = 0;
    EndpointKind kind = EndpointKind::TcpConnection;
    EndpointState state = EndpointState::Failed;
    EndpointId listener = 0; ///< for accepted connections: the listener that accepted it
    bool outgoing = false;   ///< TCP connection opened by connectTcp()
    QString requestedHost;   ///< what the user asked for (host name or address)
    quint16 requestedPort = 0;
    NetAddress local;
    NetAddress peer;         ///< TCP: the other end; UDP opened by openUdpTo(): the destination
    QString error;           ///< reason for Failed, or the latest warning
    quint64 queuedBytes = 0; ///< bytes waiting in our write queue, as of the last bytesWritten()
    /// Reset: true when we sent the RST (abort()), false when the peer's RST arrived. Set before
    /// stateChanged() reports the Reset.
    bool resetByUs = false;
    /// Listener: what each connection it accepts gets. UDP socket: Echo when it echoes datagrams,
    /// else None. Changed by setAutoReply(), as of autoReplyChanged().
    AutoReply autoReply = AutoReply::None;
    QByteArray greeting; ///< listener whose autoReply is Greeting: the bytes sent to each client
    /// The socket options asked for, as the kernel took them (read back), by option name; set
    /// before the endpoint's started/connected/bound signal and updated as of optionsApplied().
    QList<AppliedOption> options;
    /// TCP connection: the kernel's view as of its last read (requestTcpInfo(), and once more
    /// right before the socket closes, so that a final endpoint keeps it).
    std::optional<TcpInfo> lastTcpInfo;
    /// Response rules of a listener, UDP socket or connection (null: none), with their live hit
    /// counters (readable from this thread at any time). A connection accepted by a listener with
    /// rules shares the listener's book, so hits count across its clients. As of rulesChanged().
    std::shared_ptr<RuleBook> rules;
    /// How this endpoint's stream is split into messages: the rules' frame when there are rules,
    /// else the one set with the options or setFraming(). UDP: always raw (one datagram each).
    FrameSpec frame;
    /// TLS of a connection (its handshake, session, peer's chain, failure) or of a TLS listener
    /// (Phase::Serving, its certificate); nullopt: plain TCP, or UDP. As of tlsChanged().
    std::optional<TlsInfo> tls;

    // Relays (startRelay). A TCP relay is kind TcpListener, a UDP relay kind UdpSocket, each with
    // `relay` set. A TCP relay's legs are TcpConnections whose `listener` is the relay: the client
    // leg accepted from the client, the target leg (outgoing) opened to the target, each naming
    // the other in relayPeer. A UDP relay's sockets to the target are UdpSockets whose `listener`
    // is the relay and whose relayClient is the client address they serve.

    /// A relay's options, with its current faults (as of relayFaultsChanged()); nullopt otherwise.
    std::optional<RelayOptions> relay;
    /// A relayed TCP connection's other leg; 0 otherwise.
    EndpointId relayPeer = 0;
    /// A relay leg (either TCP leg, or a UDP relay's socket to the target): the faults in effect on
    /// it, its relay's unless setRelayFaults() was called on the leg itself (as of relayFaultsChanged()).
    std::optional<RelayFaults> relayFaults;
    /// A UDP relay's socket to the target: the client address it relays for.
    NetAddress relayClient;

    // Streams read from a capture file (addCaptureEndpoint): read-only, no socket, never live.
    // A TCP stream is a TcpConnection with outgoing set (local: the side that sent the SYN, so its
    // bytes are DataOut), a UDP stream a UdpSocket (local: the side that sent the first datagram).

    /// The capture file this endpoint was read from; empty for endpoints of ours.
    QString captureFile;
    /// Wireshark's tcp.stream or udp.stream number of this stream in captureFile; -1 otherwise.
    int captureStream = -1;
    /// Stream bytes the capture does not have (gaps, snap length): such a stream cannot be replayed.
    quint64 captureBytesMissing = 0;
    /// Which opening of a capture file this stream came from (importCapture numbers each, from 1):
    /// the window groups a file's streams under one row per opening. 0 for endpoints of ours.
    quint64 captureOpening = 0;

    bool isFromCapture() const { return !captureFile.isEmpty(); }
};

/// Construction-time settings of a Workbench.
struct WorkbenchConfig {
    int reactorThreads = 0; ///< 0: min(2, ideal thread count)
    qint64 journalBudgetBytes = Journal::DefaultBudgetBytes;
    std::shared_ptr<Resolver> resolver; ///< null: the system resolver (getaddrinfo)
    /// false: rates() keeps no history (the command line shows no rates, and a busy endpoint's
    /// 60 s of samples cost about 29 KB).
    bool sampleRates = true;
};

/// The one API that the window and the command line use for all networking.
///
/// Lives in the thread that creates it (the GUI thread). Every call returns at once; the socket
/// work happens on reactor threads, and outcomes come back as signals emitted in this object's
/// thread. Traffic is not signalled per chunk: it goes into journal(), announced by journalGrew().
class Workbench final : public QObject {
    Q_OBJECT

public:
    explicit Workbench(const WorkbenchConfig &config = {}, QObject *parent = nullptr);
    /// Closes every socket and joins every thread; returns within a second even with thousands of
    /// open connections.
    ~Workbench() override;
    Q_DISABLE_COPY_MOVE(Workbench)

    /// Starts a TCP listener. address is numeric ("127.0.0.1", "::1", "0.0.0.0", "::") or a host
    /// name; port 0 lets the kernel choose (listenerStarted() tells which).
    EndpointId startTcpListener(const QString &address, quint16 port, const ListenerOptions &options = {});
    /// Stops accepting; connections already accepted stay open.
    void stopListener(EndpointId listener);

    EndpointId connectTcp(const QString &host, quint16 port, const ConnectOptions &options = {});
    /// Graceful close: sends what is queued, then FIN, then waits briefly for the peer's FIN.
    /// On a listener: same as stopListener(). On a UDP socket: closes it. Cancels a pending connect.
    void close(EndpointId id);
    /// Half-close: FIN after the queued bytes, keep receiving (shutdown(SHUT_WR)).
    void shutdownWrite(EndpointId id);
    /// Abortive close: SO_LINGER 0, the peer sees a reset. Queued bytes are dropped.
    void abort(EndpointId id);

    EndpointId bindUdp(const QString &address, quint16 port, const UdpOptions &options = {});
    /// Opens a UDP socket for sending to host:port. The host is looked up off this thread (through
    /// WorkbenchConfig::resolver); the socket binds the wildcard address of the first answer's family
    /// on port 0, and info(id).peer holds that answer by the time udpBound() is emitted. A failed
    /// lookup ends in udpFailed() with the resolver's message.
    EndpointId openUdpTo(const QString &host, quint16 port, const UdpOptions &options = {});
    void joinMulticast(EndpointId udp, const QString &group, const QString &interfaceName = {});
    void leaveMulticast(EndpointId udp, const QString &group, const QString &interfaceName = {});

    /// What send() and sendDatagram() answer at once: accepted, or refused and why (the same words
    /// sendFailed() carries). A refusal here means nothing was queued; a failure found later on
    /// the reactor comes only through sendFailed().
    struct SendResult {
        QString refusal; ///< empty when accepted
        explicit operator bool() const { return refusal.isEmpty(); }
    };
    /// Queues bytes on a TCP connection. Refused (and sendFailed() emitted) if it cannot.
    SendResult send(EndpointId connection, const QByteArray &bytes);
    /// Sends one datagram from a UDP socket to host:port (host names are resolved first). A payload
    /// over MaxDatagramPayloadBytes is refused here (and sendFailed()), before any lookup.
    SendResult sendDatagram(EndpointId udp, const QString &host, quint16 port, const QByteArray &bytes);
    /// Sends the same bytes to every open connection accepted by the listener (a relay's client
    /// legs, never its target legs). Returns how many.
    int sendToAllClients(EndpointId listener, const QByteArray &bytes);
    /// Changes what a running listener does with its connections. Connections accepted afterwards
    /// get the new reply in full; connections already open follow echo on or off from their next
    /// received bytes, but are not greeted (their start is past). On a UDP socket Echo turns echo
    /// on and anything else turns it off. autoReplyChanged() tells when every reactor applies it.
    /// Returns false (and changes nothing) for other endpoints and final ones.
    bool setAutoReply(EndpointId id, AutoReply reply, const QByteArray &greeting = {});
    /// Gives a listener, UDP socket or TCP connection response rules (null: none), replacing any
    /// it had. On a listener they apply to its open connections too (each starts framing afresh
    /// from its next bytes; a message in progress is dropped) and to every later one. On an
    /// accepted connection they replace the listener's for that connection alone (null: none,
    /// until its listener's rules change again). rulesChanged()
    /// tells when the reactors apply them. Returns false for other endpoints and final ones.
    bool setRules(EndpointId id, std::shared_ptr<RuleBook> rules);
    /// The display framing of a TCP listener or connection without rules (a listener's applies
    /// to its connections that have no rules of their own). Returns false for UDP and final ones.
    bool setFraming(EndpointId id, const FrameSpec &frame);

    /// Start TLS: upgrades a Connected plaintext TCP connection, as SMTP's STARTTLS does. Bytes
    /// already queued go out in plain text first; the handshake follows (state Handshaking, then
    /// Connected; tlsChanged() each time). A failure ends the connection (connectionFailed()).
    /// Returns false (and sendFailed() says why) for anything else, or one already speaking TLS.
    bool startTls(EndpointId connection, const TlsClientOptions &options);
    /// The same, with this end as the TLS server (the peer sends the ClientHello).
    bool startTlsServer(EndpointId connection, const TlsServerOptions &options);

    /// Starts a relay: listens on address:port (TCP, or UDP with options.udp) and, for each client,
    /// opens a connection (UDP: a socket) to options.targetHost:targetPort and forwards bytes both
    /// ways through options.faults. The relay reports like a listener (listenerStarted(), or
    /// udpBound() for UDP); each client leg like an accepted connection (connectionAccepted(), with
    /// the relay as its listener); each target leg with relayLegOpened(), then like an outgoing
    /// connection (resolving(), connecting(), connected() or connectFailed()). Both legs record
    /// what they read and wrote (plaintext when TLS is on a leg), with fault events at their place.
    /// Faults that do not fit the relay's kind fail it in words, as setRelayFaults() refuses them.
    EndpointId startRelay(const QString &address, quint16 port, const RelayOptions &options);
    /// Changes the faults while traffic flows: on a relay, for all of its relayed connections (or
    /// UDP clients) and later ones; on a leg, for that connection (both legs) or UDP client alone.
    /// Applies from the next bytes; relayFaultsChanged() tells when. A stopped relay's connections
    /// that are still open change all the same. Faults that do not fit the relay are refused in
    /// words (false, and sendFailed()): slice, limit, timeout and slow close on a UDP relay (it
    /// forwards whole datagrams), drop, duplicate, reorder and corrupt on a TCP relay (a stream).
    /// False for anything else, and for a leg that has ended.
    bool setRelayFaults(EndpointId id, const RelayFaults &faults);
    /// Ends a relayed connection now (both legs), or every connection of a relay (the relay keeps
    /// listening): a close sends what is queued then FIN; a reset sends RST both ways. False for
    /// anything else.
    bool breakRelay(EndpointId id, RelayEnd end);

    /// Sets options on a live endpoint, where the kernel allows it (see SocketOptions). The
    /// outcome, read back, is in info(id).options as of optionsApplied(). Returns false (and
    /// changes nothing) for unknown and final endpoints.
    bool setSocketOptions(EndpointId id, const SocketOptions &options);
    /// Reads TCP_INFO and the queues of a TCP connection on its reactor; tcpInfoRead() answers.
    /// Returns false for anything but an open TCP connection.
    bool requestTcpInfo(EndpointId id);

    const Journal &journal() const;
    Journal &journal();
    /// Rates of every endpoint and in total, sampled at 10 Hz over the last 60 s.
    const RateMeter &rates() const;
    /// Known endpoints (including final ones until forget() is called).
    const QHash<EndpointId, EndpointInfo> &endpoints() const { return m_endpoints; }
    EndpointInfo info(EndpointId id) const { return m_endpoints.value(id); }
    /// Open connections accepted by this listener, in the order they were accepted. For a relay:
    /// its client legs only (a target leg is the relay's outgoing connection, not a client).
    QList<EndpointId> clientsOf(EndpointId listener) const;
    /// Every connection this listener accepted that endpoints() still knows, closed ones included,
    /// in the order they were accepted: what a view of "the listener and its clients" shows.
    QList<EndpointId> connectionsOf(EndpointId listener) const;
    /// Drops a final endpoint from endpoints() and its history from rates(). The journal keeps its
    /// records, and its counters and description until the budget drops its last record.
    void forget(EndpointId id);

    /// Adds a read-only endpoint that stands for a stream read from a capture (info.captureFile set;
    /// its id, ignored, is assigned here). Its state should be final (what the capture showed at its
    /// end: Closed, Reset, Failed; Closed for a stream still open when the capture ended). It has no
    /// socket: close, send and the other calls refuse it as they refuse a final endpoint. Its
    /// records go into journal() with Journal::appendImported*(); call announceJournal() after them.
    /// Emits captureEndpointAdded(). Returns the new id.
    EndpointId addCaptureEndpoint(const EndpointInfo &info);
    /// Emits journalGrew() now, for records appended outside the reactors (an imported capture).
    void announceJournal();
    int reactorCount() const;

Q_SIGNALS:
    /// Emitted when any endpoint changes state; detail is the error text for Failed, else empty.
    /// The specific signals below are emitted right after it.
    void stateChanged(sockbench::EndpointId id, sockbench::EndpointState state, const QString &detail);

    /// Emitted when a listener is bound and listening; local has the real port when 0 was asked.
    void listenerStarted(sockbench::EndpointId id, const sockbench::NetAddress &local);
    /// Emitted when a listener cannot be set up, e.g. "Address already in use".
    void listenerFailed(sockbench::EndpointId id, const QString &reason);
    /// Emitted when a listener has stopped accepting and closed its socket.
    void listenerStopped(sockbench::EndpointId id);
    /// Emitted when a listener hits a condition it survives, e.g. descriptor exhaustion
    /// ("Too many open files: accepting paused") and again when it recovers.
    void listenerWarning(sockbench::EndpointId id, const QString &message);

    /// Emitted when a listener accepts a connection; the connection is Connected from then on.
    void connectionAccepted(sockbench::EndpointId id, sockbench::EndpointId listener,
                            const sockbench::NetAddress &local, const sockbench::NetAddress &peer);
    /// Emitted when an outgoing connection starts resolving its host name.
    void resolving(sockbench::EndpointId id, const QString &host);
    /// Emitted when an outgoing connection starts its non-blocking connect to one address.
    void connecting(sockbench::EndpointId id, const sockbench::NetAddress &peer);
    /// Emitted when an outgoing connection is established.
    void connected(sockbench::EndpointId id, const sockbench::NetAddress &local,
                   const sockbench::NetAddress &peer);
    /// Emitted when an outgoing connection cannot be made, e.g. "Connection refused".
    void connectFailed(sockbench::EndpointId id, const QString &reason);
    /// Emitted when the peer sent FIN; we may still send.
    void peerClosed(sockbench::EndpointId id);
    /// Emitted when a connection or UDP socket is closed in order (by us, or by both ends).
    void closed(sockbench::EndpointId id);
    /// Emitted when a connection is reset (RST received, or sent by abort()).
    void reset(sockbench::EndpointId id);
    /// Emitted when an established connection fails for another reason (e.g. "Connection timed out").
    void connectionFailed(sockbench::EndpointId id, const QString &reason);

    /// Emitted when a UDP socket is bound; local has the real port when 0 was asked.
    void udpBound(sockbench::EndpointId id, const sockbench::NetAddress &local);
    /// Emitted when a UDP socket cannot be set up.
    void udpFailed(sockbench::EndpointId id, const QString &reason);

    /// Emitted when a setAutoReply() change is in effect on every reactor; info(id) has it.
    void autoReplyChanged(sockbench::EndpointId id);
    /// Emitted when setRules() or setFraming() is in effect; info(id) has the new rules and frame.
    void rulesChanged(sockbench::EndpointId id);

    /// Emitted when info(id).tls changes: a handshake started, completed, failed, or the session
    /// closed; and once for a TLS listener when it serves (its certificate and fingerprint).
    void tlsChanged(sockbench::EndpointId id);

    /// Emitted when a relay opens its leg to the target (a TCP connection, or a UDP socket for a new
    /// client address): id is the new leg, clientLeg the accepted connection it serves (0 for UDP).
    /// info(id) has listener == relay, relayPeer and relayClient set.
    void relayLegOpened(sockbench::EndpointId id, sockbench::EndpointId relay,
                        sockbench::EndpointId clientLeg);
    /// Emitted when setRelayFaults() is in effect; info(id).relay / relayFaults have the faults.
    void relayFaultsChanged(sockbench::EndpointId id);

    /// Emitted when addCaptureEndpoint() added a stream read from a capture; info(id) has it.
    void captureEndpointAdded(sockbench::EndpointId id);

    /// Emitted when setSocketOptions() (or a socket's set-up) has applied options; info(id).options
    /// holds every option's read-back and refusal.
    void optionsApplied(sockbench::EndpointId id);
    /// Answers requestTcpInfo(); info(id).lastTcpInfo holds the same.
    void tcpInfoRead(sockbench::EndpointId id, const sockbench::TcpInfo &info);

    /// Emitted when a send or a multicast request cannot be carried out; nothing was sent.
    void sendFailed(sockbench::EndpointId id, const QString &reason);
    /// Emitted at most about every 10 ms per connection while a send drains, and when it is done:
    /// written is the total handed to the kernel so far, queued what still waits.
    void bytesWritten(sockbench::EndpointId id, quint64 written, quint64 queued);
    /// Emitted at most about every 10 ms while traffic or events are recorded; count is
    /// journal().count() at the time of emission.
    void journalGrew(quint64 count);

protected:
    bool event(QEvent *event) override;

private:
    Reactor *reactorFor(EndpointId id) const;
    Reactor *nextReactor();
    Reactor *reactorForDatagrams() const;
    EndpointId newId();
    void updateState(EndpointId id, EndpointState state, const QString &detail);
    EndpointInfo &addEndpoint(EndpointId id, EndpointKind kind, EndpointState state);

    // What the reactors report (outcome.h), applied in this object's thread in the order it happened.
    void on(const outcome::ListenerStarted &o);
    void on(const outcome::Accepted &o);
    void on(const outcome::Resolving &o);
    void on(const outcome::Connecting &o);
    void on(const outcome::Connected &o);
    void on(const outcome::UdpBound &o);
    void on(const outcome::Final &o);
    void on(const outcome::PeerClosed &o);
    void on(const outcome::ListenerWarning &o);
    void on(const outcome::SendFailed &o);
    void on(const outcome::RulesChanged &o);
    void on(const outcome::BytesWritten &o);
    void on(const outcome::JournalGrew &o);
    void on(const outcome::AutoReplyChanged &o);
    void on(const outcome::OptionsApplied &o);
    void on(const outcome::TcpInfoRead &o);
    void on(const outcome::TlsChanged &o);
    void on(const outcome::RelayLegOpened &o);
    void on(const outcome::RelayFaultsChanged &o);
    /// Set-up options arrived with a started/accepted/connected/bound outcome: stores them.
    void setUpOptions(EndpointId id, const QList<AppliedOption> &options);

    std::shared_ptr<ReactorShared> m_shared;
    std::unique_ptr<RateMeter> m_rates; ///< after m_shared: it reads the journal until it is destroyed
    std::vector<std::unique_ptr<Reactor>> m_reactors;
    QHash<EndpointId, EndpointInfo> m_endpoints;
    QHash<EndpointId, int> m_reactorOf;
    /// The display framing set on each endpoint (options or setFraming()); info.frame shows the
    /// rules' frame instead while an endpoint has rules.
    QHash<EndpointId, FrameSpec> m_setFrames;
    /// Accepted connections given rules of their own (setRules on the connection itself).
    QSet<EndpointId> m_ownRules;
    void setEndpointRules(EndpointInfo &info, std::shared_ptr<RuleBook> rules);
    unsigned m_nextReactor = 0;
    /// Counts setRelayFaults() calls, so that a relayed connection keeps the latest change even
    /// when an older one (relay-wide, two hops) reaches it after a newer one (on a leg, one hop).
    quint64 m_relayFaultsSequence = 0;
};

/// Raises this process's open-file soft limit to its hard limit. Returns the new soft limit.
qint64 raiseOpenFileLimit();

} // namespace sockbench
