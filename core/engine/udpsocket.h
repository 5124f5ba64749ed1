#pragma once

// Internal to core: a UDP socket on a reactor.

#include "engine/responder.h"
#include "engine/socket.h"

#include <QByteArray>

#include <sys/socket.h>

#include <deque>
#include <memory>

namespace sockbench {

/// A bound UDP socket: receives with recvmmsg in batches (a datagram longer than
/// UdpOptions::maxDatagramBytes is recorded truncated, with its real length), sends through a
/// queue that waits for EPOLLOUT when the kernel is full, and joins and leaves multicast groups.
class UdpSocket final : public Socket {
public:
    UdpSocket(Reactor &owner, EndpointId id, const UdpOptions &options);
    Q_DISABLE_COPY_MOVE(UdpSocket)

    /// Creates a socket on the calling reactor, resolves host and binds it to host:port.
    static void open(Reactor &reactor, EndpointId id, const QString &host, quint16 port,
                     const UdpOptions &options);
    /// Creates a socket on the calling reactor for sending to host:port: resolves host (off the
    /// reactor thread), binds the wildcard address of the destination's family on port 0, and
    /// reports the destination with the bind (outcome::UdpBound::destination).
    static void openTo(Reactor &reactor, EndpointId id, const QString &host, quint16 port,
                       const UdpOptions &options);
    /// Why a command for a UDP socket that is not (or no longer) open did nothing.
    static QString notOpenText();

    void onReady(quint32 events) override;
    void close() override;
    bool dropsUnreadInput() const override { return true; }
    /// Live options; a socket still resolving keeps them for its bind (and reports no change yet).
    QList<AppliedOption> setSocketOptions(const SocketOptions &options);

    /// Sends one datagram to host:port, resolving host first (the socket stays Bound meanwhile).
    void sendDatagram(const QString &host, quint16 port, const QByteArray &bytes);
    void multicast(const QString &group, const QString &interfaceName, bool join);
    /// Sends every datagram received from now on back to its sender, or stops doing so.
    void setEcho(bool on) { m_options.echo = on; }
    /// Response rules for each datagram from now on (null: none); replies go to its sender.
    void setRules(std::shared_ptr<RuleBook> rules);
    void onTimer(TimerKind kind) override;

private:
    struct Datagram {
        NetAddress to;
        QByteArray bytes;
    };

    void bindTo(const NetAddress &address, const NetAddress &destination);
    void read();
    void sendNow(const NetAddress &to, const QByteArray &bytes);
    void flushQueue();
    /// Sends a rule's reply to the sender of the datagram it answers. A rule's close or abort
    /// has no meaning for a UDP socket and is ignored (the socket serves other senders).
    void answer(Responder::Due &&due);
    void afterRules();

    UdpOptions m_options;
    bool m_v6 = false; ///< socket family: decides v4-mapped destinations
    std::deque<Datagram> m_queue;
    // Formatting a sender costs more than the rest of a receive, and a burst repeats the same one.
    sockaddr_storage m_lastFrom{};
    socklen_t m_lastFromLength = 0;
    NetAddress m_lastFromAddress;
    QString m_lastFromText;                 ///< m_lastFromAddress as ${peer} shows it
    std::unique_ptr<Responder> m_responder; ///< built on the reactor thread at the first datagram
};

} // namespace sockbench
