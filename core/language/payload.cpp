#include "language/payload.h"

#include "language/hexdigits.h"

#include <QChar>

#include <algorithm>
#include <cstring>

namespace sockbench {

namespace {

// Big payloads are written through a raw pointer into a buffer that grows geometrically: appending
// byte by byte through QByteArray's API costs a detach check per byte, and exact pre-sizing would
// need a second pass over the input.
template <typename Container, typename Unit> class Sink final {
public:
    explicit Sink(qsizetype expected)
        : m_buffer(std::max<qsizetype>(expected, 16), Qt::Uninitialized) {}
    Q_DISABLE_COPY_MOVE(Sink)

    Unit *reserve(qsizetype extra) {
        if (m_size + extra > m_buffer.size())
            m_buffer.resize(std::max(m_buffer.size() * 2, m_size + extra));
        return reinterpret_cast<Unit *>(m_buffer.data()) + m_size;
    }
    void commit(qsizetype count) { m_size += count; }
    void put(Unit unit) {
        *reserve(1) = unit;
        ++m_size;
    }
    Container take() {
        m_buffer.truncate(m_size);
        // A generous estimate must not pin tens of MiB of unused capacity for the life of a payload.
        if (m_buffer.capacity() > 2 * m_size + 64)
            m_buffer.squeeze();
        return std::move(m_buffer);
    }

private:
    Container m_buffer;
    qsizetype m_size = 0;
};

using ByteSink = Sink<QByteArray, char>;
using CharSink = Sink<QString, char16_t>;

PayloadResult failure(qsizetype position, qsizetype length, const QString &message) {
    PayloadResult result;
    result.errorPosition = position;
    result.errorLength = std::max<qsizetype>(length, 1);
    result.error = message;
    return result;
}

QString codePointName(char32_t cp) {
    return QStringLiteral("U+%1").arg(uint(cp), 4, 16, QLatin1Char('0')).toUpper();
}

bool isVisible(char32_t cp) {
    switch (QChar::category(cp)) {
    case QChar::Other_Control:
    case QChar::Other_Format:
    case QChar::Other_Surrogate:
    case QChar::Other_NotAssigned:
    case QChar::Separator_Space:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
        return false;
    default:
        return true;
    }
}

// How a character is named in an error message: quoted when it can be seen, by code point otherwise.
QString describe(char32_t cp) {
    if (!isVisible(cp))
        return codePointName(cp);
    return QStringLiteral("'%1' (%2)").arg(QStringView(QChar::fromUcs4(cp)).toString(), codePointName(cp));
}

char *putUtf8(char *out, char32_t cp) {
    if (cp < 0x80) {
        *out++ = char(cp);
    } else if (cp < 0x800) {
        *out++ = char(0xC0 | (cp >> 6));
        *out++ = char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *out++ = char(0xE0 | (cp >> 12));
        *out++ = char(0x80 | ((cp >> 6) & 0x3F));
        *out++ = char(0x80 | (cp & 0x3F));
    } else {
        *out++ = char(0xF0 | (cp >> 18));
        *out++ = char(0x80 | ((cp >> 12) & 0x3F));
        *out++ = char(0x80 | ((cp >> 6) & 0x3F));
        *out++ = char(0x80 | (cp & 0x3F));
    }
    return out;
}

// Encodes one code point; returns false if the encoding cannot represent it.
bool putCodePoint(ByteSink &sink, char32_t cp, TextEncoding encoding) {
    if (encoding == TextEncoding::Latin1) {
        if (cp > 0xFF)
            return false;
        sink.put(char(cp));
        return true;
    }
    char *out = sink.reserve(4);
    sink.commit(putUtf8(out, cp) - out);
    return true;
}

struct Escape {
    bool ok = false;
    qsizetype length = 0;         ///< characters consumed, or to highlight on error
    qsizetype errorPosition = -1; ///< when the culprit is not the backslash itself
    QString error;
    bool isByte = false; ///< \xHH and the named escapes are raw bytes, \u{} is a code point
    char32_t value = 0;
};

Escape escapeError(qsizetype length, const QString &message, qsizetype position = -1) {
    Escape e;
    e.length = length;
    e.errorPosition = position;
    e.error = message;
    return e;
}

Escape byteEscape(qsizetype length, char32_t value) {
    Escape e;
    e.ok = true;
    e.length = length;
    e.isByte = true;
    e.value = value;
    return e;
}

// Reads the escape that starts with the backslash at s[i].
Escape readEscape(QStringView s, qsizetype i) {
    const qsizetype n = s.size();
    if (i + 1 >= n)
        return escapeError(1, QStringLiteral("lone backslash at the end; write \\\\ for a backslash"));
    switch (s[i + 1].unicode()) {
    case u'n':
        return byteEscape(2, 0x0A);
    case u'r':
        return byteEscape(2, 0x0D);
    case u't':
        return byteEscape(2, 0x09);
    case u'0':
        return byteEscape(2, 0x00);
    case u'\\':
        return byteEscape(2, 0x5C);
    case u'e':
        return byteEscape(2, 0x1B);
    case u'x': {
        const int high = i + 2 < n ? hexValue(s[i + 2].unicode()) : -1;
        const int low = high >= 0 && i + 3 < n ? hexValue(s[i + 3].unicode()) : -1;
        if (low < 0)
            return escapeError(high < 0 ? 2 : 3,
                               QStringLiteral("\\x needs exactly two hex digits, e.g. \\x0a"));
        return byteEscape(4, char32_t(high * 16 + low));
    }
    case u'u': {
        if (i + 2 >= n || s[i + 2] != u'{')
            return escapeError(2, QStringLiteral("\\u needs braces, e.g. \\u{20ac}"));
        qsizetype j = i + 3;
        char32_t value = 0;
        while (j < n && hexValue(s[j].unicode()) >= 0) {
            // Saturates instead of overflowing; anything past 6 digits is an error below anyway.
            if (value <= 0x10FFFF)
                value = value * 16 + char32_t(hexValue(s[j].unicode()));
            ++j;
        }
        const qsizetype digits = j - (i + 3);
        if (j >= n)
            return escapeError(n - i, QStringLiteral("\\u{ is not closed with }"));
        if (s[j] != u'}') {
            return escapeError(1,
                               QStringLiteral("%1 is not a hex digit; \\u{...} takes a hex code point")
                                   .arg(describe(s[j].unicode())),
                               j);
        }
        const qsizetype length = j + 1 - i;
        if (digits == 0)
            return escapeError(length, QStringLiteral("empty \\u{}: write a hex code point, e.g. \\u{20ac}"));
        if (digits > 6 || value > 0x10FFFF)
            return escapeError(length, QStringLiteral("code point beyond U+10FFFF"));
        if (value >= 0xD800 && value <= 0xDFFF) {
            return escapeError(
                length, QStringLiteral("%1 is a surrogate, not a character").arg(codePointName(value)));
        }
        Escape e;
        e.ok = true;
        e.length = length;
        e.value = value;
        return e;
    }
    default:
        break;
    }
    const char16_t next = s[i + 1].unicode();
    const bool pair = QChar::isHighSurrogate(next) && i + 2 < n && QChar::isLowSurrogate(s[i + 2].unicode());
    const char32_t cp = pair ? QChar::surrogateToUcs4(next, s[i + 2].unicode()) : char32_t(next);
    const QString what = isVisible(cp) ? QStringLiteral("\\") + s.mid(i + 1, pair ? 2 : 1).toString()
                                       : QStringLiteral("\\ before ") + codePointName(cp);
    return escapeError(pair ? 3 : 2,
                       QStringLiteral("unknown escape %1; write \\\\ for a backslash").arg(what));
}

PayloadResult parseText(QStringView s, const PayloadSpec &spec, const QByteArray &ending) {
    const qsizetype n = s.size();
    const char16_t *chars = s.utf16();
    ByteSink sink(n + ending.size());
    qsizetype i = 0;
    while (i < n) {
        // Plain ASCII is by far the common case: copy it in runs.
        qsizetype run = i;
        while (run < n && chars[run] < 0x80 && !(spec.escapes && chars[run] == u'\\'))
            ++run;
        if (run > i) {
            char *out = sink.reserve(run - i);
            for (qsizetype k = i; k < run; ++k)
                *out++ = char(chars[k]);
            sink.commit(run - i);
            i = run;
            continue;
        }
        const char16_t c = chars[i];
        if (c == u'\\') {
            const Escape e = readEscape(s, i);
            if (!e.ok)
                return failure(e.errorPosition >= 0 ? e.errorPosition : i, e.length, e.error);
            if (e.isByte) {
                sink.put(char(e.value));
            } else if (!putCodePoint(sink, e.value, spec.encoding)) {
                return failure(i, e.length,
                               QStringLiteral("%1 cannot be encoded in Latin-1").arg(codePointName(e.value)));
            }
            i += e.length;
            continue;
        }
        char32_t cp = c;
        qsizetype length = 1;
        if (QChar::isHighSurrogate(c)) {
            if (i + 1 >= n || !QChar::isLowSurrogate(chars[i + 1]))
                return failure(i, 1, QStringLiteral("unpaired UTF-16 surrogate"));
            cp = QChar::surrogateToUcs4(c, chars[i + 1]);
            length = 2;
        } else if (QChar::isLowSurrogate(c)) {
            return failure(i, 1, QStringLiteral("unpaired UTF-16 surrogate"));
        }
        if (!putCodePoint(sink, cp, spec.encoding)) {
            return failure(i, length, QStringLiteral("%1 cannot be encoded in Latin-1").arg(describe(cp)));
        }
        i += length;
    }
    char *out = sink.reserve(ending.size());
    std::copy(ending.cbegin(), ending.cend(), out);
    sink.commit(ending.size());
    PayloadResult result;
    result.bytes = sink.take();
    return result;
}

bool isHexSeparator(char16_t c) {
    switch (c) {
    case u' ':
    case u'\t':
    case u'\n':
    case u'\r':
    case u',':
    case u':':
    case u';':
    case u'-':
        return true;
    default:
        // Pasted text brings non-breaking spaces, U+2028 and friends; they separate as well.
        return c > 0x7F && QChar::isSpace(c);
    }
}

PayloadResult parseHex(QStringView s, const QByteArray &ending) {
    const qsizetype n = s.size();
    const char16_t *chars = s.utf16();
    // Every byte takes at least one character, so this never grows.
    ByteSink sink(n + ending.size());
    char *out = sink.reserve(n + ending.size());
    qsizetype written = 0;
    qsizetype i = 0;
    const auto unexpected = [&](qsizetype at) {
        const char16_t c = chars[at];
        const qsizetype length = QChar::isHighSurrogate(c) && at + 1 < n ? 2 : 1;
        char32_t cp = c;
        if (length == 2)
            cp = QChar::surrogateToUcs4(c, chars[at + 1]);
        // Hercules and sokit users bring their own escapes; say what to write instead.
        if (c == u'$')
            return failure(at, 1, QStringLiteral("'$' is not hex syntax: write 0d 0a, not $0D$0A"));
        if (c == u'[' || c == u']')
            return failure(at, 1, QStringLiteral("brackets are not hex syntax: write 0d 0a, not [0D 0A]"));
        return failure(at, length, QStringLiteral("%1 is not a hex digit or separator").arg(describe(cp)));
    };
    while (i < n) {
        const char16_t c = chars[i];
        if (isHexSeparator(c)) {
            ++i;
            continue;
        }
        // One token: an optional 0x / \x prefix, then a run of hex digits.
        const qsizetype tokenStart = i;
        const bool zeroX = c == u'0' && i + 1 < n && (chars[i + 1] == u'x' || chars[i + 1] == u'X');
        if (c == u'\\') {
            if (i + 1 >= n || (chars[i + 1] != u'x' && chars[i + 1] != u'X'))
                return failure(i, i + 1 < n ? 2 : 1, QStringLiteral("a backslash here must start \\x"));
        }
        const qsizetype prefix = (zeroX || c == u'\\') ? 2 : 0;
        const qsizetype runStart = i + prefix;
        qsizetype runEnd = runStart;
        while (runEnd < n && hexValue(chars[runEnd]) >= 0)
            ++runEnd;
        const qsizetype digits = runEnd - runStart;
        if (digits == 0) {
            if (prefix == 0)
                return unexpected(tokenStart);
            if (runStart >= n || isHexSeparator(chars[runStart]) || chars[runStart] == u'\\') {
                return failure(tokenStart, prefix,
                               QStringLiteral("%1 must be followed by hex digits")
                                   .arg(s.mid(tokenStart, prefix).toString()));
            }
            return unexpected(runStart);
        }
        if (digits > 1 && digits % 2 != 0) {
            return failure(runStart, digits,
                           QStringLiteral("odd number of hex digits (%1): pad with a 0 or separate the bytes")
                               .arg(digits));
        }
        // A token ends at a separator, at the end, or where a \x prefix starts the next one.
        if (runEnd < n && !isHexSeparator(chars[runEnd]) && chars[runEnd] != u'\\')
            return unexpected(runEnd);
        if (digits == 1) {
            out[written++] = char(hexValue(chars[runStart]));
        } else {
            for (qsizetype k = runStart; k < runEnd; k += 2)
                out[written++] = char(hexValue(chars[k]) * 16 + hexValue(chars[k + 1]));
        }
        i = runEnd;
    }
    std::copy(ending.cbegin(), ending.cend(), out + written);
    sink.commit(written + ending.size());
    PayloadResult result;
    result.bytes = sink.take();
    return result;
}

// How the display shows a code point decoded from UTF-8. As itself only when it is visible,
// survives copy and paste unchanged, and cannot be mistaken for something else. As "\u{200b}" when
// it is text a user may mean but must not show as itself (a control, a zero-width joiner, a space
// that is not U+0020). As its bytes ("\xde\xad") when it is no text anyone writes (unassigned,
// private use, a combining mark with nothing to combine with): binary that happens to decode.
enum class Shown : quint8 { Itself, AsCodePoint, AsBytes };
Shown shownAs(char32_t cp, bool afterEscape) {
    switch (QChar::category(cp)) {
    case QChar::Other_Control:
    case QChar::Other_Format:
    case QChar::Separator_Space:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
        return Shown::AsCodePoint;
    case QChar::Other_Surrogate:
    case QChar::Other_PrivateUse:
    case QChar::Other_NotAssigned:
        return Shown::AsBytes;
    case QChar::Mark_NonSpacing:
    case QChar::Mark_SpacingCombining:
    case QChar::Mark_Enclosing:
        // A combining mark would fuse with the last character of an escape and hide it.
        return afterEscape ? Shown::AsBytes : Shown::Itself;
    default:
        // A real U+FFFD must not look like a decoding failure.
        return cp == 0xFFFD ? Shown::AsCodePoint : Shown::Itself;
    }
}

// The escape for one raw byte ("\n", "\x7f", ...) into `text`: ASCII, starting with a backslash.
// Returns its length.
int byteEscape(quint8 b, char *text) {
    text[0] = '\\';
    switch (b) {
    case 0x0A:
        text[1] = 'n';
        return 2;
    case 0x0D:
        text[1] = 'r';
        return 2;
    case 0x09:
        text[1] = 't';
        return 2;
    case 0x00:
        text[1] = '0';
        return 2;
    case 0x5C:
        text[1] = '\\';
        return 2;
    case 0x1B:
        text[1] = 'e';
        return 2;
    default:
        text[1] = 'x';
        text[2] = HexDigits[b >> 4];
        text[3] = HexDigits[b & 0xF];
        return 4;
    }
}

// "\u{200b}" for a code point that must not show as itself; `text` holds at least 12 characters.
int codePointEscape(char32_t cp, char *text) {
    char digits[8];
    int count = 0;
    do {
        digits[count++] = HexDigits[cp & 0xF];
        cp >>= 4;
    } while (cp != 0);
    char *out = text;
    *out++ = '\\';
    *out++ = 'u';
    *out++ = '{';
    while (count > 0)
        *out++ = digits[--count];
    *out++ = '}';
    return int(out - text);
}

// Where an escaped rendering is written. Each kind takes a run of printable ASCII (never a
// backslash), an escape (ASCII, starting with a backslash) and a code point that shows as itself.
// This one writes UTF-16, for the displays (a QString).
class Utf16Out final {
public:
    explicit Utf16Out(qsizetype expected)
        : m_sink(expected) {}

