#include "session/sessionrelay.h"

#include "engine/faulttable.h"
#include "language/translate.h"
#include "session/sessiontls.h"

#include <QCoreApplication>
#include <QJsonValue>

#include <cmath>
#include <limits>
#include <type_traits>
#include <variant>

namespace sockbench {

namespace {

QString at(const QString &key, const QString &message) {
    return QStringLiteral(".%1: ").arg(key) + message;
}

/// A whole number in [lowest, highest] at key, when present; false and *error when wrong.
bool readWhole(const QJsonObject &o, const QString &key, qint64 lowest, qint64 highest, qint64 *out,
               QString *error) {
    const QJsonValue v = o.value(key);
    if (v.isUndefined())
        return true;
    const double d = v.toDouble(std::nan(""));
    if (!v.isDouble() || d != std::floor(d) || d < double(lowest) || d > double(highest)) {
        *error = at(key, tr("a whole number from %1 to %2").arg(lowest).arg(highest));
        return false;
    }
    *out = qint64(d);
    return true;
}

bool readPercent(const QJsonObject &o, const QString &key, double *out, QString *error) {
    const QJsonValue v = o.value(key);
    if (v.isUndefined())
        return true;
    const double d = v.toDouble(-1);
    if (!v.isDouble() || d < 0 || d > 100) {
        *error = at(key, tr("a percentage from 0 to 100"));
        return false;
    }
    *out = d;
    return true;
}

QString endName(RelayEnd end) {
    return end == RelayEnd::Reset ? QStringLiteral("reset") : QStringLiteral("close");
}

bool readEnd(const QJsonObject &o, const QString &key, RelayEnd *out, QString *error) {
    const QJsonValue v = o.value(key);
    if (v.isUndefined())
        return true;
    if (v.toString() == QLatin1String("close"))
        *out = RelayEnd::Close;
    else if (v.toString() == QLatin1String("reset"))
        *out = RelayEnd::Reset;
    else {
        *error = at(key, tr("one of \"close\", \"reset\""));
        return false;
    }
    return true;
}

bool onlyKeys(const QJsonObject &o, const QStringList &allowed, const QString &what, QString *error) {
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!allowed.contains(it.key())) {
            *error = at(it.key(), tr("unknown key for %1 (written by a newer Sockbench?)").arg(what));
            return false;
        }
    }
    return true;
}

QJsonObject faultSetToJson(const FaultSet &f) {
    const FaultSet off;
    QJsonObject o;
    for (const FaultKind &kind : faultKinds()) {
        for (const FaultField &field : kind.fields) {
            const QString key = QLatin1String(field.jsonKey);
            std::visit(
                [&](auto member) {
                    if (f.*member == off.*member)
                        return;
                    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(f.*member)>, RelayEnd>) {
                        // How a fault ends means nothing while the fault is off.
                        if (kind.isOn(f))
                            o.insert(key, endName(f.*member));
                    } else {
                        o.insert(key, double(f.*member));
                    }
                },
                field.member);
        }
    }
    return o;
}

/// One field at its key, when present: a whole number from the member's default (when below 0)
/// or 0 up to what the member and a JSON number hold, a percentage, or an end.
bool readField(const QJsonObject &o, const FaultField &field, FaultSet *f, QString *error) {
    constexpr qint64 IntMax = std::numeric_limits<int>::max();
    constexpr qint64 Huge = qint64(1) << 53; // what a JSON number holds exactly
    const QString key = QLatin1String(field.jsonKey);
    return std::visit(
        [&](auto member) {
            using T = std::remove_reference_t<decltype(f->*member)>;
            if constexpr (std::is_same_v<T, RelayEnd>) {
                return readEnd(o, key, &(f->*member), error);
            } else if constexpr (std::is_same_v<T, double>) {
                return readPercent(o, key, &(f->*member), error);
            } else {
                qint64 v = f->*member;
                if (!readWhole(o, key, qMin<qint64>(0, v), std::is_same_v<T, int> ? IntMax : Huge, &v, error))
                    return false;
                f->*member = T(v);
                return true;
            }
        },
        field.member);
}

