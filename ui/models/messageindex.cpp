#include "models/messageindex.h"
#include "language/numbers.h"
#include "models/journalfeed.h"

#include <QDateTime>

#include <algorithm>
#include <limits>
#include <optional>

namespace sockbench {

namespace {

constexpr quint64 HeaderBatch = 4096;
// The feed passes records on up to this late: an idle gap is taken as passed only when no record
// can still be on its way.
constexpr qint64 IdleGraceMs = 3 * JournalFeed::IntervalMs;

/// Bytes of the stream one message took, delimiter or length header included: where the next
/// message starts.
quint64 consumedBytes(const FrameSpec &spec, const FramedMessage &message) {
    const quint64 body = quint64(message.payload.size()) + message.cutBytes;
    switch (spec.kind) {
    case FrameSpec::Kind::Delimiter:
        return body + (message.unterminated ? 0 : quint64(spec.delimiter.size()));
    case FrameSpec::Kind::LengthPrefix:
        return body + quint64(spec.prefixBytes);
    case FrameSpec::Kind::Raw:
    case FrameSpec::Kind::Fixed:
    case FrameSpec::Kind::Idle:
        break;
    }
    return body;
}

quint32 saturated(quint64 n) {
    return quint32(std::min<quint64>(n, std::numeric_limits<quint32>::max()));
}

} // namespace

MessageIndex::MessageIndex(const Journal *journal, QObject *parent)
    : QObject(parent)
    , m_journal(journal)
    , m_follower(journal, this, JournalFollower::Pace::Sliced) {
    m_idleTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, &MessageIndex::onIdleTimerTimeout);
}

MessageIndex::~MessageIndex() = default;

void MessageIndex::setFrameLookup(std::function<FrameSpec(EndpointId)> lookup) {
    m_frameLookup = std::move(lookup);
    restart();
}

void MessageIndex::setEndpoints(const QSet<EndpointId> &endpoints) {
    if (endpoints == m_endpoints)
        return;
    m_endpoints = endpoints;
    restart();
}

void MessageIndex::setKinds(bool in, bool out, bool events) {
    if (in == m_in && out == m_out && events == m_events)
        return;
    m_in = in;
    m_out = out;
    m_events = events;
    restart();
}

void MessageIndex::setFilter(std::function<bool(QByteArrayView)> filter) {
    m_filter = std::move(filter);
    restart();
}

void MessageIndex::follow(const JournalFeed *feed) {
    m_follower.follow(feed);
}

void MessageIndex::clearBefore(quint64 origin) {
    m_follower.clearBefore(origin);
}

void MessageIndex::restart() {
    m_follower.rewind();
}

void MessageIndex::restarted() {
    Q_EMIT aboutToReset();
    m_full = false;
    m_saidFull = false;
    m_messages.clear();
    m_messages.shrink_to_fit();
    m_streams.clear();
    m_streamOf.clear();
    m_found.clear();
    m_idleTimer.stop();
    Q_EMIT reset();
}

void MessageIndex::droppedBefore(quint64 seq) {
    // Messages end in order but may start out of order (streams interleave): those that start
    // before seq lost bytes, and each goes once every message before it has gone too.
    const auto kept = std::find_if(m_messages.begin(), m_messages.end(),
                                   [seq](const Message &m) { return m.startSeq >= seq; });
    const auto count = qsizetype(kept - m_messages.begin());
    if (count == 0)
        return;
    Q_EMIT aboutToDropFront(count);
    m_messages.erase(m_messages.begin(), kept);
    if (m_full && size() < MaxMessages)
        m_full = m_saidFull = false;
    Q_EMIT droppedFront(count);
}

void MessageIndex::appendUpTo(quint64 count) {
    m_follower.appendUpTo(count);
}

bool MessageIndex::wanted(RecordKind kind) const {
    switch (kind) {
    case RecordKind::DataIn:
        return m_in;
    case RecordKind::DataOut:
        return m_out;
    case RecordKind::Event:
        return m_events;
    }
    return false;
}

quint16 MessageIndex::streamFor(EndpointId endpoint, RecordKind kind) {
    const quint64 key = endpoint * 4 + quint64(kind);
    if (const auto it = m_streamOf.constFind(key); it != m_streamOf.constEnd())
        return *it;
    const FrameSpec spec = m_frameLookup && kind != RecordKind::Event ? m_frameLookup(endpoint) : FrameSpec{};
    const auto index = quint16(m_streams.size());
    m_streams.push_back({endpoint, kind, Framer(spec)});
    m_streamOf.insert(key, index);
    return index;
}

void MessageIndex::keep(std::vector<Message> &out, const Message &message, QByteArrayView payload) {
    if (m_full || (m_filter && !m_filter(payload)))
        return;
    if (size() + qsizetype(out.size()) >= MaxMessages) {
        m_full = true;
        return;
    }
    out.push_back(message);
}

