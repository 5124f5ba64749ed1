#include "engine/sockaddr.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>

namespace sockbench {

std::optional<SockAddr> toSockaddr(const QString &ip, quint16 port) {
    SockAddr out;
    const QByteArray text = ip.toLatin1();
    auto *v4 = reinterpret_cast<sockaddr_in *>(&out.storage);
    if (inet_pton(AF_INET, text.constData(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        out.length = sizeof(sockaddr_in);
        return out;
    }
    auto *v6 = reinterpret_cast<sockaddr_in6 *>(&out.storage);
    QByteArray host = text;
    // Link-local scope, "fe80::1%eth0".
    const qsizetype percent = host.indexOf('%');
    QByteArray scope;
    if (percent >= 0) {
        scope = host.mid(percent + 1);
        host.truncate(percent);
    }
    if (inet_pton(AF_INET6, host.constData(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        if (!scope.isEmpty()) {
            bool numeric = false;
            const uint index = scope.toUInt(&numeric);
            v6->sin6_scope_id = numeric ? index : if_nametoindex(scope.constData());
        }
        out.length = sizeof(sockaddr_in6);
        return out;
    }
    return std::nullopt;
}

NetAddress fromSockaddr(const sockaddr *sa) {
    char buf[INET6_ADDRSTRLEN + 1] = {};
    if (sa->sa_family == AF_INET) {
        const auto *v4 = reinterpret_cast<const sockaddr_in *>(sa);
        inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
        return {QString::fromLatin1(buf), ntohs(v4->sin_port)};
    }
    if (sa->sa_family == AF_INET6) {
        const auto *v6 = reinterpret_cast<const sockaddr_in6 *>(sa);
        inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
        return {QString::fromLatin1(buf), ntohs(v6->sin6_port)};
    }
    return {};
}

NetAddress localAddressOf(int fd) {
    SockAddr sa;
    sa.length = sizeof sa.storage;
    if (getsockname(fd, sa.get(), &sa.length) != 0)
        return {};
    return fromSockaddr(sa.get());
}

NetAddress peerAddressOf(int fd) {
    SockAddr sa;
    sa.length = sizeof sa.storage;
    if (getpeername(fd, sa.get(), &sa.length) != 0)
        return {};
    return fromSockaddr(sa.get());
}

QString errnoText(int error) {
    char buf[256];
    // GNU strerror_r returns the message pointer, which may or may not be buf.
    const char *text = strerror_r(error, buf, sizeof buf);
    return QString::fromLocal8Bit(text);
}

} // namespace sockbench
