#include "session/session.h"

#include "engine/workbench.h"
#include "language/address.h"
#include "language/jsonfile.h"
#include "language/payload.h"
#include "language/translate.h"
#include "platform/privatefile.h"
#include "protocol/rules.h"
#include "session/sessionoptions.h"
#include "session/sessionrelay.h"
#include "session/sessiontls.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>

#include <array>
#include <optional>

namespace sockbench {

namespace {

constexpr JsonFileFormat SessionFormat{"session", "endpoints", SessionFormatVersion};

struct KindSpelling {
    EndpointKind kind;
    const char *name;
    const char *hostKey;
    QStringList allowedKeys;
};

const std::array<KindSpelling, 3> &kindSpellings() {
    static const std::array<KindSpelling, 3> spellings{{
        {EndpointKind::TcpListener,
         "tcp-listener",
         "address",
         {QStringLiteral("kind"), QStringLiteral("address"), QStringLiteral("port"), QStringLiteral("reply"),
          QStringLiteral("greeting"), QStringLiteral("socket_options"), QStringLiteral("frame"),
          QStringLiteral("rules"), QStringLiteral("tls")}},
        {EndpointKind::TcpConnection,
         "tcp-client",
         "host",
         {QStringLiteral("kind"), QStringLiteral("host"), QStringLiteral("port"),
          QStringLiteral("socket_options"), QStringLiteral("frame"), QStringLiteral("rules"),
          QStringLiteral("tls")}},
        {EndpointKind::UdpSocket,
         "udp",
         "address",
         {QStringLiteral("kind"), QStringLiteral("address"), QStringLiteral("port"), QStringLiteral("reply"),
          QStringLiteral("socket_options"), QStringLiteral("rules")}},
    }};
    return spellings;
}

const KindSpelling &spellingOf(EndpointKind kind) {
    for (const KindSpelling &s : kindSpellings()) {
        if (s.kind == kind)
            return s;
    }
    return kindSpellings().front();
}

constexpr const char *TcpRelayKind = "tcp-relay";
constexpr const char *UdpRelayKind = "udp-relay";

/// Reads a relay endpoint: where it listens, and its "relay" object.
std::optional<SessionEndpoint> readRelayEndpoint(const QJsonObject &o, bool udp, QString *error) {
    const auto fail = [error](const QString &key, const QString &message) {
        *error = QLatin1Char('.') + key + QStringLiteral(": ") + message;
        return std::nullopt;
    };
    const QString kind = QLatin1String(udp ? UdpRelayKind : TcpRelayKind);
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() != QLatin1String("kind") && it.key() != QLatin1String("address") &&
            it.key() != QLatin1String("port") && it.key() != QLatin1String("relay"))
            return fail(it.key(), tr("unknown key for a %1 (written by a newer Sockbench?)").arg(kind));
    }
    SessionEndpoint e;
    e.kind = udp ? EndpointKind::UdpSocket : EndpointKind::TcpListener;
    const QJsonValue hostValue = o.value(QStringLiteral("address"));
    if (!hostValue.isString() || hostValue.toString().trimmed().isEmpty())
        return fail(QStringLiteral("address"), tr("missing; a host name or a numeric address"));
    e.host = hostValue.toString().trimmed();
    const QJsonValue portValue = o.value(QStringLiteral("port"));
    const double port = portValue.toDouble(-1);
    if (!portValue.isDouble() || port != double(qint64(port)))
        return fail(QStringLiteral("port"), tr("missing; a whole number from 0 to 65535"));
    if (port < 0 || port > 65535)
        return fail(QStringLiteral("port"), tr("%1 is out of range (0-65535)").arg(qint64(port)));
    e.port = quint16(port);
    if (const HostPortResult hp = parseHostPort(formatHostPort(e.host, e.port)); !hp.ok())
        return fail(QStringLiteral("address"), hp.error);
    const QJsonValue relay = o.value(QStringLiteral("relay"));
    if (!relay.isObject())
        return fail(QStringLiteral("relay"), tr("missing; an object with the target and the faults"));
    QString why;
    const std::optional<RelayOptions> options = relayFromJson(relay.toObject(), udp, &why);
    if (!options) {
        *error = QStringLiteral(".relay") + why;
        return std::nullopt;
    }
    e.relay = SessionRelay{*options};
    return e;
}

