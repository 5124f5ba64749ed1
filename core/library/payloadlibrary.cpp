#include "library/payloadlibrary.h"

#include "language/address.h"
#include "language/jsonfile.h"
#include "language/translate.h"
#include "platform/privatefile.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryFile>
#include <QUrl>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace sockbench {

namespace {

constexpr JsonFileFormat LibraryFormat{"library", "entries", LibraryFormatVersion};

const QString NameKey = QStringLiteral("name");
const QString FolderKey = QStringLiteral("folder");
const QString PayloadKey = QStringLiteral("payload");
const QString ModeKey = QStringLiteral("mode");
const QString LineEndingKey = QStringLiteral("line_ending");
const QString EscapesKey = QStringLiteral("escapes");
const QString EncodingKey = QStringLiteral("encoding");
const QString AppendKey = QStringLiteral("append");
const QString TargetKey = QStringLiteral("target");
const QString NotesKey = QStringLiteral("notes");
const QString KindKey = QStringLiteral("kind");
const QString HostKey = QStringLiteral("host");
const QString PortKey = QStringLiteral("port");

const QStringList EntryKeys{NameKey,    FolderKey,   PayloadKey, ModeKey,   LineEndingKey,
                            EscapesKey, EncodingKey, AppendKey,  TargetKey, NotesKey};
const QStringList TargetKeys{KindKey, HostKey, PortKey};

constexpr std::array Modes{PayloadMode::Text, PayloadMode::Hex};
constexpr std::array LineEndings{LineEnding::None, LineEnding::LF, LineEnding::CR, LineEnding::CRLF};
constexpr std::array Encodings{TextEncoding::Utf8, TextEncoding::Latin1};
constexpr std::array TargetKinds{LibraryTarget::Kind::Tcp, LibraryTarget::Kind::Udp,
                                 LibraryTarget::Kind::Tls};

QString toString(TextEncoding encoding) {
    return encoding == TextEncoding::Latin1 ? QStringLiteral("latin-1") : QStringLiteral("utf-8");
}

QString toString(LibraryTarget::Kind kind) {
    switch (kind) {
    case LibraryTarget::Kind::Udp:
        return QStringLiteral("udp");
    case LibraryTarget::Kind::Tls:
        return QStringLiteral("tls");
    case LibraryTarget::Kind::Tcp:
        break;
    }
    return QStringLiteral("tcp");
}

/// `"a", "b", "c"` for an error listing the accepted spellings.
template <typename Values> QString quotedNames(const Values &values) {
    QStringList names;
    for (const auto value : values)
        names.append(QLatin1Char('"') + toString(value) + QLatin1Char('"'));
    return names.join(QStringLiteral(", "));
}

/// The value whose spelling is text; on failure *error says which spellings there are.
template <typename Values>
std::optional<typename Values::value_type> fromName(const Values &values, const QJsonValue &text,
                                                    QString *error) {
    for (const auto value : values) {
        if (text.isString() && text.toString() == toString(value))
            return value;
    }
    if (text.isString())
        *error = tr("\"%1\" is not one of %2").arg(text.toString(), quotedNames(values));
    else
        *error = tr("one of %1").arg(quotedNames(values));
    return std::nullopt;
}

/// Why an entry or target is refused: the key at fault (e.g. "target.port") and the reason.
struct Fault {
    QString key;
    QString message;
};

/// The error, if any, that the JSON reader gives a target; the Packet Sender import asks the same
/// question of each packet, so that everything it imports reads back from the library file.
std::optional<Fault> checkTarget(const LibraryTarget &target) {
    if (target.host.isEmpty())
        return Fault{HostKey, tr("missing; a host name or a numeric address")};
    if (!QStringView(target.host).isValidUtf16())
        return Fault{HostKey, tr("is not valid Unicode (a lone surrogate)")};
    // The same parser as the forms and the command line, so "127.0.0.256" is refused here too.
    if (const HostPortResult hp = parseHostPort(formatHostPort(target.host, target.port)); !hp.ok())
        return Fault{HostKey, hp.error};
    return std::nullopt;
}

/// A string member that may be absent (then *out keeps its default). Strings that are not valid
/// UTF-16 (a lone surrogate written as "\ud800") are refused: they would not read back the same.
std::optional<Fault> readString(const QJsonObject &o, const QString &key, QString *out) {
    const QJsonValue value = o.value(key);
    if (value.isUndefined())
        return std::nullopt;
    if (!value.isString())
        return Fault{key, tr("must be a string")};
    const QString text = value.toString();
    if (!QStringView(text).isValidUtf16())
        return Fault{key, tr("is not valid Unicode (a lone surrogate)")};
    *out = text;
    return std::nullopt;
}

std::optional<Fault> readTarget(const QJsonValue &value, LibraryTarget *target) {
    if (!value.isObject())
        return Fault{QString(), tr("an object with \"kind\", \"host\" and \"port\"")};
    const QJsonObject o = value.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!TargetKeys.contains(it.key()))
            return Fault{it.key(), tr("unknown key (written by a newer Sockbench?)")};
    }
    QString why;
    const auto kind = fromName(TargetKinds, o.value(KindKey), &why);
    if (!kind)
        return Fault{KindKey, o.contains(KindKey) ? why : tr("missing; ") + why};
    target->kind = *kind;
    if (const auto fault = readString(o, HostKey, &target->host))
        return fault;
    target->host = target->host.trimmed();
    const QJsonValue portValue = o.value(PortKey);
    const double port = portValue.toDouble(-1);
    // No cast before the range check: converting 1e100 to an integer is undefined.
    if (!portValue.isDouble() || std::trunc(port) != port)
        return Fault{PortKey, tr("missing; a whole number from 0 to 65535")};
    if (port < 0 || port > 65535)
        return Fault{PortKey, tr("%1 is out of range (0-65535)").arg(QString::number(port, 'f', 0))};
    target->port = quint16(port);
    return checkTarget(*target);
}

