#include "session/sessionoptions.h"

#include "language/address.h"
#include "language/jsonfile.h"
#include "language/translate.h"

#include <QCoreApplication>
#include <QJsonValue>

#include <net/if.h>

namespace sockbench {

namespace {

// Ranges as the command line and the forms take them.
constexpr qint64 MaxBufferBytes = 1 << 30;

enum class Applies { Any, Tcp, Client, Bound };

bool applies(Applies where, EndpointKind kind) {
    switch (where) {
    case Applies::Any:
        return true;
    case Applies::Tcp:
        return kind != EndpointKind::UdpSocket;
    case Applies::Client:
        return kind == EndpointKind::TcpConnection;
    case Applies::Bound:
        return kind != EndpointKind::TcpConnection;
    }
    return false;
}

QString appliesText(Applies where) {
    switch (where) {
    case Applies::Any:
        return {};
    case Applies::Tcp:
        return tr("applies to TCP only, not to a UDP socket");
    case Applies::Client:
        return tr("applies to a client only");
    case Applies::Bound:
        return tr("applies to a listener or a UDP socket only");
    }
    return {};
}

struct Key {
    const char *name;
    Applies where;
};

constexpr Key Keys[] = {
    {"nodelay", Applies::Tcp},
    {"keepalive", Applies::Tcp},
    {"keepalive_timing", Applies::Tcp},
    {"sndbuf", Applies::Any},
    {"rcvbuf", Applies::Any},
    {"tos", Applies::Any},
    {"ttl", Applies::Any},
    {"linger_s", Applies::Tcp},
    {"user_timeout_ms", Applies::Tcp},
    {"interface", Applies::Any},
    {"reuseport", Applies::Bound},
    {"source_address", Applies::Client},
    {"source_port", Applies::Client},
};

} // namespace

QJsonObject socketOptionsToJson(const SocketOptions &o, EndpointKind kind) {
    QJsonObject j;
    if (o.noDelay)
        j.insert(QStringLiteral("nodelay"), *o.noDelay);
    if (o.keepAlive)
        j.insert(QStringLiteral("keepalive"), *o.keepAlive);
    if (o.keepAliveTiming)
        j.insert(QStringLiteral("keepalive_timing"), QStringLiteral("%1,%2,%3")
                                                         .arg(o.keepAliveTiming->idleSeconds)
                                                         .arg(o.keepAliveTiming->intervalSeconds)
                                                         .arg(o.keepAliveTiming->count));
    if (o.sendBufferBytes)
        j.insert(QStringLiteral("sndbuf"), *o.sendBufferBytes);
    if (o.receiveBufferBytes)
        j.insert(QStringLiteral("rcvbuf"), *o.receiveBufferBytes);
    if (o.tos) {
        // A DSCP name reads back to the same byte and says more to a person reading the file.
        const QString name = dscpName(*o.tos);
        if (tosForDscpName(name) == *o.tos)
            j.insert(QStringLiteral("tos"), name);
        else
            j.insert(QStringLiteral("tos"), *o.tos);
    }
    if (o.ttl)
        j.insert(QStringLiteral("ttl"), *o.ttl);
    if (o.lingerSeconds)
        j.insert(QStringLiteral("linger_s"), *o.lingerSeconds);
    if (o.userTimeoutMs)
        j.insert(QStringLiteral("user_timeout_ms"), *o.userTimeoutMs);
    if (!o.bindToDevice.isEmpty())
        j.insert(QStringLiteral("interface"), o.bindToDevice);
    if (o.reusePort)
        j.insert(QStringLiteral("reuseport"), true);
    if (!o.sourceAddress.isEmpty())
        j.insert(QStringLiteral("source_address"), o.sourceAddress);
    if (o.sourcePort != 0)
        j.insert(QStringLiteral("source_port"), int(o.sourcePort));
    for (const Key &k : Keys) {
        if (!applies(k.where, kind))
            j.remove(QLatin1String(k.name));
    }
    return j;
}

std::optional<SocketOptions> socketOptionsFromJson(const QJsonObject &j, EndpointKind kind, QString *error) {
    const auto fail = [error](const QString &key, const QString &message) {
        *error = QLatin1Char('.') + key + QStringLiteral(": ") + message;
        return std::nullopt;
    };
    for (auto it = j.begin(); it != j.end(); ++it) {
        const Key *known = nullptr;
        for (const Key &k : Keys) {
            if (it.key() == QLatin1String(k.name))
                known = &k;
        }
        if (!known)
            return fail(it.key(), tr("unknown socket option (written by a newer Sockbench?)"));
        if (!applies(known->where, kind))
            return fail(it.key(), appliesText(known->where));
    }

    SocketOptions o;
    const auto flag = [&j](const char *key, std::optional<bool> *out) {
        const QJsonValue v = j.value(QLatin1String(key));
        if (v.isUndefined())
            return true;
        if (!v.isBool())
            return false;
        *out = v.toBool();
        return true;
    };
    if (!flag("nodelay", &o.noDelay))
        return fail(QStringLiteral("nodelay"), tr("true or false"));
    if (!flag("keepalive", &o.keepAlive))
        return fail(QStringLiteral("keepalive"), tr("true or false"));
    if (const QJsonValue v = j.value(QStringLiteral("keepalive_timing")); !v.isUndefined()) {
        QString why;
        o.keepAliveTiming = v.isString() ? parseKeepAliveTiming(v.toString(), &why) : std::nullopt;
        if (!o.keepAliveTiming)
            return fail(QStringLiteral("keepalive_timing"),
                        why.isEmpty() ? tr("\"IDLE,INTERVAL,COUNT\", e.g. \"60,10,5\"") : why);
    }
    const auto number = [&j](const char *key, qint64 lowest, qint64 highest, std::optional<int> *out) {
        const QJsonValue v = j.value(QLatin1String(key));
        if (v.isUndefined())
            return true;
        const std::optional<qint64> n = jsonWholeNumber(v, lowest, highest);
        if (n)
            *out = int(*n);
        return n.has_value();
    };
    if (!number("sndbuf", 1, MaxBufferBytes, &o.sendBufferBytes))
        return fail(QStringLiteral("sndbuf"), tr("a number of bytes from 1 to %1").arg(MaxBufferBytes));
    if (!number("rcvbuf", 1, MaxBufferBytes, &o.receiveBufferBytes))
        return fail(QStringLiteral("rcvbuf"), tr("a number of bytes from 1 to %1").arg(MaxBufferBytes));
    if (const QJsonValue v = j.value(QStringLiteral("tos")); !v.isUndefined()) {
        o.tos = v.isString() ? tosForDscpName(v.toString()) : std::nullopt;
        if (!v.isString() && !number("tos", 0, 255, &o.tos))
            o.tos.reset();
        if (!o.tos)
            return fail(QStringLiteral("tos"),
                        tr("a number from 0 to 255 or a DSCP name (CS0-CS7, AF11-AF43, EF, VA)"));
    }
    if (!number("ttl", 1, 255, &o.ttl))
        return fail(QStringLiteral("ttl"), tr("a hop count from 1 to 255"));
    if (!number("linger_s", 0, MaxLingerSeconds, &o.lingerSeconds))
        return fail(QStringLiteral("linger_s"), tr("seconds from 0 to %1").arg(MaxLingerSeconds));
    if (!number("user_timeout_ms", 0, MaxUserTimeoutMs, &o.userTimeoutMs))
        return fail(QStringLiteral("user_timeout_ms"), tr("milliseconds from 0 to %1").arg(MaxUserTimeoutMs));
    if (const QJsonValue v = j.value(QStringLiteral("interface")); !v.isUndefined()) {
        if (!v.isString() || v.toString().isEmpty() || v.toString().toLocal8Bit().size() >= IFNAMSIZ)
            return fail(QStringLiteral("interface"),
                        tr("an interface name of 1 to %1 characters, e.g. \"eth0\"").arg(IFNAMSIZ - 1));
        o.bindToDevice = v.toString();
    }
    if (const QJsonValue v = j.value(QStringLiteral("reuseport")); !v.isUndefined()) {
        if (!v.isBool())
            return fail(QStringLiteral("reuseport"), tr("true or false"));
        o.reusePort = v.toBool();
    }
    if (const QJsonValue v = j.value(QStringLiteral("source_address")); !v.isUndefined()) {
        if (!v.isString() || !isNumericAddress(v.toString()))
            return fail(QStringLiteral("source_address"),
                        tr("a numeric address of this host, e.g. \"192.0.2.1\""));
        o.sourceAddress = v.toString();
    }
    if (const QJsonValue v = j.value(QStringLiteral("source_port")); !v.isUndefined()) {
        const std::optional<qint64> port = jsonWholeNumber(v, 0, 65535);
        if (!port)
            return fail(QStringLiteral("source_port"), tr("a whole number from 0 to 65535"));
        o.sourcePort = quint16(*port);
    }
    return o;
}

} // namespace sockbench
