#pragma once

#include <QByteArray>
#include <QString>

#include <charconv>

#include <type_traits>

namespace sockbench {

constexpr qint64 NsPerMs = 1000000;
constexpr qint64 NsPerSecond = 1000000000;

/// "1,234,567": counts as the command line, the warnings and the progress lines print them, the
/// same in every locale (a message someone pastes into a bug report reads the same everywhere).
template <typename Integer> QString grouped(Integer n) {
    static_assert(std::is_integral_v<Integer>, "grouped() is for whole numbers");
    bool negative = false;
    QString digits;
    if constexpr (std::is_signed_v<Integer>) {
        negative = n < 0;
        // Through the unsigned type: the most negative value has no positive counterpart.
        using Unsigned = std::make_unsigned_t<Integer>;
        digits = QString::number(negative ? Unsigned(0) - Unsigned(n) : Unsigned(n));
    } else {
        digits = QString::number(n);
    }
    for (qsizetype at = digits.size() - 3; at > 0; at -= 3)
        digits.insert(at, u',');
    return negative ? u'-' + digits : digits;
}

/// Appends value's decimal digits, without QByteArray::number()'s temporary (exports write
/// several numbers per record).
template <typename Integer> void appendNumber(QByteArray *out, Integer value) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out->append(digits, end - digits);
}

/// "1 message", "1,200 messages": a grouped count and its noun, made plural by an s.
template <typename Integer> QString counted(Integer n, const char *noun) {
    return grouped(n) + u' ' + QLatin1String(noun) + (n == 1 ? QString() : QStringLiteral("s"));
}

} // namespace sockbench
