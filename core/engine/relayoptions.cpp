#include "engine/relayoptions.h"

#include "engine/faulttable.h"
#include "language/translate.h"

#include <QStringList>

#include <algorithm>
#include <cmath>
#include <limits>

namespace sockbench {

namespace {

bool allDigits(const QString &text) {
    if (text.isEmpty())
        return false;
    for (const QChar c : text) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return false;
    }
    return true;
}

struct NumberResult {
    std::optional<qint64> value;
    QString error; ///< without the "what: " prefix
};

// A whole non-negative number of `unit` (milliseconds, bytes) no larger than `max`.
NumberResult parseWhole(const QString &raw, const QString &unit, qint64 max) {
    const QString text = raw.trimmed();
    if (text.isEmpty())
        return {std::nullopt, QStringLiteral("no number of %1 given").arg(unit)};
    if (text.startsWith(QLatin1Char('-')) && allDigits(text.mid(1)))
        return {std::nullopt, QStringLiteral("%1 is negative; give 0 or more %2").arg(inQuotes(text), unit)};
    if (!allDigits(text))
        return {std::nullopt, QStringLiteral("%1 is not a number of %2").arg(inQuotes(text), unit)};
    bool ok = false;
    const qulonglong value = text.toULongLong(&ok);
    if (!ok || value > qulonglong(max))
        return {std::nullopt,
                QStringLiteral("%1 is too large (at most %2 %3)").arg(inQuotes(text)).arg(max).arg(unit)};
    return {qint64(value), {}};
}

// A byte size: digits, optionally a fraction, optionally a unit (case-insensitive): B; k, kB
// (1000); KiB (1024); M, MB (1000²); MiB (1024²); G, GB; GiB. The result must be whole bytes.
NumberResult parseSize(const QString &raw, qint64 max) {
    const QString text = raw.trimmed();
    if (text.isEmpty())
        return {std::nullopt, QStringLiteral("no number of bytes given")};
    qsizetype end = 0;
    while (end < text.size() && (text[end].isDigit() || text[end] == QLatin1Char('.')))
        ++end;
    const QString number = text.left(end);
    const QString unit = text.mid(end).trimmed().toLower();
    if (text.startsWith(QLatin1Char('-')))
        return {std::nullopt, QStringLiteral("%1 is negative; give 0 or more bytes").arg(inQuotes(text))};
    qint64 factor = 0;
    if (unit.isEmpty() || unit == QLatin1String("b"))
        factor = 1;
    else if (unit == QLatin1String("k") || unit == QLatin1String("kb"))
        factor = 1000;
    else if (unit == QLatin1String("kib"))
        factor = 1024;
    else if (unit == QLatin1String("m") || unit == QLatin1String("mb"))
        factor = 1000000;
    else if (unit == QLatin1String("mib"))
        factor = qint64(1) << 20;
    else if (unit == QLatin1String("g") || unit == QLatin1String("gb"))
        factor = 1000000000;
    else if (unit == QLatin1String("gib"))
        factor = qint64(1) << 30;
    const auto notBytes = [&] {
        return NumberResult{std::nullopt,
                            QStringLiteral("%1 is not a number of bytes (e.g. 4096, 64k, 4KiB, 1M, 1MiB)")
                                .arg(inQuotes(text))};
    };
    if (number.isEmpty() || factor == 0 || number.count(QLatin1Char('.')) > 1 ||
        number.startsWith(QLatin1Char('.')) || number.endsWith(QLatin1Char('.')))
        return notBytes();
    const auto tooLarge = [&] {
        return NumberResult{
            std::nullopt, QStringLiteral("%1 is too large (at most %2 bytes)").arg(inQuotes(text)).arg(max)};
    };
    if (!number.contains(QLatin1Char('.'))) {
        bool ok = false;
        const qulonglong value = number.toULongLong(&ok);
        if (!ok || value > qulonglong(max / factor))
            return tooLarge();
        return {qint64(value) * factor, {}};
    }
    bool ok = false;
    const double value = number.toDouble(&ok) * double(factor);
    if (!ok || !std::isfinite(value))
        return notBytes();
    if (value > double(max) || value > 9007199254740992.0) // 2^53: beyond it doubles skip integers
        return tooLarge();
    const double whole = std::round(value);
    if (std::fabs(value - whole) > 1e-6)
        return {std::nullopt, QStringLiteral("%1 is not a whole number of bytes").arg(inQuotes(text))};
    return {qint64(whole), {}};
}

// Milliseconds in a fault: at most a day. Larger values are typing mistakes, and a day in
// nanoseconds stays far from overflowing the pipeline's qint64 clock.
constexpr qint64 MaxFaultMs = 86400000;

template <typename T> FaultParse<T> failure(const QString &what, const QString &error) {
    return FaultParse<T>{std::nullopt, what + QStringLiteral(": ") + error};
}

} // namespace

