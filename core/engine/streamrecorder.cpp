#include "engine/streamrecorder.h"

#include "engine/reactor.h"
#include "engine/responder.h"
#include "engine/sockaddr.h"
#include "engine/tcpstream.h"

#include <algorithm>
#include <utility>

namespace sockbench {

namespace {

constexpr quint64 ReplyHighWater = 4 * 1024 * 1024; // stop reading a peer that does not read its replies
constexpr quint64 ReplyLowWater = 1024 * 1024;
constexpr qsizetype MaxClientHello = 64 * 1024; // a ClientHello kept for Start TLS is never longer

/// A TLS handshake record (22), version 3.x, holding a ClientHello (1): a TLS client that reached
/// a plaintext listener.
bool looksLikeClientHello(const char *data, qsizetype size) {
    const auto *bytes = reinterpret_cast<const unsigned char *>(data);
    return size >= 6 && bytes[0] == 0x16 && bytes[1] == 0x03 && bytes[2] <= 0x04 && bytes[5] == 0x01;
}

} // namespace

StreamRecorder::StreamRecorder(AutoReply reply, QByteArray greeting, bool closeAfterPeer,
                               std::shared_ptr<RuleBook> rules)
    : m_reply(reply)
    , m_greeting(std::move(greeting))
    , m_closeAfterPeer(closeAfterPeer)
    , m_rules(std::move(rules)) {}

StreamRecorder::~StreamRecorder() = default;

void StreamRecorder::opened(TcpStream &stream) {
    if (m_reply == AutoReply::Greeting && !m_greeting.isEmpty())
        stream.write(m_greeting);
    if (m_rules)
        startRules(stream);
}

void StreamRecorder::startRules(TcpStream &stream) {
    if (m_peerText.isEmpty())
        m_peerText = peerAddressOf(stream.fd()).toString();
    m_responder = std::make_unique<Responder>(stream.reactor(), stream.id(), std::move(m_rules));
    m_rules.reset();
}

bool StreamRecorder::received(TcpStream &stream, const char *data, qsizetype size) {
    stream.reactor().recordData(stream.id(), RecordKind::DataIn, data, quint32(size));
    if (looksLikeClientHello(data, size)) {
        // A TLS client on a plaintext listener, or a Start TLS peer that went first.
        stream.reactor().recordEvent(stream.id(), QStringLiteral("this looks like a TLS ClientHello"));
        m_clientHello = QByteArray(data, size);
    } else if (!m_clientHello.isEmpty() && m_clientHello.size() + size <= MaxClientHello) {
        m_clientHello.append(data, size); // the rest of a ClientHello split across reads
    } else {
        m_clientHello.clear();
    }
    if (m_responder && !m_rulesEnded) {
        // One read may hold many messages: their replies leave together.
        stream.beginWriteBatch();
        m_responder->streamBytes(QByteArrayView(data, size), m_peerText,
                                 [&](Responder::Due &&due) { answer(stream, std::move(due)); });
        stream.endWriteBatch();
        afterRules(stream);
        if (stream.isFinished())
            return false;
    }
    if (m_reply == AutoReply::Echo && !stream.isWriteShut()) {
        stream.write(QByteArray(data, size));
        if (stream.isFinished())
            return false; // the echo write found the connection reset
    }
    if (replyBacklog(stream) >= ReplyHighWater && (m_reply == AutoReply::Echo || m_responder)) {
        stream.pauseReading();
        return false;
    }
    return true;
}

quint64 StreamRecorder::replyBacklog(const TcpStream &stream) const {
    return stream.queuedBytes() + (m_responder ? m_responder->pendingCost() : 0);
}

void StreamRecorder::answer(TcpStream &stream, Responder::Due &&due) {
    if (m_rulesEnded || stream.isFinished())
        return;
    if (due.sends && !due.bytes.isEmpty() && !stream.isWriteShut())
        stream.write(std::move(due.bytes));
    if (stream.isFinished() || (due.then != RuleThen::Close && due.then != RuleThen::Abort))
        return;
    m_rulesEnded = true;
    const bool abort = due.then == RuleThen::Abort;
    if (abort) {
        stream.flushNow(); // the reply goes before the reset, as it would without a batch
        if (stream.isFinished())
            return; // the peer reset first
    }
    stream.reactor().recordEvent(stream.id(),
                                 abort ? QStringLiteral("Rule %1 aborts the connection").arg(due.rule + 1)
                                       : QStringLiteral("Rule %1 closes the connection").arg(due.rule + 1));
    if (abort)
        stream.abort();
    else
        stream.close();
}

void StreamRecorder::afterRules(TcpStream &stream) {
    if (stream.isFinished())
        return;
    const bool active = m_responder && !m_rulesEnded;
    const qint64 deadline = active ? m_responder->nextDeadlineMs() : -1;
    if (deadline < 0)
        stream.cancelTimer(TimerKind::Rules);
    else
        stream.armTimer(TimerKind::Rules, std::max<qint64>(0, deadline - Responder::nowMs()));
    if (m_peerDone && !(active && m_responder->hasPending())) {
        m_peerDone = false;
        if (!m_rulesEnded && shouldCloseAfterPeer())
            stream.close();
    }
}

void StreamRecorder::sent(TcpStream &stream, const char *data, qsizetype size) {
    stream.reactor().recordData(stream.id(), RecordKind::DataOut, data, quint32(size));
}

bool StreamRecorder::shouldCloseAfterPeer() const {
    // An echo server answers everything, then closes too; so does a server whose client is done
    // (`if not data: break`), unless the user keeps it half-open to go on sending.
    return m_reply == AutoReply::Echo || m_closeAfterPeer;
}

void StreamRecorder::peerFinished(TcpStream &stream) {
    if (m_responder && !m_rulesEnded) {
        // The message in progress is the last one; replies still delayed go out before the close.
        m_peerDone = true;
        stream.beginWriteBatch();
        m_responder->streamEnded(m_peerText, [&](Responder::Due &&due) { answer(stream, std::move(due)); });
        stream.endWriteBatch();
        afterRules(stream);
        return;
    }
    if (shouldCloseAfterPeer())
        stream.close();
}

void StreamRecorder::drained(TcpStream &stream) {
    resumeIfCaughtUp(stream);
}

void StreamRecorder::resumeIfCaughtUp(TcpStream &stream) {
    if (!stream.isFinished() && stream.isReadingPaused() && replyBacklog(stream) <= ReplyLowWater)
        stream.resumeReading();
}

void StreamRecorder::setAutoReply(AutoReply reply) {
    m_reply = reply;
}

void StreamRecorder::setRules(TcpStream &stream, std::shared_ptr<RuleBook> rules, bool own) {
    if (m_ownRules && !own)
        return; // the connection's own rules stay when its listener's change
    // Cleared on the connection itself: it has none now, and follows its listener's next change.
    m_ownRules = own && rules;
    m_rulesEnded = false;
    m_responder.reset();
    m_rules = std::move(rules);
    if (m_rules && stream.state() != EndpointState::Resolving && stream.state() != EndpointState::Connecting)
        startRules(stream);
    afterRules(stream);
}

QByteArray StreamRecorder::takeClientHello() {
    return std::exchange(m_clientHello, {});
}

void StreamRecorder::rulesTimer(TcpStream &stream) {
    if (!m_responder || m_rulesEnded)
        return;
    stream.beginWriteBatch();
    m_responder->poll([&](Responder::Due &&due) { answer(stream, std::move(due)); });
    stream.endWriteBatch();
    afterRules(stream);
    resumeIfCaughtUp(stream); // delayed replies have gone: the peer may be read again
}

} // namespace sockbench