/// Sets *error to ".key: message" (or ": message" without a key); returns false.
bool failAt(QString *error, const QString &key, const QString &message) {
    *error = (key.isEmpty() ? QString() : QLatin1Char('.') + key) + QStringLiteral(": ") + message;
    return false;
}

/// An endpoint's "reply" and "greeting".
bool readReply(const QJsonObject &o, SessionEndpoint &e, QString *error) {
    const auto fail = [error](const QString &key, const QString &message) {
        return failAt(error, key, message);
    };
    if (o.contains(QStringLiteral("reply"))) {
        const QString reply = o.value(QStringLiteral("reply")).toString();
        if (reply == QLatin1String("none"))
            e.reply = AutoReply::None;
        else if (reply == QLatin1String("echo"))
            e.reply = AutoReply::Echo;
        else if (reply == QLatin1String("greeting") && e.kind == EndpointKind::TcpListener)
            e.reply = AutoReply::Greeting;
        else if (e.kind == EndpointKind::TcpListener)
            return fail(QStringLiteral("reply"), tr("one of \"none\", \"echo\", \"greeting\""));
        else
            return fail(QStringLiteral("reply"), tr("one of \"none\", \"echo\" for a UDP socket"));
    }
    const bool hasGreeting = o.contains(QStringLiteral("greeting"));
    if (e.reply == AutoReply::Greeting) {
        const QJsonValue greeting = o.value(QStringLiteral("greeting"));
        if (!greeting.isString())
            return fail(QStringLiteral("greeting"), tr("missing; the text sent to each client"));
        const PayloadResult parsed = parsePayload(greeting.toString(), PayloadSpec{});
        if (!parsed.ok()) {
            return fail(QStringLiteral("greeting"),
                        tr("character %1: %2").arg(parsed.errorPosition + 1).arg(parsed.error));
        }
        e.greeting = greeting.toString();
    } else if (hasGreeting) {
        return fail(QStringLiteral("greeting"), tr("given, but \"reply\" is not \"greeting\""));
    }
    return true;
}

/// An endpoint's "socket_options", "frame", "rules" and "tls".
bool readBehaviour(const QJsonObject &o, SessionEndpoint &e, QString *error) {
    const auto fail = [error](const QString &key, const QString &message) {
        return failAt(error, key, message);
    };
    if (const QJsonValue options = o.value(QStringLiteral("socket_options")); !options.isUndefined()) {
        if (!options.isObject())
            return fail(QStringLiteral("socket_options"), tr("an object of option names and values"));
        QString why;
        const std::optional<SocketOptions> socket = socketOptionsFromJson(options.toObject(), e.kind, &why);
        if (!socket) {
            *error = QStringLiteral(".socket_options") + why;
            return false;
        }
        e.socket = *socket;
    }
    if (const QJsonValue frame = o.value(QStringLiteral("frame")); !frame.isUndefined()) {
        QString why;
        const std::optional<FrameSpec> spec = parseFrameSpec(frame.toString(), &why);
        if (!frame.isString() || !spec)
            return fail(QStringLiteral("frame"),
                        frame.isString() ? why : tr("a frame SPEC such as \"line\""));
        e.frame = *spec;
    }
    if (const QJsonValue rules = o.value(QStringLiteral("rules")); !rules.isUndefined()) {
        if (!rules.isObject())
            return fail(QStringLiteral("rules"), tr("an object in the rules file's format"));
        const RulesParseResult parsed = parseRules(rules.toObject());
        if (!parsed.ok()) {
            *error = QStringLiteral(".rules.") + parsed.error;
            return false;
        }
        if (e.kind == EndpointKind::UdpSocket && !parsed.rules.frame.isRaw())
            return fail(QStringLiteral("rules.frame"), tr("a UDP socket takes each datagram as one message"));
        e.rules = serializeRules(parsed.rules);
    }
    if (const QJsonValue tls = o.value(QStringLiteral("tls")); !tls.isUndefined()) {
        if (!tls.isObject())
            return fail(QStringLiteral("tls"), tr("an object of TLS options ({} for the defaults)"));
        QString why;
        if (e.kind == EndpointKind::TcpConnection)
            e.tlsClient = tlsClientFromJson(tls.toObject(), &why);
        else
            e.tlsServer = tlsServerFromJson(tls.toObject(), &why);
        if (!why.isEmpty()) {
            *error = QStringLiteral(".tls") + why;
            return false;
        }
    }
    return true;
}

