#pragma once

// Internal to core: the handler every TCP stream starts with.

#include "engine/endpoint.h"
#include "engine/streamhandler.h"

namespace sockbench {

/// Records a stream's traffic in the journal (what arrived, and what the kernel took) and gives a
/// listener's auto-reply: a greeting once opened, or an echo of everything received.
///
/// Echo back-pressure: a client that does not read its echoes stops being read once EchoHighWater
/// bytes wait for it, and is read again when they have gone; after its FIN everything is echoed
/// and the connection closes (as socat's PIPE does).
///
/// After the peer's FIN an echo stream closes, and so does any stream made with closeAfterPeer
/// (an accepted connection whose listener does not keep half-open ones).
class StreamRecorder final : public StreamHandler {
public:
    explicit StreamRecorder(AutoReply reply, QByteArray greeting = {}, bool closeAfterPeer = false);
    Q_DISABLE_COPY_MOVE(StreamRecorder)

    void opened(TcpStream &stream) override;
    bool received(TcpStream &stream, const char *data, qsizetype size) override;
    void sent(TcpStream &stream, const char *data, qsizetype size) override;
    void peerFinished(TcpStream &stream) override;
    void drained(TcpStream &stream) override;
    void setAutoReply(AutoReply reply) override;

private:
    AutoReply m_reply;
    QByteArray m_greeting;
    bool m_closeAfterPeer;
};

} // namespace sockbench
