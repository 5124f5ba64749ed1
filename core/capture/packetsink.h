#pragma once

#include "language/numbers.h"

#include <QString>
#include <QtGlobal>

namespace sockbench::capture {

// What the format readers (pcapreader, pcapngreader) share with the stream index behind them
// (capturefile.cpp). Internal to the capture reader: a format reader walks its file's blocks and
// hands each packet on, without knowing streams; the index turns packets into streams and
// records, without knowing formats.

/// A capture interface: its link type and how its timestamps count.
struct CaptureInterface {
    quint32 linkType = 0;
    bool supported = false;
    // timestamp units: ns = ts * mul / div (power of 10) or ts * 1e9 >> shift (power of 2)
    bool powerOfTwo = false;
    quint64 mul = 1000; // microseconds by default
    quint64 div = 1;
    int shift = 0;
    qint64 offsetNs = 0;
};

/// The file's bytes read as integers in the byte order of the current section (pcap: the file).
/// Callers check every offset against size first.
struct CaptureBytes {
    const quint8 *data = nullptr;
    quint64 size = 0;
    bool swap = false; ///< the file's byte order is big-endian

    quint16 u16(quint64 at) const {
        const quint8 *p = data + at;
        return swap ? quint16((p[0] << 8) | p[1]) : quint16(p[0] | (p[1] << 8));
    }
    quint32 u32(quint64 at) const {
        const quint8 *p = data + at;
        return swap ? (quint32(p[0]) << 24) | (quint32(p[1]) << 16) | (quint32(p[2]) << 8) | p[3]
                    : quint32(p[0]) | (quint32(p[1]) << 8) | (quint32(p[2]) << 16) | (quint32(p[3]) << 24);
    }
    quint64 u64(quint64 at) const {
        return swap ? (quint64(u32(at)) << 32) | u32(at + 4) : (quint64(u32(at + 4)) << 32) | u32(at);
    }
    /// The first four bytes at `at` as little-endian, whatever the section's order (magic numbers).
    quint32 u32le(quint64 at) const {
        const quint8 *p = data + at;
        return quint32(p[0]) | (quint32(p[1]) << 8) | (quint32(p[2]) << 16) | (quint32(p[3]) << 24);
    }
};

/// Where in the file a warning or an error points: "block 7 (Enhanced Packet Block) at offset 1,204".
inline QString blockWhere(quint64 block, const QString &type, quint64 offset) {
    return QStringLiteral("block %1 (%2) at offset %3").arg(grouped(block), type, grouped(offset));
}

/// Where a format reader sends what it reads.
class PacketSink {
public:
    virtual ~PacketSink() = default;
    /// Called at each block's offset: releases the pages read, reports progress; false: cancelled.
    virtual bool tick(quint64 offset) = 0;
    /// Something the reader could not take and went on without, at the block it read.
    virtual void warn(quint64 block, const QString &type, quint64 offset, const QString &what) = 0;
    /// One packet of `captured` bytes at `offset` in the file, from interface `iface`.
    virtual void packet(const CaptureInterface &iface, qint64 timeNs, quint64 offset, quint32 captured,
                        quint64 block, const QString &blockType, quint64 blockOffset) = 0;
};

} // namespace sockbench::capture
