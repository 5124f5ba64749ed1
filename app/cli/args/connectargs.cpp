// sockbench connect: its options, and the checks that need all of them.

#include "cli/args/commonoptions.h"
#include "cli/args/verbs.h"

#include <QFile>

namespace sockbench {

namespace {

/// What connect's options write to while the arguments are read.
struct ConnectState {
    explicit ConnectState(ParsedCommandLine &parsed)
        : args(parsed.connect)
        , udp(args.udp)
        , output(args.output)
        , socket(args.socket) {}

    ConnectArgs &args;
    bool &udp;
    OutputArgs &output;
    SocketOptions &socket;
    MessageOptions messages;
    TlsGiven tls;
    ReplayGiven replay;
    QString sourceOption; ///< --send, --send-hex or --send-file
    QString sourceValue;
    std::optional<LineEnding> ending;
    bool repeatGiven = false;
};

using S = ConnectState;
using options::Name;
using options::Value;

/// --send, --send-hex, --send-file: one payload, read once the line ending is known.
CliOption<S> payload(const char *name, const char *valueName, const char *help) {
    return {{.longName = QLatin1StringView(name),
             .valueName = QLatin1StringView(valueName),
             .help = QLatin1StringView(help),
             .set = OptionSet::NotWithReplay},
            [](S &s, Name option, Value value) {
                if (!s.sourceOption.isEmpty() && s.sourceOption != option)
                    return QStringLiteral("%1 and %2 exclude each other").arg(s.sourceOption, option);
                if (!s.sourceOption.isEmpty())
                    return QStringLiteral("%1 given twice").arg(option);
                s.sourceOption = option;
                s.sourceValue = value;
                return QString();
            }};
}

CliOption<S> lineEnding(const char *name, LineEnding ending, const char *help) {
    return {{.longName = QLatin1StringView(name),
             .help = QLatin1StringView(help),
             .set = OptionSet::NotWithReplay},
            [ending](S &s, Name, Value) {
                if (s.ending && *s.ending != ending)
                    return QStringLiteral("--crlf and --lf exclude each other");
                s.ending = ending;
                return QString();
            }};
}

/// --interval and --wait.
CliOption<S> milliseconds(const char *name, int ConnectArgs::*field, OptionSet set, const char *help) {
    return {{.longName = QLatin1StringView(name),
             .valueName = QStringLiteral("MS"),
             .help = QLatin1StringView(help),
             .set = set},
            [field](S &s, Name option, Value value) {
                const std::optional<qint64> ms = parseInteger(value, 0, 24LL * 3600 * 1000);
                if (!ms)
                    return QStringLiteral("%1 %2: expected milliseconds >= 0").arg(option, quoted(value));
                s.args.*field = int(*ms);
                return QString();
            }};
}

std::vector<CliOption<S>> outputAndPayloadOptions() {
    return {
        options::udp<S>().described(QStringLiteral("send datagrams (with stdin: one datagram per line)")),
        payload("--send", "TEXT", "payload language text: escapes such as \\n \\x41 \\u{263a} are on"),
        payload("--send-hex", "HEX", "hex bytes; spaces, colons and commas separate them"),
        payload("--send-file", "PATH", "the file's bytes"),
        lineEnding("--crlf", LineEnding::CRLF,
                   "append this line ending to the payload; with stdin, turn each\nline feed into it"),
        lineEnding("--lf", LineEnding::LF, "").onSameLine(),
        {{.longName = QStringLiteral("--repeat"),
          .valueName = QStringLiteral("N"),
          .help = QStringLiteral("send the payload N times (default 1)"),
          .set = OptionSet::NotWithReplay},
         [](S &s, Name, Value value) {
             const std::optional<qint64> n = parseInteger(value, 1, Q_INT64_C(1) << 40);
             if (!n)
                 return QStringLiteral("--repeat %1: expected a count >= 1").arg(quoted(value));
             s.args.repeat = *n;
             s.repeatGiven = true;
             return QString();
         }},
        milliseconds("--interval", &ConnectArgs::intervalMs, OptionSet::NotWithReplay,
                     "pause MS milliseconds between repeats (default 0)"),
        {{.longName = QStringLiteral("--multicast-if"),
          .valueName = QStringLiteral("IFACE"),
          .help = QStringLiteral("with --udp: send multicast through this interface")},
         [](S &s, Name, Value value) {
             if (value.isEmpty())
                 return QStringLiteral("--multicast-if needs an interface name, e.g. eth0");
             s.args.multicastInterface = value;
             return QString();
         }},
        milliseconds("--wait", &ConnectArgs::waitMs, OptionSet::None,
                     "after sending, wait MS milliseconds for replies, then close.\n"
                     "Default: TCP sends FIN after the payload or at the end of stdin\n"
                     "and waits until the peer closes; UDP stops once all is sent."),
        options::hex<S>().described(QStringLiteral("output formats as for listen")),
        options::log<S>().onSameLine(),
        options::quiet<S>(),
        options::stats<S>().described(
            QStringLiteral("print a JSON summary as the last line on stderr at exit; for TCP\n"
                           "it has the kernel's view of the connection as of its close\n"
                           "(tcp_info: round-trip time, retransmits, congestion window, ...)")),
        options::journalBudget<S>(),
        options::pcap<S>(),
        options::rules<S>().described(
            QStringLiteral("answer what the server sends by the rules in FILE (as for listen);\n"
                           "the end of the input then sends no FIN: the rules answer until\n"
                           "the server closes, --wait runs out, or SIGINT")),
        options::frame<S>().described(QStringLiteral("what one message is, as for listen")),
        options::maxMessage<S>().described(QStringLiteral("the longest message, as for listen")),
    };
}

std::vector<CliOption<S>> replayAndTlsOptions() {
    return {
        helpLine<S>(QStringLiteral("\nReplay (instead of a payload or stdin):")),
        options::replay<S>().described(
            QStringLiteral("send the client side of a recorded stream: FILE is a pcap\n"
                           "or pcapng capture, STREAM Wireshark's tcp.stream (else udp.stream)\n"
                           "number, by default the first stream with payload. The client's\n"
                           "messages go in order, with the recorded gaps; a UDP stream goes\n"
                           "as datagrams. Progress lines go to stderr ('replayed 3/40\n"
                           "messages, 512 bytes'). TCP then sends FIN and reads until the\n"
                           "server closes or is silent for 2 s (--wait MS: that long)")),
        {{.longName = QStringLiteral("--speed"),
          .valueName = QStringLiteral("X"),
          .help = QStringLiteral("divide the recorded gaps by X: 2 is twice as fast, 0.5 half")},
         [](S &s, Name, Value value) {
             s.replay.speedGiven = true;
             s.replay.speed = value;
             return QString();
         }},
        {{.longName = QStringLiteral("--asap"),
          .help = QStringLiteral("no gaps: every message back to back")},
         [](S &s, Name, Value) {
             s.replay.asap = true;
             return QString();
         }},
        helpLine<S>(QStringLiteral("\nTLS (TCP only; the other TLS options need --tls, none turns TLS on by "
                                   "itself):")),
        options::tls<S>(&S::tls).described(
            QStringLiteral("speak TLS once connected. Sending starts after the handshake;\n"
                           "the payload, the output and --stats are the plain text. By\n"
                           "default the server's certificate must verify against the\n"
                           "system's trusted CAs and be for HOST")),
        options::ca<S>(&S::tls),
        options::insecure<S>(&S::tls),
        options::sni<S>(&S::tls),
        options::alpn<S>(&S::tls).described(
            QStringLiteral("offer these application protocols, in order: h2,http/1.1")),
        options::cert<S>(&S::tls).described(
            QStringLiteral("present this client certificate (PEM; may hold the key)")),
        options::key<S>(&S::tls),
        options::tlsMin<S>(&S::tls),
    };
}

std::vector<CliOption<S>> socketOptions() {
    return {
        helpLine<S>(QStringLiteral("After the handshake one line on stderr gives the protocol, cipher, ALPN "
                                   "and the\n"
                                   "server's certificate. A failed handshake or verification exits 1 with "
                                   "the reason in\n"
                                   "words, e.g. 'certificate verify failed: self-signed certificate'.\n"
                                   "\n"
                                   "Socket options:")),
        options::noDelay<S>(true).described(QStringLiteral("turn TCP_NODELAY on (the default) or off")),
        options::noDelay<S>(false).onSameLine(),
        options::keepAlive<S>().described(
            QStringLiteral("TCP keepalive: the first probe after IDLE seconds\n"
                           "of silence, then every INTERVAL seconds; COUNT unanswered probes\n"
                           "end the connection")),
        options::sndbuf<S>(),
        options::rcvbuf<S>(),
        options::tos<S>(),
        options::ttl<S>(),
        options::interface<S>(),
        {{.longName = QStringLiteral("--bind"),
          .valueName = QStringLiteral("ADDRESS[:PORT]"),
          .help = QStringLiteral("TCP: connect from this local address (and port); IPv6 as\n"
                                 "[ADDRESS]:PORT. One this host does not have fails the connect.")},
         [](S &s, Name, Value value) { return parseBind(value, &s.socket); }},
        helpLine<S>(
            QStringLiteral("An option the kernel refuses is reported on stderr in words; the run goes "
                           "on.\n"
                           "\n"
                           "A payload that does not parse is reported before anything is connected "
                           "or sent.\n"
                           "Exit status: 0 success, 1 network failure, 2 usage error.")),
    };
}

std::vector<CliOption<S>> connectOptions() {
    std::vector<CliOption<S>> table = outputAndPayloadOptions();
    for (auto part : {replayAndTlsOptions(), socketOptions()})
        table.insert(table.end(), part.begin(), part.end());
    return table;
}

/// The payload of --send, --send-hex or --send-file, with the line ending; an error or empty.
QString readPayload(const S &s, ConnectArgs *args) {
    PayloadSpec spec;
    spec.lineEnding = s.ending.value_or(LineEnding::None);
    if (s.sourceOption == u"--send-file") {
        QFile file(s.sourceValue);
        if (!file.open(QIODevice::ReadOnly))
            return QStringLiteral("--send-file %1: %2").arg(quoted(s.sourceValue), file.errorString());
        args->payload = file.readAll() + lineEndingBytes(spec.lineEnding);
        if (file.error() != QFileDevice::NoError)
            return QStringLiteral("--send-file %1: %2").arg(quoted(s.sourceValue), file.errorString());
    } else {
        spec.mode = s.sourceOption == u"--send-hex" ? PayloadMode::Hex : PayloadMode::Text;
        const PayloadResult r = parsePayload(s.sourceValue, spec);
        if (!r.ok())
            return payloadError(s.sourceOption, s.sourceValue, r);
        args->payload = r.bytes;
    }
    // The engine refuses it too; asking here makes it a usage error before anything is opened.
    return args->udp ? datagramSizeError(args->payload.size()) : QString();
}

QString finishConnect(S &s, const ArgumentsRead &read) {
    ConnectArgs &args = s.args;
    if (const QString why = finishReplay(s.replay, read.firstOf(OptionSet::NotWithReplay), &args.udp,
                                         &args.replay, &args.replaySpeed);
        !why.isEmpty())
        return why;
    if (read.positionals.size() > 1)
        return QStringLiteral("unexpected argument %1").arg(quoted(read.positionals.at(1)));
    if (const QString why = parseWhere(read.positionals.value(0), true, &args.where); !why.isEmpty())
        return why;
    if (!args.multicastInterface.isEmpty() && !args.udp)
        return QStringLiteral("--multicast-if needs --udp");
    if (const QString tcpOnly = tcpOnlyOption(args.socket); args.udp && !tcpOnly.isEmpty())
        return QStringLiteral("%1 needs TCP: it is not an option of a UDP socket").arg(tcpOnly);
    if (args.udp && !args.socket.sourceAddress.isEmpty())
        return QStringLiteral(
            "--bind needs TCP: a UDP socket binds the wildcard address of its destination's "
            "family");
    if (const QString why = finishMessageOptions(s.messages, args.udp, &args.messages); !why.isEmpty())
        return why;
    if (const QString why = finishTls(s.tls, args.udp); !why.isEmpty())
        return why;
    if (s.tls.tls)
        args.tls = clientOptions(s.tls);
    if (args.replay)
        return {}; // the capture is the payload
    if (s.sourceOption.isEmpty()) {
        if (s.repeatGiven || args.intervalMs > 0)
            return QStringLiteral("--repeat and --interval need --send, --send-hex or --send-file");
        args.source = ConnectArgs::Source::Stdin;
        args.stdinEnding = s.ending.value_or(LineEnding::None);
        return {};
    }
    args.source = ConnectArgs::Source::Payload;
    return readPayload(s, &args);
}

} // namespace

const VerbGrammar &connectGrammar() {
    static const VerbGrammar grammar = makeVerbGrammar<S>({
        .verb = CliVerb::Connect,
        .name = QStringLiteral("connect"),
        .operands = QStringLiteral("HOST:PORT"),
        .synopsis = QStringLiteral(
            "Usage: sockbench connect [--udp] [--send TEXT | --send-hex HEX | --send-file PATH]\n"
            "                         [--crlf | --lf] [--repeat N] [--interval MS] [--wait MS]\n"
            "                         [--hex | --log] [--quiet] [--stats] [--pcap FILE] [--frame SPEC]\n"
            "                         [--max-message N] [--rules FILE]\n"
            "                         [--tls [--insecure | --ca FILE] [--sni NAME] [--alpn LIST]\n"
            "                         [--cert FILE [--key FILE]] [--tls-min VERSION]]\n"
            "                         [--replay FILE[#STREAM] [--speed X | --asap]]\n"
            "                         [socket options] HOST:PORT\n"
            "\n"
            "Connects to HOST:PORT (with --udp: sends datagrams to it), sends the payload, or with no\n"
            "payload option whatever arrives on stdin, and writes what comes back to stdout.\n"
            "\n"),
        .helpColumn = 23,
        .options = connectOptions(),
        .finish = finishConnect,
    });
    return grammar;
}

} // namespace sockbench