bool FaultSet::isEmpty() const {
    return std::none_of(faultKinds().begin(), faultKinds().end(),
                        [this](const FaultKind &kind) { return kind.isOn(*this); });
}

QString FaultSet::describe() const {
    QStringList parts;
    for (const FaultKind &kind : faultKinds()) {
        if (kind.isOn(*this))
            parts << kind.describe(*this);
    }
    return parts.join(QStringLiteral(", "));
}

QString RelayFaults::describe() const {
    if (up.isEmpty() && down.isEmpty())
        return {};
    if (up == down)
        return QStringLiteral("both: ") + up.describe();
    QStringList parts;
    if (!up.isEmpty())
        parts << QStringLiteral("up: ") + up.describe();
    if (!down.isEmpty())
        parts << QStringLiteral("down: ") + down.describe();
    return parts.join(QStringLiteral("; "));
}

QString RelayFaults::journalText() const {
    return isEmpty() ? QStringLiteral("Relay faults: none")
                     : QStringLiteral("Relay faults: %1").arg(describe());
}

FaultParse<std::pair<int, int>> parseLatency(const QString &text) {
    using Result = FaultParse<std::pair<int, int>>;
    const QString what = QStringLiteral("latency");
    QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return failure<std::pair<int, int>>(what,
                                            QStringLiteral("no value given (milliseconds, e.g. \"200\" or "
                                                           "\"200~50\")"));
    trimmed.replace(QChar(0x00b1), QLatin1Char('~')); // "200±50", as describe() writes it
    const QStringList parts = trimmed.split(QLatin1Char('~'));
    if (parts.size() > 2)
        return failure<std::pair<int, int>>(
            what, QStringLiteral("%1 has more than one \"~\" (e.g. \"200~50\")").arg(inQuotes(trimmed)));
    const NumberResult latency = parseWhole(parts[0], QStringLiteral("milliseconds"), MaxFaultMs);
    if (!latency.value)
        return failure<std::pair<int, int>>(what, latency.error);
    int jitter = 0;
    if (parts.size() == 2) {
        const NumberResult j = parseWhole(parts[1], QStringLiteral("milliseconds"), MaxFaultMs);
        if (!j.value)
            return failure<std::pair<int, int>>(what, QStringLiteral("jitter ") + j.error);
        jitter = int(*j.value);
    }
    return Result{std::pair<int, int>(int(*latency.value), jitter), {}};
}