std::optional<Fault> readEntry(const QJsonObject &o, LibraryEntry *e) {
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!EntryKeys.contains(it.key()))
            return Fault{it.key(), tr("unknown key (written by a newer Sockbench?)")};
    }
    if (!o.value(NameKey).isString())
        return Fault{NameKey, tr("missing; the name the library shows")};
    if (!o.value(PayloadKey).isString())
        return Fault{PayloadKey, tr("missing; the payload as typed")};
    for (const auto &[key, out] : {std::pair{&NameKey, &e->name}, std::pair{&FolderKey, &e->folder},
                                   std::pair{&PayloadKey, &e->payload}, std::pair{&NotesKey, &e->notes}}) {
        if (const auto fault = readString(o, *key, out))
            return fault;
    }
    if (e->name.trimmed().isEmpty())
        return Fault{NameKey, tr("is empty; every entry needs a name")};
    if (!e->folder.isEmpty() && e->folder.split(QLatin1Char('/')).contains(QString()))
        return Fault{FolderKey,
                     tr("\"%1\" has an empty folder name; folders are separated by one '/'").arg(e->folder)};

    QString why;
    if (o.contains(ModeKey)) {
        const auto mode = fromName(Modes, o.value(ModeKey), &why);
        if (!mode)
            return Fault{ModeKey, why};
        e->spec.mode = *mode;
    }
    if (o.contains(LineEndingKey)) {
        const auto ending = fromName(LineEndings, o.value(LineEndingKey), &why);
        if (!ending)
            return Fault{LineEndingKey, why};
        e->spec.lineEnding = *ending;
    }
    if (o.contains(EncodingKey)) {
        const auto encoding = fromName(Encodings, o.value(EncodingKey), &why);
        if (!encoding)
            return Fault{EncodingKey, why};
        e->spec.encoding = *encoding;
    }
    if (o.contains(EscapesKey)) {
        if (!o.value(EscapesKey).isBool())
            return Fault{EscapesKey, tr("true or false")};
        e->spec.escapes = o.value(EscapesKey).toBool();
    }
    if (o.contains(AppendKey)) {
        const QJsonValue append = o.value(AppendKey);
        if (!append.isString())
            return Fault{AppendKey, tr("a checksum name such as \"crc16-modbus\"")};
        e->append = parseChecksumSpec(append.toString(), &why);
        if (!e->append)
            return Fault{AppendKey, why};
    }
    if (o.contains(TargetKey)) {
        LibraryTarget target;
        if (auto fault = readTarget(o.value(TargetKey), &target)) {
            fault->key = fault->key.isEmpty() ? TargetKey : TargetKey + QLatin1Char('.') + fault->key;
            return fault;
        }
        e->target = target;
    }
    return std::nullopt;
}