    void plain(const quint8 *p, qsizetype n) { put(p, n); }
    void escape(const char *text, int n) { put(text, n); }
    void codePoint(char32_t cp) {
        char16_t *out = m_sink.reserve(2);
        if (QChar::requiresSurrogates(cp)) {
            out[0] = QChar::highSurrogate(cp);
            out[1] = QChar::lowSurrogate(cp);
            m_sink.commit(2);
        } else {
            out[0] = char16_t(cp);
            m_sink.commit(1);
        }
    }
    QString take() { return m_sink.take(); }

private:
    template <typename Byte> void put(const Byte *p, qsizetype n) {
        char16_t *out = m_sink.reserve(n);
        for (qsizetype k = 0; k < n; ++k)
            out[k] = char16_t(static_cast<quint8>(p[k]));
        m_sink.commit(n);
    }

    CharSink m_sink;
};

// UTF-8 straight onto the end of a QByteArray, for files: the exports write a million of these.
// With `json`, as the inside of a JSON string: a backslash doubled and '"' escaped (the rendering
// has no control characters: they are all escapes). Sized for the worst case up front (5 bytes per
// input byte: "\\xHH" inside a JSON string) and cut back when done.
class Utf8Out final {
public:
    Utf8Out(QByteArray *out, qsizetype inputBytes, bool json)
        : m_out(out)
        , m_json(json) {
        const qsizetype start = out->size();
        out->resize(start + 5 * inputBytes);
        m_p = out->data() + start;
    }
    ~Utf8Out() { m_out->truncate(m_p - m_out->constData()); }
    Q_DISABLE_COPY_MOVE(Utf8Out)

