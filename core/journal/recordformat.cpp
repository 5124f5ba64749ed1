#include "journal/recordformat.h"

#include "language/numbers.h"
#include "language/payload.h"

#include <QJsonDocument>

#include <charconv>
#include <cstdio>
#include <ctime>

namespace sockbench {

namespace {

// RFC 4180: only these force quoting; everything else goes out as is.
bool needsCsvQuotes(QByteArrayView field) {
    for (const char c : field) {
        if (c == ',' || c == '"' || c == '\r' || c == '\n')
            return true;
    }
    return false;
}

void appendCsvField(QByteArray *out, QByteArrayView field) {
    if (!needsCsvQuotes(field)) {
        out->append(field);
        return;
    }
    // In place, at most twice the field plus the quotes, cut back after.
    const qsizetype old = out->size();
    out->resize(old + 2 * field.size() + 2);
    char *p = out->data() + old;
    *p++ = '"';
    for (const char c : field) {
        if (c == '"')
            *p++ = '"';
        *p++ = c;
    }
    *p++ = '"';
    out->truncate(p - out->constData());
}

QByteArray flagsText(const Record &record) {
    if (record.isTruncated() && record.isEvicted())
        return QByteArrayLiteral("truncated|evicted");
    if (record.isTruncated())
        return QByteArrayLiteral("truncated");
    if (record.isEvicted())
        return QByteArrayLiteral("evicted");
    return {};
}

const char *kindText(RecordKind kind) {
    switch (kind) {
    case RecordKind::DataIn:
        return "in";
    case RecordKind::DataOut:
        return "out";
    case RecordKind::Event:
        return "event";
    }
    return "";
}

// RFC 4648 base64 with padding (QByteArray::toBase64()), written in place.
void appendBase64(QByteArray *out, QByteArrayView bytes) {
    static constexpr char Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const qsizetype old = out->size();
    out->resize(old + (bytes.size() + 2) / 3 * 4);
    char *p = out->data() + old;
    const auto *in = reinterpret_cast<const unsigned char *>(bytes.data());
    qsizetype i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const quint32 v = quint32(in[i]) << 16 | quint32(in[i + 1]) << 8 | in[i + 2];
        *p++ = Alphabet[v >> 18];
        *p++ = Alphabet[(v >> 12) & 63];
        *p++ = Alphabet[(v >> 6) & 63];
        *p++ = Alphabet[v & 63];
    }
    if (const qsizetype rest = bytes.size() - i) {
        const quint32 v = quint32(in[i]) << 16 | (rest == 2 ? quint32(in[i + 1]) << 8 : 0);
        *p++ = Alphabet[v >> 18];
        *p++ = Alphabet[(v >> 12) & 63];
        *p++ = rest == 2 ? Alphabet[(v >> 6) & 63] : '=';
        *p++ = '=';
    }
}

// The characters QJsonDocument's compact writer gives for a string: quotes around, '"' and '\\'
// escaped, control characters as \b \f \n \r \t or \u00xx (lowercase), everything else (0x7f and
// UTF-8 sequences included) as is. `src` is UTF-8 bytes, or UTF-16 units that are all ASCII.
template <typename Char> void appendJsonChars(QByteArray *out, const Char *src, qsizetype n) {
    static constexpr char Hex[] = "0123456789abcdef";
    const qsizetype old = out->size();
    out->resize(old + 6 * n + 2); // the worst case, cut back below
    char *p = out->data() + old;
    *p++ = '"';
    for (qsizetype i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(src[i]);
        if (c >= 0x20 && c != '"' && c != '\\') {
            *p++ = char(c);
            continue;
        }
        *p++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *p++ = char(c);
            break;
        case '\b':
            *p++ = 'b';
            break;
        case '\f':
            *p++ = 'f';
            break;
        case '\n':
            *p++ = 'n';
            break;
        case '\r':
            *p++ = 'r';
            break;
        case '\t':
            *p++ = 't';
            break;
        default:
            *p++ = 'u';
            *p++ = '0';
            *p++ = '0';
            *p++ = Hex[c >> 4];
            *p++ = Hex[c & 0xf];
        }
    }
    *p++ = '"';
    out->truncate(p - out->constData());
}

