#include "engine/responder.h"

#include "engine/reactor.h"

#include <algorithm>
#include <chrono>

namespace sockbench {

namespace {

qint64 wallClockUs() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

Responder::Responder(Reactor &reactor, EndpointId id, std::shared_ptr<RuleBook> book)
    : m_reactor(reactor)
    , m_id(id)
    , m_book(std::move(book))
    , m_framer(m_book->rules().frame)
    , m_gaveUpSaid(m_book->rules().rules.size(), false) {}

qint64 Responder::nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void Responder::streamBytes(QByteArrayView bytes, const QString &peer, const Sink &sink) {
    const qint64 now = nowMs();
    const qint64 wallUs = wallClockUs(); // one read's messages all arrived at once
    release(now, sink);
    m_framer.push(bytes, now,
                  [&](FramedMessage &&framed) { message(std::move(framed), {}, peer, now, wallUs, sink); });
}

void Responder::datagram(QByteArrayView bytes, const NetAddress &from, const QString &fromText,
                         const Sink &sink) {
    const qint64 now = nowMs();
    release(now, sink);
    message(FramedMessage{bytes, 0, false}, from, fromText, now, wallClockUs(), sink);
}

void Responder::streamEnded(const QString &peer, const Sink &sink) {
    const qint64 now = nowMs();
    release(now, sink);
    m_framer.flush(
        [&](FramedMessage &&framed) { message(std::move(framed), {}, peer, now, wallClockUs(), sink); });
}

void Responder::poll(const Sink &sink) {
    const qint64 now = nowMs();
    release(now, sink);
    // An idle frame's end has no peer text to hand; the stream's own one is the same for every
    // message, so the caller's next call is not needed: use what the last message used.
    m_framer.expire(now, [&](FramedMessage &&framed) {
        message(std::move(framed), {}, m_lastPeer, now, wallClockUs(), sink);
    });
}

qint64 Responder::nextDeadlineMs() const {
    const qint64 idle = m_framer.idleDeadlineMs();
    if (m_pending.empty())
        return idle;
    return idle < 0 ? m_pending.front().dueMs : std::min(idle, m_pending.front().dueMs);
}

void Responder::message(FramedMessage &&framed, const NetAddress &from, const QString &fromText,
                        qint64 arrivalMs, qint64 wallUs, const Sink &sink) {
    if (framed.cutBytes > 0)
        m_reactor.recordEvent(m_id, describeCut(framed));
    if (!m_lastPeer.isSharedWith(fromText))
        m_lastPeer = fromText;
    const MessageContext context{++m_seq, wallUs, fromText};
    std::vector<int> &gaveUp = m_gaveUp;
    std::vector<RuleAction> &actions = m_actions;
    gaveUp.clear();
    evaluateRules(m_book->rules(), framed.payload, context, &actions, &gaveUp);
    for (const int rule : gaveUp) {
        // Once per rule on this endpoint: a hostile peer must not flood the journal with it.
        if (m_gaveUpSaid[size_t(rule)])
            continue;
        m_gaveUpSaid[size_t(rule)] = true;
        m_reactor.recordEvent(m_id,
                              QStringLiteral("Rule %1's pattern gave up after %2 steps; treated as no match "
                                             "(said once per connection)")
                                  .arg(rule + 1)
                                  .arg(RulePattern::MatchLimit));
    }
    for (RuleAction &action : actions) {
        m_book->countHit(action.rule);
        if (action.overflowBytes > 0) {
            m_reactor.recordEvent(m_id,
                                  QStringLiteral("Rule %1: its reply of %2 bytes does not fit the %3 length "
                                                 "header, so it is not sent")
                                      .arg(action.rule + 1)
                                      .arg(action.overflowBytes)
                                      .arg(toString(m_book->rules().frame)));
        }
        // A shared copy, so that the action keeps its buffer for the next message's reply.
        Due due{action.reply, action.sends, action.then, action.rule, from};
        // Never ahead of an earlier reply still waiting.
        const qint64 dueMs =
            std::max(arrivalMs + action.delayMs, m_pending.empty() ? 0 : m_pending.back().dueMs);
        if (m_pending.empty() && dueMs <= arrivalMs) {
            sink(std::move(due));
        } else if (pendingCost() + quint64(due.bytes.size()) + PendingReplyCost > MaxPendingCost) {
            if (!m_dropping) {
                m_reactor.recordEvent(m_id,
                                      QStringLiteral("Replies dropped: %1 bytes of replies already wait for "
                                                     "their delay")
                                          .arg(m_pendingBytes));
                m_dropping = true;
            }
        } else {
            m_pendingBytes += quint64(due.bytes.size());
            m_pending.push_back(Pending{dueMs, std::move(due)});
        }
    }
}

void Responder::release(qint64 now, const Sink &sink) {
    while (!m_pending.empty() && m_pending.front().dueMs <= now) {
        Due due = std::move(m_pending.front().due);
        m_pending.pop_front();
        m_pendingBytes -= quint64(due.bytes.size());
        if (m_pending.empty())
            m_dropping = false;
        sink(std::move(due));
    }
}

} // namespace sockbench
