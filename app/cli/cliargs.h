#pragma once

#include "engine/endpoint.h"
#include "engine/relayoptions.h"
#include "language/address.h"
#include "language/payload.h"
#include "protocol/framing.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace sockbench {

// The command line's grammar (man sockbench). Parsing does everything that can fail
// without the network: addresses, numbers, payloads and files, so that a usage error is reported
// before any socket exists. Each verb's options are declared in one table (cli/args/).

enum class CliVerb : quint8 { None, Listen, Connect, Relay };

/// How received traffic is written to stdout.
enum class OutputFormat : quint8 {
    Raw, ///< the bytes as they came
    Hex, ///< hex dump with a running offset per connection
    Log, ///< one timestamped line per record, with direction and peer
};

struct OutputArgs {
    OutputFormat format = OutputFormat::Raw;
    bool quiet = false; ///< nothing on stdout at all
    bool stats = false; ///< JSON summary as the last line on stderr
    /// Relay: each line (--log) or dump header (--hex) names the leg, "client" or "target".
    bool namesLegs = false;
    /// Relay: the target as written ("127.0.0.1:9000"), for a target leg whose address the
    /// printer does not know yet.
    QString relayTarget;
    /// --pcap FILE: record the traffic to this pcapng file as it happens (empty: no recording).
    QString pcapFile;
    /// --journal-budget SIZE: the journal's memory budget in bytes (0: the command line's default).
    qint64 journalBudgetBytes = 0;
};

class RuleBook;
struct ReplayScript;

/// --frame, --max-message and --rules: what one message is, and how the endpoint answers it.
struct MessageArgs {
    /// --frame SPEC, else the rules file's "frame", else raw; --max-message sets its maximum.
    FrameSpec frame;
    /// --rules FILE, read and checked while parsing, with --frame and --max-message applied.
    std::shared_ptr<RuleBook> rules;
};

struct ListenArgs {
    HostPort where;
    /// --nodelay, --keepalive, --sndbuf, --rcvbuf, --tos, --ttl, --interface, --reuseport
    SocketOptions socket;
    bool udp = false;
    AutoReply reply = AutoReply::None;
    QByteArray greeting;
    double durationSeconds = 0;  ///< 0: until SIGINT/SIGTERM
    QList<MulticastGroup> joins; ///< --join GROUP[%IFACE], UDP only
    /// --tls, with --cert, --key, --client-ca, --require-client-cert, --alpn (nullopt: plain TCP).
    /// The files were found readable while parsing.
    std::optional<TlsServerOptions> tls;
    MessageArgs messages;
    OutputArgs output;
    /// --replay FILE[#STREAM]: become the server of this recorded stream (read and checked while
    /// parsing; its kind sets udp). Null otherwise.
    std::shared_ptr<const ReplayScript> replay;
};

struct ConnectArgs {
    enum class Source : quint8 { Stdin, Payload };

    HostPort where;
    bool udp = false;
    Source source = Source::Stdin;
    QByteArray payload;                        ///< Source::Payload: parsed bytes, line ending included
    LineEnding stdinEnding = LineEnding::None; ///< Source::Stdin: what each "\n" becomes (None: kept)
    qint64 repeat = 1;
    int intervalMs = 0;
    int waitMs = -1;            ///< -1: until the peer closes (TCP) or the input is sent (UDP)
    QString multicastInterface; ///< --multicast-if IFACE, UDP only
    /// --nodelay/--no-nodelay, --keepalive, --sndbuf, --rcvbuf, --tos, --ttl, --interface, --bind
    SocketOptions socket;
    /// --tls, with --insecure, --ca, --sni, --alpn, --cert, --key, --tls-min (nullopt: plain TCP).
    /// The files were found readable while parsing.
    std::optional<TlsClientOptions> tls;
    MessageArgs messages;
    OutputArgs output;
    /// --replay FILE[#STREAM]: send this recorded stream's client side instead of a payload (read
    /// and checked while parsing; its kind sets udp). Null otherwise.
    std::shared_ptr<const ReplayScript> replay;
    /// --speed X: the recorded gaps divided by X; --asap: 0, back to back. Default 1.
    double replaySpeed = 1;
};

/// Which way --latency, --slice and the other faults act (--direction).
enum class FaultDirection : quint8 { Up, Down, Both };

struct RelayArgs {
    HostPort where;  ///< LISTEN_ADDRESS:PORT
    HostPort target; ///< TARGET_HOST:PORT, also in options.targetHost/targetPort
    /// Everything the engine is told: target, --udp, ends, TLS on each leg, and the faults,
    /// already in the directions --direction named.
    RelayOptions options;
    FaultDirection direction = FaultDirection::Both;
    double durationSeconds = 0; ///< 0: until SIGINT/SIGTERM
    OutputArgs output;
};

struct ParsedCommandLine {
    enum class Action : quint8 { Window, Run, Help, Version, UsageError };

    Action action = Action::Window;
    CliVerb verb = CliVerb::None;
    QString error; ///< UsageError: one line, without the program name
    ListenArgs listen;
    ConnectArgs connect;
    RelayArgs relay;
};

/// True when these arguments ask for the command line rather than the window: a verb, or a
/// program-level option such as --help or --version. Qt's own options (-platform ...) and a
/// session file (sessionFileArgument()) leave this false.
bool wantsCommandLine(const QStringList &arguments);

/// The session file these arguments open the window with: besides Qt's own options, a single
/// argument that ends in ".sockbench", or names an existing file and is not a verb. Empty otherwise.
QString sessionFileArgument(const QStringList &arguments);

/// Parses arguments (without the program name).
ParsedCommandLine parseCommandLine(const QStringList &arguments);

/// Help text for the program (CliVerb::None) or a verb.
QString usageText(CliVerb verb);
/// "Try 'sockbench listen --help'."
QString usageHint(CliVerb verb);
QString verbName(CliVerb verb);

} // namespace sockbench
