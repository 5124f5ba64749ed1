#include "engine/udpsocket.h"

#include "engine/datagramio.h"
#include "engine/reactor.h"
#include "engine/sockaddr.h"
#include "engine/sockopt.h"

#include <cerrno>
#include <netinet/in.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cstring>

namespace sockbench {

UdpSocket::UdpSocket(Reactor &owner, EndpointId id, const UdpOptions &options)
    : Socket(owner, id, EndpointState::Resolving)
    , m_options(options) {
    m_options.maxDatagramBytes = std::clamp(options.maxDatagramBytes, 1, 65536);
}

QString UdpSocket::notOpenText() {
    return QStringLiteral("UDP socket is not open");
}

void UdpSocket::open(Reactor &reactor, EndpointId id, const QString &host, quint16 port,
                     const UdpOptions &options) {
    UdpSocket &udp = reactor.add(std::make_unique<UdpSocket>(reactor, id, options));
    reactor.resolveThen(udp, host, port, AF_UNSPEC, Reactor::Lookup::SetsUp,
                        [&udp](const Resolver::Result &r) {
                            if (r.addresses.isEmpty())
                                udp.finish(EndpointState::Failed, r.error);
                            else
                                udp.bindTo(r.addresses.first(), {});
                        });
}

void UdpSocket::openTo(Reactor &reactor, EndpointId id, const QString &host, quint16 port,
                       const UdpOptions &options) {
    UdpSocket &udp = reactor.add(std::make_unique<UdpSocket>(reactor, id, options));
    // The socket must be of the destination's family, so the lookup decides what to bind.
    reactor.resolveThen(
        udp, host, port, AF_UNSPEC, Reactor::Lookup::SetsUp, [&udp](const Resolver::Result &r) {
            if (r.addresses.isEmpty()) {
                udp.finish(EndpointState::Failed, r.error);
                return;
            }
            const NetAddress &destination = r.addresses.first();
            const QString wildcard = destination.isV6() ? QStringLiteral("::") : QStringLiteral("0.0.0.0");
            udp.bindTo(NetAddress{wildcard, 0}, destination);
        });
}

void UdpSocket::bindTo(const NetAddress &address, const NetAddress &destination) {
    const auto sa = toSockaddr(address.ip, address.port);
    const int fd = sa ? ::socket(sa->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
    if (fd < 0) {
        finish(EndpointState::Failed, sa ? errnoText(errno) : QStringLiteral("Not a numeric address"));
        return;
    }
    setFd(fd);
    const UdpOptions &o = m_options;
    if (o.reuseAddress)
        setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (o.broadcast)
        setIntOption(fd, SOL_SOCKET, SO_BROADCAST, 1);
    // socket.receiveBufferBytes, when set, replaces this default (applySocketOptions below).
    if (o.receiveBufferBytes > 0 && !o.socket.receiveBufferBytes) {
        setReceiveBuffer(fd, o.receiveBufferBytes);
    }
    if (sa->family() == AF_INET6)
        setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, o.dualStack ? 0 : 1);
    unsigned ifindex = 0;
    if (!interfaceIndex(o.multicastInterface, &ifindex)) {
        finish(EndpointState::Failed, QStringLiteral("No such interface: %1").arg(o.multicastInterface));
        return;
    }
    // IPv4 options also apply to a dual-stack socket's v4-mapped groups; a v4 socket rejects the v6 ones.
    setIntOption(fd, IPPROTO_IP, IP_MULTICAST_TTL, o.multicastHops);
    setIntOption(fd, IPPROTO_IP, IP_MULTICAST_LOOP, o.multicastLoopback ? 1 : 0);
    if (ifindex)
        setMulticastInterfaceV4(fd, ifindex);
    if (sa->family() == AF_INET6) {
        setIntOption(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, o.multicastHops);
        setIntOption(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, o.multicastLoopback ? 1 : 0);
        if (ifindex)
            setIntOption(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, int(ifindex));
    }
    const QList<AppliedOption> applied = applySocketOptions(fd, OptionTarget::Udp, o.socket);
    if (!applied.isEmpty())
        reactor().recordEvent(id(), describeApplied(applied));
    if (::bind(fd, sa->get(), sa->length) != 0) {
        finish(EndpointState::Failed, errnoText(errno));
        return;
    }
    setState(EndpointState::Bound);
    m_v6 = sa->family() == AF_INET6;
    watch(EPOLLIN);
    const NetAddress local = localAddressOf(fd);
    reactor().describeEndpoint(id(), {EndpointKind::UdpSocket, false, 0, local, destination});
    reactor().recordEvent(id(), QStringLiteral("Bound to %1").arg(local.toString()));
    // Without CAP_NET_ADMIN the kernel silently caps the buffer at rmem_max, and a burst longer
    // than the buffer is dropped by the kernel before we can read it: say what was applied.
    // (A buffer the user asked for in socket.receiveBufferBytes is read back with the options.)
    const std::optional<int> granted = o.receiveBufferBytes > 0 && !o.socket.receiveBufferBytes
                                           ? readIntOption(fd, SOL_SOCKET, SO_RCVBUF)
                                           : std::nullopt;
    if (granted && *granted / 2 < o.receiveBufferBytes) // the kernel reports twice what it grants for data
        reactor().recordEvent(id(), QStringLiteral("Receive buffer %1 KiB of %2 KiB asked "
                                                   "(capped by net.core.rmem_max)")
                                        .arg(*granted / 2 / 1024)
                                        .arg(o.receiveBufferBytes / 1024));
    // Joined before udpBound() goes out, so a sender started on that signal finds the group joined.
    for (const MulticastGroup &group : o.joinGroups)
        multicast(group.group, group.interfaceName, true);
    reactor().report(outcome::UdpBound{id(), local, destination, applied});
}

QList<AppliedOption> UdpSocket::setSocketOptions(const SocketOptions &options) {
    overlayOptions(m_options.socket, options);
    if (fd() < 0)
        return {};
    return applySocketOptions(fd(), OptionTarget::LiveUdp, options);
}

void UdpSocket::onReady(quint32 events) {
    if (events & EPOLLOUT)
        flushQueue();
    if (!isFinished() && (events & (EPOLLIN | EPOLLERR)))
        read();
}

void UdpSocket::close() {
    finish(EndpointState::Closed, QStringLiteral("Closed"));
}

void UdpSocket::read() {
    datagramio::readDatagrams(
        *this, size_t(m_options.maxDatagramBytes),
        [this](const char *data, quint32 kept, quint32 wire, const sockaddr_storage &from,
               socklen_t nameLength) {
            if (nameLength != m_lastFromLength || std::memcmp(&from, &m_lastFrom, nameLength) != 0) {
                std::memcpy(&m_lastFrom, &from, nameLength);
                m_lastFromLength = nameLength;
                m_lastFromAddress = fromSockaddr(reinterpret_cast<const sockaddr *>(&from));
                m_lastFromText.clear();
            }
            const NetAddress &peer = m_lastFromAddress;
            reactor().recordData(id(), RecordKind::DataIn, data, kept, &peer, wire);
            if (m_options.echo)
                sendNow(peer, QByteArray(data, kept));
            if (m_options.rules && fd() >= 0) {
                if (!m_responder)
                    m_responder = std::make_unique<Responder>(reactor(), id(), m_options.rules);
                if (m_lastFromText.isEmpty())
                    m_lastFromText = peer.toString();
                m_responder->datagram(QByteArrayView(data, kept), peer, m_lastFromText,
                                      [this](Responder::Due &&due) { answer(std::move(due)); });
            }
        },
        [this] {
            if (m_responder)
                afterRules();
        });
}

void UdpSocket::setRules(std::shared_ptr<RuleBook> rules) {
    m_options.rules = std::move(rules);
    m_responder.reset();
    cancelTimer(TimerKind::Rules);
}

void UdpSocket::answer(Responder::Due &&due) {
    if (due.sends && fd() >= 0)
        sendNow(due.to, due.bytes);
}

void UdpSocket::afterRules() {
    const qint64 deadline = m_responder->nextDeadlineMs();
    if (deadline < 0)
        cancelTimer(TimerKind::Rules);
    else
        armTimer(TimerKind::Rules, std::max<qint64>(0, deadline - Responder::nowMs()));
}

void UdpSocket::onTimer(TimerKind kind) {
    if (kind != TimerKind::Rules || !m_responder || fd() < 0)
        return;
    m_responder->poll([this](Responder::Due &&due) { answer(std::move(due)); });
    afterRules();
}

void UdpSocket::sendDatagram(const QString &host, quint16 port, const QByteArray &bytes) {
    if (state() != EndpointState::Bound) {
        reactor().sendFailed(id(), notOpenText());
        return;
    }
    const int family = m_options.dualStack ? AF_UNSPEC : m_v6 ? AF_INET6 : AF_INET;
    reactor().resolveThen(*this, host, port, family, Reactor::Lookup::Destination,
                          [this, bytes](const Resolver::Result &r) {
                              if (r.addresses.isEmpty()) {
                                  reactor().sendFailed(id(), r.error);
                                  return;
                              }
                              sendNow(r.addresses.first(), bytes);
                          });
}

void UdpSocket::sendNow(const NetAddress &to, const QByteArray &bytes) {
    if (!m_queue.empty()) {
        m_queue.push_back({to, bytes}); // keep order behind what already waits
        return;
    }
    NetAddress target = to;
    if (m_v6 && !to.isV6())
        target.ip = QStringLiteral("::ffff:") + to.ip; // v4-mapped, for a dual-stack socket
    else if (!m_v6 && to.isV6()) {
        reactor().sendFailed(
            id(), QStringLiteral("cannot send to IPv6 address %1 from an IPv4 socket").arg(to.toString()));
        return;
    }
    const auto sa = toSockaddr(target.ip, target.port);
    if (!sa) {
        reactor().sendFailed(id(), QStringLiteral("Not a numeric address: %1").arg(to.ip));
        return;
    }
    for (;;) {
        const ssize_t n = ::sendto(fd(), bytes.constData(), size_t(bytes.size()), MSG_DONTWAIT | MSG_NOSIGNAL,
                                   sa->get(), sa->length);
        if (n >= 0) {
            reactor().recordData(id(), RecordKind::DataOut, bytes.constData(), quint32(bytes.size()), &to);
            return;
        }
        const int error = errno;
        if (error == EINTR)
            continue;
        if (error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS) {
            m_queue.push_back({to, bytes});
            watch(EPOLLIN | EPOLLOUT);
            return;
        }
        reactor().sendFailed(id(), QStringLiteral("%1: %2").arg(to.toString(), errnoText(error)));
        return;
    }
}

void UdpSocket::flushQueue() {
    std::deque<Datagram> pending;
    pending.swap(m_queue);
    watch(EPOLLIN);
    while (!pending.empty() && m_queue.empty() && fd() >= 0) {
        sendNow(pending.front().to, pending.front().bytes);
        pending.pop_front();
    }
    // Whatever did not go out waits, in order, for the next EPOLLOUT.
    for (auto &d : pending)
        m_queue.push_back(std::move(d));
}

void UdpSocket::multicast(const QString &group, const QString &interfaceName, bool join) {
    if (fd() < 0) {
        reactor().sendFailed(id(), notOpenText());
        return;
    }
    const QString verb = join ? QStringLiteral("join") : QStringLiteral("leave");
    unsigned ifindex = 0;
    if (!interfaceIndex(interfaceName, &ifindex)) {
        reactor().sendFailed(id(),
                             QStringLiteral("%1 %2: no such interface %3").arg(verb, group, interfaceName));
        return;
    }
    const auto sa = toSockaddr(group, 0);
    if (!sa) {
        reactor().sendFailed(id(), QStringLiteral("%1: %2 is not a numeric group address").arg(verb, group));
        return;
    }
    if (!setMulticastMembership(fd(), *sa, ifindex, join)) {
        reactor().sendFailed(id(), QStringLiteral("%1 %2: %3").arg(verb, group, errnoText(errno)));
        return;
    }
    reactor().recordEvent(
        id(), QStringLiteral("%1 multicast group %2%3")
                  .arg(join ? QStringLiteral("Joined") : QStringLiteral("Left"), group,
                       interfaceName.isEmpty() ? QString() : QStringLiteral(" on ") + interfaceName));
}

} // namespace sockbench
