#pragma once

// Internal to core: a listening TCP socket on a reactor.

#include "engine/socket.h"
#include "engine/streamhandler.h"
#include "tls/tlscontext.h"

#include <memory>
#include <optional>

namespace sockbench {

struct ReactorShared;

/// Makes the handler of each connection a listener accepts, in place of the StreamRecorder (a
/// relay's client leg). Called on the listener's reactor thread, while the connection is built;
/// the listener still wraps the handler in TLS when ListenerOptions::tls asks for it.
class AcceptedHandlerFactory {
public:
    AcceptedHandlerFactory() = default;
    virtual ~AcceptedHandlerFactory() = default;
    Q_DISABLE_COPY_MOVE(AcceptedHandlerFactory)

    /// The handler for connection `accepted`, which arrived from `peer`.
    virtual std::unique_ptr<StreamHandler> make(EndpointId accepted, const NetAddress &peer) = 0;
};

/// Accepts connections and hands each one, as a TcpStream, to a reactor: another one when there
/// are several, so that the listening reactor only accepts, and preferably one without a UDP
/// socket, so that a bulk stream does not take turns with datagrams the kernel would drop.
///
/// On descriptor exhaustion (EMFILE, ENFILE, ...) it stops watching its socket, reports "accepting
/// paused", retries every AcceptRetryMs (clients wait in the kernel's backlog) and reports when it
/// resumes. Nothing spins.
class TcpListener final : public Socket {
public:
    TcpListener(Reactor &owner, EndpointId id, const ListenerOptions &options);
    Q_DISABLE_COPY_MOVE(TcpListener)

    /// Creates a listener on the calling reactor, resolves host and starts listening.
    /// With a factory, accepted connections get its handlers (ListenerOptions' auto-reply and
    /// rules are then not used).
    static void start(Reactor &reactor, EndpointId id, const QString &host, quint16 port,
                      const ListenerOptions &options,
                      std::shared_ptr<AcceptedHandlerFactory> factory = nullptr);

    void onReady(quint32 events) override;
    void onTimer(TimerKind kind) override;
    /// Stops accepting; connections already accepted stay open.
    void close() override;
    /// What connections accepted from now on get.
    void setAutoReply(AutoReply reply, const QByteArray &greeting) {
        m_options.autoReply = reply;
        m_options.greeting = greeting;
    }
    /// The rules that connections accepted from now on start with.
    void setRules(std::shared_ptr<RuleBook> rules) { m_options.rules = std::move(rules); }
    /// Options set on the running listener: applied to its socket, and kept for the connections
    /// it accepts from now on. Returns the listening socket's read-back.
    QList<AppliedOption> setSocketOptions(const SocketOptions &options);
    /// The factory given to start(), if any.
    AcceptedHandlerFactory *handlerFactory() const { return m_factory.get(); }

private:
    void listenOn(const NetAddress &address);
    void acceptBurst();
    /// The index of the reactor that takes the next connection accepted on reactor `here`.
    static size_t reactorForAccepted(ReactorShared &shared, size_t here);
    void pauseAccepting(int error);
    void resumeAccepting();

    ListenerOptions m_options;
    std::shared_ptr<AcceptedHandlerFactory> m_factory;
    /// ListenerOptions::tls made into a context once, before listening; every connection shares it.
    std::optional<TlsContext> m_tls;
    NetAddress m_local;
    bool m_acceptPaused = false;
};

} // namespace sockbench
