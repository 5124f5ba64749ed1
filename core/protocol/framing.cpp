#include "protocol/framing.h"

#include <QLocale>

#include <algorithm>
#include <utility>

namespace sockbench {

namespace {

/// What a length header makes the framer reserve at most before its bytes arrive.
constexpr qsizetype InitialReserveBytes = 64 * 1024;

constexpr qsizetype MaxFixedSize = 16 * 1024 * 1024;
constexpr int MaxIdleMs = 3'600'000;

// A count in ASCII digits only (no sign, spaces or "0x"). Huge values saturate rather than wrap, so
// that they are reported as too large, not as a wrong number.
std::optional<quint64> parseCount(QStringView digits) {
    constexpr quint64 Saturated = quint64(1) << 40;
    if (digits.isEmpty())
        return std::nullopt;
    quint64 value = 0;
    for (const QChar c : digits) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        value = std::min(Saturated, value * 10 + quint64(c.unicode() - u'0'));
    }
    return value;
}

std::optional<FrameSpec> failure(QString *error, QStringView text, const QString &why) {
    if (error)
        *error = text.toString() + QStringLiteral(": ") + why;
    return std::nullopt;
}

std::optional<FrameSpec> parseDelimiter(QStringView text, QStringView hex, QString *error) {
    QByteArray digits;
    for (const QChar c : hex) {
        if (c == u' ')
            continue;
        const char16_t u = c.unicode();
        if (!((u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f') || (u >= u'A' && u <= u'F')))
            return failure(error, text, QStringLiteral("'%1' is not a hex digit").arg(c));
        digits.append(c.toLatin1());
    }
    if (digits.isEmpty())
        return failure(error, text,
                       QStringLiteral("the delimiter needs at least one byte in hex, e.g. delim:0d0a"));
    if (digits.size() % 2 != 0)
        return failure(error, text,
                       QStringLiteral("write each delimiter byte as two hex digits, e.g. delim:0a"));
    FrameSpec spec;
    spec.kind = FrameSpec::Kind::Delimiter;
    spec.delimiter = QByteArray::fromHex(digits);
    return spec;
}

std::optional<FrameSpec> parseLength(QStringView text, QStringView rest, QString *error) {
    FrameSpec spec;
    spec.kind = FrameSpec::Kind::LengthPrefix;
    constexpr QStringView Incl = u"+incl";
    if (rest.endsWith(Incl, Qt::CaseInsensitive)) {
        spec.includesHeader = true;
        rest.chop(Incl.size());
    }
    struct Header {
        QStringView name;
        int bytes;
        bool bigEndian;
    };
    static constexpr Header Headers[] = {
        {u"1", 1, true}, {u"2be", 2, true}, {u"2le", 2, false}, {u"4be", 4, true}, {u"4le", 4, false},
    };
    for (const Header &header : Headers) {
        if (rest.compare(header.name, Qt::CaseInsensitive) == 0) {
            spec.prefixBytes = header.bytes;
            spec.bigEndian = header.bigEndian;
            return spec;
        }
    }
    return failure(
        error, text,
        QStringLiteral("the length header must be 1, 2be, 2le, 4be or 4le, optionally followed by +incl "
                       "(the length counts its own header), e.g. len:2be"));
}

// The framing kinds as the user writes them, for the unknown-kind error.
QString knownSpecs() {
    return QStringLiteral("write raw, line, line:crlf, delim:HEX, fixed:N, len:1, len:2be, len:2le, len:4be, "
                          "len:4le (each len optionally +incl) or idle:MS");
}

bool usable(const FrameSpec &spec) {
    switch (spec.kind) {
    case FrameSpec::Kind::Raw:
        return true;
    case FrameSpec::Kind::Delimiter:
        return !spec.delimiter.isEmpty();
    case FrameSpec::Kind::Fixed:
        return spec.fixedSize >= 1;
    case FrameSpec::Kind::LengthPrefix:
        return spec.prefixBytes == 1 || spec.prefixBytes == 2 || spec.prefixBytes == 4;
    case FrameSpec::Kind::Idle:
        return spec.idleMs >= 1;
    }
    return false;
}

} // namespace

std::optional<FrameSpec> parseFrameSpec(QStringView text, QString *error) {
    const QStringView spec = text.trimmed();
    const qsizetype colon = spec.indexOf(u':');
    const QStringView keyword = colon < 0 ? spec : spec.left(colon);
    const QStringView argument = colon < 0 ? QStringView() : spec.mid(colon + 1);
    const auto is = [keyword](QStringView name) { return keyword.compare(name, Qt::CaseInsensitive) == 0; };

    if (is(u"raw") && colon < 0)
        return FrameSpec{};
    if (is(u"line")) {
        FrameSpec line;
        line.kind = FrameSpec::Kind::Delimiter;
        if (colon < 0 || argument.compare(u"lf", Qt::CaseInsensitive) == 0) {
            line.delimiter = QByteArrayLiteral("\n");
            return line;
        }
        if (argument.compare(u"crlf", Qt::CaseInsensitive) == 0) {
            line.delimiter = QByteArrayLiteral("\r\n");
            return line;
        }
        return failure(error, spec, QStringLiteral("a line ends with lf or crlf, e.g. line:crlf"));
    }
    if (is(u"delim") && colon >= 0)
        return parseDelimiter(spec, argument, error);
    if (is(u"fixed") && colon >= 0) {
        const auto size = parseCount(argument);
        if (!size)
            return failure(error, spec, QStringLiteral("the size must be a number of bytes, e.g. fixed:16"));
        if (*size < 1)
            return failure(error, spec, QStringLiteral("the size must be at least 1"));
        if (*size > quint64(MaxFixedSize))
            return failure(error, spec,
                           QStringLiteral("the size must be at most %1 (16 MiB)").arg(MaxFixedSize));
        FrameSpec fixed;
        fixed.kind = FrameSpec::Kind::Fixed;
        fixed.fixedSize = qsizetype(*size);
        return fixed;
    }
    if (is(u"len") && colon >= 0)
        return parseLength(spec, argument, error);
    if (is(u"idle") && colon >= 0) {
        const auto ms = parseCount(argument);
        if (!ms || *ms < 1 || *ms > quint64(MaxIdleMs))
            return failure(
                error, spec,
                QStringLiteral("the idle gap must be a number of milliseconds from 1 to %1").arg(MaxIdleMs));
        FrameSpec idle;
        idle.kind = FrameSpec::Kind::Idle;
        idle.idleMs = int(*ms);
        return idle;
    }
    if (spec.isEmpty()) {
        if (error)
            *error = QStringLiteral("No framing given: ") + knownSpecs();
        return std::nullopt;
    }
    return failure(error, spec, QStringLiteral("unknown framing; ") + knownSpecs());
}

QString toString(const FrameSpec &spec) {
    switch (spec.kind) {
    case FrameSpec::Kind::Raw:
        return QStringLiteral("raw");
    case FrameSpec::Kind::Delimiter:
        if (spec.delimiter == "\n")
            return QStringLiteral("line");
        if (spec.delimiter == "\r\n")
            return QStringLiteral("line:crlf");
        return QStringLiteral("delim:") + QString::fromLatin1(spec.delimiter.toHex());
    case FrameSpec::Kind::Fixed:
        return QStringLiteral("fixed:%1").arg(spec.fixedSize);
    case FrameSpec::Kind::LengthPrefix: {
        QString text = QStringLiteral("len:%1").arg(spec.prefixBytes);
        if (spec.prefixBytes > 1)
            text += spec.bigEndian ? QStringLiteral("be") : QStringLiteral("le");
        if (spec.includesHeader)
            text += QStringLiteral("+incl");
        return text;
    }
    case FrameSpec::Kind::Idle:
        return QStringLiteral("idle:%1").arg(spec.idleMs);
    }
    return {};
}

QByteArray lengthPrefixFor(const FrameSpec &spec, qsizetype payloadSize) {
    if (spec.kind != FrameSpec::Kind::LengthPrefix || !usable(spec) || payloadSize < 0)
        return {};
    const int width = spec.prefixBytes;
    const quint64 length = quint64(payloadSize) + (spec.includesHeader ? quint64(width) : 0);
    const quint64 limit = width == 4 ? 0xFFFFFFFFu : (quint64(1) << (8 * width)) - 1;
    if (length > limit)
        return {};
    QByteArray header(width, Qt::Uninitialized);
    for (int i = 0; i < width; ++i) {
        const int shift = 8 * (spec.bigEndian ? width - 1 - i : i);
        header[i] = char((length >> shift) & 0xFF);
    }
    return header;
}

Framer::Framer(FrameSpec spec)
    : m_spec(std::move(spec))
    , m_kind(usable(m_spec) ? m_spec.kind : FrameSpec::Kind::Raw)
    , m_max(std::max<qsizetype>(1, m_spec.maxMessageBytes)) {
    if (m_kind == FrameSpec::Kind::Fixed)
        m_expected = quint64(m_spec.fixedSize);
}

void Framer::take(QByteArrayView bytes) {
    const qsizetype room = m_max - m_pending.size();
    const qsizetype kept = std::min(room, bytes.size());
    // Once a message is cut it stays cut: later bytes only count, so memory stays at m_max.
    if (kept > 0)
        m_pending.append(bytes.first(kept));
    m_cut += quint64(bytes.size() - kept);
}

void Framer::startNextMessage() {
    m_cut = 0;
    m_tail.clear();
    m_lastByteMs = -1;
    m_haveHeader = false;
    m_expected = m_kind == FrameSpec::Kind::Fixed ? quint64(m_spec.fixedSize) : 0;
}

void Framer::deliver(const Sink &sink, bool unterminated) {
    // The two buffers trade places, so that collecting the next message reuses a buffer instead
    // of allocating one per message. One that held a big message is let go once handed out: an
    // idle connection keeps no more than KeptCapacity of buffers.
    constexpr qsizetype KeptCapacity = 64 * 1024;
    m_delivered.swap(m_pending);
    m_pending.resize(0);
    const quint64 cut = m_cut;
    // The state is reset before the sink runs, so a sink that looks at the framer sees the next
    // message starting.
    startNextMessage();
    sink(FramedMessage{m_delivered, cut, unterminated});
    if (m_delivered.capacity() > KeptCapacity)
        m_delivered = QByteArray();
}

void Framer::deliverInPlace(const Sink &sink, QByteArrayView whole) {
    startNextMessage();
    sink(FramedMessage{whole, 0, false});
}

void Framer::push(QByteArrayView bytes, qint64 nowMs, const Sink &sink) {
    switch (m_kind) {
    case FrameSpec::Kind::Raw:
        if (bytes.size() > m_max) {
            take(bytes);
            deliver(sink, false);
        } else if (!bytes.isEmpty()) {
            deliverInPlace(sink, bytes);
        }
        return;
    case FrameSpec::Kind::Delimiter:
        pushDelimited(bytes, sink);
        return;
    case FrameSpec::Kind::Fixed:
    case FrameSpec::Kind::LengthPrefix:
        pushCounted(bytes, sink);
        return;
    case FrameSpec::Kind::Idle:
        expire(nowMs, sink);
        if (!bytes.isEmpty()) {
            take(bytes);
            m_lastByteMs = nowMs;
        }
        return;
    }
}

// Each byte is looked at once: the search runs over the new bytes only, and a delimiter split
// across pushes is found in m_tail (at most delimiter-1 bytes) joined to the start of the new ones.
void Framer::pushDelimited(QByteArrayView bytes, const Sink &sink) {
    const QByteArrayView delimiter = m_spec.delimiter;
    const qsizetype width = delimiter.size();
    qsizetype pos = 0;
    if (!m_tail.isEmpty()) {
        // A match here must start in the tail: the new bytes in the window are too few to hold one.
        const QByteArray window = QByteArray(m_tail).append(bytes.first(std::min(width - 1, bytes.size())));
        const qsizetype at = window.indexOf(delimiter);
        if (at >= 0) {
            // The tail's bytes from `at` on were taken as message bytes; they are the delimiter's.
            const qsizetype inMessage = m_tail.size() - at;
            const quint64 length = quint64(m_pending.size()) + m_cut - quint64(inMessage);
            if (length < quint64(m_pending.size())) {
                m_pending.truncate(qsizetype(length));
                m_cut = 0;
            } else {
                m_cut = length - quint64(m_pending.size());
            }
            deliver(sink, false);
            pos = width - inMessage;
        }
    }
    qsizetype at;
    while ((at = bytes.indexOf(delimiter, pos)) >= 0) {
        if (!inMessage() && at - pos <= m_max) {
            deliverInPlace(sink, bytes.sliced(pos, at - pos));
        } else {
            take(bytes.sliced(pos, at - pos));
            deliver(sink, false);
        }
        pos = at + width;
    }
    const QByteArrayView rest = bytes.sliced(pos);
    take(rest);
    if (width > 1) {
        if (rest.size() >= width - 1)
            m_tail = rest.last(width - 1).toByteArray();
        else
            m_tail = m_tail.append(rest).right(width - 1);
    }
}

void Framer::pushCounted(QByteArrayView bytes, const Sink &sink) {
    const bool prefixed = m_kind == FrameSpec::Kind::LengthPrefix;
    qsizetype pos = 0;
    while (pos < bytes.size()) {
        if (prefixed && !m_haveHeader) {
            const qsizetype n = std::min(qsizetype(m_spec.prefixBytes) - m_header.size(), bytes.size() - pos);
            m_header.append(bytes.sliced(pos, n));
            pos += n;
            if (m_header.size() == m_spec.prefixBytes)
                headerComplete(sink);
            continue;
        }
        const quint64 received = quint64(m_pending.size()) + m_cut;
        const qsizetype n = qsizetype(std::min(m_expected - received, quint64(bytes.size() - pos)));
        take(bytes.sliced(pos, n));
        pos += n;
        if (quint64(m_pending.size()) + m_cut == m_expected)
            deliver(sink, false);
    }
}

// Reads the complete header in m_header: either a payload follows, or the message is empty and is
// delivered at once.
void Framer::headerComplete(const Sink &sink) {
    quint64 length = 0;
    for (int i = 0; i < m_spec.prefixBytes; ++i) {
        const int index = m_spec.bigEndian ? i : m_spec.prefixBytes - 1 - i;
        length = (length << 8) | quint8(m_header[index]);
    }
    m_header.clear();
    const quint64 header = m_spec.includesHeader ? quint64(m_spec.prefixBytes) : 0;
    // A "+incl" length below the header's own size is a protocol error, taken as an empty message.
    if (length <= header) {
        deliver(sink, false);
        return;
    }
    m_expected = length - header;
    m_haveHeader = true;
    // A header promises bytes that may never come: reserve a little, and let real bytes grow it.
    m_pending.reserve(qsizetype(std::min({m_expected, quint64(m_max), quint64(InitialReserveBytes)})));
}

QString describeCut(const FramedMessage &message) {
    if (message.cutBytes == 0)
        return {};
    const QLocale c = QLocale::c();
    return QStringLiteral("Message cut at %1 bytes (the maximum); %2 more bytes skipped")
        .arg(c.toString(message.payload.size()), c.toString(message.cutBytes));
}

qint64 Framer::idleDeadlineMs() const {
    if (m_kind != FrameSpec::Kind::Idle || !inMessage())
        return -1;
    return m_lastByteMs + m_spec.idleMs;
}

void Framer::expire(qint64 nowMs, const Sink &sink) {
    const qint64 deadline = idleDeadlineMs();
    if (deadline >= 0 && deadline <= nowMs)
        deliver(sink, false);
}

void Framer::flush(const Sink &sink) {
    if (m_kind == FrameSpec::Kind::LengthPrefix && !m_haveHeader) {
        if (!m_header.isEmpty()) {
            // The stream ended inside a header: what came is shown rather than dropped.
            take(m_header);
            m_header.clear();
            deliver(sink, true);
        }
        return;
    }
    if (inMessage() || (m_kind == FrameSpec::Kind::LengthPrefix && m_haveHeader))
        deliver(sink, true);
}

qsizetype Framer::pendingBytes() const {
    return m_pending.size() + m_header.size();
}

} // namespace sockbench