FaultParse<SliceSpec> parseSlice(const QString &text) {
    const QString what = QStringLiteral("slice");
    QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return failure<SliceSpec>(what, QStringLiteral("no value given (bytes, e.g. \"1\", \"100~20@5\")"));
    trimmed.replace(QChar(0x00b1), QLatin1Char('~'));
    SliceSpec spec;
    QString sizes = trimmed;
    const qsizetype at = trimmed.indexOf(QLatin1Char('@'));
    if (at >= 0) {
        sizes = trimmed.left(at);
        QString delay = trimmed.mid(at + 1).trimmed();
        if (delay.endsWith(QLatin1String("ms")))
            delay.chop(2);
        const NumberResult d = parseWhole(delay, QStringLiteral("milliseconds"), MaxFaultMs);
        if (!d.value)
            return failure<SliceSpec>(what, QStringLiteral("delay ") + d.error);
        spec.delayMs = int(*d.value);
    }
    const QStringList parts = sizes.split(QLatin1Char('~'));
    if (parts.size() > 2)
        return failure<SliceSpec>(
            what, QStringLiteral("%1 has more than one \"~\" (e.g. \"100~20@5\")").arg(inQuotes(trimmed)));
    const NumberResult bytes = parseSize(parts[0], std::numeric_limits<int>::max());
    if (!bytes.value)
        return failure<SliceSpec>(what, bytes.error);
    if (*bytes.value < 1)
        return failure<SliceSpec>(
            what,
            QStringLiteral("a piece must be at least 1 byte, not %1").arg(inQuotes(parts[0].trimmed())));
    spec.bytes = int(*bytes.value);
    if (parts.size() == 2) {
        const NumberResult variance = parseSize(parts[1], std::numeric_limits<int>::max());
        if (!variance.value)
            return failure<SliceSpec>(what, QStringLiteral("variance ") + variance.error);
        spec.variance = int(*variance.value);
    }
    return FaultParse<SliceSpec>{spec, {}};
}

FaultParse<LimitSpec> parseLimit(const QString &text) {
    const QString what = QStringLiteral("limit");
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return failure<LimitSpec>(what,
                                  QStringLiteral("no value given (bytes, e.g. \"4096\" or \"4KiB:reset\")"));
    LimitSpec spec;
    QString size = trimmed;
    const qsizetype colon = trimmed.indexOf(QLatin1Char(':'));
    if (colon >= 0) {
        size = trimmed.left(colon);
        const QString end = trimmed.mid(colon + 1).trimmed().toLower();
        if (end == QLatin1String("reset"))
            spec.end = RelayEnd::Reset;
        else if (end == QLatin1String("close"))
            spec.end = RelayEnd::Close;
        else
            return failure<LimitSpec>(what, QStringLiteral("%1 after \":\" is not \"reset\" or \"close\"")
                                                .arg(inQuotes(trimmed.mid(colon + 1).trimmed())));
    }
    const NumberResult bytes = parseSize(size, std::numeric_limits<qint64>::max());
    if (!bytes.value)
        return failure<LimitSpec>(what, bytes.error);
    spec.bytes = *bytes.value;
    return FaultParse<LimitSpec>{spec, {}};
}

FaultParse<qint64> parseByteRate(const QString &text) {
    const QString what = QStringLiteral("bandwidth");
    QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return failure<qint64>(what,
                               QStringLiteral("no value given (bytes per second, e.g. \"64k\", \"1MiB\")"));
    if (trimmed.endsWith(QLatin1String("/s")))
        trimmed.chop(2);
    const NumberResult rate = parseSize(trimmed, std::numeric_limits<qint64>::max());
    if (!rate.value)
        return failure<qint64>(what, rate.error);
    return FaultParse<qint64>{*rate.value, {}};
}

FaultParse<double> parsePercent(const QString &text) {
    const QString what = QStringLiteral("percentage");
    QString trimmed = text.trimmed();
    if (trimmed.endsWith(QLatin1Char('%')))
        trimmed = trimmed.chopped(1).trimmed();
    if (trimmed.isEmpty())
        return failure<double>(what, QStringLiteral("no value given (0 to 100, e.g. \"50\" or \"12.5\")"));
    bool digitsOnly = true;
    for (const QChar c : trimmed) {
        if (!c.isDigit() && c != QLatin1Char('.') && c != QLatin1Char('-'))
            digitsOnly = false;
    }
    bool ok = false;
    const double value = digitsOnly ? trimmed.toDouble(&ok) : 0.0;
    if (!ok || !std::isfinite(value))
        return failure<double>(what, QStringLiteral("%1 is not a number").arg(inQuotes(trimmed)));
    if (value < 0)
        return failure<double>(
            what, QStringLiteral("%1 is negative; it must be from 0 to 100").arg(inQuotes(trimmed)));
    if (value > 100)
        return failure<double>(
            what, QStringLiteral("%1 is more than 100; it must be from 0 to 100").arg(inQuotes(trimmed)));
    return FaultParse<double>{value, {}};
}

} // namespace sockbench
