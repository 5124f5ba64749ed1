#pragma once

// Internal to core: the handler every TCP stream starts with.

#include "engine/endpoint.h"
#include "engine/responder.h"
#include "engine/streamhandler.h"

#include <memory>

namespace sockbench {

/// Records a stream's traffic in the journal (what arrived, and what the kernel took) and gives a
/// listener's auto-reply (a greeting once opened, or an echo of everything received) and the
/// stream's response rules (see Responder).
///
/// Back-pressure: a peer that does not read its echoes or rule replies (or keeps a slow rule's
/// delayed replies waiting) stops being read once ReplyHighWater bytes wait for it, and is read
/// again when they have gone; after its FIN everything is answered and the connection closes (as
/// socat's PIPE does).
///
/// After the peer's FIN an echo stream closes, and so does any stream made with closeAfterPeer
/// (an accepted connection whose listener does not keep half-open ones), once replies still
/// waiting for their delay have gone.
class StreamRecorder final : public StreamHandler {
public:
    explicit StreamRecorder(AutoReply reply, QByteArray greeting = {}, bool closeAfterPeer = false,
                            std::shared_ptr<RuleBook> rules = {});
    ~StreamRecorder() override;
    Q_DISABLE_COPY_MOVE(StreamRecorder)

    void opened(TcpStream &stream) override;
    bool received(TcpStream &stream, const char *data, qsizetype size) override;
    void sent(TcpStream &stream, const char *data, qsizetype size) override;
    void peerFinished(TcpStream &stream) override;
    void drained(TcpStream &stream) override;
    void setAutoReply(AutoReply reply) override;
    void setRules(TcpStream &stream, std::shared_ptr<RuleBook> rules, bool own) override;
    void rulesTimer(TcpStream &stream) override;
    QByteArray takeClientHello() override;

private:
    void startRules(TcpStream &stream);
    /// Sends a reply and carries out its rule's ending.
    void answer(TcpStream &stream, Responder::Due &&due);
    /// Arms the stream's rules timer for the responder's next deadline, and closes a stream whose
    /// peer is done once nothing waits any more.
    void afterRules(TcpStream &stream);
    bool shouldCloseAfterPeer() const;
    /// Replies not yet on the wire: queued on the stream, and waiting for their delay.
    quint64 replyBacklog(const TcpStream &stream) const;
    /// Reads the peer again once the backlog is down to ReplyLowWater.
    void resumeIfCaughtUp(TcpStream &stream);

    AutoReply m_reply;
    QByteArray m_greeting;
    bool m_closeAfterPeer;
    std::shared_ptr<RuleBook> m_rules; ///< until opened() builds the responder
    std::unique_ptr<Responder> m_responder;
    bool m_ownRules = false;
    bool m_rulesEnded = false; ///< a rule closed or aborted the stream: no more replies
    bool m_peerDone = false;   ///< the peer's FIN arrived; close once delayed replies have gone
    QString m_peerText;        ///< ${peer}
    /// What arrived since a chunk that starts a TLS ClientHello, while nothing else has (a TLS
    /// client sends nothing more until it is answered); see takeClientHello().
    QByteArray m_clientHello;
};

} // namespace sockbench