QJsonObject toJson(const LibraryEntry &e) {
    // Defaults are left out, so that a hand-written entry stays as short as the user wrote it.
    const PayloadSpec defaults;
    QJsonObject o;
    o.insert(NameKey, e.name);
    if (!e.folder.isEmpty())
        o.insert(FolderKey, e.folder);
    o.insert(PayloadKey, e.payload);
    if (e.spec.mode != defaults.mode)
        o.insert(ModeKey, toString(e.spec.mode));
    if (e.spec.lineEnding != defaults.lineEnding)
        o.insert(LineEndingKey, toString(e.spec.lineEnding));
    if (e.spec.escapes != defaults.escapes)
        o.insert(EscapesKey, e.spec.escapes);
    if (e.spec.encoding != defaults.encoding)
        o.insert(EncodingKey, toString(e.spec.encoding));
    if (e.append)
        o.insert(AppendKey, toString(*e.append));
    if (e.target) {
        o.insert(TargetKey, QJsonObject{{KindKey, toString(e.target->kind)},
                                        {HostKey, e.target->host},
                                        {PortKey, int(e.target->port)}});
    }
    if (!e.notes.isEmpty())
        o.insert(NotesKey, e.notes);
    return o;
}

// Packet Sender's packets.ini: one group per packet, named after it, with (among others) the keys
// below. Its "NAMES" group, an index of the names, has no hexString and is passed over.
const QString PsName = QStringLiteral("name");
const QString PsHex = QStringLiteral("hexString");
const QString PsHost = QStringLiteral("toIP");
const QString PsPort = QStringLiteral("port");
const QString PsProtocol = QStringLiteral("tcpOrUdp");
const QString PsRequestPath = QStringLiteral("requestPath"); // HTTP: the path, or a whole URL

const std::array PsKeys{PsName, PsHex, PsHost, PsPort, PsProtocol, PsRequestPath};

/// Packet Sender's file cut down to what the import reads, and made safe to hand to QSettings.
///
/// QSettings turns a value that reads "@Variant(...)" or "@DateTime(...)" (after its own unescaping,
/// so "\x40Variant(" too) into whatever QDataStream finds inside: a file from anywhere could make
/// it allocate gigabytes. So only the lines of the keys the import reads are kept, and each value
/// becomes one quoted string that begins with "@@", QSettings' escape for a plain string beginning
/// with '@'. The quotes keep commas from splitting the value into a list, whose other items would
/// be read as variants again; the value's own quotes, which only protect commas and spaces, go.
QByteArray safePacketSenderIni(QByteArrayView text) {
    QByteArray out;
    qsizetype start = 0;
    while (start < text.size()) {
        qsizetype end = start;
        while (end < text.size() && text[end] != '\n' && text[end] != '\r')
            ++end;
        const QByteArrayView line = text.sliced(start, end - start).trimmed();
        start = end + 1;
        if (line.startsWith('[')) {
            // A quote would open a string running over the next lines; as "%22" it is the same
            // character in the group's name.
            out += line.toByteArray().replace('"', "%22") + '\n';
            continue;
        }
        const qsizetype equals = line.indexOf('=');
        if (equals < 0)
            continue;
        const QByteArrayView key = line.first(equals).trimmed();
        const bool wanted = std::any_of(PsKeys.begin(), PsKeys.end(), [key](const QString &name) {
            const QByteArray latin1 = name.toLatin1();
            return key == latin1 || key.endsWith(QByteArray('\\' + latin1));
        });
        if (!wanted || key.contains('"'))
            continue;
        out += key;
        out += "=\"@@";
        const QByteArrayView value = line.sliced(equals + 1);
        for (qsizetype i = 0; i < value.size(); ++i) {
            if (value[i] == '\\') {
                // An escape stays whole ("\"" is a quote character, not a quote); a lone backslash
                // at the end would escape the closing quote, so it goes.
                if (i + 1 < value.size()) {
                    out += value[i];
                    out += value[++i];
                }
            } else if (value[i] != '"') {
                out += value[i];
            }
        }
        out += "\"\n";
    }
    return out;
}

