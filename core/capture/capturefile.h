#pragma once

#include "journal/journal.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

namespace sockbench {

// Reading captures made by tcpdump, dumpcap, Wireshark or Sockbench itself: pcap and pcapng, with
// Ethernet (and 802.1Q tags), Linux cooked (SLL, SLL2), raw IP and loopback (null) link types,
// IPv4 and IPv6, TCP and UDP, through PPPoE, MPLS, GRE, IP-in-IP and VXLAN tunnels
// (core/capture/packetdecode.h). The file is memory-mapped, never copied: records point into it.
// IPv4 datagrams put back together from their fragments are the exception: their bytes are copied
// once and placed after the file's (MappedFile::withTail), and records point there.
// TCP is reassembled per stream and direction (retransmissions and overlaps resolved, segments
// out of order put back in order, what cannot be reassembled said as an event at its place).
//
// Files come from strangers: every length is checked against what is left, nothing allocates in
// proportion to a length field that the file has not backed with bytes, and a file that cannot be
// read to its end says which block, at which offset, stopped the reader.

/// A file mapped read-only into memory. The journal keeps it alive for the records that point into it.
class MappedFile final : public JournalSource {
public:
    /// Maps `path`; null with *error ("name: No such file or directory") when it cannot.
    static std::shared_ptr<MappedFile> open(const QString &path, QString *error);
    /// Wraps bytes already in memory (tests, fuzzing). The MappedFile owns a copy.
    static std::shared_ptr<MappedFile> fromBytes(const QByteArray &bytes);
    ~MappedFile() override;
    Q_DISABLE_COPY_MOVE(MappedFile)

    const char *bytes() const override { return m_data; }
    quint64 size() const override { return m_size; }
    /// Lets the kernel drop the pages of [offset, offset + length) from this process (they stay in
    /// the page cache): an index pass over a large file keeps its resident size small this way.
    void release(quint64 offset, quint64 length) const;
    /// Where withTail() puts the bytes it adds: the first page boundary at or after the file's end
    /// (the end itself for bytes in memory).
    quint64 tailOffset() const;
    /// The file again with `tail` (one piece after the other) from tailOffset() on, in one range of
    /// memory: what the reader made that is in no frame (IP datagrams put back together from their
    /// fragments) sits next to the file, and records point into both alike. The file is mapped
    /// again, not copied; only the tail is. Null, with *error, when the memory cannot be had.
    std::shared_ptr<MappedFile> withTail(const std::vector<QByteArray> &tail, QString *error) const;

private:
    MappedFile() = default;
    const char *m_data = nullptr;
    quint64 m_size = 0;
    bool m_mapped = false;
    int m_fd = -1; ///< kept open for withTail(); -1 in what withTail() made
    QByteArray m_copy;
};

enum class CaptureProtocol : quint8 { Tcp, Udp };

/// One conversation of the capture, numbered as Wireshark numbers them (tcp.stream, udp.stream).
struct CaptureStream {
    CaptureProtocol protocol = CaptureProtocol::Tcp;
    int number = 0; ///< Wireshark's tcp.stream or udp.stream of this stream
    NetAddress
        client; ///< TCP: the side that sent the SYN (else the first segment seen); UDP: the first sender
    NetAddress server;
    /// What the capture shows at the end: Closed (FIN exchange, or still open when the capture
    /// ended: see endDetail), Reset (an RST), Failed (the SYN was answered by an RST: refused).
    EndpointState endState = EndpointState::Closed;
    QString
        endDetail; ///< e.g. "Connection refused", "Reset by 10.0.0.2:80", "Still open when the capture ended"
    qint64 firstNs = 0;
    qint64 lastNs = 0;
    quint64 bytesToServer = 0; ///< reassembled payload bytes, client to server
    quint64 bytesToClient = 0;
    /// TCP: stream bytes the capture does not have (gaps never filled, tails cut by the snap length),
    /// both directions; each is also an event at its place.
    quint64 bytesMissing = 0;
};

/// One record of a stream, in the order the capture has them (reassembled data in stream order).
struct CaptureRecord {
    qint64 timeNs = 0; ///< nanoseconds since the Unix epoch
    int stream = 0;    ///< index into CaptureFile::streams
    /// DataOut: client to server; DataIn: server to client (the stream seen from its client, as
    /// Workbench::addCaptureEndpoint wants it); Event: text.
    RecordKind kind = RecordKind::Event;
    /// data: where its bytes are in `file` (past the captured file's end: a datagram put back
    /// together from IP fragments; see MappedFile::withTail)
    quint64 offset = 0;
    quint32 length = 0;         ///< data: bytes in the file
    quint32 originalLength = 0; ///< UDP: the datagram's length on the wire when the capture cut it
    /// Events: Connecting (the client's SYN), Established (the handshake completed), FinSent (the
    /// client's FIN), FinReceived (the server's FIN), ResetSent (the client reset), ResetReceived
    /// (the server reset), Failed (SYN answered by RST); None for other events (gaps, overlaps).
    Marker marker = Marker::None;
    QString text; ///< events: what happened, e.g. "1,448 bytes missing from the capture (not reassembled)"
};

enum class CaptureFormat : quint8 { Pcap, Pcapng };

struct CaptureFile {
    QString path;
    /// The file the records point into: the one read, or, when IP datagrams were put back together
    /// from their fragments, the same mapping with them after it.
    std::shared_ptr<const MappedFile> file;
    CaptureFormat format = CaptureFormat::Pcapng;
    QList<CaptureStream> streams; ///< TCP streams first in tcp.stream order, then UDP in udp.stream order
    std::vector<CaptureRecord> records;
    quint64 packets = 0; ///< packets read
    /// Neither TCP nor UDP over IP (ARP, ICMP, other link types...), in an encapsulation not
    /// decoded, or a fragment of a datagram that never completed.
    quint64 skippedPackets = 0;
    /// What the reader could not take and went on without, or where it stopped:
    /// "block 7 (Enhanced Packet Block) at offset 1,204: captured length 70,000 runs past the block".
    QStringList warnings;

    /// The index into streams of Wireshark's tcp.stream (or udp.stream) `number`, or -1.
    int findStream(CaptureProtocol protocol, int number) const;
};

/// Streams read from one capture at most. Each becomes an endpoint (a row) in the window; past this
/// many, a hostile file of SYNs alone would cost gigabytes. Packets of later streams are skipped,
/// with a warning.
constexpr int MaxCaptureStreams = 100000;

struct CaptureReadOptions {
    /// Called now and then with the bytes read so far and the file's size; returning false cancels.
    std::function<bool(quint64 done, quint64 total)> progress;
};

/// Reads a capture file. Null, and *error naming the file (and, for a damaged one, the block and
/// its offset), when nothing can be read: not a capture, an unsupported link type in every
/// interface, a truncated header. A file damaged further on reads up to the damage, with a warning.
std::unique_ptr<CaptureFile> readCapture(const QString &path, QString *error,
                                         const CaptureReadOptions &options = {});
/// The same on a file already mapped (or bytes in memory: fuzzing and tests).
std::unique_ptr<CaptureFile> readCapture(std::shared_ptr<const MappedFile> file, QString *error,
                                         const CaptureReadOptions &options = {});

} // namespace sockbench
