#include "cli/cliargs.h"

#include "capture/replay.h"
#include "protocol/rules.h"
#include "tls/certificate.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <net/if.h>

#include <cmath>
#include <limits>
#include <optional>

namespace sockbench {

namespace {

// Options QGuiApplication/QApplication consume themselves; they may precede nothing else when the
// window is wanted. The value tells whether the option takes an argument.
struct QtOption {
    const char *name;
    bool hasValue;
};
constexpr QtOption QtOptions[] = {
    {"platform", true},
    {"platformpluginpath", true},
    {"platformtheme", true},
    {"plugin", true},
    {"qwindowgeometry", true},
    {"qwindowicon", true},
    {"qwindowtitle", true},
    {"display", true},
    {"geometry", true},
    {"style", true},
    {"stylesheet", true},
    {"session", true},
    {"name", true},
    {"title", true},
    {"visual", true},
    {"ncols", true},
    {"cmap", true},
    {"fn", true},
    {"font", true},
    {"bg", true},
    {"background", true},
    {"fg", true},
    {"foreground", true},
    {"btn", true},
    {"button", true},
    {"reverse", false},
    {"widgetcount", false},
    {"nograb", false},
    {"dograb", false},
    {"sync", false},
    {"testability", false},
    {"qmljsdebugger", false},
};

std::optional<QtOption> qtOption(const QString &argument) {
    QStringView name(argument);
    if (name.startsWith(u"--"))
        name = name.mid(2);
    else if (name.startsWith(u'-'))
        name = name.mid(1);
    else
        return std::nullopt;
    const qsizetype eq = name.indexOf(u'=');
    const bool inlineValue = eq >= 0;
    if (inlineValue)
        name = name.left(eq);
    for (const QtOption &option : QtOptions) {
        if (name == QLatin1StringView(option.name))
            return QtOption{option.name, option.hasValue && !inlineValue};
    }
    return std::nullopt;
}

bool isHelp(const QString &a) {
    return a == u"--help" || a == u"-h" || a == u"-?";
}
bool isVersion(const QString &a) {
    return a == u"--version" || a == u"-V";
}

ParsedCommandLine usageError(CliVerb verb, const QString &message) {
    ParsedCommandLine result;
    result.action = ParsedCommandLine::Action::UsageError;
    result.verb = verb;
    result.error = message;
    return result;
}

/// Walks "--name value", "--name=value", flags and positionals of one verb.
class ArgumentCursor final {
public:
    explicit ArgumentCursor(const QStringList &arguments)
        : m_arguments(arguments) {}
    Q_DISABLE_COPY_MOVE(ArgumentCursor)

