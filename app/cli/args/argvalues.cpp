#include "cli/args/argvalues.h"
#include "cli/args/optiontable.h"

#include <QRegularExpression>

#include <net/if.h>

#include <cmath>

namespace sockbench {

std::optional<qint64> parseInteger(const QString &text, qint64 min, qint64 max) {
    bool ok = false;
    const qint64 v = text.toLongLong(&ok, 10);
    if (!ok || v < min || v > max || text.startsWith(u'+'))
        return std::nullopt;
    return v;
}

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

QString parseDuration(const QString &value, double *seconds) {
    bool ok = false;
    const double s = value.toDouble(&ok);
    if (!ok || !std::isfinite(s) || s <= 0 || s > 1e9)
        return QStringLiteral("--duration %1: expected a number of seconds > 0").arg(quoted(value));
    *seconds = s;
    return {};
}

QString setOutputFormat(OutputFormat format, OutputArgs *out) {
    const bool other = out->format != OutputFormat::Raw && out->format != format;
    out->format = format;
    return other ? QStringLiteral("--hex and --log exclude each other") : QString();
}

QString setPcapFile(const QString &value, OutputArgs *out) {
    if (value.isEmpty())
        return QStringLiteral("--pcap '': expected a file name");
    out->pcapFile = value;
    return {};
}

QString setNoDelay(bool on, SocketOptions *out) {
    const bool other = out->noDelay && *out->noDelay != on;
    out->noDelay = on;
    return other ? QStringLiteral("--nodelay and --no-nodelay exclude each other") : QString();
}

QString tcpOnlyOption(const SocketOptions &o) {
    if (o.noDelay)
        return *o.noDelay ? QStringLiteral("--nodelay") : QStringLiteral("--no-nodelay");
    if (o.keepAliveTiming)
        return QStringLiteral("--keepalive");
    return {};
}

QString setKeepAlive(const QString &value, SocketOptions *out) {
    QString why;
    const std::optional<KeepAliveTiming> timing = parseKeepAliveTiming(value, &why);
    if (!timing)
        return QStringLiteral("--keepalive %1: %2").arg(quoted(value), why);
    out->keepAliveTiming = timing;
    return {};
}

QString setJournalBudget(const QString &value, OutputArgs *out) {
    static const QRegularExpression size(QStringLiteral("^(\\d{1,13})(?:([KMG])(?:i?B)?)?$"),
                                         QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = size.match(value);
    qint64 bytes = -1;
    if (m.hasMatch()) {
        const int shift = QStringLiteral("KMG").indexOf(m.captured(2).toUpper()) + 1;
        bytes = m.captured(1).toLongLong() << (10 * (m.captured(2).isEmpty() ? 0 : shift));
    }
    constexpr qint64 Min = 1LL << 20;
    constexpr qint64 Max = 1LL << 40;
    if (bytes < Min || bytes > Max)
        return QStringLiteral("--journal-budget %1: expected a size from 1M to 1024G, such as 64M or 2G")
            .arg(quoted(value));
    out->journalBudgetBytes = bytes;
    return {};
}

QString setBufferSize(const QString &option, const QString &value, std::optional<int> *bytes) {
    // The kernel halves what it keeps for bookkeeping only up to INT_MAX / 2.
    const std::optional<qint64> n = parseInteger(value, 1, 1 << 30);
    if (!n)
        return QStringLiteral("%1 %2: expected a number of bytes from 1 to %3")
            .arg(option, quoted(value))
            .arg(1 << 30);
    *bytes = int(*n);
    return {};
}

QString setTos(const QString &value, SocketOptions *out) {
    std::optional<int> tos = tosForDscpName(value);
    if (!tos) {
        bool ok = false;
        const int n = value.startsWith(QLatin1String("0x"), Qt::CaseInsensitive) ? value.mid(2).toInt(&ok, 16)
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

QString setTtl(const QString &value, SocketOptions *out) {
    const std::optional<qint64> n = parseInteger(value, 1, 255);
    if (!n)
        return QStringLiteral("--ttl %1: expected a hop count from 1 to 255").arg(quoted(value));
    out->ttl = int(*n);
    return {};
}

QString setInterface(const QString &value, SocketOptions *out) {
    if (value.isEmpty() || value.contains(u'/') || value.contains(u' ') ||
        value.toLocal8Bit().size() >= IFNAMSIZ)
        return QStringLiteral("--interface %1: expected an interface name of 1 to %2 characters, e.g. eth0")
            .arg(quoted(value))
            .arg(IFNAMSIZ - 1);
    out->bindToDevice = value;
    return {};
}

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

} // namespace sockbench
