#pragma once

#include "engine/endpoint.h"

#include <QList>
#include <QString>

#include <memory>

namespace sockbench {

/// Turns a host name into numeric addresses. The Workbench calls resolve() on a thread of its own,
/// never on the GUI thread or a reactor, so an implementation may block.
/// Tests inject their own implementation so that a failing lookup never queries a real DNS server.
class Resolver {
public:
    struct Result {
        QList<NetAddress> addresses; ///< in the order to try them; port already filled in
        QString error;               ///< set when addresses is empty, e.g. "Name or service not known"
    };

    virtual ~Resolver() = default;
    /// family: AF_UNSPEC, AF_INET or AF_INET6. May block; must be thread-safe.
    virtual Result resolve(const QString &host, quint16 port, int family) = 0;
};

/// The real one: getaddrinfo(3).
class SystemResolver final : public Resolver {
public:
    Result resolve(const QString &host, quint16 port, int family) override;
};

std::shared_ptr<Resolver> systemResolver();

} // namespace sockbench