/// Reads one endpoint object; returns the error text without its "endpoints[i]" prefix.
std::optional<SessionEndpoint> readEndpoint(const QJsonObject &o, QString *error) {
    const auto fail = [error](const QString &key, const QString &message) {
        failAt(error, key, message);
        return std::nullopt;
    };
    const QJsonValue kindValue = o.value(QStringLiteral("kind"));
    if (!kindValue.isString())
        return fail(
            QStringLiteral("kind"),
            tr("missing; one of \"tcp-listener\", \"tcp-client\", \"udp\", \"tcp-relay\", \"udp-relay\""));
    if (kindValue.toString() == QLatin1String(TcpRelayKind) ||
        kindValue.toString() == QLatin1String(UdpRelayKind))
        return readRelayEndpoint(o, kindValue.toString() == QLatin1String(UdpRelayKind), error);
    const KindSpelling *spelling = nullptr;
    for (const KindSpelling &s : kindSpellings()) {
        if (kindValue.toString() == QLatin1String(s.name))
            spelling = &s;
    }
    if (!spelling) {
        return fail(QStringLiteral("kind"),
                    tr("\"%1\" is not one of \"tcp-listener\", \"tcp-client\", \"udp\", "
                       "\"tcp-relay\", \"udp-relay\"")
                        .arg(kindValue.toString()));
    }
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!spelling->allowedKeys.contains(it.key()))
            return fail(it.key(),
                        tr("unknown key for a %1 (written by a newer Sockbench?)").arg(spelling->name));
    }

    SessionEndpoint e;
    e.kind = spelling->kind;
    const QString hostKey = QLatin1String(spelling->hostKey);
    const QJsonValue hostValue = o.value(hostKey);
    if (!hostValue.isString() || hostValue.toString().trimmed().isEmpty())
        return fail(hostKey, tr("missing; a host name or a numeric address"));
    e.host = hostValue.toString().trimmed();

    const QJsonValue portValue = o.value(QStringLiteral("port"));
    const double port = portValue.toDouble(-1);
    const int lowest = e.kind == EndpointKind::TcpConnection ? 1 : 0;
    if (!portValue.isDouble() || port != double(qint64(port)))
        return fail(QStringLiteral("port"), tr("missing; a whole number from %1 to 65535").arg(lowest));
    if (port < lowest || port > 65535)
        return fail(QStringLiteral("port"),
                    tr("%1 is out of range (%2-65535)").arg(qint64(port)).arg(lowest));
    e.port = quint16(port);
    // The same parser as the forms and the command line, so "127.0.0.256" is refused here too.
    if (const HostPortResult hp = parseHostPort(formatHostPort(e.host, e.port)); !hp.ok())
        return fail(hostKey, hp.error);

    if (!readReply(o, e, error) || !readBehaviour(o, e, error))
        return std::nullopt;
    return e;
}

} // namespace

QString sessionKindName(EndpointKind kind) {
    return QLatin1String(spellingOf(kind).name);
}

QString sessionReplyName(AutoReply reply) {
    switch (reply) {
    case AutoReply::None:
        return QStringLiteral("none");
    case AutoReply::Echo:
        return QStringLiteral("echo");
    case AutoReply::Greeting:
        return QStringLiteral("greeting");
    }
    return {};
}

SessionParseResult parseSession(const QByteArray &json) {
    SessionParseResult result;
    const std::optional<QJsonArray> endpoints = readJsonFileList(json, SessionFormat, &result.error);
    if (!endpoints)
        return result;
    const QJsonArray &list = *endpoints;
    Session session;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString where = QStringLiteral("endpoints[%1]").arg(i);
        if (!list.at(i).isObject()) {
            result.error = tr("%1: an endpoint is a JSON object").arg(where);
            return result;
        }
        QString error;
        const std::optional<SessionEndpoint> e = readEndpoint(list.at(i).toObject(), &error);
        if (!e) {
            result.error = where + error;
            return result;
        }
        session.endpoints.append(*e);
    }
    result.session = std::move(session);
    return result;
}

