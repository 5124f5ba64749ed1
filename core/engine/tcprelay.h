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
    RelayFaults get() const {
        std::lock_guard lock(m_mutex);
        return m_faults;
    }
    void set(const RelayFaults &faults) {
        std::lock_guard lock(m_mutex);
        m_faults = faults;
    }

private:
    mutable std::mutex m_mutex;
    RelayFaults m_faults;
};

/// One TCP relay, as its listener's handler factory: what every relayed connection starts with
/// (the options, the faults of the moment, its order of arrival). Lives on the listener's reactor
/// thread; each relayed connection copies what it needs and runs on the reactor that owns it.
class TcpRelayHub final : public AcceptedHandlerFactory {
public:
    TcpRelayHub(EndpointId relay, const RelayOptions &options);
    Q_DISABLE_COPY_MOVE(TcpRelayHub)

    std::unique_ptr<StreamHandler> make(EndpointId accepted, const NetAddress &peer) override;
    /// The faults that connections accepted from now on start with.
    void setFaults(const RelayFaults &faults) { m_faults->set(faults); }

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
    void setFaults(const RelayFaults &faults);
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
    /// A leg's stream finished (its finish hook).
    void legFinished(RelaySide side, EndpointState before, EndpointState state, const QString &detail);
    void targetFailed(EndpointState before, const QString &detail);
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
    bool m_broken = false; ///< breakPair(): the legs' ends are ours, not news to relay
};

} // namespace sockbench
