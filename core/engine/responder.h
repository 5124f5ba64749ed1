#pragma once

// Internal to core: response rules at work on one endpoint, on its reactor thread.

#include "engine/endpoint.h"
#include "protocol/framing.h"
#include "protocol/rules.h"

#include <QByteArray>
#include <QString>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace sockbench {

class Reactor;

/// Runs a RuleBook over what one stream or UDP socket receives: frames a stream into messages
/// (UDP: one message per datagram), matches each against the rules, and hands back the replies in
/// order, each when its delay has passed. It does no I/O itself: the stream or socket sends what
/// comes out of take() and arms its timer for nextDeadlineMs().
///
/// Order is kept across delays: a reply never overtakes an earlier message's reply, so a reply
/// without delay behind one with 50 ms waits for it (what a single-threaded server would do).
class Responder final {
public:
    /// A reply (or an ending) due now.
    struct Due {
        QByteArray bytes;
        bool sends = false;             ///< send bytes (the rule has a reply, maybe empty)
        RuleThen then = RuleThen::Stop; ///< Close or Abort end the stream; others do nothing more
        int rule = -1;
        NetAddress to; ///< UDP: the sender of the message it answers
    };
    using Sink = std::function<void(Due &&due)>;

    Responder(Reactor &reactor, EndpointId id, std::shared_ptr<RuleBook> book);
    Q_DISABLE_COPY_MOVE(Responder)

    const std::shared_ptr<RuleBook> &book() const { return m_book; }

    /// Stream bytes that arrived now from `peer`.
    void streamBytes(QByteArrayView bytes, const QString &peer, const Sink &sink);
    /// One datagram from `from` (whose text form is `fromText`).
    void datagram(QByteArrayView bytes, const NetAddress &from, const QString &fromText, const Sink &sink);
    /// The peer ended the stream: a message in progress is the last one.
    void streamEnded(const QString &peer, const Sink &sink);
    /// Hands out what is due by now (delayed replies, an idle frame's end).
    void poll(const Sink &sink);
    /// When poll() has something next, on the monotonic clock in ms (see nowMs()); -1: nothing.
    qint64 nextDeadlineMs() const;
    /// Replies still waiting for their delay.
    bool hasPending() const { return !m_pending.empty(); }
    /// What the replies waiting for their delay hold, in bytes (with a fixed cost per reply), for
    /// the stream's back-pressure: a peer that keeps sending to a slow rule is read more slowly.
    quint64 pendingCost() const { return m_pendingBytes + quint64(m_pending.size()) * PendingReplyCost; }
    /// Beyond this, a reply that would wait is dropped, and the journal says so (once per episode):
    /// a UDP socket cannot slow its senders down.
    static constexpr quint64 MaxPendingCost = 64 * 1024 * 1024;
    /// The monotonic clock the deadlines use.
    static qint64 nowMs();

private:
    /// arrivalMs on the monotonic clock (for delays), wallUs the wall clock (for ${time}).
    void message(FramedMessage &&framed, const NetAddress &from, const QString &fromText, qint64 arrivalMs,
                 qint64 wallUs, const Sink &sink);
    void release(qint64 now, const Sink &sink);

    Reactor &m_reactor;
    const EndpointId m_id;
    std::shared_ptr<RuleBook> m_book;
    Framer m_framer;
    quint64 m_seq = 0;
    std::vector<bool> m_gaveUpSaid;    ///< by rule: its pattern's giving up is already in the journal
    std::vector<RuleAction> m_actions; ///< message()'s, kept for their capacity
    std::vector<int> m_gaveUp;         ///< message()'s, kept for their capacity
    QString m_lastPeer;                ///< for a message that an idle gap ends
    struct Pending {
        qint64 dueMs = 0;
        Due due;
    };
    std::deque<Pending> m_pending;
    static constexpr quint64 PendingReplyCost = 128; ///< the bookkeeping of one waiting reply
    quint64 m_pendingBytes = 0;
    bool m_dropping = false; ///< replies are being dropped at MaxPendingCost; said once
};

} // namespace sockbench
