#pragma once

#include <QString>
#include <QtGlobal>

#include <memory>
#include <vector>

namespace sockbench {

/// What one direction of a TCP connection carried, in stream order: runs of new bytes (ranges of
/// the capture file, never copies) and, at their place, what could not be put together.
struct ReassembledPiece {
    enum class Kind : quint8 { Data, Event };
    Kind kind = Kind::Data;
    qint64 timeNs = 0;      ///< data: the time of the segment that completed it (in order); event: when found
    quint64 fileOffset = 0; ///< data: where the bytes are in the capture file
    quint32 length = 0;     ///< data: how many
    QString text;           ///< event, e.g. "1,448 bytes missing from the capture (not reassembled)"
    quint64 missing = 0;    ///< event: stream bytes the capture does not have (a gap, a snap length)
};

/// Reassembles one direction of one TCP connection from its segments as a capture has them.
///
/// - A retransmission (bytes already delivered) is dropped; when its bytes differ from what was
///   delivered, an event says so ("3 bytes retransmitted with different content; kept the first").
/// - An overlap delivers only its new bytes.
/// - A segment ahead of the next expected byte waits (as a reference into the file, not a copy)
///   until the gap is filled, then goes out in order, timed by the segment that filled the gap.
/// - Bounded: at most MaxWaitingSegments segments or MaxWaitingBytes bytes wait. Past that, or at
///   finish(), the gap is declared ("N bytes missing from the capture (not reassembled)") and
///   delivery goes on after it. Sequence numbers wrap (modulo 2^32 arithmetic throughout).
/// - A segment the capture cut short (its snap length) has its uncaptured tail declared at its
///   place in the stream ("N bytes not captured (the capture's snap length)"), so that what comes
///   after it is not held back waiting for bytes that will never come.
///
/// `data` must point at the segment's payload in the mapped file for the comparisons; fileOffset
/// is the same place as an offset, which is what the pieces carry.
class TcpReassembler final {
public:
    static constexpr int MaxWaitingSegments = 4096;
    static constexpr quint64 MaxWaitingBytes = 64ull * 1024 * 1024;

    TcpReassembler();
    ~TcpReassembler();
    Q_DISABLE_COPY_MOVE(TcpReassembler)

    /// The SYN of this direction: its data starts at isn + 1. Without one, the first segment seen
    /// starts the stream (a capture that began mid-connection).
    void syn(quint32 isn);
    /// One segment of `length` captured bytes, and `uncaptured` more on the wire that the capture
    /// cut off; appends what is now in order to *out.
    void segment(qint64 timeNs, quint32 seq, const char *data, quint64 fileOffset, quint32 length,
                 std::vector<ReassembledPiece> *out, quint32 uncaptured = 0);
    /// This direction's FIN at sequence number `seq` (the byte after its last data byte).
    void fin(qint64 timeNs, quint32 seq, std::vector<ReassembledPiece> *out);
    /// End of the capture: what still waits goes out after its gaps, each said.
    void finish(qint64 timeNs, std::vector<ReassembledPiece> *out);

    /// Payload bytes delivered so far.
    quint64 delivered() const;
    /// How far into the stream it has come: bytes delivered plus those declared missing or not
    /// captured (the stream offset of the next expected byte).
    quint64 reached() const;

private:
    /// The captured part of a segment, at stream offset `start`.
    void captured(qint64 timeNs, qint64 start, const char *data, quint64 fileOffset, quint32 length,
                  std::vector<ReassembledPiece> *out);

    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace sockbench
