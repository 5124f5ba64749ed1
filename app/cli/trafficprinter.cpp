#include "cli/trafficprinter.h"

#include "engine/workbench.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <poll.h>
#include <unistd.h>

namespace sockbench {

namespace {

constexpr quint64 kBatch = 4096;
constexpr qsizetype kFlushAt = 256 * 1024;

void appendTimestamp(QByteArray *out, qint64 timeNs) {
    const time_t seconds = time_t(timeNs / 1000000000);
    const long micros = long((timeNs % 1000000000) / 1000);
    struct tm tm = {};
    localtime_r(&seconds, &tm);
    char text[48];
    const int n = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
    out->append(text, n);
}

char printable(char c) {
    return (c >= 0x20 && c < 0x7f) ? c : '.';
}

} // namespace

TrafficPrinter::TrafficPrinter(const Workbench &workbench, const OutputArgs &args, int fd)
    : m_workbench(workbench)
    , m_args(args)
    , m_fd(fd) {}

bool TrafficPrinter::drain() {
    if (m_args.quiet || !m_error.isEmpty())
        return m_error.isEmpty();
    const Journal &journal = m_workbench.journal();
    for (;;) {
        const quint64 end = journal.count();
        if (m_next >= end)
            break;
        const quint64 n = std::min(kBatch, end - m_next);
        // Raw and hex output only need the received payloads; everything else goes to the log.
        const std::vector<Record> records = journal.records(m_next, n, true);
        if (records.empty())
            break;
        for (const Record &record : records) {
            format(record);
            if (m_out.size() >= kFlushAt && !flush())
                return false;
        }
        m_next += records.size();
    }
    return flush();
}

void TrafficPrinter::format(const Record &record) {
    if (m_args.format == OutputFormat::Log) {
        formatLog(record);
        return;
    }
    if (record.kind != RecordKind::DataIn)
        return;
    if (record.isEvicted()) {
        m_droppedBytes += record.length;
        return;
    }
    if (m_args.format == OutputFormat::Hex)
        formatHex(record);
    else
        m_out.append(record.payload);
}

void TrafficPrinter::formatHex(const Record &record) {
    if (m_lastHexEndpoint != 0 && m_lastHexEndpoint != record.endpoint)
        m_out.append("# ").append(peerOf(record).toUtf8()).append('\n');
    m_lastHexEndpoint = record.endpoint;
    quint64 &offset = m_hexOffsets[record.endpoint];
    const QByteArray &bytes = record.payload;
    static const char digits[] = "0123456789abcdef";
    for (qsizetype line = 0; line < bytes.size(); line += 16) {
        const qsizetype n = std::min<qsizetype>(16, bytes.size() - line);
        char head[24];
        m_out.append(head,
                     std::snprintf(head, sizeof head, "%08llx  ", static_cast<unsigned long long>(offset)));
        for (qsizetype i = 0; i < 16; ++i) {
            if (i < n) {
                const auto b = static_cast<unsigned char>(bytes[line + i]);
                m_out.append(digits[b >> 4]).append(digits[b & 15]).append(' ');
            } else {
                m_out.append("   ");
            }
            if (i == 7)
                m_out.append(' ');
        }
        m_out.append(" |");
        for (qsizetype i = 0; i < n; ++i)
            m_out.append(printable(bytes[line + i]));
        m_out.append("|\n");
        offset += quint64(n);
    }
}

void TrafficPrinter::formatLog(const Record &record) {
    appendTimestamp(&m_out, record.timeNs);
    switch (record.kind) {
    case RecordKind::DataIn:
        m_out.append(" <- ");
        break;
    case RecordKind::DataOut:
        m_out.append(" -> ");
        break;
    case RecordKind::Event:
        m_out.append(" -- ");
        break;
    }
    m_out.append(peerOf(record).toUtf8());
    if (record.kind == RecordKind::Event) {
        m_out.append(' ').append(record.payload).append('\n');
        return;
    }
    m_out.append(' ').append(
        QByteArray::number(record.originalLength ? record.originalLength : record.length));
    m_out.append(" B");
    if (record.isEvicted()) {
        if (record.kind == RecordKind::DataIn)
            m_droppedBytes += record.length;
        m_out.append(" (payload dropped by the memory budget)\n");
        return;
    }
    if (record.isTruncated())
        m_out.append(" (truncated to ").append(QByteArray::number(record.length)).append(" B)");
    m_out.append(": ").append(bytesToEscapedText(record.payload).toUtf8()).append('\n');
}

QString TrafficPrinter::peerOf(const Record &record) const {
    if (record.peer.isValid())
        return record.peer.toString();
    const EndpointInfo info = m_workbench.info(record.endpoint);
    if (info.peer.isValid())
        return info.peer.toString();
    if (info.local.isValid())
        return info.local.toString();
    return u'#' + QString::number(record.endpoint);
}

bool TrafficPrinter::flush() {
    const char *data = m_out.constData();
    qsizetype left = m_out.size();
    while (left > 0) {
        const ssize_t n = ::write(m_fd, data, size_t(left));
        if (n > 0) {
            data += n;
            left -= n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            // stdout was handed to us non-blocking; a CLI may wait for its reader.
            pollfd p = {m_fd, POLLOUT, 0};
            ::poll(&p, 1, -1);
        } else {
            m_error = QStringLiteral("stdout: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
            m_out.clear();
            return false;
        }
    }
    m_out.clear();
    return true;
}

} // namespace sockbench
