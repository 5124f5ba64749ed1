#pragma once

// Internal to core: a TCP relay's relayed connections. The relay itself is a TcpListener whose
// accepted connections get a RelayLeg handler (from TcpRelayHub) instead of a StreamRecorder.

#include "engine/faultpipe.h"
#include "engine/relayoptions.h"
#include "engine/streamhandler.h"
#include "engine/streamrecorder.h"
#include "engine/tcplistener.h"

#include <array>
#include <memory>
#include <mutex>
#include <utility>

namespace sockbench {

class Reactor;
class RelayPair;
class TcpStream;

/// A relay's faults of the moment, shared by its listener and its relayed connections on every
/// reactor: a connection takes them when it opens, so that a change made while it was being
/// accepted (or doing its TLS handshake) is not missed.
class RelayFaultsCell final {
public:
    explicit RelayFaultsCell(const RelayFaults &faults)
        : m_faults(faults) {}
    Q_DISABLE_COPY_MOVE(RelayFaultsCell)
    /// The faults and the sequence number of the change that set them (0: the relay's start).
    std::pair<RelayFaults, quint64> get() const {
        std::lock_guard lock(m_mutex);
        return {m_faults, m_sequence};
    }
    /// Ignored when an older change (a lower sequence) arrives after a newer one.
    void set(const RelayFaults &faults, quint64 sequence) {
        std::lock_guard lock(m_mutex);
        if (sequence < m_sequence)
            return;
        m_faults = faults;
        m_sequence = sequence;
    }

private:
    mutable std::mutex m_mutex;
    RelayFaults m_faults;
    quint64 m_sequence = 0;
};

/// One TCP relay, as its listener's handler factory: what every relayed connection starts with
/// (the options, the faults of the moment, its order of arrival). Lives on the listener's reactor
/// thread; each relayed connection copies what it needs and runs on the reactor that owns it.
class TcpRelayHub final : public AcceptedHandlerFactory {
public:
    TcpRelayHub(EndpointId relay, const RelayOptions &options);
    Q_DISABLE_COPY_MOVE(TcpRelayHub)

    std::unique_ptr<StreamHandler> make(EndpointId accepted, const NetAddress &peer) override;
    /// The faults that connections accepted from now on start with (`sequence`: see
    /// RelayPair::setFaults).
    void setFaults(const RelayFaults &faults, quint64 sequence) { m_faults->set(faults, sequence); }

private:
    const EndpointId m_relay;
    RelayOptions m_options;
    std::shared_ptr<RelayFaultsCell> m_faults;
    quint64 m_arrivals = 0;
};

/// Which leg of a relayed connection.
enum class RelaySide : quint8 {
    Client, ///< accepted from the client
    Target, ///< opened to the target
};

/// The handler of one leg. It records the leg's traffic like any stream (a StreamRecorder without
/// auto-reply inside) and hands everything else to its RelayPair. Under TLS it sits inside the
/// TlsTransform, so it sees (and records) plaintext.
class RelayLeg final : public StreamHandler {
public:
    RelayLeg(std::shared_ptr<RelayPair> pair, RelaySide side);
    ~RelayLeg() override;
    Q_DISABLE_COPY_MOVE(RelayLeg)

    void opened(TcpStream &stream) override;
    bool received(TcpStream &stream, const char *data, qsizetype size) override;
    void sent(TcpStream &stream, const char *data, qsizetype size) override;
    void peerFinished(TcpStream &stream) override;
    void drained(TcpStream &stream) override;
    void faultTimer(TcpStream &stream) override;

private:
    std::shared_ptr<RelayPair> m_pair;
    const RelaySide m_side;
    StreamRecorder m_recorder;
};

/// One relayed connection: the client leg and the target leg, both on the same reactor, so that
/// one leg's handler writes to the other directly. Holds raw pointers to both streams, cleared as
/// each one finishes (TcpStream's finish hook) or its handler goes, so that nothing dangles.
///
/// Each direction (Up: client -> target, Down: target -> client) forwards what the sending leg
/// reads to the receiving leg, straight through when it has no faults, else through its
/// StreamFaults, whose timer is the receiving leg's TimerKind::Fault. Back-pressure: the sending
/// leg stops reading while the receiving leg's queue plus what the faults hold passes HighWater,
/// and reads again once it is down to LowWater.
///
/// Ends the relay causes itself: a limit ends the receiving leg of its direction only (a close
/// sends what is queued, then FIN; a reset waits until the receiver's queue and the kernel's send
/// queue are empty, so that the peer gets exactly the limit's bytes, then sends RST; a peer that never reads
/// keeps the leg until it does, or until breakPair()). The other leg then ends as for any end of that leg: a
/// reset (ours or the peer's, said apart in the event) resets it when RelayOptions::relayResets, else closes
/// it; a close closes it. breakPair() ends both legs itself, and nothing is relayed between them.
///
/// Bytes that cannot be relayed (the receiving leg has ended or is closing, held bytes when the
/// receiver ends or the pair is broken) are recorded, and dropped, with one event per occasion:
/// "N bytes not relayed: <why>".
class RelayPair final : public std::enable_shared_from_this<RelayPair> {
public:
    static constexpr quint64 HighWater = 4 * 1024 * 1024;
    static constexpr quint64 LowWater = 1024 * 1024;

