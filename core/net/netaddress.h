#pragma once

#include <QMetaType>
#include <QString>

namespace sockbench {

/// A numeric socket address as the kernel reported it (IPv4 dotted quad or IPv6 text, no brackets).
struct NetAddress {
    QString ip;
    quint16 port = 0;

    bool isValid() const { return !ip.isEmpty(); }
    bool isV6() const { return ip.contains(u':'); }
    /// "127.0.0.1:80" or "[::1]:80".
    QString toString() const;
    friend bool operator==(const NetAddress &, const NetAddress &) = default;
};

} // namespace sockbench

Q_DECLARE_METATYPE(sockbench::NetAddress)
