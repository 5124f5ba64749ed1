#pragma once

// Internal to core: the batch read shared by the UDP sockets (UdpSocket, the UDP relay and its
// upstream sockets), so that they read, bound their work per event and report errors alike.

#include "engine/reactor.h"
#include "engine/sockaddr.h"
#include "engine/socket.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace sockbench::datagramio {

/// Datagrams read per recvmmsg call, and calls per readiness event: beyond that the socket yields
/// to the rest of the reactor (and says so with Reactor::noteDatagramBacklog()).
constexpr int Batch = 64;
constexpr int MaxBatchesPerEvent = 32;

/// Reads the socket's datagrams with recvmmsg into slots of `slot` bytes in the reactor's read
/// buffer. `sink(data, kept, wire, from, fromLength)` gets each one with its real length (`wire`;
/// more than `kept` when it did not fit its slot: MSG_TRUNC reports it, nothing is cut silently);
/// `afterBatch()` runs after each full pass over a batch. Returns when the socket is drained, the
/// budget is spent, or the socket closed (checked after each datagram). An error is recorded, not
/// fatal: for UDP it is an ICMP error (port unreachable) for an earlier send.
template <typename Sink, typename AfterBatch>
void readDatagrams(Socket &socket, size_t slot, Sink &&sink, AfterBatch &&afterBatch) {
    char *buffer = socket.reactor().readBuffer(slot * Batch);
    mmsghdr msgs[Batch];
    iovec iov[Batch];
    sockaddr_storage from[Batch];
    for (int batch = 0; batch < MaxBatchesPerEvent; ++batch) {
        for (int i = 0; i < Batch; ++i) {
            iov[i].iov_base = buffer + size_t(i) * slot;
            iov[i].iov_len = slot;
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        }
        const int n = ::recvmmsg(socket.fd(), msgs, Batch, MSG_DONTWAIT | MSG_TRUNC, nullptr);
        if (n < 0) {
            const int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK)
                return;
            if (error == EINTR)
                continue;
            socket.reactor().recordEvent(socket.id(),
                                         QStringLiteral("Receive error: %1").arg(errnoText(error)));
            return;
        }
        for (int i = 0; i < n; ++i) {
            const quint32 wire = msgs[i].msg_len;
            const quint32 kept = std::min<quint32>(wire, quint32(slot));
            sink(static_cast<const char *>(iov[i].iov_base), kept, wire, from[i],
                 msgs[i].msg_hdr.msg_namelen);
            if (socket.fd() < 0)
                return;
        }
        afterBatch();
        if (n < Batch)
            return;
    }
    // Out of budget with more probably waiting: the streams on this reactor yield sooner.
    socket.reactor().noteDatagramBacklog();
}

} // namespace sockbench::datagramio
