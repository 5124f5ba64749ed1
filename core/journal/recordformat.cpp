#include "journal/recordformat.h"

#include "language/payload.h"

#include <QJsonDocument>

#include <cstdio>
#include <ctime>

namespace sockbench {

namespace {

constexpr qint64 NsPerSecond = 1000000000;

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
    out->append('"');
    for (const char c : field) {
        if (c == '"')
            out->append('"');
        out->append(c);
    }
    out->append('"');
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

// The characters QJsonDocument's compact writer gives for a string whose UTF-8 is `utf8`: quotes
// around, '"' and '\\' escaped, control characters as \b \f \n \r \t or \u00xx (lowercase), the
// rest (0x7f and non-ASCII UTF-8 included) as is.
void appendJsonString(QByteArray *out, QByteArrayView utf8) {
    static constexpr char Hex[] = "0123456789abcdef";
    out->append('"');
    qsizetype plainFrom = 0;
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out->append(utf8.data() + plainFrom, i - plainFrom);
        plainFrom = i + 1;
        switch (c) {
        case '"':
            out->append("\\\"");
            break;
        case '\\':
            out->append("\\\\");
            break;
        case '\b':
            out->append("\\b");
            break;
        case '\f':
            out->append("\\f");
            break;
        case '\n':
            out->append("\\n");
            break;
        case '\r':
            out->append("\\r");
            break;
        case '\t':
            out->append("\\t");
            break;
        default: {
            const char escape[] = {'\\', 'u', '0', '0', Hex[c >> 4], Hex[c & 0xf]};
            out->append(escape, sizeof escape);
        }
        }
    }
    out->append(utf8.data() + plainFrom, utf8.size() - plainFrom);
    out->append('"');
}

// A key and its colon, after a comma unless it is the object's first.
void appendJsonKey(QByteArray *out, const char *key, bool first = false) {
    if (!first)
        out->append(',');
    out->append('"').append(key).append("\":");
}

QByteArray localLabel(const EndpointDetails *details) {
    return details && details->local.isValid() ? details->local.toString().toUtf8() : QByteArray();
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
    char text[64];
    int n = std::snprintf(text, sizeof text, "%04d-%02d-%02d%c%02d:%02d:%02d.%06lld", tm.tm_year + 1900,
                          tm.tm_mon + 1, tm.tm_mday, style == TimestampStyle::Display ? ' ' : 'T', tm.tm_hour,
                          tm.tm_min, tm.tm_sec, static_cast<long long>(rest / 1000));
    if (style == TimestampStyle::IsoOffset && n > 0 && n < int(sizeof text)) {
        // The offset in force at that instant (summer time included), in whole minutes as ISO 8601
        // writes it; "+00:00" rather than "Z" so that every line has the same shape.
        const long offsetMinutes = tm.tm_gmtoff / 60;
        const long magnitude = offsetMinutes < 0 ? -offsetMinutes : offsetMinutes;
        n += std::snprintf(text + n, sizeof text - size_t(n), "%c%02ld:%02ld", offsetMinutes < 0 ? '-' : '+',
                           magnitude / 60, magnitude % 60);
    }
    out->append(text, n);
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
    out->append(": ").append(bytesToEscapedText(record.payload).toUtf8()).append('\n');
}

QByteArray formatLogLine(const Record &record, const EndpointNamer &name) {
    QByteArray line;
    appendLogLine(&line, record, name);
    return line;
}

QByteArray csvHeader() {
    return QByteArrayLiteral(
        "seq,time,time_us,endpoint,endpoint_name,local,peer,kind,length,original_length,flags,payload\r\n");
}

void appendCsvRow(QByteArray *out, const Record &record, const EndpointNamer &name,
                  const EndpointDetails *details) {
    out->append(QByteArray::number(record.seq)).append(',');
    appendTimestamp(out, record.timeNs, TimestampStyle::Iso);
    out->append(',').append(QByteArray::number(microsSinceEpoch(record.timeNs)));
    out->append(',').append(QByteArray::number(record.endpoint)).append(',');
    if (details)
        appendCsvField(out, details->name.toUtf8());
    out->append(',');
    appendCsvField(out, localLabel(details));
    out->append(',');
    appendCsvField(out, peerLabel(record, name).toUtf8());
    out->append(',').append(kindName(record.kind).toLatin1());
    out->append(',').append(QByteArray::number(record.length));
    out->append(',').append(QByteArray::number(record.originalLength));
    out->append(',').append(flagsText(record)).append(',');
    if (!record.isEvicted())
        appendCsvField(out, bytesToEscapedText(record.payload).toUtf8());
    out->append("\r\n");
}

QByteArray formatCsvRow(const Record &record, const EndpointNamer &name, const EndpointDetails *details) {
    QByteArray row;
    appendCsvRow(&row, record, name, details);
    return row;
}

QJsonObject recordToJson(const Record &record, const EndpointNamer &name, const EndpointDetails *details) {
    QJsonObject object;
    // QJsonValue keeps integers exact up to 2^63; seq and ids stay far below 2^53, where every
    // JSON reader agrees.
    object.insert(QStringLiteral("seq"), qint64(record.seq));
    object.insert(QStringLiteral("time"), formatTimestamp(record.timeNs, TimestampStyle::IsoOffset));
    object.insert(QStringLiteral("time_us"), microsSinceEpoch(record.timeNs));
    object.insert(QStringLiteral("endpoint"), qint64(record.endpoint));
    object.insert(QStringLiteral("endpoint_name"), details ? details->name : QString());
    object.insert(QStringLiteral("local"), QString::fromUtf8(localLabel(details)));
    object.insert(QStringLiteral("peer"), peerLabel(record, name));
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

void appendJsonLine(QByteArray *out, const Record &record, const EndpointNamer &name,
                    const EndpointDetails *details) {
    // recordToJson()'s keys in QJsonObject's order, written straight into *out: building a
    // QJsonObject per record costs several times more, and exports write a million lines.
    const QByteArray kind = kindName(record.kind).toLatin1();
    out->append('{');
    appendJsonKey(out, "direction", true);
    out->append('"').append(kind).append('"');
    appendJsonKey(out, "endpoint");
    out->append(QByteArray::number(record.endpoint));
    appendJsonKey(out, "endpoint_name");
    appendJsonString(out, details ? details->name.toUtf8() : QByteArray());
    if (!record.isEvicted() && record.kind == RecordKind::Event) {
        appendJsonKey(out, "event");
        // Through QString, as recordToJson() does: bytes that are not UTF-8 become U+FFFD.
        appendJsonString(out, QString::fromUtf8(record.payload).toUtf8());
    }
    appendJsonKey(out, "evicted");
    out->append(record.isEvicted() ? "true" : "false");
    if (!record.isEvicted()) {
        appendJsonKey(out, "hex");
        out->append('"').append(record.payload.toHex()).append('"');
    }
    appendJsonKey(out, "kind");
    out->append('"').append(kind).append('"');
    appendJsonKey(out, "length");
    out->append(QByteArray::number(record.length));
    appendJsonKey(out, "local");
    appendJsonString(out, localLabel(details));
    appendJsonKey(out, "original_length");
    out->append(QByteArray::number(record.originalLength));
    if (!record.isEvicted()) {
        appendJsonKey(out, "payload_base64");
        out->append('"').append(record.payload.toBase64()).append('"');
    }
    appendJsonKey(out, "peer");
    appendJsonString(out, peerLabel(record, name).toUtf8());
    appendJsonKey(out, "seq");
    out->append(QByteArray::number(record.seq));
    if (!record.isEvicted()) {
        appendJsonKey(out, "text");
        appendJsonString(out, bytesToEscapedText(record.payload).toUtf8());
    }
    appendJsonKey(out, "time");
    out->append('"');
    appendTimestamp(out, record.timeNs, TimestampStyle::IsoOffset);
    out->append('"');
    appendJsonKey(out, "time_us");
    out->append(QByteArray::number(microsSinceEpoch(record.timeNs)));
    appendJsonKey(out, "truncated");
    out->append(record.isTruncated() ? "true" : "false");
    out->append("}\n");
}

QByteArray formatJsonLine(const Record &record, const EndpointNamer &name, const EndpointDetails *details) {
    QByteArray line;
    appendJsonLine(&line, record, name, details);
    return line;
}

} // namespace sockbench
