#include "engine/streamrecorder.h"

#include "engine/reactor.h"
#include "engine/tcpstream.h"

namespace sockbench {

namespace {

constexpr quint64 EchoHighWater = 4 * 1024 * 1024; // stop reading an echo peer that does not read
constexpr quint64 EchoLowWater = 1024 * 1024;

} // namespace

StreamRecorder::StreamRecorder(AutoReply reply, QByteArray greeting, bool closeAfterPeer)
    : m_reply(reply)
    , m_greeting(std::move(greeting))
    , m_closeAfterPeer(closeAfterPeer) {}

void StreamRecorder::opened(TcpStream &stream) {
    if (m_reply == AutoReply::Greeting && !m_greeting.isEmpty())
        stream.write(m_greeting);
}

bool StreamRecorder::received(TcpStream &stream, const char *data, qsizetype size) {
    stream.reactor().recordData(stream.id(), RecordKind::DataIn, data, quint32(size));
    if (m_reply != AutoReply::Echo || stream.isWriteShut())
        return true;
    stream.write(QByteArray(data, size));
    if (stream.isFinished())
        return false; // the echo write found the connection reset
    if (stream.queuedBytes() >= EchoHighWater) {
        stream.pauseReading();
        return false;
    }
    return true;
}

void StreamRecorder::sent(TcpStream &stream, const char *data, qsizetype size) {
    stream.reactor().recordData(stream.id(), RecordKind::DataOut, data, quint32(size));
}

void StreamRecorder::peerFinished(TcpStream &stream) {
    // An echo server answers everything, then closes too; so does a server whose client is done
    // (`if not data: break`), unless the user keeps it half-open to go on sending.
    if (m_reply == AutoReply::Echo || m_closeAfterPeer)
        stream.close();
}

void StreamRecorder::drained(TcpStream &stream) {
    if (stream.isReadingPaused() && stream.queuedBytes() <= EchoLowWater)
        stream.resumeReading();
}

void StreamRecorder::setAutoReply(AutoReply reply) {
    m_reply = reply;
}

} // namespace sockbench
