#include "engine/sockopt.h"

#include "engine/sockaddr.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace sockbench {

void setIntOption(int fd, int level, int option, int value) {
    setsockopt(fd, level, option, &value, sizeof value);
}

std::optional<int> readIntOption(int fd, int level, int option) {
    int value = 0;
    socklen_t length = sizeof value;
    if (getsockopt(fd, level, option, &value, &length) != 0)
        return std::nullopt;
    return value;
}

void setReceiveBuffer(int fd, int bytes) {
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

void setResetOnClose(int fd) {
    const linger hard{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
}

void setMulticastInterfaceV4(int fd, unsigned ifindex) {
    ip_mreqn via{};
    via.imr_ifindex = int(ifindex);
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &via, sizeof via);
}

bool setMulticastMembership(int fd, const SockAddr &group, unsigned ifindex, bool join) {
    if (group.family() == AF_INET) {
        ip_mreqn req{};
        req.imr_multiaddr = reinterpret_cast<const sockaddr_in *>(group.get())->sin_addr;
        req.imr_ifindex = int(ifindex);
        return setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &req, sizeof req) ==
               0;
    }
    if (group.family() == AF_INET6) {
        ipv6_mreq req{};
        req.ipv6mr_multiaddr = reinterpret_cast<const sockaddr_in6 *>(group.get())->sin6_addr;
        req.ipv6mr_interface = ifindex;
        return setsockopt(fd, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &req, sizeof req) == 0;
    }
    errno = EAFNOSUPPORT;
    return false;
}

int pendingError(int fd) {
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        return errno;
    return error;
}

bool interfaceIndex(const QString &name, unsigned *index) {
    *index = name.isEmpty() ? 0 : if_nametoindex(name.toLocal8Bit().constData());
    return name.isEmpty() || *index != 0;
}

QString optionErrorText(const QString &optionName, int error) {
    if (error == EPERM || error == EACCES) {
        // The kernel checks CAP_NET_RAW for (re)binding a device, CAP_NET_ADMIN for the rest of
        // what a user can ask here (forced buffer sizes above the system limits, priorities).
        return optionName == QLatin1String("SO_BINDTODEVICE") ? QStringLiteral("needs CAP_NET_RAW")
                                                              : QStringLiteral("needs CAP_NET_ADMIN");
    }
    if (error == ENOPROTOOPT)
        return QStringLiteral("not supported by this socket");
    return errnoText(error);
}

QString describeApplied(const AppliedOption &option) {
    if (option.isRefused())
        return QStringLiteral("%1 %2 refused: %3").arg(option.name, option.requested, option.error);
    if (option.requested == option.actual)
        return QStringLiteral("%1 %2").arg(option.name, option.actual);
    return QStringLiteral("%1 %2 → %3").arg(option.name, option.requested, option.actual);
}

QString describeApplied(const QList<AppliedOption> &options) {
    QStringList parts;
    for (const AppliedOption &option : options)
        parts.append(describeApplied(option));
    return QStringLiteral("Socket options: %1").arg(parts.join(QStringLiteral("; ")));
}

void overlayOptions(SocketOptions &into, const SocketOptions &from) {
    const auto take = [](auto &to, const auto &value) {
        if (value)
            to = value;
    };
    take(into.noDelay, from.noDelay);
    take(into.keepAlive, from.keepAlive);
    take(into.keepAliveTiming, from.keepAliveTiming);
    take(into.sendBufferBytes, from.sendBufferBytes);
    take(into.receiveBufferBytes, from.receiveBufferBytes);
    take(into.tos, from.tos);
    take(into.ttl, from.ttl);
    take(into.lingerSeconds, from.lingerSeconds);
    take(into.userTimeoutMs, from.userTimeoutMs);
    if (!from.bindToDevice.isEmpty())
        into.bindToDevice = from.bindToDevice;
    into.reusePort = into.reusePort || from.reusePort;
    if (!from.sourceAddress.isEmpty())
        into.sourceAddress = from.sourceAddress;
    if (from.sourcePort != 0)
        into.sourcePort = from.sourcePort;
}

void mergeApplied(QList<AppliedOption> &into, const QList<AppliedOption> &updates) {
    for (const AppliedOption &update : updates) {
        auto it = std::find_if(into.begin(), into.end(),
                               [&update](const AppliedOption &o) { return o.name == update.name; });
        if (it != into.end())
            *it = update;
        else
            into.append(update);
    }
}