/// A value read from safePacketSenderIni()'s text, without the '@' that kept it a plain string.
QString plainText(const QVariant &value) {
    const QString text = value.toString();
    return text.startsWith(u'@') ? text.sliced(1) : text;
}

/// A packet's values, read from safePacketSenderIni()'s text.
struct PsPacket {
    QString name;
    QString protocol; ///< tcpOrUdp as written, trimmed ("TCP", "SSL", "HTTPS POST" ...)
    QString hex;
    QString host;
    QString port;
    QString requestPath;
};

/// "HTTP GET" ... "HTTPS POST" (Packet Sender writes them so, in any case): the request the packet
/// sends, with its destination in *target (which may be empty), or an empty array when it has no
/// host. A requestPath that is a whole URL gives the host and port the packet does not.
QByteArray packetSenderHttpRequest(const PsPacket &p, const QByteArray &body, LibraryTarget *target) {
    const QString protocol = p.protocol.toLower();
    const bool https = protocol.contains(QLatin1String("https"));
    const bool post = protocol.contains(QLatin1String("post"));
    target->kind = https ? LibraryTarget::Kind::Tls : LibraryTarget::Kind::Tcp;
    const quint16 defaultPort = https ? 443 : 80;
    bool portOk = false;
    const uint port = p.port.toUInt(&portOk);
    target->port = portOk && port > 0 && port <= 65535 ? quint16(port) : defaultPort;
    QString path = p.requestPath.trimmed();
    const QUrl url(path);
    if (url.isValid() && (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"))) {
        if (target->host.isEmpty())
            target->host = url.host();
        if (url.port() > 0)
            target->port = quint16(url.port());
        // The path and query as written after the authority, not as QUrl encodes them again:
        // "{{DATE}}" stays a macro the report can name.
        const qsizetype authority = path.indexOf(QLatin1String("://")) + 3;
        const qsizetype rest = path.indexOf(QRegularExpression(QStringLiteral("[/?]")), authority);
        path = rest < 0 ? QString() : path.sliced(rest);
    }
    if (target->host.isEmpty())
        return {};
    if (!path.startsWith(u'/'))
        path.prepend(u'/');
    QString host = target->host.contains(u':') ? u'[' + target->host + u']' : target->host;
    if (target->port != defaultPort)
        host += u':' + QString::number(target->port);
    QByteArray request =
        (post ? "POST " : "GET ") + path.toUtf8() + " HTTP/1.1\r\nHost: " + host.toUtf8() + "\r\n";
    if (post) {
        // What a form's POST sends, as Packet Sender's does.
        request += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                   QByteArray::number(body.size()) + "\r\n";
    }
    request += "Connection: close\r\n\r\n";
    return post ? request + body : request;
}

/// The {{NAME}} macros Packet Sender replaces when it sends ({{DATE}}, {{TIME}}, {{UNIXTIME}},
/// {{RANDOM}}, {{UNIQUE}}), as they appear in bytes, each once.
QStringList packetSenderMacros(const QByteArray &bytes) {
    static const QRegularExpression macro(QStringLiteral("\\{\\{[A-Z]+\\}\\}"));
    QStringList found;
    const QString text = QString::fromLatin1(bytes);
    for (auto it = macro.globalMatch(text); it.hasNext();) {
        const QString name = it.next().captured();
        if (!found.contains(name))
            found.append(name);
    }
    return found;
}

/// The destination from toIP and port, checked as the library's reader checks it; a warning names
/// what is wrong and the entry goes without one.
void setPacketSenderTarget(LibraryEntry *e, LibraryTarget target, const QString &portText,
                           QStringList *warnings) {
    bool portOk = false;
    const uint port = portText.toUInt(&portOk);
    if (target.host.isEmpty())
        return; // nowhere to send it yet: the entry is kept without a destination
    if (!portOk || port > 65535) {
        warnings->append(tr("\"%1\": port \"%2\" is not a port (0-65535); imported without a destination")
                             .arg(e->name, portText));
        return;
    }
    target.port = quint16(port);
    if (const auto fault = checkTarget(target)) {
        warnings->append(tr("\"%1\": destination \"%2\": %3; imported without a destination")
                             .arg(e->name, target.host, fault->message));
        return;
    }
    e->target = target;
}

/// One packet of the file, or the warning why it is skipped. Warnings that do not skip it are added
/// to *warnings.
std::optional<LibraryEntry> importPacket(const QSettings &ini, const QString &group, QStringList *warnings) {
    const auto value = [&ini, &group](const QString &key) {
        return plainText(ini.value(group + u'/' + key));
    };
    const PsPacket p{value(PsName).trimmed(), value(PsProtocol).trimmed(), value(PsHex),
                     value(PsHost).trimmed(), value(PsPort).trimmed(),     value(PsRequestPath)};
    LibraryEntry e;
    e.name = p.name.isEmpty() ? group.trimmed() : p.name;
    if (e.name.isEmpty() || !QStringView(e.name).isValidUtf16()) {
        warnings->append(tr("group \"%1\": skipped, the packet has no name").arg(group));
        return std::nullopt;
    }
    const auto skip = [&e, warnings](const QString &why) {
        warnings->append(tr("\"%1\": skipped, %2").arg(e.name, why));
        return std::nullopt;
    };
    e.folder = QStringLiteral("Packet Sender");
    e.notes = tr("Imported from Packet Sender");

    // Packet Sender writes "48 65 6C 6C 6F"; stored the way Sockbench shows hex, so that the library
    // reads the same whatever wrote an entry.
    e.spec.mode = PayloadMode::Hex;
    const PayloadResult bytes = parsePayload(p.hex, e.spec);
    if (!bytes.ok())
        return skip(
            tr("its hex is not valid (character %1: %2)").arg(bytes.errorPosition + 1).arg(bytes.error));
    e.payload = bytesToHex(bytes.bytes);

    const QString protocol = p.protocol.toLower();
    LibraryTarget target; // TCP: Packet Sender's default
    target.host = p.host;
    QByteArray sent = bytes.bytes;
    if (protocol.contains(QLatin1String("http"))) {
        sent = packetSenderHttpRequest(p, bytes.bytes, &target);
        if (sent.isEmpty())
            return skip(tr("%1 request without a host to send it to").arg(p.protocol));
        // The request as text, so that it reads as it goes: "GET /status HTTP/1.1\r\nHost: ...".
        e.spec = PayloadSpec{};
        e.payload = bytesToEscapedText(sent);
        e.notes = tr("Imported from Packet Sender: its %1 %2 as the request it sends")
                      .arg(p.protocol, p.requestPath.trimmed());
        setPacketSenderTarget(&e, target, QString::number(target.port), warnings);
    } else {
        if (protocol == QLatin1String("udp")) {
            target.kind = LibraryTarget::Kind::Udp;
        } else if (protocol.contains(QLatin1String("dtls"))) {
            target.kind = LibraryTarget::Kind::Udp;
            warnings->append(
                tr("\"%1\": DTLS imported as plain UDP (Sockbench does not speak DTLS)").arg(e.name));
        } else if (protocol.contains(QLatin1String("ssl")) || protocol.contains(QLatin1String("tls"))) {
            target.kind = LibraryTarget::Kind::Tls;
        } else if (!protocol.isEmpty() && protocol != QLatin1String("tcp")) {
            return skip(tr("protocol \"%1\" is neither TCP, UDP, SSL nor HTTP").arg(p.protocol));
        }
        setPacketSenderTarget(&e, target, p.port, warnings);
    }
    if (const QStringList macros = packetSenderMacros(sent); !macros.isEmpty()) {
        const QString list = macros.join(QStringLiteral(", "));
        warnings->append(tr("\"%1\": Packet Sender's macros %2 have no equivalent in Sockbench; sent as "
                            "written")
                             .arg(e.name, list));
        e.notes += tr(" (its macros %1 are sent as written)").arg(list);
    }
    return e;
}

} // namespace

