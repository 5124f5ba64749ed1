#pragma once

#include "journal/journal.h"
#include "journal/recordformat.h"

#include <QByteArray>
#include <QHash>

namespace sockbench {

/// Turns journal records into a pcapng file that Wireshark reads as real traffic.
///
/// Link type raw IP (LINKTYPE_RAW), IPv4 and IPv6. Each TCP connection becomes a TCP stream: the
/// three-way handshake (at its Connecting / Established markers), data segments with consistent
/// sequence and acknowledgement numbers, split to fit the IP length field, and its end: the FIN
/// exchange (FinSent / FinReceived / Closed markers), an RST for resets and aborts, SYN then RST for
/// a refused connect (Failed before Established). Each datagram becomes a UDP packet with its real
/// addresses; a truncated datagram keeps its original length (IP and UDP length fields and the
/// packet's original length), with only the recorded bytes captured. A record whose payload was
/// evicted is written with its original length, no payload bytes captured, and a comment that says
/// so. Event texts and endpoint names are packet comments, on the packet they belong to. Times
/// are nanoseconds (if_tsresol 9), the journal's own resolution.
///
/// When both ends of a connection are ours, the journal holds it twice (the client and the
/// accepted end): it is drawn once, from the end seen first; the other end's events become
/// comments on it. Likewise a datagram between two UDP sockets of ours is drawn once, from the
/// sender's DataOut. Events of endpoints without packets of their own (listeners, a UDP socket
/// before its first datagram, a connect that never sent a SYN) go on the next packet written,
/// prefixed with the endpoint's name.
///
/// Addresses come from Journal::describedEndpoint(). It is a pure transformation: no files, no
/// threads; the exporter and the recorder feed it records in journal order and write what it gives.
class PcapngWriter final {
public:
    /// names: what to call each endpoint in comments (e.g. "TCP connection #3 127.0.0.1:5000");
    /// may be empty.
    explicit PcapngWriter(const Journal &journal, EndpointNamer names = {});
    ~PcapngWriter();
    Q_DISABLE_COPY_MOVE(PcapngWriter)

    /// The Section Header Block and the Interface Description Block: the start of the file.
    void begin(QByteArray *out);
    /// The packets one record stands for (none for most events: their text waits as a comment for
    /// the connection's next packet). Records must come in journal order; a subset (selected rows)
    /// is fine: a connection first seen mid-stream gets its handshake drawn before its first packet.
    void add(const Record &record, QByteArray *out);
    /// Comments still waiting for a packet go out as comments of a final Interface Statistics
    /// Block (no traffic is invented to carry them), each prefixed with its endpoint's name;
    /// connections still open stay open.
    void finish(QByteArray *out);

    quint64 packetsWritten() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace sockbench
