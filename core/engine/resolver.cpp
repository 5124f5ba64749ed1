#include "engine/resolver.h"

#include "engine/sockaddr.h"

#include <netdb.h>
#include <sys/socket.h>

namespace sockbench {

Resolver::Result SystemResolver::resolve(const QString &host, quint16 port, int family) {
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM; // one entry per address; the protocol does not change the address
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo *list = nullptr;
    const QByteArray name = host.toUtf8();
    const int rc = getaddrinfo(name.constData(), nullptr, &hints, &list);
    Result result;
    if (rc != 0) {
        result.error = QString::fromLocal8Bit(gai_strerror(rc));
        return result;
    }
    for (addrinfo *ai = list; ai; ai = ai->ai_next) {
        NetAddress a = fromSockaddr(ai->ai_addr);
        if (!a.isValid() || result.addresses.contains(NetAddress{a.ip, port}))
            continue;
        a.port = port;
        result.addresses.append(a);
    }
    freeaddrinfo(list);
    if (result.addresses.isEmpty())
        result.error = QStringLiteral("No address found for %1").arg(host);
    return result;
}

std::shared_ptr<Resolver> systemResolver() {
    static const std::shared_ptr<Resolver> instance = std::make_shared<SystemResolver>();
    return instance;
}

} // namespace sockbench
