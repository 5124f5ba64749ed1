// The hex displays of payload.h: bytesToHex and appendHex ("48 65 6c", "48656c"), and the dump
// (bytesToDump, appendDump) in the layout of `hexdump -C`.

#include "language/hexdigits.h"
#include "language/payload.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace sockbench {

namespace {

char16_t *putHexByte(char16_t *out, quint8 b) {
    *out++ = char16_t(HexDigits[b >> 4]);
    *out++ = char16_t(HexDigits[b & 0xF]);
    return out;
}

// The `hexdump -C` layout, so that people can diff the two; written once for both QString
// (bytesToDump) and byte output (appendDump, the command line's --hex).
constexpr qsizetype DumpPerLine = 16;
// Everything on a line besides the offset digits and the text column: the space after the offset,
// three characters per hex column, the extra middle space, two spaces, two bars and '\n'.
constexpr qsizetype DumpLineOverhead = 1 + DumpPerLine * 3 + 1 + 2 + 2 + 1;

// hexdump prints at least eight offset digits and more only when the offset needs them.
int dumpOffsetDigits(quint64 offset) {
    int digits = 8;
    while (digits < 16 && (offset >> (digits * 4)) != 0)
        ++digits;
    return digits;
}

// "00000010  67 ...  |g|\n". Blank hex columns past the end keep the text column aligned.
template <typename Unit> Unit *putDumpLine(Unit *out, const quint8 *bytes, qsizetype count, quint64 offset) {
    for (int d = dumpOffsetDigits(offset) - 1; d >= 0; --d)
        *out++ = Unit(HexDigits[(offset >> (d * 4)) & 0xF]);
    *out++ = Unit(' ');
    for (qsizetype k = 0; k < DumpPerLine; ++k) {
        *out++ = Unit(' ');
        if (k == 8)
            *out++ = Unit(' ');
        if (k < count) {
            *out++ = Unit(HexDigits[bytes[k] >> 4]);
            *out++ = Unit(HexDigits[bytes[k] & 0xF]);
        } else {
            *out++ = Unit(' ');
            *out++ = Unit(' ');
        }
    }
    *out++ = Unit(' ');
    *out++ = Unit(' ');
    *out++ = Unit('|');
    for (qsizetype k = 0; k < count; ++k)
        *out++ = bytes[k] >= 0x20 && bytes[k] < 0x7F ? Unit(bytes[k]) : Unit('.');
    *out++ = Unit('|');
    *out++ = Unit('\n');
    return out;
}

// Exact for full lines: offsets only grow, so the last line has the widest one.
qsizetype dumpSizeBound(qsizetype size, quint64 startOffset) {
    const qsizetype lines = (size + DumpPerLine - 1) / DumpPerLine;
    if (lines == 0)
        return 0;
    const int digits = dumpOffsetDigits(startOffset + quint64(lines - 1) * DumpPerLine);
    return lines * (digits + DumpLineOverhead + DumpPerLine);
}

template <typename Unit> Unit *putDump(Unit *out, QByteArrayView bytes, quint64 startOffset) {
    const auto *p = reinterpret_cast<const quint8 *>(bytes.data());
    const qsizetype n = bytes.size();
    for (qsizetype start = 0; start < n; start += DumpPerLine)
        out = putDumpLine(out, p + start, std::min(DumpPerLine, n - start), startOffset + quint64(start));
    return out;
}

} // namespace

QString bytesToHex(QByteArrayView bytes, qsizetype maxBytes) {
    const bool truncated = maxBytes >= 0 && bytes.size() > maxBytes;
    const qsizetype count = truncated ? maxBytes : bytes.size();
    const QString ellipsis = truncated ? (count > 0 ? QStringLiteral(" …") : QStringLiteral("…")) : QString();
    QString text(count > 0 ? count * 3 - 1 + ellipsis.size() : ellipsis.size(), Qt::Uninitialized);
    char16_t *out = reinterpret_cast<char16_t *>(text.data());
    for (qsizetype i = 0; i < count; ++i) {
        if (i > 0)
            *out++ = u' ';
        out = putHexByte(out, quint8(bytes[i]));
    }
    std::copy(ellipsis.cbegin(), ellipsis.cend(), reinterpret_cast<QChar *>(out));
    return text;
}

void appendHex(QByteArray *out, QByteArrayView bytes) {
    static constexpr auto Pairs = [] {
        std::array<char, 512> pairs{};
        for (int b = 0; b < 256; ++b) {
            pairs[2 * b] = HexDigits[b >> 4];
            pairs[2 * b + 1] = HexDigits[b & 0xF];
        }
        return pairs;
    }();
    const qsizetype old = out->size();
    out->resize(old + 2 * bytes.size());
    char *p = out->data() + old;
    for (const char c : bytes) {
        std::memcpy(p, &Pairs[2 * static_cast<quint8>(c)], 2);
        p += 2;
    }
}

QString bytesToDump(QByteArrayView bytes) {
    QString text(dumpSizeBound(bytes.size(), 0), Qt::Uninitialized);
    char16_t *const begin = reinterpret_cast<char16_t *>(text.data());
    const char16_t *const end = putDump(begin, bytes, 0);
    // Lines are separated here, not terminated: a display adds no empty last line.
    text.truncate(end - begin - (end > begin ? 1 : 0));
    return text;
}

void appendDump(QByteArray *out, QByteArrayView bytes, quint64 startOffset) {
    const qsizetype old = out->size();
    out->resize(old + dumpSizeBound(bytes.size(), startOffset));
    const char *const end = putDump(out->data() + old, bytes, startOffset);
    out->truncate(end - out->constData());
}

} // namespace sockbench
