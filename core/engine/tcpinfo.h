#pragma once

#include <QMetaType>
#include <QString>

#include <optional>

namespace sockbench {

/// What the kernel knows about one TCP connection (TCP_INFO, SIOCOUTQ, SIOCINQ), at one moment.
struct TcpInfo {
    qint64 sampledAtMs = 0;       ///< QDateTime::currentMSecsSinceEpoch() when read
    QString state;                ///< the kernel's TCP state in words: "ESTABLISHED", "CLOSE-WAIT", ...
    quint32 rttUs = 0;            ///< smoothed round-trip time
    quint32 rttVarUs = 0;         ///< its variance
    quint32 cwndSegments = 0;     ///< congestion window
    quint32 ssthreshSegments = 0; ///< slow-start threshold (a huge value means "not yet set")
    quint32 totalRetransmits = 0; ///< segments retransmitted over the connection's life
    quint32 unackedSegments = 0;
    quint32 lostSegments = 0;
    quint32 mssBytes = 0;          ///< sending MSS
    quint32 peerWindowBytes = 0;   ///< the peer's advertised receive window
    quint64 pacingRateBps = 0;     ///< bytes per second
    quint64 deliveryRateBps = 0;   ///< bytes per second
    quint64 bytesAcked = 0;        ///< data bytes the peer acknowledged (not the SYN or FIN; see below)
    quint64 bytesReceived = 0;     ///< data bytes received from the peer (see below)
    quint32 sendQueueBytes = 0;    ///< SIOCOUTQ: not yet acknowledged by the peer
    quint32 receiveQueueBytes = 0; ///< SIOCINQ: received, not yet read by us
};

/// Reads TcpInfo from a connected TCP socket; nullopt with *error in words when it cannot.
///
/// The kernel's byte counts advance with every sequence number, so they also count the SYN of a
/// connection this end opened and a FIN. bytesAcked leaves both out so that it compares with the
/// bytes sent: capped at the data sent (a FIN is acknowledged only after all of it), and less the
/// SYN when `weOpened` says this end called connect(). Without it (the first form) bytesAcked may
/// count the SYN as one byte while data is still in flight. bytesReceived counts the peer's FIN
/// once it has arrived; the engine's connections (EndpointInfo::lastTcpInfo) leave it out.
std::optional<TcpInfo> readTcpInfo(int fd, QString *error = nullptr);
std::optional<TcpInfo> readTcpInfo(int fd, bool weOpened, QString *error);

} // namespace sockbench

Q_DECLARE_METATYPE(sockbench::TcpInfo)
