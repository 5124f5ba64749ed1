#pragma once

// What a relay is asked to do: where it forwards, how its ends behave, and the faults it injects
// on purpose in each direction. Plain values, shared by the engine, the window, the command line
// and session files; the engine's fault pipeline (faultpipe.h) carries them out.

#include "tls/tlstypes.h"

#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

namespace sockbench {

/// Which way bytes flow through a relay: Up is client -> target, Down is target -> client.
enum class RelayDirection : quint8 { Up, Down };

/// How a relayed connection ends when the relay ends it (a limit, a break, a refused target).
enum class RelayEnd : quint8 {
    Close, ///< FIN after what is queued
    Reset, ///< RST (SO_LINGER 0), queued bytes dropped
};

/// The faults of one direction. Every fault is off at its default value; any combination may be
/// on at once, and a live change (Workbench::setRelayFaults) applies from the next bytes.
///
/// Stream faults act in this order on each chunk read from the sending leg: timeout (drops it
/// once in effect), limit (cuts it at the limit), latency (each chunk leaves its arrival time plus
/// latency ± jitter later, never before an earlier chunk), slicer (cut into pieces, a delay between
/// pieces), bandwidth (a token bucket over what leaves). Datagram faults act on each datagram:
/// drop, corrupt, duplicate, reorder, then latency and bandwidth as for streams.
struct FaultSet {
    // Streams and datagrams.
    int latencyMs = 0;                  ///< added to each chunk or datagram; 0: off
    int jitterMs = 0;                   ///< latency varies uniformly within ± this (never below 0 in total)
    qint64 bandwidthBytesPerSecond = 0; ///< 0: unlimited

    // Streams.
    int sliceBytes = 0;     ///< cut each chunk into pieces of this many bytes; 0: off
    int sliceVariance = 0;  ///< piece size varies uniformly within ± this (at least 1 byte)
    int sliceDelayMs = 0;   ///< between the pieces of one chunk
    qint64 limitBytes = -1; ///< forward exactly this many bytes, then end the receiving leg; -1: off
    RelayEnd limitEnd = RelayEnd::Close;
    int timeoutMs = -1;  ///< stop forwarding (hold the connection, keep reading and recording) this
                         ///< long after the fault is set or the connection opens; 0: now; -1: off
    int slowCloseMs = 0; ///< delay relaying a FIN by this long; 0: off

    // Datagrams (UDP relays).
    double dropPercent = 0;      ///< 0..100
    double duplicatePercent = 0; ///< 0..100: the datagram is sent twice
    int reorderWindow = 0;       ///< hold datagrams and release them shuffled within a window of N; 0/1: off
    double corruptPercent = 0;   ///< 0..100: one random bit of the datagram flipped

    /// No fault on: the relay forwards bytes at once, without the pipeline.
    bool isEmpty() const;
    /// The active faults in a few words, e.g. "latency 200±50 ms, slice 1 B @10 ms"; empty when none.
    QString describe() const;
    friend bool operator==(const FaultSet &, const FaultSet &) = default;
};

/// The faults of both directions, and the seed that makes random ones repeatable.
struct RelayFaults {
    FaultSet up;   ///< client -> target
    FaultSet down; ///< target -> client
    /// Seeds every random choice (jitter, slice sizes, drop, duplicate, reorder, corrupt). Each
    /// relayed connection (or UDP client) and direction draws from its own generator, seeded from
    /// this, the direction and the connection's order of arrival at the relay, so that the same run
    /// gives the same choices.
    quint64 seed = 1;

    const FaultSet &of(RelayDirection d) const { return d == RelayDirection::Up ? up : down; }
    FaultSet &of(RelayDirection d) { return d == RelayDirection::Up ? up : down; }
    bool isEmpty() const { return up.isEmpty() && down.isEmpty(); }
    /// "up: …; down: …" for the directions with faults; empty when none.
    QString describe() const;
    /// The journal's line for a change of faults: "Relay faults: none" or "Relay faults: <describe()>".
    QString journalText() const;
    friend bool operator==(const RelayFaults &, const RelayFaults &) = default;
};

/// A relay: listens on an address (Workbench::startRelay) and, for each client it accepts (TCP) or
/// each client address it hears from (UDP), opens a connection (or a UDP socket) to the target.
struct RelayOptions {
    QString targetHost; ///< name or address; looked up for each client, off the reactor thread
    quint16 targetPort = 0;
    bool udp = false;
    /// A reset on one leg resets the other; off: it closes the other (FIN).
    bool relayResets = true;
    /// What the client gets when the target refuses, cannot be resolved or times out.
    RelayEnd onTargetFailure = RelayEnd::Close;
    int connectTimeoutMs = 10000; ///< to the target
    /// UDP: a client address silent this long loses its socket to the target.
    int udpIdleMs = 120000;
    /// Terminate TLS from the client (the relay is the TLS server on the client leg).
    std::optional<TlsServerOptions> clientTls;
    /// Originate TLS to the target (the relay is the TLS client on the target leg).
    std::optional<TlsClientOptions> targetTls;
    RelayFaults faults;
};

/// Parse results of the command line's and the forms' fault texts: the value, or the error in words,
/// starting with what was parsed and quoting the bad text ("latency: \"abc\" is not a number of
/// milliseconds"). Milliseconds are whole numbers from 0 to 86,400,000 (a day). Byte sizes are whole
/// bytes, with an optional unit, case-insensitive: B; k or kB = 1000; KiB = 1024; M or MB = 1000²;
/// MiB = 1024²; G or GB; GiB ("1.5k" = 1500; "0.5" is refused). So "K" is 1000, not 1024: only the
/// "i" forms are binary. A "±" may stand for "~" (describe() writes "±").
template <typename T> struct FaultParse {
    std::optional<T> value;
    QString error;
};

/// "MS" or "MS~JITTER" (e.g. "200", "200~50") into latencyMs and jitterMs.
FaultParse<std::pair<int, int>> parseLatency(const QString &text);
/// "N", "N~V", "N@MS" or "N~V@MS" (e.g. "1", "100~20@5") into sliceBytes, sliceVariance, sliceDelayMs.
/// N is at least 1 byte; N and V may use byte units.
struct SliceSpec {
    int bytes = 0;
    int variance = 0;
    int delayMs = 0;
};
FaultParse<SliceSpec> parseSlice(const QString &text);
/// "BYTES" or "BYTES:reset" / "BYTES:close" (sizes may use k, K, KiB, M, MiB: "4KiB"); 0 is allowed.
struct LimitSpec {
    qint64 bytes = 0;
    RelayEnd end = RelayEnd::Close;
};
FaultParse<LimitSpec> parseLimit(const QString &text);
/// A byte rate: "1000", "64k", "1M", "1MiB" (per second; a trailing "/s" is allowed; 0 is unlimited).
FaultParse<qint64> parseByteRate(const QString &text);
/// A percentage 0..100, "50" or "12.5" (a trailing "%" is allowed). Its errors start with "percentage:";
/// the caller names the fault (drop, duplicate, corrupt).
FaultParse<double> parsePercent(const QString &text);

} // namespace sockbench

Q_DECLARE_METATYPE(sockbench::RelayFaults)
