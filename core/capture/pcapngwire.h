#pragma once

#include "journal/journal.h"

#include <QByteArray>
#include <QSet>
#include <QString>

namespace sockbench::capture {

// The addresses a flow of the pcapng writer has on the wire: both ends in one family, as the
// journal's endpoint meta (TCP) or a datagram's peer (UDP) says. Internal to PcapngWriter.

/// Who talks on one flow: both addresses of one family, and the pseudo-header's address sum.
struct Wire {
    bool valid = false;
    bool v6 = false;
    uchar local[16] = {};
    uchar peer[16] = {};
    quint16 localPort = 0;
    quint16 peerPort = 0;
    quint64 addrSum = 0; ///< the same in both directions: the sum does not care about order
};

/// TCP: both ends of a connection, as the connection's own meta says. A pair of v4-mapped
/// addresses is IPv4 on the wire.
Wire tcpWire(const EndpointMeta &meta);

/// UDP: our socket's address (a wildcard becomes the loopback of the peer's family when the peer
/// is a loopback address, since that is where the kernel sends from) and the datagram's peer.
Wire udpWire(const NetAddress &localAddr, const NetAddress &peerAddr);

/// A connection's 4-tuple as a key; `mirrored` gives the key its other end would have.
QByteArray wireKey(const Wire &w, bool mirrored);

/// This machine's interface addresses as text (getifaddrs), to tell our datagrams from others'.
QSet<QString> interfaceAddresses();

} // namespace sockbench::capture
