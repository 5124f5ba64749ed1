#include "capture/pcapreader.h"

#include "capture/packetdecode.h"

#include <QtEndian>

namespace sockbench::capture {

namespace {

constexpr quint32 PcapMagicMicro = 0xa1b2c3d4;
constexpr quint32 PcapMagicNano = 0xa1b23c4d;

} // namespace

bool isPcapMagic(quint32 magicLe) {
    return magicLe == PcapMagicMicro || magicLe == PcapMagicNano ||
           qFromBigEndian(magicLe) == PcapMagicMicro || qFromBigEndian(magicLe) == PcapMagicNano;
}

bool readPcap(CaptureBytes bytes, PacketSink &sink, QString *error) {
    const quint64 size = bytes.size;
    if (size < 24) {
        *error = QStringLiteral("%1: the pcap file header is cut short (%2 of 24 bytes)")
                     .arg(blockWhere(1, QStringLiteral("pcap file header"), 0), grouped(size));
        return false;
    }
    const quint32 magicLe = bytes.u32le(0);
    bytes.swap = magicLe != PcapMagicMicro && magicLe != PcapMagicNano;
    const quint32 magic = bytes.u32(0);
    CaptureInterface iface;
    iface.mul = magic == PcapMagicNano ? 1 : 1000;
    iface.linkType = bytes.u32(20) & 0x0fffffff; // the top bits carry FCS information
    iface.supported = isSupportedLinkType(iface.linkType);
    if (!iface.supported) {
        *error =
            QStringLiteral("link type %1 is not supported (Ethernet, Linux cooked, raw IP and loopback are)")
                .arg(iface.linkType);
        return false;
    }
    const QString recordType = QStringLiteral("pcap packet record");
    quint64 at = 24;
    quint64 block = 2;
    for (; at < size; ++block) {
        if (!sink.tick(at))
            return true;
        if (size - at < 16) {
            sink.warn(block, recordType, at,
                      QStringLiteral("the record header is cut short (%1 of 16 bytes): the file ends there")
                          .arg(grouped(size - at)));
            break;
        }
        const quint64 seconds = bytes.u32(at);
        const quint64 fraction = bytes.u32(at + 4);
        const quint32 captured = bytes.u32(at + 8);
        if (captured > size - at - 16) {
            sink.warn(block, recordType, at,
                      QStringLiteral("captured length %1 runs past the end of the file (%2 bytes left)")
                          .arg(grouped(captured), grouped(size - at - 16)));
            break;
        }
        const qint64 timeNs = qint64(seconds) * 1000000000 + qint64(fraction * iface.mul);
        sink.packet(iface, timeNs, at + 16, captured, block, recordType, at);
        at += 16 + quint64(captured);
    }
    return true;
}

} // namespace sockbench::capture
