#include "cli/trafficprinter.h"

#include "engine/workbench.h"
#include "journal/recordformat.h"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <unistd.h>

namespace sockbench {

namespace {

/// Records read at a time: the journal's lock is held for short, and the payloads in hand stay few.
constexpr ReadLimits Batch{4096, 4 * 1024 * 1024, true};
constexpr qsizetype FlushAt = 256 * 1024;

} // namespace

TrafficPrinter::TrafficPrinter(const Workbench &workbench, const OutputArgs &args, int fd)
    : m_workbench(workbench)
    , m_args(args)
    , m_fd(fd)
    , m_namer([this](EndpointId endpoint) { return nameOf(endpoint); })
    , m_cursor(workbench.journal(), 0, Batch) {}

bool TrafficPrinter::drain() {
    if (m_args.quiet || !m_error.isEmpty())
        return m_error.isEmpty();
    while (m_cursor.read(&m_batch)) {
        for (const Record &record : m_batch) {
            format(record);
            if (m_out.size() >= FlushAt && !flush())
                return false;
        }
    }
    return flush();
}

quint64 TrafficPrinter::droppedBytes() const {
    return m_cursor.evictedBytes(RecordKind::DataIn);
}

void TrafficPrinter::format(const Record &record) {
    if (m_args.format == OutputFormat::Log) {
        formatLog(record);
        return;
    }
    // Raw and hex output write the received payloads; what the journal dropped is counted (droppedBytes()).
    if (record.kind != RecordKind::DataIn || record.isEvicted())
        return;
    if (m_args.format == OutputFormat::Hex)
        formatHex(record);
    else
        appendRaw(&m_out, record);
}

void TrafficPrinter::formatHex(const Record &record) {
    if (m_lastHexEndpoint != 0 && m_lastHexEndpoint != record.endpoint)
        m_out.append("# ").append(labelOf(record).toUtf8()).append('\n');
    m_lastHexEndpoint = record.endpoint;
    quint64 &offset = m_hexOffsets[record.endpoint];
    appendHexDump(&m_out, record, offset);
    offset += quint64(record.payload.size());
}

void TrafficPrinter::formatLog(const Record &record) {
    if (formatMessages(record))
        return;
    if (!m_args.namesLegs) {
        appendLogLine(&m_out, record, m_namer);
        return;
    }
    // A datagram's peer would otherwise be written as it is: the label replaces it.
    const QString label = labelOf(record);
    Record named = record;
    named.peer = NetAddress{};
    appendLogLine(&m_out, named, [&label](EndpointId) { return label; });
}

QString TrafficPrinter::labelOf(const Record &record) {
    const QString peer = peerLabel(record, m_namer);
    if (!m_args.namesLegs)
        return peer;
    const QString leg = legOf(record.endpoint);
    if (leg.isEmpty())
        return peer;
    // A target leg records its first events and bytes before its opening reaches this thread.
    const bool unnamed = peer.startsWith(u'#') && !m_args.relayTarget.isEmpty();
    return leg + u' ' + (unnamed && leg == u"target" ? m_args.relayTarget : peer);
}

QString TrafficPrinter::legOf(EndpointId endpoint) {
    if (const auto it = m_legs.constFind(endpoint); it != m_legs.cend())
        return it.value();
    const EndpointInfo info = m_workbench.info(endpoint);
    QString leg;
    if (info.relay) {
        // A UDP relay's own socket talks with the clients; a TCP relay only accepts them.
        leg = info.kind == EndpointKind::UdpSocket ? QStringLiteral("client") : QStringLiteral("relay");
    } else if (info.listener != 0 && m_workbench.info(info.listener).relay) {
        leg =
            info.outgoing || info.relayClient.isValid() ? QStringLiteral("target") : QStringLiteral("client");
    }
    if (!leg.isEmpty()) {
        m_legs.insert(endpoint, leg);
        return leg;
    }
    // Not known at all yet: the relay and its clients are known before they record anything (their
    // outcomes come first), a target leg only once relayLegOpened() has arrived, which may be after
    // its first records. Asked again with the next record.
    return info.id == 0 ? QStringLiteral("target") : QString();
}

bool TrafficPrinter::formatMessages(const Record &record) {
    if (record.kind == RecordKind::Event || record.isEvicted() || !record.peer.ip.isEmpty())
        return false; // events, lost payloads and datagrams (each one message already)
    const quint64 key = record.endpoint * 2 + (record.kind == RecordKind::DataOut ? 1 : 0);
    auto it = m_framers.find(key);
    if (it == m_framers.end()) {
        const FrameSpec frame = m_workbench.info(record.endpoint).frame;
        if (frame.isRaw())
            return false;
        it = m_framers.emplace(key, Framed{Framer(frame), 0}).first;
    }
    it->second.lastTimeNs = record.timeNs;
    it->second.framer.push(record.payload, record.timeNs / 1'000'000,
                           [&](FramedMessage &&message) { writeMessage(record, std::move(message)); });
    return true;
}

void TrafficPrinter::writeMessage(const Record &completing, FramedMessage &&message) {
    Record line = completing;
    line.length = quint32(message.payload.size());
    line.originalLength = line.length;
    const QString cut = describeCut(message);
    line.payload = message.payload.toByteArray();
    appendLogLine(&m_out, line, m_namer);
    if (!cut.isEmpty()) {
        // Said as the engine says it when rules frame the stream.
        Record note = completing;
        note.kind = RecordKind::Event;
        note.payload = cut.toUtf8();
        note.length = quint32(note.payload.size());
        note.originalLength = note.length;
        appendLogLine(&m_out, note, m_namer);
    }
}

bool TrafficPrinter::flushMessages(EndpointId endpoint) {
    if (!drain())
        return false;
    for (auto it = m_framers.begin(); it != m_framers.end();) {
        if (endpoint != 0 && it->first / 2 != endpoint) {
            ++it;
            continue;
        }
        Record last;
        last.endpoint = it->first / 2;
        last.kind = it->first % 2 ? RecordKind::DataOut : RecordKind::DataIn;
        last.timeNs = it->second.lastTimeNs;
        if (!m_args.quiet)
            it->second.framer.flush([&](FramedMessage &&message) { writeMessage(last, std::move(message)); });
        it = m_framers.erase(it);
    }
    if (endpoint != 0)
        m_legs.remove(endpoint);
    return flush();
}

QString TrafficPrinter::nameOf(EndpointId endpoint) const {
    // A connection is known by its peer; a listener or unbound socket by its own address.
    const EndpointInfo info = m_workbench.info(endpoint);
    if (info.peer.isValid())
        return info.peer.toString();
    if (info.local.isValid())
        return info.local.toString();
    return {};
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