void appendJsonString(QByteArray *out, QStringView text) {
    const char16_t *const units = text.utf16();
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (units[i] >= 0x80) {
            const QByteArray utf8 = text.toUtf8();
            appendJsonChars(out, utf8.constData(), utf8.size());
            return;
        }
    }
    appendJsonChars(out, units, text.size()); // ASCII: no conversion needed
}

QStringView localLabel(const EndpointDetails *details) {
    return details ? QStringView(details->local) : QStringView();
}

QStringView nameLabel(const EndpointDetails *details) {
    return details ? QStringView(details->name) : QStringView();
}

qint64 microsSinceEpoch(qint64 timeNs) {
    // Floor, not truncation, so that a time before 1970 agrees with formatTimestamp().
    return timeNs >= 0 ? timeNs / 1000 : -((-timeNs + 999) / 1000);
}

} // namespace

void appendTimestamp(QByteArray *out, qint64 timeNs, TimestampStyle style) {
    qint64 seconds = timeNs / NsPerSecond;
    qint64 rest = timeNs % NsPerSecond;
    if (rest < 0) {
        rest += NsPerSecond;
        --seconds;
    }
    // localtime_r rather than QDateTime: the command line formats one per record, and this is
    // several times cheaper while reading the same time zone.
    const time_t whole = time_t(seconds);
    struct tm tm = {};
    localtime_r(&whole, &tm);
    const int year = tm.tm_year + 1900;
    if (year < 0 || year > 9999) {
        char text[64];
        const int n = std::snprintf(text, sizeof text, "%04d-%02d-%02d%c%02d:%02d:%02d.%06lld", year,
                                    tm.tm_mon + 1, tm.tm_mday, style == TimestampStyle::Display ? ' ' : 'T',
                                    tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(rest / 1000));
        out->append(text, qBound(0, n, int(sizeof text) - 1));
    } else {
        // Digit by digit: snprintf is most of a log line's cost, and exports write a million.
        char text[26];
        const auto put = [](char *at, int value, int digits) {
            for (int i = digits - 1; i >= 0; --i, value /= 10)
                at[i] = char('0' + value % 10);
        };
        put(text, year, 4);
        text[4] = '-';
        put(text + 5, tm.tm_mon + 1, 2);
        text[7] = '-';
        put(text + 8, tm.tm_mday, 2);
        text[10] = style == TimestampStyle::Display ? ' ' : 'T';
        put(text + 11, tm.tm_hour, 2);
        text[13] = ':';
        put(text + 14, tm.tm_min, 2);
        text[16] = ':';
        put(text + 17, tm.tm_sec, 2);
        text[19] = '.';
        put(text + 20, int(rest / 1000), 6);
        out->append(text, 26);
    }
    if (style == TimestampStyle::IsoOffset) {
        // The offset in force at that instant (summer time included), in whole minutes as ISO 8601
        // writes it; "+00:00" rather than "Z" so that every line has the same shape.
        const long offsetMinutes = tm.tm_gmtoff / 60;
        const long magnitude = offsetMinutes < 0 ? -offsetMinutes : offsetMinutes;
        const char offset[] = {offsetMinutes < 0 ? '-' : '+',   char('0' + magnitude / 600 % 10),
                               char('0' + magnitude / 60 % 10), ':',
                               char('0' + magnitude % 60 / 10), char('0' + magnitude % 10)};
        out->append(offset, sizeof offset);
    }
}

QString formatTimestamp(qint64 timeNs, TimestampStyle style) {
    QByteArray text;
    appendTimestamp(&text, timeNs, style);
    return QString::fromLatin1(text);
}

