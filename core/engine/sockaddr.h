#pragma once

#include "engine/endpoint.h"

#include <sys/socket.h>

#include <optional>

namespace sockbench {

// Conversions between NetAddress and the kernel's socket addresses. Internal to core.

/// sockaddr_in or sockaddr_in6 with its length.
struct SockAddr {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family() const { return storage.ss_family; }
    sockaddr *get() { return reinterpret_cast<sockaddr *>(&storage); }
    const sockaddr *get() const { return reinterpret_cast<const sockaddr *>(&storage); }
};

/// Numeric address to sockaddr; nullopt if ip is not a numeric IPv4/IPv6 address.
std::optional<SockAddr> toSockaddr(const QString &ip, quint16 port);
NetAddress fromSockaddr(const sockaddr *sa);
NetAddress localAddressOf(int fd);
NetAddress peerAddressOf(int fd);

/// strerror(3) text, e.g. "Connection refused".
QString errnoText(int error);

} // namespace sockbench