QByteArray LibraryEntry::bytes(QString *error) const {
    const PayloadResult parsed = parsePayload(payload, spec);
    if (!parsed.ok()) {
        if (error)
            *error = tr("character %1: %2").arg(parsed.errorPosition + 1).arg(parsed.error);
        return {};
    }
    if (error)
        error->clear();
    if (!append)
        return parsed.bytes;
    return parsed.bytes + checksumBytes(*append, parsed.bytes);
}

LibraryParseResult parseLibrary(const QByteArray &json) {
    LibraryParseResult result;
    const std::optional<QJsonArray> entries = readJsonFileList(json, LibraryFormat, &result.error);
    if (!entries)
        return result;
    const QJsonArray &list = *entries;
    QList<LibraryEntry> read;
    read.reserve(list.size());
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString where = QStringLiteral("entries[%1]").arg(i);
        if (!list.at(i).isObject()) {
            result.error = tr("%1: an entry is a JSON object").arg(where);
            return result;
        }
        LibraryEntry e;
        if (const auto fault = readEntry(list.at(i).toObject(), &e)) {
            result.error = QStringLiteral("%1.%2: %3").arg(where, fault->key, fault->message);
            return result;
        }
        read.append(std::move(e));
    }
    result.entries = std::move(read);
    return result;
}

