#pragma once

#include <QByteArray>
#include <QtGlobal>

#include <map>
#include <vector>

namespace sockbench::capture {

/// Puts IPv4 datagrams back together from their fragments (RFC 791) across the packets of one
/// capture. Internal to the capture reader.
///
/// - A datagram is known by its source, destination, protocol and identification; a fragment's
///   offset counts 8-byte units, and the fragment without More Fragments says where it ends.
/// - Fragments come in any order. Where two overlap, the bytes of the one with the lower offset
///   stand (of two at the same offset, the one seen first), as Wireshark puts them together.
/// - The datagram is whole once its last fragment and every byte before it have come; a fragment
///   with the same key after that starts a new datagram.
/// - Fragments wait as references to bytes that live as long as the reader (the mapped file, or a
///   datagram put together before), not as copies.
/// - Bounded: at most MaxPendingDatagrams datagrams, MaxPendingFragments fragments and
///   MaxPendingBytes bytes wait. Past that the datagram that began waiting first is dropped, and
///   its fragments are counted in dropped().
/// - A whole datagram is copied once, here, and kept for as long as the capture: held() has them
///   all, one after the other, in the order they were completed.
class IpFragments final {
public:
    static constexpr int MaxPendingDatagrams = 1024;
    static constexpr int MaxPendingFragments = 65536;
    static constexpr quint64 MaxPendingBytes = 16ull * 1024 * 1024;

    /// A datagram put back together: its payload (what follows the IP header).
    struct Whole {
        const quint8 *data = nullptr;
        quint32 length = 0;
        quint64 heldOffset = 0; ///< where it starts in held()
    };

    /// One fragment: `length` payload bytes at `data`, `offset` bytes into its datagram's payload,
    /// `more` when others follow it. True, with *whole, when it completes its datagram; false
    /// while the datagram waits.
    bool add(const quint8 src[4], const quint8 dst[4], quint8 protocol, quint16 id, quint32 offset, bool more,
             const quint8 *data, quint32 length, Whole *whole);

    /// The whole datagrams' bytes so far (a Whole's heldOffset counts into these, in order).
    const std::vector<QByteArray> &held() const { return m_held; }
    quint64 heldBytes() const { return m_heldBytes; }
    /// Fragments of datagrams that are still waiting: at the end of a capture, those that never
    /// completed.
    quint64 waiting() const { return quint64(m_pendingFragments); }
    /// Fragments dropped past the bounds.
    quint64 dropped() const { return m_dropped; }

private:
    struct Key {
        quint64 addresses = 0; ///< source in the high half, destination in the low one
        quint32 protocolAndId = 0;
        bool operator<(const Key &o) const {
            return addresses != o.addresses ? addresses < o.addresses : protocolAndId < o.protocolAndId;
        }
    };
    struct Piece {
        quint32 end = 0;
        const quint8 *data = nullptr;
    };
    struct Pending {
        std::multimap<quint32, Piece> pieces; ///< by offset; equal offsets in the order seen
        quint32 contiguous = 0;               ///< bytes from offset 0 that the pieces cover
        quint32 total = 0;                    ///< the datagram's length, once its last fragment came
        bool totalKnown = false;
        quint64 bytes = 0;
        quint64 serial = 0; ///< when it began waiting, for dropping the oldest
    };

    void drop(std::map<Key, Pending>::iterator it);
    void makeRoom(quint32 length);
    Whole complete(std::map<Key, Pending>::iterator it);

    std::map<Key, Pending> m_pending;
    std::map<quint64, Key> m_bySerial; ///< the pending datagrams, oldest first
    quint64 m_nextSerial = 0;
    int m_pendingFragments = 0;
    quint64 m_pendingBytes = 0;
    quint64 m_dropped = 0;
    std::vector<QByteArray> m_held;
    quint64 m_heldBytes = 0;
};

} // namespace sockbench::capture
