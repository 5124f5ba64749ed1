#include "capture/pcapngwire.h"

#include "capture/pcapngblocks.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cstring>

namespace sockbench::capture {

namespace {

/// Parses numeric IP text; v4-mapped IPv6 is reported as mapped (caller decides).
bool parseIp(const QString &text, bool *v6, uchar addr[16]) {
    const QByteArray latin = text.toLatin1();
    std::memset(addr, 0, 16);
    if (inet_pton(AF_INET, latin.constData(), addr) == 1) {
        *v6 = false;
        return true;
    }
    QByteArray plain = latin;
    if (const qsizetype pct = plain.indexOf('%'); pct >= 0) // zone index: not on the wire
        plain.truncate(pct);
    if (inet_pton(AF_INET6, plain.constData(), addr) == 1) {
        *v6 = true;
        return true;
    }
    return false;
}

bool isMapped(const uchar a[16]) {
    static constexpr uchar Prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(a, Prefix, 12) == 0;
}

bool isWildcard(bool v6, const uchar a[16]) {
    static constexpr uchar Zero[16] = {};
    return std::memcmp(a, Zero, v6 ? 16 : 4) == 0;
}

bool isLoopback(bool v6, const uchar a[16]) {
    if (!v6)
        return a[0] == 127;
    static constexpr uchar One[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::memcmp(a, One, 16) == 0;
}

/// One parsed address: family and 4 or 16 bytes.
struct Ip {
    bool v6 = false;
    uchar a[16] = {};
    bool valid = false;
};

Ip toIp(const QString &text) {
    Ip ip;
    ip.valid = !text.isEmpty() && parseIp(text, &ip.v6, ip.a);
    return ip;
}

/// A v4-mapped IPv6 address as plain IPv4 (what the wire carries when both ends are IPv4).
Ip unmapped(const Ip &ip) {
    if (!ip.v6 || !isMapped(ip.a))
        return ip;
    Ip out;
    out.valid = true;
    out.v6 = false;
    std::memcpy(out.a, ip.a + 12, 4);
    return out;
}

void finishWire(Wire *w) {
    const size_t n = w->v6 ? 16 : 4;
    w->addrSum = sumBytes(w->local, n, sumBytes(w->peer, n, 0));
    w->valid = true;
}

} // namespace

Wire tcpWire(const EndpointMeta &meta) {
    Wire w;
    Ip local = toIp(meta.local.ip);
    Ip peer = toIp(meta.peer.ip);
    if (!local.valid || !peer.valid)
        return w;
    if (local.v6 != peer.v6 || (isMapped(local.a) && isMapped(peer.a))) {
        local = unmapped(local);
        peer = unmapped(peer);
    }
    if (local.v6 != peer.v6)
        return w;
    w.v6 = local.v6;
    std::memcpy(w.local, local.a, 16);
    std::memcpy(w.peer, peer.a, 16);
    w.localPort = meta.local.port;
    w.peerPort = meta.peer.port;
    finishWire(&w);
    return w;
}

Wire udpWire(const NetAddress &localAddr, const NetAddress &peerAddr) {
    Wire w;
    Ip peer = unmapped(toIp(peerAddr.ip));
    if (!peer.valid)
        return w;
    Ip local = toIp(localAddr.ip);
    if (local.valid && local.v6 != peer.v6)
        local = unmapped(local);
    if (!local.valid || local.v6 != peer.v6 || isWildcard(local.v6, local.a)) {
        Ip fixed;
        fixed.valid = true;
        fixed.v6 = peer.v6;
        if (isLoopback(peer.v6, peer.a)) {
            if (peer.v6)
                fixed.a[15] = 1;
            else
                std::memcpy(fixed.a, "\x7f\x00\x00\x01", 4);
        }
        local = fixed;
    }
    w.v6 = peer.v6;
    std::memcpy(w.local, local.a, 16);
    std::memcpy(w.peer, peer.a, 16);
    w.localPort = localAddr.port;
    w.peerPort = peerAddr.port;
    finishWire(&w);
    return w;
}

QByteArray wireKey(const Wire &w, bool mirrored) {
    QByteArray key(37, '\0');
    uchar *p = reinterpret_cast<uchar *>(key.data());
    p[0] = w.v6 ? 6 : 4;
    std::memcpy(p + 1, mirrored ? w.peer : w.local, 16);
    putBe16(p + 17, mirrored ? w.peerPort : w.localPort);
    std::memcpy(p + 19, mirrored ? w.local : w.peer, 16);
    putBe16(p + 35, mirrored ? w.localPort : w.peerPort);
    return key;
}

QSet<QString> interfaceAddresses() {
    QSet<QString> addresses;
    ifaddrs *list = nullptr;
    if (::getifaddrs(&list) != 0)
        return addresses;
    for (const ifaddrs *a = list; a; a = a->ifa_next) {
        if (!a->ifa_addr)
            continue;
        char text[INET6_ADDRSTRLEN] = {};
        if (a->ifa_addr->sa_family == AF_INET)
            ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(a->ifa_addr)->sin_addr, text,
                        sizeof text);
        else if (a->ifa_addr->sa_family == AF_INET6)
            ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(a->ifa_addr)->sin6_addr, text,
                        sizeof text);
        if (text[0])
            addresses.insert(QString::fromLatin1(text));
    }
    ::freeifaddrs(list);
    return addresses;
}

} // namespace sockbench::capture