std::optional<FaultSet> faultSetFromJson(const QJsonObject &o, bool udp, QString *error) {
    QStringList allowed;
    QStringList otherKind; // the keys of the faults the other kind of relay does
    for (const FaultKind &kind : faultKinds()) {
        for (const FaultField &field : kind.fields)
            (actsOn(kind.scope, udp) ? allowed : otherKind) << QLatin1String(field.jsonKey);
    }
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!allowed.contains(it.key())) {
            *error = at(it.key(), otherKind.contains(it.key())
                                      ? (udp ? tr("a stream fault; this relay is UDP")
                                             : tr("a datagram fault; this relay is TCP"))
                                      : tr("unknown fault (written by a newer Sockbench?)"));
            return std::nullopt;
        }
    }
    FaultSet f;
    for (const FaultKind &kind : faultKinds()) {
        for (const FaultField &field : kind.fields) {
            if (!readField(o, field, &f, error))
                return std::nullopt;
        }
    }
    return f;
}

} // namespace

bool operator==(const SessionRelay &a, const SessionRelay &b) {
    const RelayOptions &x = a.options;
    const RelayOptions &y = b.options;
    return x.targetHost == y.targetHost && x.targetPort == y.targetPort && x.udp == y.udp &&
           x.relayResets == y.relayResets && x.onTargetFailure == y.onTargetFailure &&
           x.connectTimeoutMs == y.connectTimeoutMs && x.udpIdleMs == y.udpIdleMs &&
           x.clientTls == y.clientTls && x.targetTls == y.targetTls && x.faults == y.faults;
}

QJsonObject relayFaultsToJson(const RelayFaults &faults) {
    QJsonObject o;
    // A seed past 2^53 would not survive as a JSON number: it is written as a string then.
    if (faults.seed != RelayFaults{}.seed) {
        if (faults.seed <= (quint64(1) << 53))
            o.insert(QStringLiteral("seed"), double(faults.seed));
        else
            o.insert(QStringLiteral("seed"), QString::number(faults.seed));
    }
    if (const QJsonObject up = faultSetToJson(faults.up); !up.isEmpty())
        o.insert(QStringLiteral("up"), up);
    if (const QJsonObject down = faultSetToJson(faults.down); !down.isEmpty())
        o.insert(QStringLiteral("down"), down);
    return o;
}

std::optional<RelayFaults> relayFaultsFromJson(const QJsonObject &o, bool udp, QString *error) {
    if (!onlyKeys(o, {QStringLiteral("seed"), QStringLiteral("up"), QStringLiteral("down")}, tr("the faults"),
                  error))
        return std::nullopt;
    RelayFaults faults;
    if (const QJsonValue seed = o.value(QStringLiteral("seed")); !seed.isUndefined()) {
        bool ok = false;
        if (seed.isString())
            faults.seed = seed.toString().toULongLong(&ok);
        else if (const double d = seed.toDouble(-1);
                 seed.isDouble() && d >= 0 && d == std::floor(d) && d <= double(quint64(1) << 53)) {
            faults.seed = quint64(d);
            ok = true;
        }
        if (!ok) {
            *error = at(QStringLiteral("seed"), tr("a whole number from 0 (or a string of its digits)"));
            return std::nullopt;
        }
    }
    for (const RelayDirection d : {RelayDirection::Up, RelayDirection::Down}) {
        const QString key = d == RelayDirection::Up ? QStringLiteral("up") : QStringLiteral("down");
        const QJsonValue v = o.value(key);
        if (v.isUndefined())
            continue;
        if (!v.isObject()) {
            *error = at(key, tr("an object of faults, e.g. {\"latency_ms\": 200}"));
            return std::nullopt;
        }
        QString why;
        const std::optional<FaultSet> set = faultSetFromJson(v.toObject(), udp, &why);
        if (!set) {
            *error = QLatin1Char('.') + key + why;
            return std::nullopt;
        }
        faults.of(d) = *set;
    }
    return faults;
}

QJsonObject relayToJson(const RelayOptions &options) {
    const RelayOptions defaults;
    QJsonObject o;
    o.insert(QStringLiteral("target_host"), options.targetHost);
    o.insert(QStringLiteral("target_port"), int(options.targetPort));
    if (options.relayResets != defaults.relayResets)
        o.insert(QStringLiteral("relay_resets"), options.relayResets);
    if (options.onTargetFailure != defaults.onTargetFailure)
        o.insert(QStringLiteral("on_target_failure"), endName(options.onTargetFailure));
    if (options.connectTimeoutMs != defaults.connectTimeoutMs)
        o.insert(QStringLiteral("connect_timeout_ms"), options.connectTimeoutMs);
    if (options.udp && options.udpIdleMs != defaults.udpIdleMs)
        o.insert(QStringLiteral("udp_idle_ms"), options.udpIdleMs);
    if (options.clientTls && !options.udp)
        o.insert(QStringLiteral("client_tls"), tlsServerToJson(*options.clientTls));
    if (options.targetTls && !options.udp)
        o.insert(QStringLiteral("target_tls"), tlsClientToJson(*options.targetTls));
    if (const QJsonObject faults = relayFaultsToJson(options.faults); !faults.isEmpty())
        o.insert(QStringLiteral("faults"), faults);
    return o;
}