QByteArray serializeLibrary(const QList<LibraryEntry> &entries) {
    QJsonArray list;
    for (const LibraryEntry &e : entries)
        list.append(toJson(e));
    return writeJsonFile(LibraryFormat, list);
}

LibraryParseResult importPacketSenderIni(const QByteArray &iniText) {
    LibraryParseResult result;
    // QSettings reads INI only from a file; it also does the unescaping (%20 in group names,
    // quoted values, \xNN) exactly as Packet Sender's own QSettings wrote it.
    QTemporaryFile file;
    const QByteArray safe = safePacketSenderIni(iniText);
    if (!file.open() || file.write(safe) != safe.size() || !file.flush()) {
        result.error = tr("cannot write a temporary file: %1").arg(file.errorString());
        return result;
    }
    file.close();
    const QSettings ini(file.fileName(), QSettings::IniFormat);

    // A packet is a group with a hexString. Taking the groups from the keys, rather than from
    // childGroups(), finds packets whose name has a '/' too (QSettings nests those).
    const QString suffix = u'/' + PsHex;
    QStringList groups;
    const QStringList keys = ini.allKeys();
    for (const QString &key : keys) {
        if (key.endsWith(suffix) && key.size() > suffix.size())
            groups.append(key.chopped(suffix.size()));
    }
    if (groups.isEmpty()) {
        result.error = tr("no packets found (is this Packet Sender's packets.ini?)");
        return result;
    }
    result.packets = groups.size();
    for (const QString &group : std::as_const(groups)) {
        if (std::optional<LibraryEntry> e = importPacket(ini, group, &result.warnings))
            result.entries.append(std::move(*e));
    }
    return result;
}

QString defaultLibraryPath() {
    // The folder QSettings keeps the window's settings in, so that one folder holds all of it.
    QString folder = QCoreApplication::organizationName();
    if (folder.isEmpty())
        folder = QCoreApplication::applicationName();
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) + u'/' + folder +
           QStringLiteral("/library.json");
}

QString packetSenderFolder() {
    for (const auto location : {QStandardPaths::GenericDataLocation, QStandardPaths::GenericConfigLocation}) {
        const QString folder = QStandardPaths::writableLocation(location) + QStringLiteral("/PacketSender");
        if (QFileInfo(folder).isDir())
            return folder;
    }
    return {};
}

LibraryParseResult loadLibrary(const QString &path) {
    QFile file(path);
    if (!file.exists())
        return {};
    LibraryParseResult result;
    if (!file.open(QIODevice::ReadOnly)) {
        result.error = tr("%1: %2").arg(path, file.errorString());
        return result;
    }
    result = parseLibrary(file.readAll());
    if (!result.ok())
        result.error = tr("%1: %2").arg(path, result.error);
    return result;
}

bool saveLibrary(const QString &path, const QList<LibraryEntry> &entries, QString *error) {
    // The default path's folder does not exist before anything else was saved there.
    const QString folder = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(folder)) {
        *error = tr("%1: cannot create the folder %2").arg(path, folder);
        return false;
    }
    return writePrivateFile(path, serializeLibrary(entries), error);
}

} // namespace sockbench