    void plain(const quint8 *p, qsizetype n) {
        if (!m_json) {
            std::memcpy(m_p, p, size_t(n));
            m_p += n;
            return;
        }
        for (qsizetype k = 0; k < n; ++k) {
            if (p[k] == '"')
                *m_p++ = '\\';
            *m_p++ = char(p[k]);
        }
    }
    void escape(const char *text, int n) {
        for (int k = 0; k < n; ++k) {
            if (m_json && text[k] == '\\')
                *m_p++ = '\\';
            *m_p++ = text[k];
        }
    }
    void codePoint(char32_t cp) {
        if (cp < 0x80) {
            *m_p++ = char(cp);
        } else if (cp < 0x800) {
            *m_p++ = char(0xC0 | (cp >> 6));
            *m_p++ = char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            *m_p++ = char(0xE0 | (cp >> 12));
            *m_p++ = char(0x80 | ((cp >> 6) & 0x3F));
            *m_p++ = char(0x80 | (cp & 0x3F));
        } else {
            *m_p++ = char(0xF0 | (cp >> 18));
            *m_p++ = char(0x80 | ((cp >> 12) & 0x3F));
            *m_p++ = char(0x80 | ((cp >> 6) & 0x3F));
            *m_p++ = char(0x80 | (cp & 0x3F));
        }
    }

private:
    QByteArray *m_out;
    const bool m_json;
    char *m_p = nullptr;
};

template <typename Out> void putByteEscape(Out &out, quint8 b) {
    char text[4];
    out.escape(text, byteEscape(b, text));
}

bool isContinuation(quint8 b) {
    return (b & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence at p (Unicode table 3-7), 0 if there is none.
int utf8SequenceLength(const quint8 *p, qsizetype available, char32_t *cp) {
    const quint8 b0 = p[0];
    int length = 0;
    quint8 low = 0x80;
    quint8 high = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        low = b0 == 0xE0 ? 0xA0 : 0x80;  // overlong
        high = b0 == 0xED ? 0x9F : 0xBF; // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        low = b0 == 0xF0 ? 0x90 : 0x80;  // overlong
        high = b0 == 0xF4 ? 0x8F : 0xBF; // beyond U+10FFFF
    } else {
        return 0;
    }
    if (available < length || p[1] < low || p[1] > high)
        return 0;
    for (int k = 2; k < length; ++k) {
        if (!isContinuation(p[k]))
            return 0;
    }
    char32_t value = b0 & (0xFF >> (length + 1));
    for (int k = 1; k < length; ++k)
        value = (value << 6) | (p[k] & 0x3F);
    *cp = value;
    return length;
}

template <typename Out> void escapeUtf8(QByteArrayView bytes, Out &out) {
    const auto *p = reinterpret_cast<const quint8 *>(bytes.data());
    const qsizetype n = bytes.size();
    bool afterEscape = true;
    qsizetype i = 0;
    while (i < n) {
        qsizetype run = i;
        while (run < n && p[run] >= 0x20 && p[run] < 0x7F && p[run] != '\\')
            ++run;
        if (run > i) {
            out.plain(p + i, run - i);
            i = run;
            afterEscape = false;
            continue;
        }
        if (p[i] < 0x80) {
            putByteEscape(out, p[i++]);
            afterEscape = true;
            continue;
        }
        char32_t cp = 0;
        const int length = utf8SequenceLength(p + i, n - i, &cp);
        if (length == 0) {
            // Not UTF-8: the byte itself, so that parsing the display gives it back unchanged.
            putByteEscape(out, p[i++]);
            afterEscape = true;
            continue;
        }
        const Shown shown = shownAs(cp, afterEscape);
        if (shown == Shown::AsBytes) {
            for (const qsizetype end = i + length; i < end; ++i)
                putByteEscape(out, p[i]);
        } else if (shown == Shown::AsCodePoint) {
            char text[12];
            out.escape(text, codePointEscape(cp, text));
            i += length;
        } else {
            out.codePoint(cp);
            i += length;
        }
        afterEscape = shown != Shown::Itself;
    }
}

template <typename Out> void escapeLatin1(QByteArrayView bytes, Out &out) {
    const auto *p = reinterpret_cast<const quint8 *>(bytes.data());
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const quint8 b = p[i];
        // 0x80-0x9F are C1 controls; NBSP and the soft hyphen do not survive copy and paste visibly.
        if (b >= 0x20 && b < 0x7F && b != '\\')
            out.plain(p + i, 1);
        else if (b >= 0xA1 && b != 0xAD)
            out.codePoint(b);
        else
            putByteEscape(out, b);
    }
}

template <typename Out> void escapeBytes(QByteArrayView bytes, TextEncoding encoding, Out &out) {
    if (encoding == TextEncoding::Latin1)
        escapeLatin1(bytes, out);
    else
        escapeUtf8(bytes, out);
}

} // namespace

PayloadResult parsePayload(QStringView input, const PayloadSpec &spec) {
    const QByteArray ending = lineEndingBytes(spec.lineEnding);
    if (spec.mode == PayloadMode::Hex)
        return parseHex(input, ending);
    return parseText(input, spec, ending);
}

QByteArray lineEndingBytes(LineEnding ending) {
    switch (ending) {
    case LineEnding::None:
        return {};
    case LineEnding::LF:
        return QByteArrayLiteral("\n");
    case LineEnding::CR:
        return QByteArrayLiteral("\r");
    case LineEnding::CRLF:
        return QByteArrayLiteral("\r\n");
    }
    return {};
}

QString bytesToEscapedText(QByteArrayView bytes, TextEncoding encoding) {
    Utf16Out out(bytes.size() + bytes.size() / 8);
    escapeBytes(bytes, encoding, out);
    return out.take();
}

void appendEscapedText(QByteArray *out, QByteArrayView bytes, TextEncoding encoding, EscapedTextStyle style) {
    Utf8Out utf8(out, bytes.size(), style == EscapedTextStyle::JsonString);
    escapeBytes(bytes, encoding, utf8);
}

QString toString(PayloadMode mode) {
    switch (mode) {
    case PayloadMode::Text:
        return QStringLiteral("text");
    case PayloadMode::Hex:
        return QStringLiteral("hex");
    }
    return {};
}

QString toString(LineEnding ending) {
    switch (ending) {
    case LineEnding::None:
        return QStringLiteral("none");
    case LineEnding::LF:
        return QStringLiteral("lf");
    case LineEnding::CR:
        return QStringLiteral("cr");
    case LineEnding::CRLF:
        return QStringLiteral("crlf");
    }
    return {};
}

} // namespace sockbench
