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
    const int n = std::snprintf(text, sizeof text, "%04d-%02d-%02d%c%02d:%02d:%02d.%06lld", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, style == TimestampStyle::Iso ? 'T' : ' ',
                                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(rest / 1000));
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
    return QByteArrayLiteral("seq,time,time_us,endpoint,peer,kind,length,original_length,flags,payload\r\n");
}

void appendCsvRow(QByteArray *out, const Record &record, const EndpointNamer &name) {
    out->append(QByteArray::number(record.seq)).append(',');
    appendTimestamp(out, record.timeNs, TimestampStyle::Iso);
    out->append(',').append(QByteArray::number(microsSinceEpoch(record.timeNs)));
    out->append(',').append(QByteArray::number(record.endpoint)).append(',');
    appendCsvField(out, peerLabel(record, name).toUtf8());
    out->append(',').append(kindName(record.kind).toLatin1());
    out->append(',').append(QByteArray::number(record.length));
    out->append(',').append(QByteArray::number(record.originalLength));
    out->append(',').append(flagsText(record)).append(',');
    if (!record.isEvicted())
        appendCsvField(out, bytesToEscapedText(record.payload).toUtf8());
    out->append("\r\n");
}

QByteArray formatCsvRow(const Record &record, const EndpointNamer &name) {
    QByteArray row;
    appendCsvRow(&row, record, name);
    return row;
}

QJsonObject recordToJson(const Record &record, const EndpointNamer &name) {
    QJsonObject object;
    // QJsonValue keeps integers exact up to 2^63; seq and ids stay far below 2^53, where every
    // JSON reader agrees.
    object.insert(QStringLiteral("seq"), qint64(record.seq));
    object.insert(QStringLiteral("time"), formatTimestamp(record.timeNs, TimestampStyle::Iso));
    object.insert(QStringLiteral("time_us"), microsSinceEpoch(record.timeNs));
    object.insert(QStringLiteral("endpoint"), qint64(record.endpoint));
    object.insert(QStringLiteral("peer"), peerLabel(record, name));
    object.insert(QStringLiteral("kind"), kindName(record.kind));
    object.insert(QStringLiteral("length"), qint64(record.length));
    object.insert(QStringLiteral("original_length"), qint64(record.originalLength));
    object.insert(QStringLiteral("truncated"), record.isTruncated());
    object.insert(QStringLiteral("evicted"), record.isEvicted());
    if (!record.isEvicted()) {
        object.insert(QStringLiteral("payload_base64"), QString::fromLatin1(record.payload.toBase64()));
        if (record.kind == RecordKind::Event)
            object.insert(QStringLiteral("text"), QString::fromUtf8(record.payload));
    }
    return object;
}

void appendJsonLine(QByteArray *out, const Record &record, const EndpointNamer &name) {
    out->append(QJsonDocument(recordToJson(record, name)).toJson(QJsonDocument::Compact)).append('\n');
}

QByteArray formatJsonLine(const Record &record, const EndpointNamer &name) {
    QByteArray line;
    appendJsonLine(&line, record, name);
    return line;
}

} // namespace sockbench
