#include "engine/tcpinfo.h"

#include "engine/sockaddr.h"

#include <QDateTime>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <netinet/in.h>
// The kernel's struct tcp_info, not glibc's older copy in <netinet/tcp.h>: only the kernel's has
// the byte counters, the rates and the peer's window. The two headers cannot be mixed, so this
// file includes only the kernel's.
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

namespace sockbench {

namespace {

QString stateName(int state) {
    // include/net/tcp_states.h, in the kernel's order, in the words of RFC 793 (as ss writes them).
    static const char *const Names[] = {
        "",       "ESTABLISHED", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",  "TIME-WAIT",
        "CLOSED", "CLOSE-WAIT",  "LAST-ACK", "LISTEN",   "CLOSING",    "NEW-SYN-RECV"};
    if (state > 0 && state < int(std::size(Names)))
        return QString::fromLatin1(Names[state]);
    return QStringLiteral("state %1").arg(state);
}

} // namespace

std::optional<TcpInfo> readTcpInfo(int fd, QString *error) {
    return readTcpInfo(fd, false, error);
}

std::optional<TcpInfo> readTcpInfo(int fd, bool weOpened, QString *error) {
    tcp_info raw{};
    socklen_t length = sizeof raw;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &raw, &length) != 0) {
        if (error)
            *error = errnoText(errno);
        return std::nullopt;
    }
    // An older kernel fills a shorter struct; fields past its end stay zero.
    const auto has = [length](size_t end) { return size_t(length) >= end; };
    TcpInfo info;
    info.sampledAtMs = QDateTime::currentMSecsSinceEpoch();
    info.state = stateName(raw.tcpi_state);
    info.rttUs = raw.tcpi_rtt;
    info.rttVarUs = raw.tcpi_rttvar;
    info.cwndSegments = raw.tcpi_snd_cwnd;
    info.ssthreshSegments = raw.tcpi_snd_ssthresh;
    info.totalRetransmits = raw.tcpi_total_retrans;
    info.unackedSegments = raw.tcpi_unacked;
    info.lostSegments = raw.tcpi_lost;
    info.mssBytes = raw.tcpi_snd_mss;
    if (has(offsetof(tcp_info, tcpi_snd_wnd) + sizeof raw.tcpi_snd_wnd))
        info.peerWindowBytes = raw.tcpi_snd_wnd;
    if (has(offsetof(tcp_info, tcpi_pacing_rate) + sizeof raw.tcpi_pacing_rate))
        info.pacingRateBps = raw.tcpi_pacing_rate;
    if (has(offsetof(tcp_info, tcpi_bytes_received) + sizeof raw.tcpi_bytes_received)) {
        info.bytesAcked = raw.tcpi_bytes_acked;
        info.bytesReceived = raw.tcpi_bytes_received;
        if (weOpened && info.bytesAcked > 0)
            --info.bytesAcked; // our SYN
    }
    if (has(offsetof(tcp_info, tcpi_bytes_retrans) + sizeof raw.tcpi_bytes_retrans)) {
        // Every data byte sent once, however often it was retransmitted.
        const quint64 sent =
            raw.tcpi_bytes_sent - std::min(raw.tcpi_bytes_sent, quint64(raw.tcpi_bytes_retrans));
        info.bytesAcked = std::min(info.bytesAcked, sent);
    }
    if (has(offsetof(tcp_info, tcpi_delivery_rate) + sizeof raw.tcpi_delivery_rate))
        info.deliveryRateBps = raw.tcpi_delivery_rate;
    int queued = 0;
    if (ioctl(fd, SIOCOUTQ, &queued) == 0)
        info.sendQueueBytes = quint32(queued);
    queued = 0;
    if (ioctl(fd, SIOCINQ, &queued) == 0)
        info.receiveQueueBytes = quint32(queued);
    if (error)
        error->clear();
    return info;
}

} // namespace sockbench
