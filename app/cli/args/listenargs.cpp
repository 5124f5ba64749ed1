// sockbench listen: its options, and the checks that need all of them.

#include "cli/args/commonoptions.h"
#include "cli/args/verbs.h"

namespace sockbench {

namespace {

/// What listen's options write to while the arguments are read.
struct ListenState {
    explicit ListenState(ParsedCommandLine &parsed)
        : args(parsed.listen)
        , udp(args.udp)
        , output(args.output)
        , durationSeconds(args.durationSeconds)
        , socket(args.socket) {}

    ListenArgs &args;
    bool &udp;
    OutputArgs &output;
    double &durationSeconds;
    SocketOptions &socket;
    MessageOptions messages;
    TlsGiven tls;
    ReplayGiven replay;
    std::optional<QString> greeting; ///< --greet TEXT, parsed once the other options are known
};

using S = ListenState;
using options::Name;
using options::Value;

std::vector<CliOption<S>> listenOptions() {
    return {
        options::udp<S>(),
        {{.longName = QStringLiteral("--echo"),
          .shortName = QStringLiteral("-e"),
          .help = QStringLiteral("send everything received back to its sender"),
          .set = OptionSet::NotWithReplay},
         [](S &s, Name, Value) {
             s.args.reply = AutoReply::Echo;
             return QString();
         }},
        {{.longName = QStringLiteral("--greet"),
          .valueName = QStringLiteral("TEXT"),
          .help =
              QStringLiteral("send TEXT (payload language, escapes such as \\r\\n on) to each new client"),
          .set = OptionSet::NotWithReplay},
         [](S &s, Name, Value value) {
             s.greeting = value;
             return QString();
         }},
        options::hex<S>(),
        options::log<S>(),
        options::quiet<S>(),
        options::stats<S>(),
        options::journalBudget<S>(),
        options::pcap<S>(),
        options::duration<S>(),
        {{.longName = QStringLiteral("--join"),
          .valueName = QStringLiteral("GROUP[%IFACE]"),
          .help = QStringLiteral("with --udp: join a multicast group (IPv4 or IPv6), on IFACE\n"
                                 "if given; repeatable. Bind 0.0.0.0 or :: to hear group traffic.")},
         [](S &s, Name, Value value) {
             MulticastGroup group;
             QString why;
             if (!parseMulticastGroup(value, &group, &why))
                 return QStringLiteral("--join %1: %2").arg(quoted(value), why);
             s.args.joins.append(group);
             return QString();
         }},
        helpLine<S>(QStringLiteral("\nMessages and response rules:")),
        options::rules<S>(),
        options::frame<S>(),
        options::maxMessage<S>(),
        helpLine<S>(QStringLiteral("With --stats the summary has \"rule_hits\": how often each rule fired.\n"
                                   "\n"
                                   "Replay (instead of --echo, --greet and --rules):")),
        options::replay<S>(),
        helpLine<S>(QStringLiteral("\nTLS (TCP only; the other TLS options need --tls, none turns TLS on by "
                                   "itself):")),
        options::tls<S>(&S::tls),
        options::cert<S>(&S::tls),
        options::key<S>(&S::tls),
        options::alpn<S>(&S::tls),
        options::clientCa<S>(&S::tls),
        options::requireClientCert<S>(&S::tls),
        helpLine<S>(QStringLiteral("A client whose handshake fails is named on stderr with the reason; the "
                                   "listener goes on.\n"
                                   "\n"
                                   "Socket options (on the listening socket, and the per-connection ones on "
                                   "each client):")),
        options::noDelay<S>(true),
        options::noDelay<S>(false).onSameLine(),
        options::keepAlive<S>(),
        options::sndbuf<S>(),
        options::rcvbuf<S>(),
        options::tos<S>(),
        options::ttl<S>(),
        options::interface<S>(),
        {{.longName = QStringLiteral("--reuseport"),
          .help = QStringLiteral("set SO_REUSEPORT before bind, so that several listeners share the port")},
         [](S &s, Name, Value) {
             s.socket.reusePort = true;
             return QString();
         }},
        helpLine<S>(
            QStringLiteral("An option the kernel refuses is reported on stderr in words; the run goes "
                           "on.\n"
                           "\n"
                           "Exit status: 0 stopped normally, 1 network failure, 2 usage error.")),
    };
}

QString finishListen(S &s, const ArgumentsRead &read) {
    ListenArgs &args = s.args;
    double unusedSpeed = 0;
    if (const QString why = finishReplay(s.replay, read.firstOf(OptionSet::NotWithReplay), &args.udp,
                                         &args.replay, &unusedSpeed);
        !why.isEmpty())
        return why;
    if (s.greeting && args.reply == AutoReply::Echo)
        return QStringLiteral("--echo and --greet exclude each other");
    if (s.greeting && args.udp)
        return QStringLiteral("--greet needs TCP: a UDP socket has no clients to greet");
    if (!args.joins.isEmpty() && !args.udp)
        return QStringLiteral("--join needs --udp: only a UDP socket joins a multicast group");
    if (const QString tcpOnly = tcpOnlyOption(args.socket); args.udp && !tcpOnly.isEmpty())
        return QStringLiteral("%1 needs TCP: it is not an option of a UDP socket").arg(tcpOnly);
    if (s.greeting) {
        const PayloadResult r = parsePayload(*s.greeting, PayloadSpec{});
        if (!r.ok())
            return payloadError(QStringLiteral("--greet"), *s.greeting, r);
        args.reply = AutoReply::Greeting;
        args.greeting = r.bytes;
    }
    if (read.positionals.size() > 1)
        return QStringLiteral("unexpected argument %1").arg(quoted(read.positionals.at(1)));
    if (const QString why = parseWhere(read.positionals.value(0), false, &args.where); !why.isEmpty())
        return why;
    if (const QString why = finishMessageOptions(s.messages, args.udp, &args.messages); !why.isEmpty())
        return why;
    if (const QString why = finishTls(s.tls, args.udp); !why.isEmpty())
        return why;
    if (s.tls.tls)
        args.tls = serverOptions(s.tls);
    return {};
}

} // namespace

const VerbGrammar &listenGrammar() {
    static const VerbGrammar grammar = makeVerbGrammar<S>({
        .verb = CliVerb::Listen,
        .name = QStringLiteral("listen"),
        .operands = QStringLiteral("ADDRESS:PORT"),
        .synopsis = QStringLiteral(
            "Usage: sockbench listen [--udp] [--echo | --greet TEXT] [--hex | --log] [--quiet]\n"
            "                        [--stats] [--duration S] [--join GROUP[%IFACE]]... [--pcap FILE]\n"
            "                        [--frame SPEC] [--max-message N] [--rules FILE]\n"
            "                        [--tls [--cert FILE [--key FILE]] [--alpn LIST]\n"
            "                        [--client-ca FILE [--require-client-cert]]]\n"
            "                        [--replay FILE[#STREAM]]\n"
            "                        [socket options] ADDRESS:PORT\n"
            "\n"
            "Listens on ADDRESS:PORT and keeps accepting clients until SIGINT or SIGTERM, or for\n"
            "--duration seconds. Prints 'listening on ADDRESS:PORT' (the actual port) on stderr first.\n"
            "\n"
            "ADDRESS:PORT  127.0.0.1:9000, [::1]:9000, localhost:9000, 0.0.0.0:9000 (every interface);\n"
            "              :9000 or 9000 mean 127.0.0.1:9000; port 0 lets the kernel choose.\n"),
        .helpColumn = 19,
        .options = listenOptions(),
        .finish = finishListen,
    });
    return grammar;
}

} // namespace sockbench