namespace {

QString onOff(int value) {
    return value ? QStringLiteral("on") : QStringLiteral("off");
}

QString number(int value) {
    return QString::number(value);
}

QString tosText(int tos) {
    return QStringLiteral("%1 (%2)").arg(dscpName(tos)).arg(tos);
}

/// Collects what one applySocketOptions() call did; each setsockopt is followed by its getsockopt
/// so that what is reported is what the kernel kept, not what was asked.
class Applier {
public:
    explicit Applier(int fd)
        : m_fd(fd) {}

    QList<AppliedOption> applied;

    /// An int-valued option; `show` turns the value (asked and read back) into words.
    void setInt(const QString &name, int level, int option, int value, QString (*show)(int)) {
        AppliedOption a{name, show(value), {}, {}};
        if (setsockopt(m_fd, level, option, &value, sizeof value) != 0)
            a.error = optionErrorText(name, errno);
        else
            a.actual = readInt(level, option, show);
        applied.append(a);
    }

    /// SO_SNDBUF/SO_RCVBUF; with `forceOption`, first the variant that ignores the system's limit
    /// (it needs CAP_NET_ADMIN; without it the capped plain option is what the user gets).
    void setBuffer(const QString &name, int option, int forceOption, int value) {
        AppliedOption a{name, number(value), {}, {}};
        const bool forced =
            forceOption != 0 && setsockopt(m_fd, SOL_SOCKET, forceOption, &value, sizeof value) == 0;
        if (!forced && setsockopt(m_fd, SOL_SOCKET, option, &value, sizeof value) != 0)
            a.error = optionErrorText(name, errno);
        else
            a.actual = readInt(SOL_SOCKET, option, number);
        applied.append(a);
    }

    void setLinger(int seconds) {
        const QString name = QStringLiteral("SO_LINGER");
        const linger asked{1, seconds};
        AppliedOption a{name, lingerText(asked), {}, {}};
        if (setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &asked, sizeof asked) != 0) {
            a.error = optionErrorText(name, errno);
        } else {
            linger got{};
            socklen_t length = sizeof got;
            if (getsockopt(m_fd, SOL_SOCKET, SO_LINGER, &got, &length) == 0)
                a.actual = lingerText(got);
            else
                a.error = optionErrorText(name, errno);
        }
        applied.append(a);
    }

    void setDevice(const QString &device) {
        const QString name = QStringLiteral("SO_BINDTODEVICE");
        const QByteArray asked = device.toLocal8Bit();
        AppliedOption a{name, device, {}, {}};
        if (asked.size() >= IFNAMSIZ) {
            a.error = QStringLiteral("interface name longer than %1 characters").arg(IFNAMSIZ - 1);
        } else if (setsockopt(m_fd, SOL_SOCKET, SO_BINDTODEVICE, asked.constData(),
                              socklen_t(asked.size())) != 0) {
            a.error = optionErrorText(name, errno);
        } else {
            char got[IFNAMSIZ] = {};
            socklen_t length = sizeof got;
            if (getsockopt(m_fd, SOL_SOCKET, SO_BINDTODEVICE, got, &length) == 0)
                a.actual = QString::fromLocal8Bit(got, qsizetype(strnlen(got, sizeof got)));
            else
                a.error = optionErrorText(name, errno);
        }
        applied.append(a);
    }

    void refuse(const QString &name, const QString &requested, const QString &why) {
        applied.append(AppliedOption{name, requested, {}, why});
    }

private:
    QString readInt(int level, int option, QString (*show)(int)) {
        int value = 0;
        socklen_t length = sizeof value;
        if (getsockopt(m_fd, level, option, &value, &length) != 0)
            return QStringLiteral("unreadable (%1)").arg(errnoText(errno));
        return show(value);
    }

    static QString lingerText(const linger &l) {
        return l.l_onoff ? QStringLiteral("on, %1 s").arg(l.l_linger) : QStringLiteral("off");
    }

    int m_fd;
};