QString peerLabel(const Record &record, const EndpointNamer &name) {
    if (record.peer.isValid())
        return record.peer.toString();
    if (name) {
        QString label = name(record.endpoint);
        if (!label.isEmpty())
            return label;
    }
    return u'#' + QString::number(record.endpoint);
}

QString peerAddress(const Record &record, const EndpointDetails *details) {
    if (record.peer.isValid())
        return record.peer.toString();
    return details ? details->peer : QString();
}

QString kindName(RecordKind kind) {
    switch (kind) {
    case RecordKind::DataIn:
        return QStringLiteral("in");
    case RecordKind::DataOut:
        return QStringLiteral("out");
    case RecordKind::Event:
        return QStringLiteral("event");
    }
    return {};
}

void appendRaw(QByteArray *out, const Record &record) {
    out->append(record.payload);
}

void appendHexDump(QByteArray *out, const Record &record, quint64 startOffset) {
    appendDump(out, record.payload, startOffset);
}

void appendLogLine(QByteArray *out, const Record &record, const EndpointNamer &name) {
    appendTimestamp(out, record.timeNs, TimestampStyle::Iso);
    switch (record.kind) {
    case RecordKind::DataIn:
        out->append(" <- ");
        break;
    case RecordKind::DataOut:
        out->append(" -> ");
        break;
    case RecordKind::Event:
        out->append(" -- ");
        break;
    }
    out->append(peerLabel(record, name).toUtf8());
    if (record.kind == RecordKind::Event) {
        // An event is a sentence for people, already UTF-8: it goes out unescaped.
        out->append(' ').append(record.payload).append('\n');
        return;
    }
    out->append(' ').append(
        QByteArray::number(record.originalLength ? record.originalLength : record.length));
    out->append(" B");
    if (record.isEvicted()) {
        out->append(" (payload dropped by the memory budget)\n");
        return;
    }
    if (record.isTruncated())
        out->append(" (truncated to ").append(QByteArray::number(record.length)).append(" B)");
    out->append(": ");
    appendEscapedText(out, record.payload);
    out->append('\n');
}

QByteArray formatLogLine(const Record &record, const EndpointNamer &name) {
    QByteArray line;
    appendLogLine(&line, record, name);
    return line;
}

QByteArray csvHeader() {
    return QByteArrayLiteral("seq,time,time_us,endpoint,endpoint_name,local,peer,kind,length,original_length,"
                             "flags,payload,hex\r\n");
}

void appendCsvRow(QByteArray *out, const Record &record, const EndpointDetails *details) {
    appendNumber(out, record.seq);
    out->append(',');
    appendTimestamp(out, record.timeNs, TimestampStyle::Iso);
    out->append(',');
    appendNumber(out, microsSinceEpoch(record.timeNs));
    out->append(',');
    appendNumber(out, record.endpoint);
    out->append(',');
    appendCsvField(out, nameLabel(details).toUtf8());
    out->append(',');
    appendCsvField(out, localLabel(details).toUtf8());
    out->append(',');
    appendCsvField(out, peerAddress(record, details).toUtf8());
    out->append(',').append(kindText(record.kind));
    out->append(',');
    appendNumber(out, record.length);
    out->append(',');
    appendNumber(out, record.originalLength);
    out->append(',').append(flagsText(record)).append(',');
    if (!record.isEvicted()) {
        // Written in place; quoted (rarely: a ',' or '"' in the text) by writing it again.
        const qsizetype start = out->size();
        appendEscapedText(out, record.payload);
        if (needsCsvQuotes(QByteArrayView(*out).sliced(start))) {
            const QByteArray field = out->sliced(start);
            out->truncate(start);
            appendCsvField(out, field);
        }
    }
    out->append(',');
    if (!record.isEvicted())
        appendHex(out, record.payload);
    out->append("\r\n");
}

QByteArray formatCsvRow(const Record &record, const EndpointDetails *details) {
    QByteArray row;
    appendCsvRow(&row, record, details);
    return row;
}