void MessageIndex::push(quint16 index, const Record &record, std::vector<Message> &out) {
    Stream &s = m_streams[index];
    if (record.isEvicted()) {
        // Framing cannot go on through bytes that are gone: it starts afresh after them, and the
        // gap is listed where it is.
        s.framer = Framer(s.framer.spec());
        s.started = false;
        s.carried = 0;
        s.lastSeq = record.seq;
        if (!m_filter)
            out.push_back({record.seq, record.seq, 0, record.length, 0, index, s.kind, Evicted});
        return;
    }
    if (!s.started) {
        s.startSeq = record.seq;
        s.startOffset = 0;
        s.started = true;
        s.carried = 0;
    }
    const auto size = qint64(record.payload.size());
    // Where the pending message starts, in this record's offsets (negative: in earlier records).
    qint64 begin = s.startSeq == record.seq ? qint64(s.startOffset) : -qint64(s.carried);
    const FrameSpec &spec = s.framer.spec();
    s.framer.push(record.payload, record.timeNs / NsPerMs, [&](FramedMessage &&message) {
        const qint64 end = begin + qint64(consumedBytes(spec, message));
        // An idle message ends with the push after its gap: its bytes ended in the record before.
        const quint64 endSeq = end <= 0 ? s.lastSeq : record.seq;
        keep(out,
             {s.startSeq, endSeq, s.startOffset, quint32(message.payload.size()), saturated(message.cutBytes),
              index, s.kind, NoFlags},
             message.payload);
        begin = end;
        s.startSeq = record.seq;
        s.startOffset = quint32(std::clamp<qint64>(end, 0, size));
    });
    if (begin >= size) {
        s.started = false; // the next message starts with the next record
        s.carried = 0;
    } else if (s.startSeq == record.seq) {
        s.carried = quint64(size - s.startOffset);
    } else {
        s.carried += quint64(size);
    }
    s.lastSeq = record.seq;
}

void MessageIndex::expireIdle(std::vector<Message> &out) {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 next = -1;
    for (size_t i = 0; i < m_streams.size(); ++i) {
        Stream &s = m_streams[i];
        const qint64 deadline = s.framer.idleDeadlineMs();
        if (deadline < 0 || !s.started)
            continue;
        if (deadline + IdleGraceMs > now) {
            next = next < 0 ? deadline + IdleGraceMs : std::min(next, deadline + IdleGraceMs);
            continue;
        }
        s.framer.expire(deadline, [&](FramedMessage &&message) {
            keep(out,
                 {s.startSeq, s.lastSeq, s.startOffset, quint32(message.payload.size()),
                  saturated(message.cutBytes), quint16(i), s.kind, NoFlags},
                 message.payload);
        });
        s.started = false;
        s.carried = 0;
    }
    if (next >= 0)
        m_idleTimer.start(int(std::clamp<qint64>(next - now, 1, 60000)));
}

void MessageIndex::publish(std::vector<Message> &found) {
    if (!found.empty()) {
        const qsizetype first = size();
        Q_EMIT aboutToAppend(first, first + qsizetype(found.size()) - 1);
        m_messages.insert(m_messages.end(), found.begin(), found.end());
        Q_EMIT appended();
    }
    if (m_full && !m_saidFull) {
        m_saidFull = true;
        Q_EMIT filledUp();
    }
}

qint64 MessageIndex::readRecord(const Record &header) {
    if (!m_endpoints.contains(header.endpoint) || !wanted(header.kind))
        return 0;
    if (m_streams.size() >= std::numeric_limits<quint16>::max() &&
        !m_streamOf.contains(header.endpoint * 4 + quint64(header.kind)))
        return 0; // more streams than a Message can name: the rest stay out
    const quint16 stream = streamFor(header.endpoint, header.kind);
    Record record;
    if (!m_journal->record(header.seq, &record, !header.isEvicted()))
        return 0;
    if (record.kind == RecordKind::Event) {
        keep(m_found, {record.seq, record.seq, 0, record.length, 0, stream, record.kind, NoFlags},
             record.payload);
        return 0;
    }
    push(stream, record, m_found);
    return qint64(record.payload.size());
}

void MessageIndex::sliceEnded(bool caughtUp) {
    if (caughtUp)
        expireIdle(m_found);
    publish(m_found);
    m_found.clear();
}

void MessageIndex::onIdleTimerTimeout() {
    // While records wait to be read, the slice that catches up ends the idle messages.
    if (!isIndexing())
        sliceEnded(true);
}

QByteArray MessageIndex::payload(const Message &message) const {
    if (message.flags & Evicted)
        return {};
    Record record;
    if (message.kind == RecordKind::Event)
        return m_journal->record(message.startSeq, &record, true) ? record.payload : QByteArray();
    const Stream &s = m_streams[message.stream];
    // Framing the message's span afresh gives exactly its payload: a message starts with a fresh
    // framer state, whatever the kind.
    Framer framer(s.framer.spec());
    std::optional<QByteArray> found;
    const Framer::Sink sink = [&found](FramedMessage &&m) {
        if (!found)
            found = m.payload.toByteArray();
    };
    quint64 seq = message.startSeq;
    while (seq <= message.endSeq && !found) {
        const std::vector<Record> batch =
            m_journal->records(seq, std::min(HeaderBatch, message.endSeq + 1 - seq), false);
        if (batch.empty())
            break;
        for (const Record &header : batch) {
            seq = header.seq + 1;
            if (header.endpoint != s.endpoint || header.kind != s.kind)
                continue;
            if (header.isEvicted() || !m_journal->record(header.seq, &record, true) || record.isEvicted())
                return {};
            QByteArrayView bytes = record.payload;
            if (header.seq == message.startSeq)
                bytes = bytes.sliced(std::min<qsizetype>(message.startOffset, bytes.size()));
            framer.push(bytes, record.timeNs / NsPerMs, sink);
            if (found)
                break;
        }
    }
    // An idle message, or one ended by expiry, is complete once its records are in.
    if (!found)
        framer.flush(sink);
    return found.value_or(QByteArray());
}

} // namespace sockbench