    RelayPair(EndpointId relay, EndpointId clientLeg, quint64 arrival, const RelayOptions &options,
              std::shared_ptr<RelayFaultsCell> relayFaults);
    ~RelayPair();
    Q_DISABLE_COPY_MOVE(RelayPair)

    EndpointId relay() const { return m_relay; }
    EndpointId clientLeg() const { return m_ids[0]; }
    EndpointId targetLeg() const { return m_ids[1]; }
    const RelayFaults &faults() const { return m_options.faults; }

    /// New faults for both directions, from the next bytes on (records the change on both legs).
    /// `sequence` orders the changes (Workbench counts them): a relay-wide change reaches a pair
    /// in two hops, a per-leg one in one, so an older change may arrive after a newer one; it is
    /// then ignored (false).
    bool setFaults(const RelayFaults &faults, quint64 sequence);
    /// Steps of the faults run in one go at most; then the rest waits for a 0 ms timer, so that a
    /// zero-delay slicer does not hold the reactor for one write per piece of a large backlog.
    static constexpr int MaxStepsPerPump = 64;
    /// A limit's reset waits for the receiver's queues to empty, checking this often.
    static constexpr qint64 ResetRecheckMs = 10;
    /// Ends both legs now: a close sends what is queued, then FIN; a reset sends RST both ways.
    void breakPair(RelayEnd end);

    // For RelayLeg, on the pair's reactor thread.
    void opened(RelaySide side, TcpStream &stream);
    bool received(RelaySide side, TcpStream &stream, const char *data, qsizetype size);
    void peerFinished(RelaySide side, TcpStream &stream);
    void drained(RelaySide side, TcpStream &stream);
    void faultTimer(RelaySide side, TcpStream &stream);
    void legGone(RelaySide side);

private:
    /// One direction, named by its sending side.
    struct Way {
        std::unique_ptr<StreamFaults> faults; ///< null while the direction has never had faults
        bool finRelayed = false;              ///< the sender's FIN was passed on (or is in the pipeline)
        bool closeAfterFin = false;           ///< the receiver closes (not half-closes) at the FIN
        bool finDelivered = false;            ///< the FIN reached the receiver (shutdownWrite or close)
        bool resetPending = false;            ///< a limit's reset waits for the receiver's bytes to leave
    };
    static int index(RelaySide side) { return side == RelaySide::Client ? 0 : 1; }
    static RelaySide otherSide(RelaySide side) {
        return side == RelaySide::Client ? RelaySide::Target : RelaySide::Client;
    }
    TcpStream *stream(RelaySide side) const { return m_streams[size_t(index(side))]; }
    Way &wayFrom(RelaySide sender) { return m_ways[size_t(index(sender))]; }
    static RelayDirection directionFrom(RelaySide sender) {
        return sender == RelaySide::Client ? RelayDirection::Up : RelayDirection::Down;
    }

    void openTarget(TcpStream &client);
    /// Makes `stream` the leg of `side`: the pair's pointer, cleared by the stream's finish hook.
    void attach(RelaySide side, TcpStream &stream);
    /// A leg's stream finished (its finish hook).
    void legFinished(RelaySide side, TcpStream &stream, EndpointState before, EndpointState state,
                     const QString &detail);
    void targetFailed(TcpStream &target, EndpointState before, const QString &detail);
    /// Records that bytes held for the receiver of the direction from `sender` are dropped, and
    /// drops them.
    void dropHeld(RelaySide sender, const QString &why);
    /// The receiver still has bytes to send: ours queued, or the kernel's not yet acknowledged.
    static bool hasUnsentBytes(const TcpStream &receiver);
    /// Passes the sender's FIN on (through the faults, when there are any); `close`: the receiver
    /// closes rather than half-closes, because the sender is gone.
    void relayFin(RelaySide sender, bool close);
    /// Runs what the faults of the direction from `sender` have due, and arms the receiver's timer.
    void pump(RelaySide sender);
    bool usesFaults(const Way &way) const;
    /// What waits to reach the receiver of the direction from `sender`.
    quint64 backlog(RelaySide sender) const;
    /// Reads the sender again once its receiver has caught up.
    void resumeIfCaughtUp(RelaySide sender);
    /// Builds the direction's faults the first time they are not empty, or updates them.
    void applyFaults(RelaySide sender, qint64 nowNs);
    void endLeg(TcpStream &stream, RelayEnd end);
    /// The leg speaks TLS (its handler is inside a TlsTransform).
    bool speaksTls(RelaySide side) const {
        return side == RelaySide::Client ? m_options.clientTls.has_value() : m_options.targetTls.has_value();
    }

    const EndpointId m_relay;
    std::array<EndpointId, 2> m_ids{};
    const quint64 m_arrival;
    RelayOptions m_options; ///< faults: this connection's
    std::shared_ptr<RelayFaultsCell> m_relayFaults;
    std::array<TcpStream *, 2> m_streams{};
    std::array<Way, 2> m_ways;
    bool m_targetOpened = false; ///< the target leg is established (and past its TLS handshake)
    bool m_targetStarted = false;
    bool m_broken = false;             ///< breakPair(): the legs' ends are ours, not news to relay
    bool m_inConnect = false;          ///< inside TcpStream::connectTo (a failure there is our set-up's)
    std::array<bool, 2> m_endedByUs{}; ///< a limit ended this leg
    quint64 m_faultsSequence = 0;      ///< of the faults in effect (setFaults)
};

} // namespace sockbench