QJsonObject recordToJson(const Record &record, const EndpointDetails *details) {
    QJsonObject object;
    // QJsonValue keeps integers exact up to 2^63; seq and ids stay far below 2^53, where every
    // JSON reader agrees.
    object.insert(QStringLiteral("seq"), qint64(record.seq));
    object.insert(QStringLiteral("time"), formatTimestamp(record.timeNs, TimestampStyle::IsoOffset));
    object.insert(QStringLiteral("time_us"), microsSinceEpoch(record.timeNs));
    object.insert(QStringLiteral("endpoint"), qint64(record.endpoint));
    object.insert(QStringLiteral("endpoint_name"), nameLabel(details).toString());
    object.insert(QStringLiteral("local"), localLabel(details).toString());
    object.insert(QStringLiteral("peer"), peerAddress(record, details));
    object.insert(QStringLiteral("kind"), kindName(record.kind));
    object.insert(QStringLiteral("direction"), kindName(record.kind));
    object.insert(QStringLiteral("length"), qint64(record.length));
    object.insert(QStringLiteral("original_length"), qint64(record.originalLength));
    object.insert(QStringLiteral("truncated"), record.isTruncated());
    object.insert(QStringLiteral("evicted"), record.isEvicted());
    if (!record.isEvicted()) {
        object.insert(QStringLiteral("payload_base64"), QString::fromLatin1(record.payload.toBase64()));
        object.insert(QStringLiteral("hex"), QString::fromLatin1(record.payload.toHex()));
        object.insert(QStringLiteral("text"), bytesToEscapedText(record.payload));
        if (record.kind == RecordKind::Event)
            object.insert(QStringLiteral("event"), QString::fromUtf8(record.payload));
    }
    return object;
}

void appendJsonLine(QByteArray *out, const Record &record, const EndpointDetails *details) {
    // recordToJson()'s keys in QJsonObject's order, written straight into *out: building a
    // QJsonObject per record costs several times more, and exports write a million lines.
    const char *const kind = kindText(record.kind);
    const bool bytes = !record.isEvicted();
    out->append("{\"direction\":\"").append(kind).append("\",\"endpoint\":");
    appendNumber(out, record.endpoint);
    out->append(",\"endpoint_name\":");
    appendJsonString(out, nameLabel(details));
    if (bytes && record.kind == RecordKind::Event) {
        out->append(",\"event\":");
        // Through QString, as recordToJson() does: bytes that are not UTF-8 become U+FFFD.
        appendJsonString(out, QString::fromUtf8(record.payload));
    }
    out->append(bytes ? ",\"evicted\":false" : ",\"evicted\":true");
    if (bytes) {
        out->append(",\"hex\":\"");
        appendHex(out, record.payload);
        out->append('"');
    }
    out->append(",\"kind\":\"").append(kind).append("\",\"length\":");
    appendNumber(out, record.length);
    out->append(",\"local\":");
    appendJsonString(out, localLabel(details));
    out->append(",\"original_length\":");
    appendNumber(out, record.originalLength);
    if (bytes) {
        out->append(",\"payload_base64\":\"");
        appendBase64(out, record.payload);
        out->append('"');
    }
    out->append(",\"peer\":");
    appendJsonString(out, peerAddress(record, details));
    out->append(",\"seq\":");
    appendNumber(out, record.seq);
    if (bytes) {
        out->append(",\"text\":\"");
        appendEscapedText(out, record.payload, TextEncoding::Utf8, EscapedTextStyle::JsonString);
        out->append('"');
    }
    out->append(",\"time\":\"");
    appendTimestamp(out, record.timeNs, TimestampStyle::IsoOffset);
    out->append("\",\"time_us\":");
    appendNumber(out, microsSinceEpoch(record.timeNs));
    out->append(record.isTruncated() ? ",\"truncated\":true}\n" : ",\"truncated\":false}\n");
}

QByteArray formatJsonLine(const Record &record, const EndpointDetails *details) {
    QByteArray line;
    appendJsonLine(&line, record, details);
    return line;
}

} // namespace sockbench
