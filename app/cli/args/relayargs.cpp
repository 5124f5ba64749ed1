// sockbench relay: its options, and the checks that need all of them.

#include "cli/args/commonoptions.h"
#include "cli/args/verbs.h"
#include "engine/faulttable.h"

#include <limits>

namespace sockbench {

namespace {

/// What relay's options write to while the arguments are read.
struct RelayState {
    explicit RelayState(ParsedCommandLine &parsed)
        : args(parsed.relay)
        , udp(args.options.udp)
        , output(args.output)
        , durationSeconds(args.durationSeconds) {
        args.output.namesLegs = true;
    }

    RelayArgs &args;
    bool &udp;
    OutputArgs &output;
    double &durationSeconds;
    FaultSet faults; ///< for the directions --direction names
    // Each leg's TLS, checked as listen --tls and connect --tls check theirs.
    TlsGiven clientSide;
    TlsGiven targetSide;
};

using S = RelayState;
using options::Name;
using options::Value;

/// The option of one row of the core fault table (engine/faulttable.h); its scope says which relays
/// take it, and its parser's reason follows the option and the value: "--latency '-3': reason".
CliOption<S> faultOption(const FaultKind &kind) {
    const OptionSet set = kind.scope == FaultScope::Stream     ? OptionSet::StreamOnly
                          : kind.scope == FaultScope::Datagram ? OptionSet::DatagramOnly
                                                               : OptionSet::None;
    return {{.longName = QStringLiteral("--") + QLatin1StringView(kind.option),
             .valueName = QLatin1StringView(kind.valueName),
             .help = QString::fromUtf8(kind.help),
             .set = set},
            [&kind](S &s, Name option, Value value) {
                const QString why = kind.parse(value, &s.faults);
                return why.isEmpty() ? QString()
                                     : QStringLiteral("%1 %2: %3").arg(option, quoted(value), why);
            }};
}

/// The fault options of one scope, in the fault table's order.
void appendFaults(FaultScope scope, std::vector<CliOption<S>> *table) {
    for (const FaultKind &kind : faultKinds()) {
        if (kind.scope == scope)
            table->push_back(faultOption(kind));
    }
}

/// A flag that sets one of the relay's options.
CliOption<S> relayFlag(const char *name, const char *help, void (*apply)(S &)) {
    return {{.longName = QLatin1StringView(name), .help = QLatin1StringView(help)},
            [apply](S &s, Name, Value) {
                apply(s);
                return QString();
            }};
}

std::vector<CliOption<S>> outputOptions() {
    return {
        options::udp<S>().described(QStringLiteral("relay UDP datagrams instead of TCP connections")),
        options::hex<S>().described(
            QStringLiteral("write what each leg receives to stdout as a hex dump, each part\n"
                           "headed by its leg (client or target) and peer")),
        options::log<S>().described(
            QStringLiteral("write one timestamped line per record, naming the leg: client or\n"
                           "target (with faults: what each fault did, e.g. 'delayed 200 ms')")),
        options::quiet<S>().described(
            QStringLiteral("write nothing to stdout (the default is the bytes both legs receive)")),
        options::stats<S>().described(
            QStringLiteral("print a JSON summary as the last line on stderr at exit: bytes in and\n"
                           "out of each leg (\"client\", \"target\"), connections relayed, failures")),
        options::duration<S>(),
        options::journalBudget<S>(),
        options::pcap<S>().described(
            QStringLiteral("record both legs to FILE (pcapng, for Wireshark) as it happens")),
    };
}

/// The faults, from the core fault table, with --direction and --seed, which act on all of them.
std::vector<CliOption<S>> faultOptions() {
    std::vector<CliOption<S>> table{helpLine<S>(QStringLiteral(
        "\nFaults (all off by default; they act in both directions unless --direction says):"))};
    appendFaults(FaultScope::Both, &table);
    table.insert(
        table.end(),
        {
            {{.longName = QStringLiteral("--direction"),
              .valueName = QStringLiteral("up|down|both"),
              .help = QStringLiteral("the faults act client to target (up), target to\n"
                                     "client (down) or both ways (the default)")},
             [](S &s, Name, Value value) {
                 if (value == u"up")
                     s.args.direction = FaultDirection::Up;
                 else if (value == u"down")
                     s.args.direction = FaultDirection::Down;
                 else if (value == u"both")
                     s.args.direction = FaultDirection::Both;
                 else
                     return QStringLiteral(
                                "--direction %1: expected up (client to target), down (target to client) "
                                "or both")
                         .arg(quoted(value));
                 return QString();
             }},
            {{.longName = QStringLiteral("--seed"),
              .valueName = QStringLiteral("N"),
              .help = QStringLiteral("seeds every random choice (jitter, slice sizes, drop, duplicate,\n"
                                     "reorder, corrupt), so that a run can be repeated exactly (default 1)")},
             [](S &s, Name, Value value) {
                 bool ok = false;
                 const quint64 seed = value.toULongLong(&ok, 10);
                 if (!ok || value.startsWith(u'+'))
                     return QStringLiteral("--seed %1: expected a whole number from 0 to %2")
                         .arg(quoted(value))
                         .arg(std::numeric_limits<quint64>::max());
                 s.args.options.faults.seed = seed;
                 return QString();
             }},
        });
    table.push_back(helpLine<S>(QStringLiteral("TCP only:")));
    appendFaults(FaultScope::Stream, &table);
    table.push_back(helpLine<S>(QStringLiteral("UDP only (with --udp; PCT is a percentage, 0 to 100):")));
    appendFaults(FaultScope::Datagram, &table);
    return table;
}

std::vector<CliOption<S>> endAndTlsOptions() {
    return {
        helpLine<S>(QStringLiteral("\nEnds:")),
        relayFlag("--no-reset-relay", "a reset on one leg closes the other (FIN) instead of resetting it",
                  [](S &s) { s.args.options.relayResets = false; }),
        {{.longName = QStringLiteral("--on-target-failure"),
          .valueName = QStringLiteral("close|reset"),
          .help = QStringLiteral("what a client gets when the target refuses,\n"
                                 "cannot be resolved or does not answer (default close); the reason is\n"
                                 "printed on stderr")},
         [](S &s, Name, Value value) {
             if (value == u"close")
                 s.args.options.onTargetFailure = RelayEnd::Close;
             else if (value == u"reset")
                 s.args.options.onTargetFailure = RelayEnd::Reset;
             else
                 return QStringLiteral("--on-target-failure %1: expected close or reset").arg(quoted(value));
             return QString();
         }},
        helpLine<S>(QStringLiteral("\nTLS (TCP only; the log and the output show the plain text):")),
        options::tlsSwitch<S>("--tls-client-side", &S::clientSide, OptionSet::None,
                              "terminate TLS from the clients (the relay is the TLS server).\n"
                              "Without --cert: the self-signed certificate that listen makes"),
        options::cert<S>(&S::clientSide)
            .described(
                QStringLiteral("the client side's certificate (PEM; may hold the chain, and the key)")),
        options::key<S>(&S::clientSide),
        options::tlsSwitch<S>("--tls-target", &S::targetSide, OptionSet::None,
                              "originate TLS to the target (the relay is the TLS client); the\n"
                              "target's certificate must verify against the system's trusted CAs"),
        options::ca<S>(&S::targetSide)
            .described(QStringLiteral("trust only the CAs in FILE (PEM) for the target")),
        options::insecure<S>(&S::targetSide)
            .described(QStringLiteral("verify nothing about the target's certificate")),
        options::sni<S>(&S::targetSide)
            .described(QStringLiteral("the name to send to the target and check its certificate against.\n"
                                      "Default: TARGET_HOST as written; none is sent for an address")),
        helpLine<S>(QStringLiteral("A fault value that does not parse is a usage error, before anything is "
                                   "opened.\n"
                                   "\n"
                                   "Exit status: 0 stopped normally, 1 network failure, 2 usage error.")),
    };
}

std::vector<CliOption<S>> relayOptions() {
    std::vector<CliOption<S>> table = outputOptions();
    for (auto part : {faultOptions(), endAndTlsOptions()})
        table.insert(table.end(), part.begin(), part.end());
    return table;
}

/// TLS on either leg: the leg's own switch turns it on, the file options only say how.
QString finishRelayTls(S &s) {
    RelayOptions &options = s.args.options;
    const std::pair<TlsGiven *, const char *> legs[] = {{&s.clientSide, "--tls-client-side"},
                                                        {&s.targetSide, "--tls-target"}};
    for (const auto &[given, name] : legs) {
        if (!given->tls && !given->firstOption.isEmpty())
            return QStringLiteral("%1 needs %2").arg(given->firstOption, QLatin1StringView(name));
        if (given->tls && options.udp)
            return QStringLiteral("%1 needs TCP: TLS over UDP (DTLS) is not supported")
                .arg(QLatin1StringView(name));
        if (const QString why = finishTls(*given, false); !why.isEmpty())
            return why;
    }
    if (s.clientSide.tls)
        options.clientTls = serverOptions(s.clientSide);
    // As connect --tls: the name checked is the target as written, unless --sni says otherwise.
    if (s.targetSide.tls)
        options.targetTls = clientOptions(s.targetSide);
    return {};
}

QString finishRelay(S &s, const ArgumentsRead &read) {
    RelayArgs &args = s.args;
    RelayOptions &options = args.options;
    if (const QString first = read.firstOf(OptionSet::DatagramOnly); !options.udp && !first.isEmpty())
        return QStringLiteral("%1 needs --udp: it acts on datagrams, and a TCP relay forwards a byte stream")
            .arg(first);
    if (const QString first = read.firstOf(OptionSet::StreamOnly); options.udp && !first.isEmpty())
        return QStringLiteral("%1 needs TCP: it acts on a byte stream, and a UDP relay forwards datagrams")
            .arg(first);
    const QStringList &positionals = read.positionals;
    if (positionals.size() > 2)
        return QStringLiteral("unexpected argument %1").arg(quoted(positionals.at(2)));
    if (positionals.isEmpty())
        return QStringLiteral("missing LISTEN_ADDRESS:PORT and TARGET_HOST:PORT");
    if (const QString why = parseWhere(positionals.value(0), false, &args.where); !why.isEmpty())
        return why;
    if (positionals.size() < 2)
        return QStringLiteral("missing TARGET_HOST:PORT: where the relay forwards to");
    if (const QString why = parseWhere(positionals.value(1), true, &args.target); !why.isEmpty())
        return why;
    options.targetHost = args.target.host;
    options.targetPort = args.target.port;
    args.output.relayTarget = formatHostPort(args.target.host, args.target.port);
    if (const QString why = finishRelayTls(s); !why.isEmpty())
        return why;
    if (args.direction != FaultDirection::Down)
        options.faults.up = s.faults;
    if (args.direction != FaultDirection::Up)
        options.faults.down = s.faults;
    return {};
}

} // namespace

const VerbGrammar &relayGrammar() {
    static const VerbGrammar grammar = makeVerbGrammar<S>({
        .verb = CliVerb::Relay,
        .name = QStringLiteral("relay"),
        .operands = QStringLiteral("LISTEN_ADDRESS:PORT TARGET_HOST:PORT"),
        .synopsis = QStringLiteral(
            "Usage: sockbench relay [--udp] [--latency MS[~JITTER]] [--bandwidth BYTES_PER_S]\n"
            "                       [--slice N[~V][@MS]] [--limit BYTES[:reset]]\n"
            "                       [--timeout-after MS] [--slow-close MS] [--drop PCT]\n"
            "                       [--duplicate PCT] [--reorder N] [--corrupt PCT] [--seed N]\n"
            "                       [--direction up|down|both] [--no-reset-relay]\n"
            "                       [--on-target-failure close|reset]\n"
            "                       [--tls-client-side [--cert FILE [--key FILE]]]\n"
            "                       [--tls-target [--ca FILE | --insecure] [--sni NAME]]\n"
            "                       [--log | --hex | --quiet] [--stats] [--duration S] [--pcap FILE]\n"
            "                       LISTEN_ADDRESS:PORT TARGET_HOST:PORT\n"
            "\n"
            "Listens on LISTEN_ADDRESS:PORT and, for each client, opens a connection to\n"
            "TARGET_HOST:PORT (with --udp: a UDP socket per client address) and forwards bytes both\n"
            "ways, through the faults asked for, until SIGINT or SIGTERM, or for --duration seconds.\n"
            "Prints 'relaying ADDRESS:PORT -> HOST:PORT' (the actual port) on stderr first, then\n"
            "'faults: up: ...; down: ...' when faults are on. Up is client to target, down is\n"
            "target to client. A half-close is relayed as a half-close, a reset as a reset.\n"
            "\n"),
        .helpColumn = 19,
        .options = relayOptions(),
        .finish = finishRelay,
    });
    return grammar;
}

} // namespace sockbench
