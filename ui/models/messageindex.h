#pragma once

#include "journal/journal.h"
#include "models/journalfollower.h"
#include "protocol/framing.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>
#include <vector>

namespace sockbench {

class JournalFeed;

/// The messages of some endpoints' streams (each endpoint, each direction framed on its own by the
/// endpoint's display framing), in the order they ended, built by running a Framer over the
/// journal's data records.
///
/// Memory-conscious: the journal may hold tens of millions of records, so a message is 32 bytes
/// here (where it starts, which record ended it, its length and cut bytes) and never its payload.
/// payload() reads a message's bytes again from the journal on demand by framing its span afresh.
/// The index is built in slices (a JournalFollower), so a long history never freezes the window,
/// and grows with the feed. A raw endpoint's messages are its read chunks, a UDP socket's its
/// datagrams; event records are listed too when asked for. A message shows once it has ended
/// (its delimiter, its last counted byte, its idle gap): the one still arriving is not listed.
class MessageIndex final : public QObject, private JournalReader {
    Q_OBJECT

public:
    struct Message {
        quint64 startSeq = 0;    ///< the record where the message (with its header) starts
        quint64 endSeq = 0;      ///< the record that ended it; its time is the message's
        quint32 startOffset = 0; ///< where in startSeq's payload
        quint32 length = 0;      ///< payload bytes (without delimiter or header), at most the maximum
        quint32 cutBytes = 0;    ///< bytes skipped past the maximum (saturated)
        quint16 stream = 0;      ///< streamEndpoint() tells whose
        RecordKind kind = RecordKind::DataIn;
        quint8 flags = NoFlags; ///< Evicted: the journal dropped bytes of it (payload() is empty)
    };
    static_assert(sizeof(Message) == 32);

    explicit MessageIndex(const Journal *journal, QObject *parent = nullptr);
    ~MessageIndex() override;
    Q_DISABLE_COPY_MOVE(MessageIndex)

    /// How an endpoint is framed (asked when its first record is met); raw when not set.
    void setFrameLookup(std::function<FrameSpec(EndpointId)> lookup);
    /// Only these endpoints' records; empty lists nothing.
    void setEndpoints(const QSet<EndpointId> &endpoints);
    QSet<EndpointId> endpoints() const { return m_endpoints; }
    /// Which kinds of records are listed (data in, data out, events); default data both ways.
    void setKinds(bool in, bool out, bool events);
    /// Only messages (and events) whose payload passes; null lists all. Restarts the index.
    void setFilter(std::function<bool(QByteArrayView payload)> filter);
    /// Takes in what the feed announces from now on, and catches up with what it announced before.
    void follow(const JournalFeed *feed);
    void appendUpTo(quint64 count);
    /// Clear log: records before origin are left out from now on.
    void clearBefore(quint64 origin);
    /// Frames everything again (an endpoint's framing changed).
    void restart();

    /// The index stops here (64 MB): beyond it, fixed:1 framing or a flood of short lines would
    /// cost more than the journal that holds them. isFull() and filledUp() say so.
    static constexpr qsizetype MaxMessages = 2'000'000;
    bool isFull() const { return m_full; }

    qsizetype size() const { return qsizetype(m_messages.size()); }
    const Message &at(qsizetype i) const { return m_messages[size_t(i)]; }
    EndpointId streamEndpoint(quint16 stream) const { return m_streams[stream].endpoint; }
    bool isIndexing() const { return m_follower.isReading(); }
    /// The message's payload (an event's text), read again from the journal; empty when evicted.
    QByteArray payload(const Message &message) const;

Q_SIGNALS:
    /// Messages [first, last] are about to be appended; then appended() follows.
    void aboutToAppend(qsizetype first, qsizetype last);
    void appended();
    void aboutToReset();
    void reset();
    /// The journal's budget dropped the records of the first `count` messages: they are about to
    /// go from the front of the index; then droppedFront() follows.
    void aboutToDropFront(qsizetype count);
    void droppedFront(qsizetype count);
    /// The index reached MaxMessages and lists no more (until it restarts).
    void filledUp();

private:
    struct Stream {
        EndpointId endpoint;
        RecordKind kind;
        Framer framer;
        quint64 startSeq = 0;    ///< where the pending message starts
        quint32 startOffset = 0; ///< in startSeq's payload
        bool started = false;    ///< bytes of a pending message have been pushed
        quint64 carried = 0;     ///< bytes of the pending message in records before the current one
        quint64 lastSeq = 0;     ///< the last record pushed
    };
    quint16 streamFor(EndpointId endpoint, RecordKind kind);
    void push(quint16 stream, const Record &record, std::vector<Message> &out);
    void expireIdle(std::vector<Message> &out);
    void onIdleTimerTimeout();
    bool wanted(RecordKind kind) const;
    void keep(std::vector<Message> &out, const Message &message, QByteArrayView payload);
    void publish(std::vector<Message> &found);

    // JournalReader: a record is a piece of a message (or an event, one of its own).
    bool readsRecords() const override { return !m_endpoints.isEmpty(); }
    void droppedBefore(quint64 seq) override;
    qint64 readRecord(const Record &header) override;
    void sliceEnded(bool caughtUp) override;
    void restarted() override;

    const Journal *m_journal;
    std::function<FrameSpec(EndpointId)> m_frameLookup;
    std::function<bool(QByteArrayView)> m_filter;
    QSet<EndpointId> m_endpoints;
    bool m_in = true;
    bool m_out = true;
    bool m_events = false;
    std::vector<Message> m_messages;
    bool m_full = false;     ///< MaxMessages reached
    bool m_saidFull = false; ///< filledUp() emitted
    std::vector<Stream> m_streams;
    QHash<quint64, quint16> m_streamOf; ///< endpoint * 4 + kind → index in m_streams
    std::vector<Message> m_found;       ///< messages of the slice being read
    JournalFollower m_follower;
    QTimer m_idleTimer; ///< ends idle-framed messages whose gap passed with no record after them
};

} // namespace sockbench