QByteArray serializeSession(const Session &session) {
    QJsonArray list;
    for (const SessionEndpoint &e : session.endpoints) {
        QJsonObject o;
        if (e.relay) {
            const bool udp = e.kind == EndpointKind::UdpSocket;
            o.insert(QStringLiteral("kind"), QLatin1String(udp ? UdpRelayKind : TcpRelayKind));
            o.insert(QStringLiteral("address"), e.host);
            o.insert(QStringLiteral("port"), int(e.port));
            RelayOptions options = e.relay->options;
            options.udp = udp;
            o.insert(QStringLiteral("relay"), relayToJson(options));
            list.append(o);
            continue;
        }
        o.insert(QStringLiteral("kind"), sessionKindName(e.kind));
        o.insert(QLatin1String(spellingOf(e.kind).hostKey), e.host);
        o.insert(QStringLiteral("port"), int(e.port));
        if (e.kind != EndpointKind::TcpConnection)
            o.insert(QStringLiteral("reply"), sessionReplyName(e.reply));
        if (e.reply == AutoReply::Greeting)
            o.insert(QStringLiteral("greeting"), e.greeting);
        if (const QJsonObject options = socketOptionsToJson(e.socket, e.kind); !options.isEmpty())
            o.insert(QStringLiteral("socket_options"), options);
        if (!e.frame.isRaw() && e.kind != EndpointKind::UdpSocket)
            o.insert(QStringLiteral("frame"), toString(e.frame));
        if (!e.rules.isEmpty())
            o.insert(QStringLiteral("rules"), QJsonDocument::fromJson(e.rules).object());
        if (e.tlsClient && e.kind == EndpointKind::TcpConnection)
            o.insert(QStringLiteral("tls"), tlsClientToJson(*e.tlsClient));
        if (e.tlsServer && e.kind == EndpointKind::TcpListener)
            o.insert(QStringLiteral("tls"), tlsServerToJson(*e.tlsServer));
        list.append(o);
    }
    return writeJsonFile(SessionFormat, list);
}

SessionParseResult loadSession(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        SessionParseResult failed;
        failed.error = tr("%1: %2").arg(path, file.errorString());
        return failed;
    }
    return parseSession(file.readAll());
}

bool saveSession(const QString &path, const Session &session, QString *error) {
    return writePrivateFile(path, serializeSession(session), error);
}

namespace {

/// The endpoint's rules, ready for the engine; null when it has none. parseSession() checked them.
std::shared_ptr<RuleBook> rulesOf(const SessionEndpoint &endpoint) {
    if (endpoint.rules.isEmpty())
        return nullptr;
    RulesParseResult parsed = parseRules(endpoint.rules);
    return parsed.ok() ? std::make_shared<RuleBook>(std::move(parsed.rules)) : nullptr;
}

} // namespace

EndpointId openSessionEndpoint(Workbench &workbench, const SessionEndpoint &endpoint) {
    if (endpoint.relay) {
        RelayOptions options = endpoint.relay->options;
        options.udp = endpoint.kind == EndpointKind::UdpSocket;
        return workbench.startRelay(endpoint.host, endpoint.port, options);
    }
    switch (endpoint.kind) {
    case EndpointKind::TcpListener: {
        ListenerOptions options;
        options.autoReply = endpoint.reply;
        if (endpoint.reply == AutoReply::Greeting)
            options.greeting = parsePayload(endpoint.greeting, PayloadSpec{}).bytes;
        options.socket = endpoint.socket;
        options.frame = endpoint.frame;
        options.rules = rulesOf(endpoint);
        options.tls = endpoint.tlsServer;
        return workbench.startTcpListener(endpoint.host, endpoint.port, options);
    }
    case EndpointKind::TcpConnection: {
        ConnectOptions options;
        options.socket = endpoint.socket;
        options.frame = endpoint.frame;
        options.rules = rulesOf(endpoint);
        options.tls = endpoint.tlsClient;
        return workbench.connectTcp(endpoint.host, endpoint.port, options);
    }
    case EndpointKind::UdpSocket: {
        UdpOptions options;
        options.echo = endpoint.reply == AutoReply::Echo;
        options.socket = endpoint.socket;
        options.rules = rulesOf(endpoint);
        return workbench.bindUdp(endpoint.host, endpoint.port, options);
    }
    }
    return 0;
}

} // namespace sockbench
