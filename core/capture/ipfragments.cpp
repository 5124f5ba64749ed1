#include "capture/ipfragments.h"

#include <cstring>

namespace sockbench::capture {

namespace {

quint32 addressOf(const quint8 a[4]) {
    return (quint32(a[0]) << 24) | (quint32(a[1]) << 16) | (quint32(a[2]) << 8) | quint32(a[3]);
}

} // namespace

bool IpFragments::add(const quint8 src[4], const quint8 dst[4], quint8 protocol, quint16 id, quint32 offset,
                      bool more, const quint8 *data, quint32 length, Whole *whole) {
    makeRoom(length);
    const Key key{(quint64(addressOf(src)) << 32) | addressOf(dst), (quint32(protocol) << 16) | id};
    auto it = m_pending.find(key);
    if (it == m_pending.end()) {
        it = m_pending.emplace(key, Pending{}).first;
        it->second.serial = m_nextSerial++;
        m_bySerial.emplace(it->second.serial, key);
    }
    Pending &p = it->second;
    const quint32 end = offset + length;
    if (!more && !p.totalKnown) { // a second last fragment that disagrees changes nothing
        p.totalKnown = true;
        p.total = end;
    }
    p.pieces.emplace(offset, Piece{end, data}); // after the pieces already at this offset
    p.bytes += length;
    ++m_pendingFragments;
    m_pendingBytes += length;
    // A piece that starts within the covered part extends it, and so may the pieces waiting past
    // it; each piece is walked once (those at or before the old end were taken when it grew).
    if (offset <= p.contiguous && end > p.contiguous) {
        const quint32 before = p.contiguous;
        p.contiguous = end;
        for (auto next = p.pieces.upper_bound(before); next != p.pieces.end() && next->first <= p.contiguous;
             ++next)
            p.contiguous = qMax(p.contiguous, next->second.end);
    }
    if (!p.totalKnown || p.contiguous < p.total)
        return false;
    *whole = complete(it);
    return true;
}

IpFragments::Whole IpFragments::complete(std::map<Key, Pending>::iterator it) {
    Pending &p = it->second;
    QByteArray bytes(qsizetype(p.total), Qt::Uninitialized);
    // In offset order, each piece adds only what the pieces before it did not cover.
    quint32 filled = 0;
    for (const auto &[offset, piece] : p.pieces) {
        const quint32 end = qMin(piece.end, p.total);
        if (end <= filled)
            continue;
        const quint32 from = qMax(offset, filled); // never past `filled`: the pieces are contiguous
        std::memcpy(bytes.data() + from, piece.data + (from - offset), end - from);
        filled = end;
    }
    Whole whole;
    whole.length = p.total;
    whole.heldOffset = m_heldBytes;
    m_heldBytes += p.total;
    m_pendingFragments -= int(p.pieces.size());
    m_pendingBytes -= p.bytes;
    m_bySerial.erase(p.serial);
    m_pending.erase(it);
    m_held.push_back(std::move(bytes));
    whole.data = reinterpret_cast<const quint8 *>(m_held.back().constData());
    return whole;
}

void IpFragments::drop(std::map<Key, Pending>::iterator it) {
    const Pending &p = it->second;
    m_dropped += p.pieces.size();
    m_pendingFragments -= int(p.pieces.size());
    m_pendingBytes -= p.bytes;
    m_bySerial.erase(p.serial);
    m_pending.erase(it);
}

void IpFragments::makeRoom(quint32 length) {
    while (!m_bySerial.empty() &&
           (m_pending.size() >= size_t(MaxPendingDatagrams) || m_pendingFragments >= MaxPendingFragments ||
            m_pendingBytes + length > MaxPendingBytes))
        drop(m_pending.find(m_bySerial.begin()->second));
}

} // namespace sockbench::capture