/// The IP version the socket's packets use: an IPv6 socket connected to a v4-mapped peer (a
/// dual-stack listener's IPv4 client) sends IPv4, where IP_TOS and IP_TTL are what counts.
bool sendsIpv6(int fd) {
    int domain = AF_INET;
    socklen_t length = sizeof domain;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0 || domain != AF_INET6)
        return false;
    sockaddr_in6 peer{};
    socklen_t peerLength = sizeof peer;
    if (getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &peerLength) == 0 &&
        peer.sin6_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr))
        return false;
    return true;
}

} // namespace

QList<AppliedOption> applySocketOptions(int fd, OptionTarget target, const SocketOptions &o) {
    const bool connection = target == OptionTarget::Accepted || target == OptionTarget::Client ||
                            target == OptionTarget::LiveConnection;
    const bool udp = target == OptionTarget::Udp || target == OptionTarget::LiveUdp;
    if (o.isEmpty())
        return {};
    const bool live = target == OptionTarget::LiveListener || target == OptionTarget::LiveConnection ||
                      target == OptionTarget::LiveUdp;
    Applier apply(fd);

    if (o.reusePort && !connection) {
        if (live)
            apply.refuse(QStringLiteral("SO_REUSEPORT"), onOff(1),
                         QStringLiteral("only takes effect before the socket is bound"));
        else
            apply.setInt(QStringLiteral("SO_REUSEPORT"), SOL_SOCKET, SO_REUSEPORT, 1, onOff);
    }
    // An accepted connection inherits its listener's device; binding it again would change nothing.
    if (!o.bindToDevice.isEmpty() && target != OptionTarget::Accepted)
        apply.setDevice(o.bindToDevice);
    if (o.sendBufferBytes)
        apply.setBuffer(QStringLiteral("SO_SNDBUF"), SO_SNDBUF, 0, *o.sendBufferBytes);
    if (o.receiveBufferBytes)
        apply.setBuffer(QStringLiteral("SO_RCVBUF"), SO_RCVBUF, udp ? SO_RCVBUFFORCE : 0,
                        *o.receiveBufferBytes);
    const bool v6 = (o.tos || o.ttl) && sendsIpv6(fd);
    if (o.tos) {
        if (v6)
            apply.setInt(QStringLiteral("IPV6_TCLASS"), IPPROTO_IPV6, IPV6_TCLASS, *o.tos, tosText);
        else
            apply.setInt(QStringLiteral("IP_TOS"), IPPROTO_IP, IP_TOS, *o.tos, tosText);
    }
    if (o.ttl) {
        if (v6)
            apply.setInt(QStringLiteral("IPV6_UNICAST_HOPS"), IPPROTO_IPV6, IPV6_UNICAST_HOPS, *o.ttl,
                         number);
        else
            apply.setInt(QStringLiteral("IP_TTL"), IPPROTO_IP, IP_TTL, *o.ttl, number);
    }
    if (!connection)
        return apply.applied;

    if (o.noDelay)
        apply.setInt(QStringLiteral("TCP_NODELAY"), IPPROTO_TCP, TCP_NODELAY, *o.noDelay ? 1 : 0, onOff);
    if (o.keepAlive || o.keepAliveTiming) {
        // Timing without an explicit keepAlive means the user wants probes.
        const bool on = o.keepAlive.value_or(true);
        apply.setInt(QStringLiteral("SO_KEEPALIVE"), SOL_SOCKET, SO_KEEPALIVE, on ? 1 : 0, onOff);
    }
    if (const auto &timing = o.keepAliveTiming) {
        apply.setInt(QStringLiteral("TCP_KEEPIDLE"), IPPROTO_TCP, TCP_KEEPIDLE, timing->idleSeconds, number);
        apply.setInt(QStringLiteral("TCP_KEEPINTVL"), IPPROTO_TCP, TCP_KEEPINTVL, timing->intervalSeconds,
                     number);
        apply.setInt(QStringLiteral("TCP_KEEPCNT"), IPPROTO_TCP, TCP_KEEPCNT, timing->count, number);
    }
    if (o.lingerSeconds)
        apply.setLinger(*o.lingerSeconds);
    if (o.userTimeoutMs)
        apply.setInt(QStringLiteral("TCP_USER_TIMEOUT"), IPPROTO_TCP, TCP_USER_TIMEOUT, *o.userTimeoutMs,
                     number);
    return apply.applied;
}

} // namespace sockbench