    bool atEnd() const { return m_index >= m_arguments.size(); }
    /// Takes the next argument; sets option/inlineValue when it is an option.
    void next() {
        m_current = m_arguments.at(m_index++);
        m_inlineValue.reset();
        m_isOption = false;
        if (!m_optionsEnded && m_current == u"--") {
            m_optionsEnded = true;
            m_isSeparator = true;
            return;
        }
        m_isSeparator = false;
        if (!m_optionsEnded && m_current.size() > 1 && m_current.startsWith(u'-')) {
            m_isOption = true;
            const qsizetype eq = m_current.indexOf(u'=');
            if (m_current.startsWith(u"--") && eq > 2) {
                m_inlineValue = m_current.mid(eq + 1);
                m_current.truncate(eq);
            }
        }
    }
    bool isSeparator() const { return m_isSeparator; }
    bool isOption() const { return m_isOption; }
    const QString &current() const { return m_current; }
    bool hasInlineValue() const { return m_inlineValue.has_value(); }
    /// The option's value: inline, or the next argument whatever it looks like (a payload may
    /// well start with '-').
    std::optional<QString> value() {
        if (m_inlineValue)
            return m_inlineValue;
        if (atEnd())
            return std::nullopt;
        return m_arguments.at(m_index++);
    }

private:
    const QStringList &m_arguments;
    qsizetype m_index = 0;
    QString m_current;
    std::optional<QString> m_inlineValue;
    bool m_isOption = false;
    bool m_isSeparator = false;
    bool m_optionsEnded = false;
};

std::optional<qint64> parseInteger(const QString &text, qint64 min, qint64 max) {
    bool ok = false;
    const qint64 v = text.toLongLong(&ok, 10);
    if (!ok || v < min || v > max || text.startsWith(u'+'))
        return std::nullopt;
    return v;
}

QString quoted(const QString &text) {
    return u'\'' + text + u'\'';
}

/// Parses ADDRESS:PORT with the command line's extra checks; returns an error message or empty.
QString parseWhere(const QString &text, bool connecting, HostPort *out) {
    if (text.isEmpty())
        return QStringLiteral("missing %1").arg(connecting ? u"HOST:PORT" : u"ADDRESS:PORT");
    // parseHostPort reads a lone word as a port; a lone host name is a forgotten port.
    bool allDigits = true;
    for (QChar c : text)
        allDigits = allDigits && c.isDigit();
    if (!text.contains(u':') && !allDigits)
        return QStringLiteral("missing port in %1 (write %2:PORT)").arg(quoted(text), text);
    const HostPortResult r = parseHostPort(text);
    if (!r.ok())
        return QStringLiteral("%1: %2").arg(quoted(text), r.error);
    if (connecting && r.value.port == 0)
        return QStringLiteral("%1: cannot connect to port 0").arg(quoted(text));
    if (r.value.host.isEmpty())
        return QStringLiteral("%1: missing host").arg(quoted(text));
    *out = r.value;
    return {};
}

QString payloadError(const QString &option, const QString &input, const PayloadResult &r) {
    return QStringLiteral("%1 %2: %3 at character %4")
        .arg(option, quoted(input), r.error)
        .arg(r.errorPosition + 1);
}

/// Options shared by both verbs; returns true when the option was one of them.
bool takeOutputOption(const QString &option, OutputArgs *out, QString *error) {
    if (option == u"--hex" || option == u"--log") {
        const OutputFormat f = option == u"--hex" ? OutputFormat::Hex : OutputFormat::Log;
        if (out->format != OutputFormat::Raw && out->format != f)
            *error = QStringLiteral("--hex and --log exclude each other");
        out->format = f;
        return true;
    }
    if (option == u"--quiet" || option == u"-q") {
        out->quiet = true;
        return true;
    }
    if (option == u"--stats") {
        out->stats = true;
        return true;
    }
    return false;
}

/// --pcap FILE (all verbs): an error message, or empty. The file is opened when the run starts.
QString takePcap(ArgumentCursor &cursor, OutputArgs *out) {
    const std::optional<QString> value = cursor.value();
    if (!value)
        return QStringLiteral("option '--pcap' needs a value");
    if (value->isEmpty())
        return QStringLiteral("--pcap '': expected a file name");
    out->pcapFile = *value;
    return {};
}

/// The first TCP-only option set, as the user wrote it; empty when none is.
QString tcpOnlyOption(const SocketOptions &o) {
    if (o.noDelay)
        return *o.noDelay ? QStringLiteral("--nodelay") : QStringLiteral("--no-nodelay");
    if (o.keepAliveTiming)
        return QStringLiteral("--keepalive");
    return {};
}

/// Socket options both verbs take that have a value (listen --reuseport and connect --bind are
/// the verbs' own).
bool isSocketValueOption(const QString &option) {
    return option == u"--keepalive" || option == u"--sndbuf" || option == u"--rcvbuf" || option == u"--tos" ||
           option == u"--ttl" || option == u"--interface";
}

/// --nodelay and --no-nodelay; returns true when the option was one of them.
bool takeNoDelay(const QString &option, SocketOptions *out, QString *error) {
    if (option != u"--nodelay" && option != u"--no-nodelay")
        return false;
    const bool on = option == u"--nodelay";
    if (out->noDelay && *out->noDelay != on)
        *error = QStringLiteral("--nodelay and --no-nodelay exclude each other");
    out->noDelay = on;
    return true;
}

/// The value of one of isSocketValueOption()'s options; returns an error message or empty.
QString takeSocketValue(const QString &option, const QString &value, SocketOptions *out) {
    if (option == u"--keepalive") {
        QString why;
        const std::optional<KeepAliveTiming> timing = parseKeepAliveTiming(value, &why);
        if (!timing)
            return QStringLiteral("--keepalive %1: %2").arg(quoted(value), why);
        out->keepAliveTiming = timing;
        return {};
    }
    if (option == u"--sndbuf" || option == u"--rcvbuf") {
        // The kernel halves what it keeps for bookkeeping only up to INT_MAX / 2.
        const std::optional<qint64> n = parseInteger(value, 1, 1 << 30);
        if (!n)
            return QStringLiteral("%1 %2: expected a number of bytes from 1 to %3")
                .arg(option, quoted(value))
                .arg(1 << 30);
        (option == u"--sndbuf" ? out->sendBufferBytes : out->receiveBufferBytes) = int(*n);
        return {};
    }
    if (option == u"--tos") {
        std::optional<int> tos = tosForDscpName(value);
        if (!tos) {
            bool ok = false;
            const int n = value.startsWith(QLatin1String("0x"), Qt::CaseInsensitive)
                              ? value.mid(2).toInt(&ok, 16)
                              : value.toInt(&ok, 10);
            if (ok && n >= 0 && n <= 255 && !value.startsWith(u'+'))
                tos = n;
        }
        if (!tos)
            return QStringLiteral("--tos %1: expected a number from 0 to 255 or a DSCP name (CS0-CS7, "
                                  "AF11-AF43, EF, VA)")
                .arg(quoted(value));
        out->tos = tos;
        return {};
    }
    if (option == u"--ttl") {
        const std::optional<qint64> n = parseInteger(value, 1, 255);
        if (!n)
            return QStringLiteral("--ttl %1: expected a hop count from 1 to 255").arg(quoted(value));
        out->ttl = int(*n);
        return {};
    }
    // --interface
    if (value.isEmpty() || value.contains(u'/') || value.contains(u' ') ||
        value.toLocal8Bit().size() >= IFNAMSIZ)
        return QStringLiteral("--interface %1: expected an interface name of 1 to %2 characters, e.g. eth0")
            .arg(quoted(value))
            .arg(IFNAMSIZ - 1);
    out->bindToDevice = value;
    return {};
}

/// --bind ADDRESS[:PORT]: 192.0.2.1, 192.0.2.1:4000, ::1, [::1], [::1]:4000. Returns an error or empty.
QString parseBind(const QString &value, SocketOptions *out) {
    QString address = value.trimmed();
    QString port;
    if (address.startsWith(u'[')) {
        const qsizetype close = address.indexOf(u']');
        if (close < 0)
            return QStringLiteral("--bind %1: missing ']'").arg(quoted(value));
        const QString rest = address.mid(close + 1);
        if (!rest.isEmpty() && !rest.startsWith(u':'))
            return QStringLiteral("--bind %1: expected :PORT after ']'").arg(quoted(value));
        port = rest.mid(1);
        if (!rest.isEmpty() && port.isEmpty())
            return QStringLiteral("--bind %1: missing port after ':'").arg(quoted(value));
        address = address.mid(1, close - 1);
        if (!address.contains(u':'))
            return QStringLiteral("--bind %1: only IPv6 addresses go in brackets").arg(quoted(value));
    } else if (address.count(u':') == 1) {
        port = address.section(u':', 1);
        address = address.section(u':', 0, 0);
        if (port.isEmpty())
            return QStringLiteral("--bind %1: missing port after ':'").arg(quoted(value));
    }
    if (address.isEmpty() || !isNumericAddress(address))
        return QStringLiteral("--bind %1: expected a numeric IPv4 or IPv6 address, optionally with :PORT "
                              "([::1]:PORT for IPv6)")
            .arg(quoted(value));
    if (!port.isEmpty()) {
        const std::optional<qint64> n = parseInteger(port, 0, 65535);
        if (!n)
            return QStringLiteral("--bind %1: port %2 is not a number from 0 to 65535")
                .arg(quoted(value), quoted(port));
        out->sourcePort = quint16(*n);
    }
    out->sourceAddress = address;
    return {};
}

/// --frame, --max-message and --rules as given, before the rules file is read.
struct MessageOptions {
    std::optional<FrameSpec> frame;
    std::optional<qint64> maxMessage;
    QString rulesFile;
};

bool isMessageOption(const QString &option) {
    return option == u"--frame" || option == u"--max-message" || option == u"--rules";
}

/// The value of one of isMessageOption()'s options; returns an error message or empty.
QString takeMessageOption(const QString &option, const QString &value, MessageOptions *out) {
    if (option == u"--frame") {
        QString why;
        out->frame = parseFrameSpec(value, &why);
        return out->frame ? QString() : QStringLiteral("--frame %1: %2").arg(quoted(value), why);
    }
    if (option == u"--max-message") {
        out->maxMessage = parseInteger(value, 1, MaxMessageBytesLimit);
        return out->maxMessage ? QString()
                               : QStringLiteral("--max-message %1: expected a number of bytes from 1 to %2")
                                     .arg(quoted(value))
                                     .arg(MaxMessageBytesLimit);
    }
    out->rulesFile = value;
    return {};
}

/// Reads the rules file (if any) and settles the endpoint's framing; returns an error message or
/// empty. --frame and --max-message override the file's "frame" and "max_message", and the file is
/// checked with them, so that a rule's length_prefix is checked against the frame really used.
QString finishMessageOptions(const MessageOptions &given, bool udp, MessageArgs *out) {
    if (udp && given.frame)
        return QStringLiteral("--frame needs TCP: each UDP datagram is one message");
    FrameSpec frame = given.frame.value_or(FrameSpec{});
    if (given.maxMessage)
        frame.maxMessageBytes = qsizetype(*given.maxMessage);
    if (given.rulesFile.isEmpty()) {
        out->frame = frame;
        return {};
    }
    QFile file(given.rulesFile);
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("--rules %1: %2").arg(quoted(given.rulesFile), file.errorString());
    QByteArray json = file.readAll();
    QJsonDocument document = QJsonDocument::fromJson(json);
    if (document.isObject() && (given.frame || given.maxMessage)) {
        QJsonObject object = document.object();
        if (given.frame)
            object.insert(QStringLiteral("frame"), toString(frame));
        if (given.maxMessage)
            object.insert(QStringLiteral("max_message"), double(*given.maxMessage));
        json = QJsonDocument(object).toJson(QJsonDocument::Compact);
    }
    RulesParseResult parsed = parseRules(json);
    if (!parsed.ok())
        return QStringLiteral("--rules %1: %2").arg(quoted(given.rulesFile), parsed.error);
    if (udp && !parsed.rules.frame.isRaw())
        return QStringLiteral("--rules %1: the frame \"%2\" needs TCP: each UDP datagram is one message")
            .arg(quoted(given.rulesFile), toString(parsed.rules.frame));
    out->frame = parsed.rules.frame;
    out->rules = std::make_shared<RuleBook>(std::move(parsed.rules));
    return {};
}

/// The TLS options as given, checked against each other by finishTls() once all are read.
struct TlsGiven {
    bool tls = false;
    QString firstOption; ///< the first TLS option other than --tls, as written
    bool insecure = false;
    bool requireClientCert = false;
    QString caFile;
    QString serverName;
    QString certificateFile;
    QString keyFile;
    QString clientCaFile;
    QStringList alpn;
    std::optional<TlsMinVersion> minVersion;
};

/// TLS options of a verb that take no value.
bool isTlsFlag(CliVerb verb, const QString &option) {
    return option == u"--tls" || (verb == CliVerb::Connect && option == u"--insecure") ||
           (verb == CliVerb::Listen && option == u"--require-client-cert");
}

/// TLS options of a verb that take a value.
bool isTlsValueOption(CliVerb verb, const QString &option) {
    if (option == u"--cert" || option == u"--key" || option == u"--alpn")
        return true;
    if (verb == CliVerb::Connect)
        return option == u"--ca" || option == u"--sni" || option == u"--tls-min";
    return option == u"--client-ca";
}

void takeTlsFlag(const QString &option, TlsGiven *out) {
    if (option == u"--tls") {
        out->tls = true;
        return;
    }
    if (out->firstOption.isEmpty())
        out->firstOption = option;
    (option == u"--insecure" ? out->insecure : out->requireClientCert) = true;
}

/// The value of one of isTlsValueOption()'s options; returns an error message or empty.
QString takeTlsValue(const QString &option, const QString &value, TlsGiven *out) {
    if (out->firstOption.isEmpty())
        out->firstOption = option;
    if (option == u"--alpn") {
        // Each name is one length-prefixed string in the ClientHello: 1 to 255 bytes.
        const QStringList names = value.split(u',');
        for (const QString &name : names) {
            const qsizetype bytes = name.toUtf8().size();
            if (bytes == 0 || bytes > 255 || name.contains(u' '))
                return QStringLiteral("--alpn %1: expected protocol names of 1 to 255 bytes, separated "
                                      "by commas, e.g. h2,http/1.1")
                    .arg(quoted(value));
        }
        out->alpn = names;
        return {};
    }
    if (option == u"--tls-min") {
        if (value == u"1.2")
            out->minVersion = TlsMinVersion::Tls1_2;
        else if (value == u"1.3")
            out->minVersion = TlsMinVersion::Tls1_3;
        else
            return QStringLiteral("--tls-min %1: expected 1.2 or 1.3").arg(quoted(value));
        return {};
    }
    if (option == u"--sni") {
        if (value.isEmpty() || value.toUtf8().size() > 255 || value.contains(u' '))
            return QStringLiteral("--sni %1: expected a host name of 1 to 255 characters").arg(quoted(value));
        out->serverName = value;
        return {};
    }
    if (value.isEmpty())
        return QStringLiteral("%1 needs a file name").arg(option);
    QString *file = option == u"--ca"     ? &out->caFile
                    : option == u"--cert" ? &out->certificateFile
                    : option == u"--key"  ? &out->keyFile
                                          : &out->clientCaFile;
    *file = value;
    return {};
}

/// A certificate, key or CA file must be there and readable before anything is opened.
QString unreadableFile(const QString &option, const QString &path) {
    if (path.isEmpty())
        return {};
    if (QFileInfo(path).isDir())
        return QStringLiteral("%1 %2: is a directory, not a PEM file").arg(option, quoted(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("%1 %2: %3").arg(option, quoted(path), file.errorString());
    return {};
}

/// Checks the TLS options against each other and the transport; returns an error message or empty.
QString finishTls(const TlsGiven &given, bool udp) {
    if (!given.tls) {
        // Decided: a TLS option does not turn TLS on by itself, so that a forgotten --tls never
        // sends in plain text what was meant to be encrypted, nor the reverse by surprise.
        if (!given.firstOption.isEmpty())
            return QStringLiteral("%1 needs --tls").arg(given.firstOption);
        return {};
    }
    if (udp)
        return QStringLiteral("--tls needs TCP: TLS over UDP (DTLS) is not supported");
    if (given.insecure && !given.caFile.isEmpty())
        return QStringLiteral("--insecure and --ca exclude each other: --insecure verifies nothing");
    if (!given.keyFile.isEmpty() && given.certificateFile.isEmpty())
        return QStringLiteral("--key needs --cert: the key belongs to a certificate");
    if (given.requireClientCert && given.clientCaFile.isEmpty())
        return QStringLiteral(
            "--require-client-cert needs --client-ca: the CAs that client certificates are checked against");
    const std::pair<const char *, const QString *> files[] = {
        {"--ca", &given.caFile},
        {"--cert", &given.certificateFile},
        {"--key", &given.keyFile},
        {"--client-ca", &given.clientCaFile},
    };
    for (const auto &[option, path] : files) {
        if (const QString why = unreadableFile(QLatin1StringView(option), *path); !why.isEmpty())
            return why;
    }
    // What can be told without OpenSSL's context is told now, as a usage error: a certificate
    // file without a certificate, or without the key when --key is not given.
    for (const auto &[option, path] : files) {
        if (path->isEmpty() || path == &given.keyFile)
            continue;
        QString why;
        if (!readCertificates(*path, &why)) {
            // readCertificates says "path: reason"; the option names the path already.
            const QString prefix = *path + QStringLiteral(": ");
            return QStringLiteral("%1 %2: %3")
                .arg(QLatin1StringView(option), quoted(*path),
                     why.startsWith(prefix) ? why.mid(prefix.size()) : why);
        }
    }
    if (!given.certificateFile.isEmpty() && given.keyFile.isEmpty()) {
        QFile file(given.certificateFile);
        if (file.open(QIODevice::ReadOnly) && !file.readAll().contains("PRIVATE KEY-----"))
            return QStringLiteral("--cert %1 holds no private key: give it with --key FILE")
                .arg(quoted(given.certificateFile));
    }
    return {};
}

TlsClientOptions clientOptions(const TlsGiven &given) {
    TlsClientOptions options;
    options.verify = given.insecure           ? TlsVerify::None
                     : given.caFile.isEmpty() ? TlsVerify::System
                                              : TlsVerify::CaFile;
    options.caFile = given.caFile;
    options.serverName = given.serverName;
    options.alpn = given.alpn;
    options.certificateFile = given.certificateFile;
    options.keyFile = given.keyFile;
    options.minVersion = given.minVersion.value_or(TlsMinVersion::Default);
    return options;
}

TlsServerOptions serverOptions(const TlsGiven &given) {
    TlsServerOptions options;
    options.certificateFile = given.certificateFile;
    options.keyFile = given.keyFile;
    options.clientCaFile = given.clientCaFile;
    options.clientCert = given.requireClientCert        ? ClientCertMode::Require
                         : given.clientCaFile.isEmpty() ? ClientCertMode::None
                                                        : ClientCertMode::Request;
    options.alpn = given.alpn;
    return options;
}

/// --replay FILE[#STREAM], --speed X and --asap as given, checked by finishReplay() after the loop.
struct ReplayGiven {
    QString spec;
    QString speed;
    bool speedGiven = false;
    bool asap = false;
    bool twice = false;
    /// The options that make no sense with a replay (the verb's own payload, echo, rules, TLS), as
    /// written; the first one is reported.
    QStringList excluded;
};

/// Reads the capture now, so that a missing file or stream is a usage error before any socket:
/// the script into *out, and *udp from its stream. Returns an error message or empty.
QString finishReplay(const ReplayGiven &given, bool *udp, std::shared_ptr<const ReplayScript> *out,
                     double *speed) {
    if (given.spec.isEmpty()) {
        if (given.speedGiven || given.asap)
            return QStringLiteral("%1 needs --replay").arg(given.asap ? u"--asap" : u"--speed");
        return {};
    }
    if (given.twice)
        return QStringLiteral("--replay given twice");
    if (!given.excluded.isEmpty())
        return QStringLiteral("--replay and %1 exclude each other").arg(given.excluded.first());
    if (given.speedGiven && given.asap)
        return QStringLiteral("--speed and --asap exclude each other");
    if (given.speedGiven) {
        bool ok = false;
        const double x = given.speed.toDouble(&ok);
        if (!ok || !std::isfinite(x) || x <= 0 || x > 1e6)
            return QStringLiteral("--speed %1: expected a factor > 0, e.g. 2 (twice as fast) or 0.5 (half as "
                                  "fast); --asap sends back to back")
                .arg(quoted(given.speed));
        *speed = x;
    }
    if (given.asap)
        *speed = 0;
    auto script = std::make_shared<ReplayScript>();
    QString why;
    if (!ReplayScript::fromCaptureSpec(given.spec, script.get(), &why))
        return QStringLiteral("--replay %1: %2").arg(quoted(given.spec), why);
    if (*udp && !script->udp)
        return QStringLiteral("--replay %1: --udp given, but %2 is a TCP stream")
            .arg(quoted(given.spec), script->source);
    *udp = script->udp;
    *out = std::move(script);
    return {};
}

ParsedCommandLine parseListen(const QStringList &arguments) {
    constexpr CliVerb verb = CliVerb::Listen;
    ParsedCommandLine result;
    result.action = ParsedCommandLine::Action::Run;
    result.verb = verb;
    ListenArgs &args = result.listen;
    QStringList positionals;
    MessageOptions messages;
    QString greetText;
    bool greet = false;
    TlsGiven tls;
    ReplayGiven replay;
    ArgumentCursor cursor(arguments);
    while (!cursor.atEnd()) {
        cursor.next();
        if (cursor.isSeparator())
            continue;
        if (!cursor.isOption()) {
            positionals << cursor.current();
            continue;
        }
        const QString option = cursor.current();
        QString error;
        if (option == u"--pcap") {
            if (const QString why = takePcap(cursor, &args.output); !why.isEmpty())
                return usageError(verb, why);
            continue;
        }
        const bool takesValue = option == u"--greet" || option == u"--duration" || option == u"--join" ||
                                option == u"--replay" || isSocketValueOption(option) ||
                                isMessageOption(option) || isTlsValueOption(verb, option);
        if (option == u"--echo" || option == u"-e" || option == u"--greet" || option == u"--rules" ||
            option == u"--tls")
            replay.excluded << option;
        if (!takesValue && cursor.hasInlineValue())
            return usageError(verb, QStringLiteral("option %1 takes no value").arg(quoted(option)));
        if (takeOutputOption(option, &args.output, &error) || takeNoDelay(option, &args.socket, &error)) {
            if (!error.isEmpty())
                return usageError(verb, error);
        } else if (isTlsFlag(verb, option)) {
            takeTlsFlag(option, &tls);
        } else if (option == u"--reuseport") {
            args.socket.reusePort = true;
        } else if (option == u"--udp" || option == u"-u") {
            args.udp = true;
        } else if (option == u"--echo" || option == u"-e") {
            args.reply = AutoReply::Echo;
        } else if (takesValue) {
            const std::optional<QString> value = cursor.value();
            if (!value)
                return usageError(verb, QStringLiteral("option %1 needs a value").arg(quoted(option)));
            if (isSocketValueOption(option)) {
                if (const QString why = takeSocketValue(option, *value, &args.socket); !why.isEmpty())
                    return usageError(verb, why);
            } else if (isMessageOption(option)) {
                if (const QString why = takeMessageOption(option, *value, &messages); !why.isEmpty())
                    return usageError(verb, why);
            } else if (isTlsValueOption(verb, option)) {
                if (const QString why = takeTlsValue(option, *value, &tls); !why.isEmpty())
                    return usageError(verb, why);
            } else if (option == u"--replay") {
                replay.twice = replay.twice || !replay.spec.isEmpty();
                replay.spec = *value;
            } else if (option == u"--greet") {
                greet = true;
                greetText = *value;
            } else if (option == u"--join") {
                MulticastGroup group;
                if (!parseMulticastGroup(*value, &group, &error))
                    return usageError(verb, QStringLiteral("--join %1: %2").arg(quoted(*value), error));
                args.joins.append(group);
            } else {
                bool ok = false;
                const double s = value->toDouble(&ok);
                if (!ok || !std::isfinite(s) || s <= 0 || s > 1e9)
                    return usageError(verb, QStringLiteral("--duration %1: expected a number of seconds > 0")
                                                .arg(quoted(*value)));
                args.durationSeconds = s;
            }
        } else {
            return usageError(verb, QStringLiteral("unknown option %1").arg(quoted(option)));
        }
    }
    double unusedSpeed = 0;
    if (const QString why = finishReplay(replay, &args.udp, &args.replay, &unusedSpeed); !why.isEmpty())
        return usageError(verb, why);
    if (greet && args.reply == AutoReply::Echo)
        return usageError(verb, QStringLiteral("--echo and --greet exclude each other"));
    if (greet && args.udp)
        return usageError(verb, QStringLiteral("--greet needs TCP: a UDP socket has no clients to greet"));
    if (!args.joins.isEmpty() && !args.udp)
        return usageError(verb,
                          QStringLiteral("--join needs --udp: only a UDP socket joins a multicast group"));
    if (const QString tcpOnly = tcpOnlyOption(args.socket); args.udp && !tcpOnly.isEmpty())
        return usageError(verb,
                          QStringLiteral("%1 needs TCP: it is not an option of a UDP socket").arg(tcpOnly));
    if (greet) {
        const PayloadResult r = parsePayload(greetText, PayloadSpec{});
        if (!r.ok())
            return usageError(verb, payloadError(QStringLiteral("--greet"), greetText, r));
        args.reply = AutoReply::Greeting;
        args.greeting = r.bytes;
    }
    if (positionals.size() > 1)
        return usageError(verb, QStringLiteral("unexpected argument %1").arg(quoted(positionals.at(1))));
    const QString error = parseWhere(positionals.value(0), false, &args.where);
    if (!error.isEmpty())
        return usageError(verb, error);
    if (const QString why = finishMessageOptions(messages, args.udp, &args.messages); !why.isEmpty())
        return usageError(verb, why);
    if (const QString why = finishTls(tls, args.udp); !why.isEmpty())
        return usageError(verb, why);
    if (tls.tls)
        args.tls = serverOptions(tls);
    return result;
}

ParsedCommandLine parseConnect(const QStringList &arguments) {
    constexpr CliVerb verb = CliVerb::Connect;
    ParsedCommandLine result;
    result.action = ParsedCommandLine::Action::Run;
    result.verb = verb;
    ConnectArgs &args = result.connect;
    QStringList positionals;
    MessageOptions messages;
    QString sourceOption;
    QString sourceValue;
    std::optional<LineEnding> ending;
    bool repeatGiven = false;
    TlsGiven tls;
    ReplayGiven replay;
    ArgumentCursor cursor(arguments);
    while (!cursor.atEnd()) {
        cursor.next();
        if (cursor.isSeparator())
            continue;
        if (!cursor.isOption()) {
            positionals << cursor.current();
            continue;
        }
        const QString option = cursor.current();
        QString error;
        if (option == u"--pcap") {
            if (const QString why = takePcap(cursor, &args.output); !why.isEmpty())
                return usageError(verb, why);
            continue;
        }
        const bool takesValue = option == u"--send" || option == u"--send-hex" || option == u"--send-file" ||
                                option == u"--repeat" || option == u"--interval" || option == u"--wait" ||
                                option == u"--multicast-if" || option == u"--bind" || option == u"--replay" ||
                                option == u"--speed" || isSocketValueOption(option) ||
                                isMessageOption(option) || isTlsValueOption(verb, option);
        if (option.startsWith(u"--send") || option == u"--repeat" || option == u"--interval" ||
            option == u"--crlf" || option == u"--lf" || option == u"--rules" || option == u"--tls")
            replay.excluded << option;
        if (!takesValue && cursor.hasInlineValue())
            return usageError(verb, QStringLiteral("option %1 takes no value").arg(quoted(option)));
        if (takeOutputOption(option, &args.output, &error) || takeNoDelay(option, &args.socket, &error)) {
            if (!error.isEmpty())
                return usageError(verb, error);
        } else if (option == u"--udp" || option == u"-u") {
            args.udp = true;
        } else if (option == u"--asap") {
            replay.asap = true;
        } else if (isTlsFlag(verb, option)) {
            takeTlsFlag(option, &tls);
        } else if (option == u"--crlf" || option == u"--lf") {
            const LineEnding e = option == u"--crlf" ? LineEnding::CRLF : LineEnding::LF;
            if (ending && *ending != e)
                return usageError(verb, QStringLiteral("--crlf and --lf exclude each other"));
            ending = e;
        } else if (takesValue) {
            const std::optional<QString> value = cursor.value();
            if (!value)
                return usageError(verb, QStringLiteral("option %1 needs a value").arg(quoted(option)));
            if (isSocketValueOption(option)) {
                if (const QString why = takeSocketValue(option, *value, &args.socket); !why.isEmpty())
                    return usageError(verb, why);
            } else if (option == u"--bind") {
                if (const QString why = parseBind(*value, &args.socket); !why.isEmpty())
                    return usageError(verb, why);
            } else if (option == u"--replay") {
                replay.twice = replay.twice || !replay.spec.isEmpty();
                replay.spec = *value;
            } else if (option == u"--speed") {
                replay.speedGiven = true;
                replay.speed = *value;
            } else if (isTlsValueOption(verb, option)) {
                if (const QString why = takeTlsValue(option, *value, &tls); !why.isEmpty())
                    return usageError(verb, why);
            } else if (isMessageOption(option)) {
                if (const QString why = takeMessageOption(option, *value, &messages); !why.isEmpty())
                    return usageError(verb, why);
            } else if (option.startsWith(u"--send")) {
                if (!sourceOption.isEmpty() && sourceOption != option)
                    return usageError(
                        verb, QStringLiteral("%1 and %2 exclude each other").arg(sourceOption, option));
                if (!sourceOption.isEmpty())
                    return usageError(verb, QStringLiteral("%1 given twice").arg(option));
                sourceOption = option;
                sourceValue = *value;
            } else if (option == u"--multicast-if") {
                if (value->isEmpty())
                    return usageError(verb,
                                      QStringLiteral("--multicast-if needs an interface name, e.g. eth0"));
                args.multicastInterface = *value;
            } else if (option == u"--repeat") {
                const std::optional<qint64> n = parseInteger(*value, 1, Q_INT64_C(1) << 40);
                if (!n)
                    return usageError(
                        verb, QStringLiteral("--repeat %1: expected a count >= 1").arg(quoted(*value)));
                args.repeat = *n;
                repeatGiven = true;
            } else {
                const std::optional<qint64> ms = parseInteger(*value, 0, 24LL * 3600 * 1000);
                if (!ms)
                    return usageError(
                        verb,
                        QStringLiteral("%1 %2: expected milliseconds >= 0").arg(option, quoted(*value)));
                (option == u"--interval" ? args.intervalMs : args.waitMs) = int(*ms);
            }
        } else {
            return usageError(verb, QStringLiteral("unknown option %1").arg(quoted(option)));
        }
    }
    if (const QString why = finishReplay(replay, &args.udp, &args.replay, &args.replaySpeed); !why.isEmpty())
        return usageError(verb, why);
    if (positionals.size() > 1)
        return usageError(verb, QStringLiteral("unexpected argument %1").arg(quoted(positionals.at(1))));
    if (const QString error = parseWhere(positionals.value(0), true, &args.where); !error.isEmpty())
        return usageError(verb, error);
    if (!args.multicastInterface.isEmpty() && !args.udp)
        return usageError(verb, QStringLiteral("--multicast-if needs --udp"));
    if (const QString tcpOnly = tcpOnlyOption(args.socket); args.udp && !tcpOnly.isEmpty())
        return usageError(verb,
                          QStringLiteral("%1 needs TCP: it is not an option of a UDP socket").arg(tcpOnly));
    if (args.udp && !args.socket.sourceAddress.isEmpty())
        return usageError(verb, QStringLiteral("--bind needs TCP: a UDP socket binds the wildcard address "
                                               "of its destination's family"));
    if (const QString why = finishMessageOptions(messages, args.udp, &args.messages); !why.isEmpty())
        return usageError(verb, why);
    if (const QString why = finishTls(tls, args.udp); !why.isEmpty())
        return usageError(verb, why);
    if (tls.tls)
        args.tls = clientOptions(tls);
    if (args.replay)
        return result; // the capture is the payload

    if (sourceOption.isEmpty()) {
        if (repeatGiven || args.intervalMs > 0)
            return usageError(
                verb, QStringLiteral("--repeat and --interval need --send, --send-hex or --send-file"));
        args.source = ConnectArgs::Source::Stdin;
        args.stdinEnding = ending.value_or(LineEnding::None);
        return result;
    }
    args.source = ConnectArgs::Source::Payload;
    PayloadSpec spec;
    spec.lineEnding = ending.value_or(LineEnding::None);
    if (sourceOption == u"--send-file") {
        QFile file(sourceValue);
        if (!file.open(QIODevice::ReadOnly))
            return usageError(
                verb, QStringLiteral("--send-file %1: %2").arg(quoted(sourceValue), file.errorString()));
        args.payload = file.readAll() + lineEndingBytes(spec.lineEnding);
        if (file.error() != QFileDevice::NoError)
            return usageError(
                verb, QStringLiteral("--send-file %1: %2").arg(quoted(sourceValue), file.errorString()));
    } else {
        spec.mode = sourceOption == u"--send-hex" ? PayloadMode::Hex : PayloadMode::Text;
        const PayloadResult r = parsePayload(sourceValue, spec);
        if (!r.ok())
            return usageError(verb, payloadError(sourceOption, sourceValue, r));
        args.payload = r.bytes;
    }
    // The engine refuses it too; asking here makes it a usage error before anything is opened.
    if (const QString tooBig = args.udp ? datagramSizeError(args.payload.size()) : QString();
        !tooBig.isEmpty())
        return usageError(verb, tooBig);
    return result;
}

/// Relay options that act on datagrams only, and those that act on a byte stream only.
bool isDatagramFault(const QString &option) {
    return option == u"--drop" || option == u"--duplicate" || option == u"--reorder" ||
           option == u"--corrupt";
}
bool isStreamFault(const QString &option) {
    return option == u"--slice" || option == u"--limit" || option == u"--timeout-after" ||
           option == u"--slow-close";
}

bool isRelayValueOption(const QString &option) {
    return option == u"--latency" || option == u"--bandwidth" || isDatagramFault(option) ||
           isStreamFault(option) || option == u"--seed" || option == u"--direction" ||
           option == u"--duration" || option == u"--on-target-failure" || option == u"--cert" ||
           option == u"--key" || option == u"--ca" || option == u"--sni";
}

/// "--latency '-3': reason", with the parser's reason.
template <typename T>
QString faultError(const QString &option, const QString &value, const FaultParse<T> &r) {
    return QStringLiteral("%1 %2: %3").arg(option, quoted(value), r.error);
}

/// The value of one fault option into the fault set; returns an error message or empty.
QString takeFault(const QString &option, const QString &value, FaultSet *faults) {
    if (option == u"--latency") {
        const FaultParse<std::pair<int, int>> r = parseLatency(value);
        if (!r.value)
            return faultError(option, value, r);
        faults->latencyMs = r.value->first;
        faults->jitterMs = r.value->second;
    } else if (option == u"--bandwidth") {
        const FaultParse<qint64> r = parseByteRate(value);
        if (!r.value)
            return faultError(option, value, r);
        faults->bandwidthBytesPerSecond = *r.value;
    } else if (option == u"--slice") {
        const FaultParse<SliceSpec> r = parseSlice(value);
        if (!r.value)
            return faultError(option, value, r);
        faults->sliceBytes = r.value->bytes;
        faults->sliceVariance = r.value->variance;
        faults->sliceDelayMs = r.value->delayMs;
    } else if (option == u"--limit") {
        const FaultParse<LimitSpec> r = parseLimit(value);
        if (!r.value)
            return faultError(option, value, r);
        faults->limitBytes = r.value->bytes;
        faults->limitEnd = r.value->end;
    } else if (option == u"--timeout-after" || option == u"--slow-close") {
        const bool timeout = option == u"--timeout-after";
        const std::optional<qint64> ms = parseInteger(value, timeout ? 0 : 1, 24LL * 3600 * 1000);
        if (!ms)
            return QStringLiteral("%1 %2: expected milliseconds %3")
                .arg(option, quoted(value),
                     timeout ? QStringLiteral(">= 0 (0: at once)") : QStringLiteral("> 0"));
        (timeout ? faults->timeoutMs : faults->slowCloseMs) = int(*ms);
    } else if (option == u"--reorder") {
        const std::optional<qint64> n = parseInteger(value, 2, 1000000);
        if (!n)
            return QStringLiteral("--reorder %1: expected a window of 2 to 1000000 datagrams")
                .arg(quoted(value));
        faults->reorderWindow = int(*n);
    } else {
        const FaultParse<double> r = parsePercent(value);
        if (!r.value)
            return faultError(option, value, r);
        (option == u"--drop"        ? faults->dropPercent
         : option == u"--duplicate" ? faults->duplicatePercent
                                    : faults->corruptPercent) = *r.value;
    }
    return {};
}

ParsedCommandLine parseRelay(const QStringList &arguments) {
    constexpr CliVerb verb = CliVerb::Relay;
    ParsedCommandLine result;
    result.action = ParsedCommandLine::Action::Run;
    result.verb = verb;
    RelayArgs &args = result.relay;
    args.output.namesLegs = true;
    RelayOptions &options = args.options;
    QStringList positionals;
    FaultSet faults;
    QString firstDatagramFault;
    QString firstStreamFault;
    // Each leg's TLS, checked as listen --tls and connect --tls check theirs.
    TlsGiven clientSide;
    TlsGiven targetSide;
    ArgumentCursor cursor(arguments);
    while (!cursor.atEnd()) {
        cursor.next();
        if (cursor.isSeparator())
            continue;
        if (!cursor.isOption()) {
            positionals << cursor.current();
            continue;
        }
        const QString option = cursor.current();
        QString error;
        if (option == u"--pcap") {
            if (const QString why = takePcap(cursor, &args.output); !why.isEmpty())
                return usageError(verb, why);
            continue;
        }
        const bool takesValue = isRelayValueOption(option);
        if (!takesValue && cursor.hasInlineValue())
            return usageError(verb, QStringLiteral("option %1 takes no value").arg(quoted(option)));
        if (takeOutputOption(option, &args.output, &error)) {
            if (!error.isEmpty())
                return usageError(verb, error);
        } else if (option == u"--udp" || option == u"-u") {
            options.udp = true;
        } else if (option == u"--no-reset-relay") {
            options.relayResets = false;
        } else if (option == u"--tls-client-side") {
            clientSide.tls = true;
        } else if (option == u"--tls-target") {
            targetSide.tls = true;
        } else if (option == u"--insecure") {
            takeTlsFlag(option, &targetSide);
        } else if (takesValue) {
            const std::optional<QString> value = cursor.value();
            if (!value)
                return usageError(verb, QStringLiteral("option %1 needs a value").arg(quoted(option)));
            if (option == u"--cert" || option == u"--key") {
                if (const QString why = takeTlsValue(option, *value, &clientSide); !why.isEmpty())
                    return usageError(verb, why);
            } else if (option == u"--ca" || option == u"--sni") {
                if (const QString why = takeTlsValue(option, *value, &targetSide); !why.isEmpty())
                    return usageError(verb, why);
            } else if (option == u"--seed") {
                bool ok = false;
                const quint64 seed = value->toULongLong(&ok, 10);
                if (!ok || value->startsWith(u'+'))
                    return usageError(verb, QStringLiteral("--seed %1: expected a whole number from 0 to %2")
                                                .arg(quoted(*value))
                                                .arg(std::numeric_limits<quint64>::max()));
                options.faults.seed = seed;
            } else if (option == u"--direction") {
                if (*value == u"up")
                    args.direction = FaultDirection::Up;
                else if (*value == u"down")
                    args.direction = FaultDirection::Down;
                else if (*value == u"both")
                    args.direction = FaultDirection::Both;
                else
                    return usageError(verb, QStringLiteral("--direction %1: expected up (client to target), "
                                                           "down (target to client) or both")
                                                .arg(quoted(*value)));
            } else if (option == u"--on-target-failure") {
                if (*value == u"close")
                    options.onTargetFailure = RelayEnd::Close;
                else if (*value == u"reset")
                    options.onTargetFailure = RelayEnd::Reset;
                else
                    return usageError(verb, QStringLiteral("--on-target-failure %1: expected close or reset")
                                                .arg(quoted(*value)));
            } else if (option == u"--duration") {
                bool ok = false;
                const double s = value->toDouble(&ok);
                if (!ok || !std::isfinite(s) || s <= 0 || s > 1e9)
                    return usageError(verb, QStringLiteral("--duration %1: expected a number of seconds > 0")
                                                .arg(quoted(*value)));
                args.durationSeconds = s;
            } else {
                if (isDatagramFault(option) && firstDatagramFault.isEmpty())
                    firstDatagramFault = option;
                if (isStreamFault(option) && firstStreamFault.isEmpty())
                    firstStreamFault = option;
                if (const QString why = takeFault(option, *value, &faults); !why.isEmpty())
                    return usageError(verb, why);
            }
        } else {
            return usageError(verb, QStringLiteral("unknown option %1").arg(quoted(option)));
        }
    }
    if (!options.udp && !firstDatagramFault.isEmpty())
        return usageError(verb, QStringLiteral("%1 needs --udp: it acts on datagrams, and a TCP relay "
                                               "forwards a byte stream")
                                    .arg(firstDatagramFault));
    if (options.udp && !firstStreamFault.isEmpty())
        return usageError(verb, QStringLiteral("%1 needs TCP: it acts on a byte stream, and a UDP relay "
                                               "forwards datagrams")
                                    .arg(firstStreamFault));
    if (positionals.size() > 2)
        return usageError(verb, QStringLiteral("unexpected argument %1").arg(quoted(positionals.at(2))));
    if (positionals.isEmpty())
        return usageError(verb, QStringLiteral("missing LISTEN_ADDRESS:PORT and TARGET_HOST:PORT"));
    if (const QString error = parseWhere(positionals.value(0), false, &args.where); !error.isEmpty())
        return usageError(verb, error);
    if (positionals.size() < 2)
        return usageError(verb, QStringLiteral("missing TARGET_HOST:PORT: where the relay forwards to"));
    if (const QString error = parseWhere(positionals.value(1), true, &args.target); !error.isEmpty())
        return usageError(verb, error);
    options.targetHost = args.target.host;
    options.targetPort = args.target.port;
    args.output.relayTarget = formatHostPort(args.target.host, args.target.port);

    // TLS on either leg: the leg's own switch turns it on, the file options only say how.
    const std::pair<TlsGiven *, const char *> legs[] = {{&clientSide, "--tls-client-side"},
                                                        {&targetSide, "--tls-target"}};
    for (const auto &[given, name] : legs) {
        if (!given->tls && !given->firstOption.isEmpty())
            return usageError(verb,
                              QStringLiteral("%1 needs %2").arg(given->firstOption, QLatin1StringView(name)));
        if (given->tls && options.udp)
            return usageError(verb, QStringLiteral("%1 needs TCP: TLS over UDP (DTLS) is not supported")
                                        .arg(QLatin1StringView(name)));
        if (const QString why = finishTls(*given, false); !why.isEmpty())
            return usageError(verb, why);
    }
    if (clientSide.tls)
        options.clientTls = serverOptions(clientSide);
    if (targetSide.tls) {
        // As connect --tls: the name checked is the target as written, unless --sni says otherwise.
        options.targetTls = clientOptions(targetSide);
    }

    if (args.direction != FaultDirection::Down)
        options.faults.up = faults;
    if (args.direction != FaultDirection::Up)
        options.faults.down = faults;
    return result;
}

} // namespace

QString verbName(CliVerb verb) {
    switch (verb) {
    case CliVerb::Listen:
        return QStringLiteral("listen");
    case CliVerb::Connect:
        return QStringLiteral("connect");
    case CliVerb::Relay:
        return QStringLiteral("relay");
    case CliVerb::None:
        break;
    }
    return {};
}

QString sessionFileArgument(const QStringList &arguments) {
    QStringList own;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const std::optional<QtOption> option = qtOption(arguments.at(i));
        if (!option)
            own.append(arguments.at(i));
        else if (option->hasValue)
            ++i;
    }
    if (own.size() != 1)
        return {};
    const QString &candidate = own.first();
    // A verb stays a verb even when a file of that name lies in the current directory; an option
    // (--help) is never a file.
    if (candidate.isEmpty() || candidate.startsWith(u'-') || candidate == u"listen" ||
        candidate == u"connect" || candidate == u"relay" || candidate == u"help")
        return {};
    if (candidate.endsWith(QLatin1String(".sockbench"), Qt::CaseInsensitive) || QFileInfo(candidate).isFile())
        return candidate;
    return {};
}

bool wantsCommandLine(const QStringList &arguments) {
    if (!sessionFileArgument(arguments).isEmpty())
        return false;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const std::optional<QtOption> option = qtOption(arguments.at(i));
        if (!option)
            return true;
        if (option->hasValue)
            ++i;
    }
    return false;
}

ParsedCommandLine parseCommandLine(const QStringList &arguments) {
    ParsedCommandLine result;
    if (arguments.isEmpty())
        return result;
    const QString &first = arguments.first();
    const QStringList rest = arguments.mid(1);
    if (first == u"listen" || first == u"connect" || first == u"relay") {
        const CliVerb verb = first == u"listen"    ? CliVerb::Listen
                             : first == u"connect" ? CliVerb::Connect
                                                   : CliVerb::Relay;
        for (const QString &a : rest) {
            if (a == u"--")
                break;
            if (isHelp(a)) {
                result.action = ParsedCommandLine::Action::Help;
                result.verb = verb;
                return result;
            }
        }
        if (verb == CliVerb::Relay)
            return parseRelay(rest);
        return verb == CliVerb::Listen ? parseListen(rest) : parseConnect(rest);
    }
    if (isHelp(first) || first == u"help") {
        result.action = ParsedCommandLine::Action::Help;
        const QString topic = rest.value(0);
        if (topic == u"listen")
            result.verb = CliVerb::Listen;
        else if (topic == u"connect")
            result.verb = CliVerb::Connect;
        else if (topic == u"relay")
            result.verb = CliVerb::Relay;
        else if (!topic.isEmpty())
            return usageError(CliVerb::None, QStringLiteral("no help on %1").arg(quoted(topic)));
        return result;
    }
    if (isVersion(first)) {
        result.action = ParsedCommandLine::Action::Version;
        return result;
    }
    if (first.startsWith(u'-'))
        return usageError(CliVerb::None, QStringLiteral("unknown option %1").arg(quoted(first)));
    return usageError(
        CliVerb::None,
        QStringLiteral("unknown command %1 (commands: listen, connect, relay)").arg(quoted(first)));
}

QString usageHint(CliVerb verb) {
    if (verb == CliVerb::None)
        return QStringLiteral("Try 'sockbench --help'.");
    return QStringLiteral("Try 'sockbench %1 --help'.").arg(verbName(verb));
}

QString usageText(CliVerb verb) {
    switch (verb) {
    case CliVerb::Listen:
        return QStringLiteral(
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
            "              :9000 or 9000 mean 127.0.0.1:9000; port 0 lets the kernel choose.\n"
            "  -u, --udp        bind a UDP socket instead of a TCP listener\n"
            "  -e, --echo       send everything received back to its sender\n"
            "      --greet TEXT send TEXT (payload language, escapes such as \\r\\n on) to each new client\n"
            "      --hex        write received data to stdout as a hex dump\n"
            "      --log        write one timestamped line per record (direction, peer, bytes escaped)\n"
            "  -q, --quiet      write nothing to stdout\n"
            "      --stats      print a JSON summary as the last line on stderr at exit\n"
            "      --pcap FILE  record the traffic to FILE (pcapng, for Wireshark) as it happens\n"
            "      --duration S stop after S seconds (decimals allowed)\n"
            "      --join GROUP[%IFACE]  with --udp: join a multicast group (IPv4 or IPv6), on IFACE\n"
            "                   if given; repeatable. Bind 0.0.0.0 or :: to hear group traffic.\n"
            "\n"
            "Messages and response rules:\n"
            "      --rules FILE answer each message of each client (with --udp: each datagram, to its\n"
            "                   sender) by the rules in FILE, a JSON file (README, \"Response rules\"). A\n"
            "                   file that is not valid is a usage error naming the rule and key.\n"
            "      --frame SPEC what one message is (TCP): raw (each read, the default), line (LF),\n"
            "                   line:crlf, delim:HEX, fixed:N, len:1, len:2be, len:2le, len:4be,\n"
            "                   len:4le (add +incl when the length counts its own header), idle:MS.\n"
            "                   Overrides the rules file's \"frame\". With --log, one line per message.\n"
            "      --max-message N  cut a longer message at N bytes and skip the rest, said in the\n"
            "                   log (default 1048576)\n"
            "With --stats the summary has \"rule_hits\": how often each rule fired.\n"
            "\n"
            "Replay (instead of --echo, --greet and --rules):\n"
            "      --replay FILE[#STREAM]  become the server of a recorded stream: FILE is a pcap or\n"
            "                   pcapng capture, STREAM Wireshark's tcp.stream (else udp.stream) number,\n"
            "                   by default the first stream with payload. Each client gets the recorded\n"
            "                   server's messages in order, each once the client has sent as many bytes\n"
            "                   as the recorded client had sent before it (a UDP stream: as many\n"
            "                   datagrams, per client address); then FIN if the recorded server closed.\n"
            "                   A UDP stream makes a UDP socket. Progress lines go to stderr.\n"
            "\n"
            "TLS (TCP only; the other TLS options need --tls, none turns TLS on by itself):\n"
            "      --tls        speak TLS as the server on every accepted connection (echo, greeting,\n"
            "                   rules and output see the plain text). Without --cert: a\n"
            "                   self-signed certificate for localhost, 127.0.0.1 and ::1, made once,\n"
            "                   kept in the config directory (mode 0600) and reused; its file and\n"
            "                   SHA-256 fingerprint are printed on stderr after 'listening on'\n"
            "      --cert FILE  the server's certificate (PEM; may hold the chain, and the key)\n"
            "      --key FILE   its private key (PEM), when the --cert file does not hold it\n"
            "      --alpn LIST  application protocols accepted, in order of preference: h2,http/1.1\n"
            "      --client-ca FILE  ask each client for a certificate, checked against the CAs in\n"
            "                   FILE; a client without one (or with one that fails) is still served\n"
            "      --require-client-cert  refuse a client without a certificate that verifies\n"
            "                   against --client-ca\n"
            "A client whose handshake fails is named on stderr with the reason; the listener goes on.\n"
            "\n"
            "Socket options (on the listening socket, and the per-connection ones on each client):\n"
            "      --nodelay, --no-nodelay  turn TCP_NODELAY on or off on each accepted connection\n"
            "      --keepalive IDLE,INTERVAL,COUNT  TCP keepalive on each connection: the first probe\n"
            "                   after IDLE seconds of silence, then every INTERVAL seconds; COUNT\n"
            "                   unanswered probes end the connection\n"
            "      --sndbuf N   send buffer in bytes (SO_SNDBUF; the kernel doubles it)\n"
            "      --rcvbuf N   receive buffer in bytes (SO_RCVBUF)\n"
            "      --tos N      IP_TOS / IPV6_TCLASS byte, 0 to 255, or a DSCP name: CS0..CS7,\n"
            "                   AF11..AF43, EF, VA\n"
            "      --ttl N      IP_TTL / IPV6_UNICAST_HOPS, 1 to 255\n"
            "      --interface IFACE  use only this network interface (SO_BINDTODEVICE)\n"
            "      --reuseport  set SO_REUSEPORT before bind, so that several listeners share the port\n"
            "An option the kernel refuses is reported on stderr in words; the run goes on.\n"
            "\n"
            "Exit status: 0 stopped normally, 1 network failure, 2 usage error.\n");
    case CliVerb::Connect:
        return QStringLiteral(
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
            "\n"
            "  -u, --udp            send datagrams (with stdin: one datagram per line)\n"
            "      --send TEXT      payload language text: escapes such as \\n \\x41 \\u{263a} are on\n"
            "      --send-hex HEX   hex bytes; spaces, colons and commas separate them\n"
            "      --send-file PATH the file's bytes\n"
            "      --crlf, --lf     append this line ending to the payload; with stdin, turn each\n"
            "                       line feed into it\n"
            "      --repeat N       send the payload N times (default 1)\n"
            "      --interval MS    pause MS milliseconds between repeats (default 0)\n"
            "      --multicast-if IFACE  with --udp: send multicast through this interface\n"
            "      --wait MS        after sending, wait MS milliseconds for replies, then close.\n"
            "                       Default: TCP sends FIN after the payload or at the end of stdin\n"
            "                       and waits until the peer closes; UDP stops once all is sent.\n"
            "      --hex, --log     output formats as for listen\n"
            "  -q, --quiet          write nothing to stdout\n"
            "      --stats          print a JSON summary as the last line on stderr at exit; for TCP\n"
            "                       it has the kernel's view of the connection as of its close\n"
            "                       (tcp_info: round-trip time, retransmits, congestion window, ...)\n"
            "      --pcap FILE      record the traffic to FILE (pcapng, for Wireshark) as it happens\n"
            "      --rules FILE     answer what the server sends by the rules in FILE (as for listen);\n"
            "                       the end of the input then sends no FIN: the rules answer until\n"
            "                       the server closes, --wait runs out, or SIGINT\n"
            "      --frame SPEC     what one message is, as for listen\n"
            "      --max-message N  the longest message, as for listen\n"
            "\n"
            "Replay (instead of a payload or stdin):\n"
            "      --replay FILE[#STREAM]  send the client side of a recorded stream: FILE is a pcap\n"
            "                       or pcapng capture, STREAM Wireshark's tcp.stream (else udp.stream)\n"
            "                       number, by default the first stream with payload. The client's\n"
            "                       messages go in order, with the recorded gaps; a UDP stream goes\n"
            "                       as datagrams. Progress lines go to stderr ('replayed 3/40\n"
            "                       messages, 512 bytes'). TCP then sends FIN and reads until the\n"
            "                       server closes or is silent for 2 s (--wait MS: that long)\n"
            "      --speed X        divide the recorded gaps by X: 2 is twice as fast, 0.5 half\n"
            "      --asap           no gaps: every message back to back\n"
            "\n"
            "TLS (TCP only; the other TLS options need --tls, none turns TLS on by itself):\n"
            "      --tls            speak TLS once connected. Sending starts after the handshake;\n"
            "                       the payload, the output and --stats are the plain text. By\n"
            "                       default the server's certificate must verify against the\n"
            "                       system's trusted CAs and be for HOST\n"
            "      --ca FILE        trust only the CAs in FILE (PEM) instead of the system's\n"
            "      --insecure       verify nothing; a warning on stderr says so, and what\n"
            "                       verification would have found\n"
            "      --sni NAME       the server name to send and check the certificate against.\n"
            "                       Default: HOST as written; none is sent when HOST is an address\n"
            "      --alpn LIST      offer these application protocols, in order: h2,http/1.1\n"
            "      --cert FILE      present this client certificate (PEM; may hold the key)\n"
            "      --key FILE       its private key (PEM), when the --cert file does not hold it\n"
            "      --tls-min VERSION  the lowest protocol version: 1.2 or 1.3\n"
            "After the handshake one line on stderr gives the protocol, cipher, ALPN and the\n"
            "server's certificate. A failed handshake or verification exits 1 with the reason in\n"
            "words, e.g. 'certificate verify failed: self-signed certificate'.\n"
            "\n"
            "Socket options:\n"
            "      --nodelay, --no-nodelay  turn TCP_NODELAY on (the default) or off\n"
            "      --keepalive IDLE,INTERVAL,COUNT  TCP keepalive: the first probe after IDLE seconds\n"
            "                       of silence, then every INTERVAL seconds; COUNT unanswered probes\n"
            "                       end the connection\n"
            "      --sndbuf N       send buffer in bytes (SO_SNDBUF; the kernel doubles it)\n"
            "      --rcvbuf N       receive buffer in bytes (SO_RCVBUF)\n"
            "      --tos N          IP_TOS / IPV6_TCLASS byte, 0 to 255, or a DSCP name: CS0..CS7,\n"
            "                       AF11..AF43, EF, VA\n"
            "      --ttl N          IP_TTL / IPV6_UNICAST_HOPS, 1 to 255\n"
            "      --interface IFACE  use only this network interface (SO_BINDTODEVICE)\n"
            "      --bind ADDRESS[:PORT]  TCP: connect from this local address (and port); IPv6 as\n"
            "                       [ADDRESS]:PORT. One this host does not have fails the connect.\n"
            "An option the kernel refuses is reported on stderr in words; the run goes on.\n"
            "\n"
            "A payload that does not parse is reported before anything is connected or sent.\n"
            "Exit status: 0 success, 1 network failure, 2 usage error.\n");
    case CliVerb::Relay:
        return QStringLiteral(
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
            "\n"
            "  -u, --udp        relay UDP datagrams instead of TCP connections\n"
            "      --hex        write what each leg receives to stdout as a hex dump, each part\n"
            "                   headed by its leg (client or target) and peer\n"
            "      --log        write one timestamped line per record, naming the leg: client or\n"
            "                   target (with faults: what each fault did, e.g. 'delayed 200 ms')\n"
            "  -q, --quiet      write nothing to stdout (the default is the bytes both legs receive)\n"
            "      --stats      print a JSON summary as the last line on stderr at exit: bytes in and\n"
            "                   out of each leg (\"client\", \"target\"), connections relayed, failures\n"
            "      --duration S stop after S seconds (decimals allowed)\n"
            "      --pcap FILE  record both legs to FILE (pcapng, for Wireshark) as it happens\n"
            "\n"
            "Faults (all off by default; they act in both directions unless --direction says):\n"
            "      --latency MS[~JITTER]  delay each chunk or datagram by MS milliseconds, varying\n"
            "                   within +/- JITTER: 200, 200~50\n"
            "      --bandwidth BYTES_PER_S  at most this many bytes per second: 1000, 64k, 1M, 1MiB\n"
            "      --direction up|down|both  the faults act client to target (up), target to\n"
            "                   client (down) or both ways (the default)\n"
            "      --seed N     seeds every random choice (jitter, slice sizes, drop, duplicate,\n"
            "                   reorder, corrupt), so that a run can be repeated exactly (default 1)\n"
            "TCP only:\n"
            "      --slice N[~V][@MS]  cut what is forwarded into pieces of N bytes (varying within\n"
            "                   +/- V), MS milliseconds apart: 1, 100~20@5\n"
            "      --limit BYTES[:reset]  forward exactly BYTES bytes, then close (FIN), or reset\n"
            "                   with :reset; sizes may use k, K, KiB, M, MiB: 4096:reset, 4KiB\n"
            "      --timeout-after MS  stop forwarding MS milliseconds after the connection opens (0:\n"
            "                   at once) but hold the connection, as a hung peer does\n"
            "      --slow-close MS  relay a FIN MS milliseconds late\n"
            "UDP only (with --udp; PCT is a percentage, 0 to 100):\n"
            "      --drop PCT   drop this share of the datagrams\n"
            "      --duplicate PCT  send this share of the datagrams twice\n"
            "      --reorder N  hold datagrams and release them shuffled within a window of N\n"
            "      --corrupt PCT  flip one random bit in this share of the datagrams\n"
            "\n"
            "Ends:\n"
            "      --no-reset-relay  a reset on one leg closes the other (FIN) instead of resetting it\n"
            "      --on-target-failure close|reset  what a client gets when the target refuses,\n"
            "                   cannot be resolved or does not answer (default close); the reason is\n"
            "                   printed on stderr\n"
            "\n"
            "TLS (TCP only; the log and the output show the plain text):\n"
            "      --tls-client-side  terminate TLS from the clients (the relay is the TLS server).\n"
            "                   Without --cert: the self-signed certificate that listen makes\n"
            "      --cert FILE  the client side's certificate (PEM; may hold the chain, and the key)\n"
            "      --key FILE   its private key (PEM), when the --cert file does not hold it\n"
            "      --tls-target originate TLS to the target (the relay is the TLS client); the\n"
            "                   target's certificate must verify against the system's trusted CAs\n"
            "      --ca FILE    trust only the CAs in FILE (PEM) for the target\n"
            "      --insecure   verify nothing about the target's certificate\n"
            "      --sni NAME   the name to send to the target and check its certificate against.\n"
            "                   Default: TARGET_HOST as written; none is sent for an address\n"
            "A fault value that does not parse is a usage error, before anything is opened.\n"
            "\n"
            "Exit status: 0 stopped normally, 1 network failure, 2 usage error.\n");
    case CliVerb::None:
        break;
    }
    return QStringLiteral(
        "Usage: sockbench [FILE]               open the window (with FILE: a .sockbench session,\n"
        "                                      or a .pcapng, .pcap or .cap capture, read-only)\n"
        "       sockbench listen  [OPTIONS] ADDRESS:PORT\n"
        "       sockbench connect [OPTIONS] HOST:PORT\n"
        "       sockbench relay   [OPTIONS] LISTEN_ADDRESS:PORT TARGET_HOST:PORT\n"
        "       sockbench help [listen | connect | relay]\n"
        "       sockbench --version\n"
        "\n"
        "A TCP/UDP socket workbench. With a command it runs headless (no display needed) on the\n"
        "same engine as the window. 'sockbench COMMAND --help' describes each command.\n"
        "\n"
        "Exit status: 0 success, 1 network failure, 2 usage error.\n");
}

} // namespace sockbench