std::optional<RelayOptions> relayFromJson(const QJsonObject &o, bool udp, QString *error) {
    QStringList allowed{QStringLiteral("target_host"),        QStringLiteral("target_port"),
                        QStringLiteral("relay_resets"),       QStringLiteral("on_target_failure"),
                        QStringLiteral("connect_timeout_ms"), QStringLiteral("faults")};
    if (udp)
        allowed << QStringLiteral("udp_idle_ms");
    else
        allowed << QStringLiteral("client_tls") << QStringLiteral("target_tls");
    if (!onlyKeys(o, allowed, udp ? tr("a UDP relay") : tr("a TCP relay"), error))
        return std::nullopt;
    RelayOptions options;
    options.udp = udp;
    const QJsonValue host = o.value(QStringLiteral("target_host"));
    if (!host.isString() || host.toString().trimmed().isEmpty()) {
        *error = at(QStringLiteral("target_host"), tr("missing; the host name or address to relay to"));
        return std::nullopt;
    }
    options.targetHost = host.toString().trimmed();
    qint64 port = -1;
    if (!readWhole(o, QStringLiteral("target_port"), 1, 65535, &port, error))
        return std::nullopt;
    if (port < 0) {
        *error = at(QStringLiteral("target_port"), tr("missing; a whole number from 1 to 65535"));
        return std::nullopt;
    }
    options.targetPort = quint16(port);
    if (const QJsonValue v = o.value(QStringLiteral("relay_resets")); !v.isUndefined()) {
        if (!v.isBool()) {
            *error = at(QStringLiteral("relay_resets"), tr("true or false"));
            return std::nullopt;
        }
        options.relayResets = v.toBool();
    }
    if (!readEnd(o, QStringLiteral("on_target_failure"), &options.onTargetFailure, error))
        return std::nullopt;
    qint64 timeout = options.connectTimeoutMs;
    if (!readWhole(o, QStringLiteral("connect_timeout_ms"), 0, std::numeric_limits<int>::max(), &timeout,
                   error))
        return std::nullopt;
    options.connectTimeoutMs = int(timeout);
    qint64 idle = options.udpIdleMs;
    if (!readWhole(o, QStringLiteral("udp_idle_ms"), 1, std::numeric_limits<int>::max(), &idle, error))
        return std::nullopt;
    options.udpIdleMs = int(idle);
    const auto object = [&](const QString &key, QJsonObject *out) {
        const QJsonValue v = o.value(key);
        if (v.isUndefined())
            return true;
        if (!v.isObject()) {
            *error = at(key, tr("an object of TLS options ({} for the defaults)"));
            return false;
        }
        *out = v.toObject();
        return true;
    };
    QJsonObject tls;
    if (o.contains(QStringLiteral("client_tls"))) {
        if (!object(QStringLiteral("client_tls"), &tls))
            return std::nullopt;
        QString why;
        options.clientTls = tlsServerFromJson(tls, &why);
        if (!why.isEmpty()) {
            *error = QStringLiteral(".client_tls") + why;
            return std::nullopt;
        }
    }
    if (o.contains(QStringLiteral("target_tls"))) {
        if (!object(QStringLiteral("target_tls"), &tls))
            return std::nullopt;
        QString why;
        options.targetTls = tlsClientFromJson(tls, &why);
        if (!why.isEmpty()) {
            *error = QStringLiteral(".target_tls") + why;
            return std::nullopt;
        }
    }
    if (const QJsonValue faults = o.value(QStringLiteral("faults")); !faults.isUndefined()) {
        if (!faults.isObject()) {
            *error = at(QStringLiteral("faults"), tr("an object with \"up\", \"down\" and \"seed\""));
            return std::nullopt;
        }
        QString why;
        const std::optional<RelayFaults> read = relayFaultsFromJson(faults.toObject(), udp, &why);
        if (!read) {
            *error = QStringLiteral(".faults") + why;
            return std::nullopt;
        }
        options.faults = *read;
    }
    return options;
}

} // namespace sockbench
