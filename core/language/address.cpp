#include "language/address.h"

#include "language/hexdigits.h"

#include <QChar>

#include <array>

namespace sockbench {

namespace {

HostPortResult failure(qsizetype position, const QString &message) {
    HostPortResult result;
    result.errorPosition = position;
    result.error = message;
    return result;
}

bool isDigit(QChar c) {
    return c >= u'0' && c <= u'9';
}

// Dotted quad as inet_pton() reads it: exactly four decimal parts 0..255, no leading zeros (which
// inet_aton() would take for octal, a classic surprise).
bool parseIpv4(QStringView s, std::array<quint8, 4> *out) {
    int part = 0;
    qsizetype i = 0;
    const qsizetype n = s.size();
    while (part < 4) {
        const qsizetype start = i;
        int value = 0;
        while (i < n && isDigit(s[i]) && i - start < 3)
            value = value * 10 + (s[i++].unicode() - u'0');
        const qsizetype digits = i - start;
        if (digits == 0 || value > 255 || (digits > 1 && s[start] == u'0'))
            return false;
        (*out)[part++] = quint8(value);
        if (part < 4) {
            if (i >= n || s[i] != u'.')
                return false;
            ++i;
        }
    }
    return i == n;
}

// RFC 4291 section 2.2 text forms, with an optional "%zone" suffix for link-local addresses.
bool parseIpv6(QStringView s, std::array<quint8, 16> *out, bool allowZone) {
    const qsizetype percent = s.indexOf(u'%');
    if (percent >= 0) {
        const QStringView zone = s.mid(percent + 1);
        if (!allowZone || zone.isEmpty())
            return false;
        for (QChar c : zone) {
            if (c.isSpace() || c == u'%' || c == u'[' || c == u']')
                return false;
        }
        s = s.left(percent);
    }
    std::array<quint16, 8> groups{};
    int count = 0;
    int gap = -1; // where "::" stands, in groups
    qsizetype i = 0;
    const qsizetype n = s.size();
    if (n >= 2 && s[0] == u':' && s[1] == u':') {
        gap = 0;
        i = 2;
        if (i == n) {
            out->fill(0);
            return true;
        }
    } else if (n >= 1 && s[0] == u':') {
        return false;
    }
    while (i < n) {
        if (count == 8)
            return false;
        const qsizetype start = i;
        quint32 value = 0;
        while (i < n && hexValue(s[i].unicode()) >= 0 && i - start < 4)
            value = value * 16 + quint32(hexValue(s[i++].unicode()));
        if (i < n && s[i] == u'.') {
            // Embedded IPv4 ("::ffff:192.0.2.1") fills the last two groups.
            std::array<quint8, 4> v4{};
            if (count > 6 || !parseIpv4(s.mid(start), &v4))
                return false;
            groups[count++] = quint16(v4[0] << 8 | v4[1]);
            groups[count++] = quint16(v4[2] << 8 | v4[3]);
            i = n;
            break;
        }
        if (i == start)
            return false;
        groups[count++] = quint16(value);
        if (i == n)
            break;
        if (s[i] != u':')
            return false;
        ++i;
        if (i < n && s[i] == u':') {
            if (gap >= 0)
                return false;
            gap = count;
            ++i;
        } else if (i == n) {
            return false; // a trailing single ':'
        }
    }
    if (gap < 0 && count != 8)
        return false;
    if (gap >= 0 && count > 7)
        return false;
    std::array<quint16, 8> full{};
    if (gap < 0) {
        full = groups;
    } else {
        const int tail = count - gap;
        for (int k = 0; k < gap; ++k)
            full[k] = groups[k];
        for (int k = 0; k < tail; ++k)
            full[8 - tail + k] = groups[gap + k];
    }
    for (int k = 0; k < 8; ++k) {
        (*out)[2 * k] = quint8(full[k] >> 8);
        (*out)[2 * k + 1] = quint8(full[k] & 0xFF);
    }
    return true;
}

bool isIpv6(QStringView s) {
    std::array<quint8, 16> bytes{};
    return parseIpv6(s, &bytes, true);
}

// Reads the port digits in text[from, to); positions in the result refer to text.
HostPortResult readPort(QStringView text, qsizetype from, qsizetype to) {
    if (from >= to)
        return failure(from, QStringLiteral("missing port: write HOST:PORT, e.g. 127.0.0.1:8080"));
    quint32 value = 0;
    for (qsizetype i = from; i < to; ++i) {
        if (!isDigit(text[i])) {
            return failure(i, QStringLiteral("the port must be a number from 0 to 65535, not '%1'")
                                  .arg(text.mid(from, to - from).toString()));
        }
        // Saturates: only "out of range" matters past 65535, and 30 digits must not overflow.
        if (value <= 65535)
            value = value * 10 + quint32(text[i].unicode() - u'0');
    }
    if (value > 65535) {
        QString digits = text.mid(from, to - from).toString();
        if (digits.size() > 12)
            digits = digits.left(10) + QStringLiteral("…");
        return failure(from, QStringLiteral("port %1 is out of range (0-65535)").arg(digits));
    }
    HostPortResult result;
    result.value.port = quint16(value);
    return result;
}

// A host name or IPv4 address outside brackets.
HostPortResult checkHost(QStringView text, qsizetype from, qsizetype to) {
    bool dotsAndDigits = true;
    for (qsizetype i = from; i < to; ++i) {
        const QChar c = text[i];
        if (c.isSpace())
            return failure(i, QStringLiteral("a host name cannot contain spaces"));
        if (!c.isLetterOrNumber() && c != u'-' && c != u'.' && c != u'_' && !c.isSurrogate())
            return failure(i, QStringLiteral("'%1' cannot appear in a host name").arg(c));
        dotsAndDigits = dotsAndDigits && (isDigit(c) || c == u'.');
    }
    const QStringView host = text.mid(from, to - from);
    std::array<quint8, 4> v4{};
    // "127.0.0.256" or "10.1" would otherwise go to the resolver and fail far from the typo.
    if (dotsAndDigits && !parseIpv4(host, &v4))
        return failure(from, QStringLiteral("'%1' is not a valid IPv4 address").arg(host.toString()));
    HostPortResult result;
    result.value.host = host.toString();
    return result;
}

/// [begin, end) of text without surrounding blanks (they come with paste); positions still index
/// the original text.
std::pair<qsizetype, qsizetype> blankTrimmed(QStringView text) {
    qsizetype begin = 0;
    qsizetype end = text.size();
    while (begin < end && text[begin].isSpace())
        ++begin;
    while (end > begin && text[end - 1].isSpace())
        --end;
    return {begin, end};
}

} // namespace

HostPortResult parseHostPort(QStringView text, const QString &defaultHost) {
    const auto [begin, end] = blankTrimmed(text);
    if (begin == end)
        return failure(begin, QStringLiteral("missing port: write HOST:PORT or just PORT"));

    if (text[begin] == u'[') {
        const qsizetype close = text.indexOf(u']', begin + 1);
        if (close < 0 || close >= end)
            return failure(begin, QStringLiteral("'[' is not closed with ']'"));
        if (close == begin + 1)
            return failure(close, QStringLiteral("empty host in brackets: write e.g. [::1]:8080"));
        const QStringView host = text.mid(begin + 1, close - begin - 1);
        if (!isIpv6(host)) {
            return failure(begin + 1,
                           QStringLiteral("'%1' is not an IPv6 address; only IPv6 goes in brackets")
                               .arg(host.toString()));
        }
        if (close + 1 >= end) {
            return failure(close + 1, QStringLiteral("missing port: write [%1]:PORT").arg(host.toString()));
        }
        if (text[close + 1] != u':')
            return failure(close + 1, QStringLiteral("expected ':' and a port after ']'"));
        HostPortResult result = readPort(text, close + 2, end);
        if (result.ok())
            result.value.host = host.toString();
        return result;
    }

    const QStringView body = text.mid(begin, end - begin);
    const qsizetype opening = body.indexOf(u'[');
    const qsizetype closing = body.indexOf(u']');
    if (opening >= 0 && (closing < 0 || opening < closing))
        return failure(begin + opening, QStringLiteral("'[' can only start the address, as in [::1]:8080"));
    if (closing >= 0)
        return failure(begin + closing, QStringLiteral("']' without '['"));

    const qsizetype firstColon = body.indexOf(u':');
    if (firstColon < 0) {
        bool allDigits = true;
        for (QChar c : body)
            allDigits = allDigits && isDigit(c);
        if (!allDigits) {
            const HostPortResult host = checkHost(text, begin, end);
            if (!host.ok())
                return host;
            return failure(end, QStringLiteral("missing port: write %1:PORT").arg(body.toString()));
        }
        HostPortResult result = readPort(text, begin, end);
        if (result.ok())
            result.value.host = defaultHost;
        return result;
    }

    const qsizetype lastColon = body.lastIndexOf(u':');
    if (lastColon != firstColon) {
        // Two or more colons: an IPv6 address that forgot its brackets, or a typo.
        if (isIpv6(body)) {
            return failure(
                begin,
                QStringLiteral("an IPv6 address needs brackets: write [%1]:PORT").arg(body.toString()));
        }
        const QStringView before = body.left(lastColon);
        if (isIpv6(before)) {
            return failure(begin, QStringLiteral("an IPv6 address needs brackets: write [%1]:%2")
                                      .arg(before.toString(), body.mid(lastColon + 1).toString()));
        }
        const qsizetype second = body.indexOf(u':', firstColon + 1);
        return failure(
            begin + second,
            QStringLiteral("unexpected second ':'; an IPv6 address goes in brackets, e.g. [::1]:8080"));
    }

    HostPortResult result = readPort(text, begin + firstColon + 1, end);
    if (!result.ok())
        return result;
    const quint16 port = result.value.port;
    if (firstColon == 0) {
        result.value.host = defaultHost;
        return result;
    }
    result = checkHost(text, begin, begin + firstColon);
    if (result.ok())
        result.value.port = port;
    return result;
}

HostPortResult parsePort(QStringView text) {
    const auto [begin, end] = blankTrimmed(text);
    if (begin == end)
        return failure(begin, QStringLiteral("missing port: a number from 0 to 65535"));
    return readPort(text, begin, end);
}

bool isNumericAddress(const QString &host) {
    std::array<quint8, 4> v4{};
    return parseIpv4(host, &v4) || isIpv6(host);
}

bool isWildcardAddress(const QString &host) {
    std::array<quint8, 4> v4{};
    if (parseIpv4(host, &v4))
        return v4 == std::array<quint8, 4>{};
    std::array<quint8, 16> v6{};
    return parseIpv6(host, &v6, false) && v6 == std::array<quint8, 16>{};
}

bool isMulticastAddress(const QString &ip) {
    std::array<quint8, 4> v4{};
    if (parseIpv4(ip, &v4))
        return v4[0] >= 224 && v4[0] <= 239;
    std::array<quint8, 16> v6{};
    return parseIpv6(ip, &v6, false) && v6[0] == 0xff;
}

bool parseMulticastGroup(QStringView text, MulticastGroup *out, QString *error) {
    // The last '%' splits, so "ff02::1%eth0" reads like the zone it resembles.
    const QString trimmed = text.trimmed().toString();
    const qsizetype percent = trimmed.lastIndexOf(u'%');
    MulticastGroup group{percent < 0 ? trimmed : trimmed.left(percent),
                         percent < 0 ? QString() : trimmed.mid(percent + 1)};
    if (!isMulticastAddress(group.group)) {
        *error = QStringLiteral("%1 is not a multicast group (224.0.0.0-239.255.255.255 or ff00::/8)")
                     .arg(group.group.isEmpty() ? QStringLiteral("an empty address") : group.group);
        return false;
    }
    if (percent >= 0 && group.interfaceName.isEmpty()) {
        *error = QStringLiteral("an interface name must follow '%'");
        return false;
    }
    *out = group;
    return true;
}

QString formatHostPort(const QString &host, quint16 port) {
    // One multi-arg call: chained arg() would read a "%1" inside a zone id as a placeholder.
    const QString portText = QString::number(port);
    if (host.contains(u':'))
        return QStringLiteral("[%1]:%2").arg(host, portText);
    return QStringLiteral("%1:%2").arg(host, portText);
}

} // namespace sockbench
