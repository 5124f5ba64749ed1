#include "capture/pcapngreader.h"

#include "capture/packetdecode.h"

#include <QtEndian>

#include <vector>

namespace sockbench::capture {

namespace {

constexpr quint32 BlockShb = 0x0a0d0d0a;
constexpr quint32 BlockIdb = 1;
constexpr quint32 BlockPb = 2;
constexpr quint32 BlockSpb = 3;
constexpr quint32 BlockEpb = 6;
constexpr quint32 ByteOrderMagic = 0x1a2b3c4d;

QString blockTypeName(quint32 type) {
    switch (type) {
    case BlockShb:
        return QStringLiteral("Section Header Block");
    case BlockIdb:
        return QStringLiteral("Interface Description Block");
    case BlockPb:
        return QStringLiteral("Packet Block");
    case BlockSpb:
        return QStringLiteral("Simple Packet Block");
    case BlockEpb:
        return QStringLiteral("Enhanced Packet Block");
    case 4:
        return QStringLiteral("Name Resolution Block");
    case 5:
        return QStringLiteral("Interface Statistics Block");
    case 10:
        return QStringLiteral("Decryption Secrets Block");
    case 0xbad:
    case 0x40000bad:
        return QStringLiteral("Custom Block");
    default:
        return QStringLiteral("block type 0x%1").arg(type, 8, 16, QLatin1Char('0'));
    }
}

qint64 toNs(const CaptureInterface &iface, quint64 ts) {
    // Unsigned throughout: a nonsense timestamp wraps to a nonsense time, never to undefined behaviour.
    quint64 ns;
    if (iface.powerOfTwo) {
        // Whole seconds, then the fraction, so that nothing overflows for any shift up to 63.
        const quint64 seconds = iface.shift == 0 ? ts : ts >> iface.shift;
        const quint64 fraction = iface.shift == 0 ? 0 : ts & ((quint64(1) << iface.shift) - 1);
        const quint64 fractionNs = iface.shift <= 34
                                       ? (fraction * 1000000000ull) >> iface.shift
                                       : quint64(static_cast<long double>(fraction) * 1e9L /
                                                 static_cast<long double>(quint64(1) << iface.shift));
        ns = seconds * 1000000000ull + fractionNs;
    } else {
        ns = iface.div == 1 ? ts * iface.mul : ts / iface.div;
    }
    return qint64(ns + quint64(iface.offsetNs));
}

/// What a block's handler tells the loop: read on, stop with a warning, or fail with the error.
enum class Step : quint8 { Next, Stop, Fail };

/// A block whose framing has been checked: its number, type name, offset, and body.
struct Block {
    quint64 number = 0;
    QString type;
    quint64 offset = 0;
    quint64 body = 0;       ///< the offset of the block's body (after type and length)
    quint64 bodyLength = 0; ///< without type, length and trailing length
};

class PcapngReader final {
public:
    PcapngReader(CaptureBytes bytes, PacketSink &sink, QString *error)
        : m_bytes(bytes)
        , m_sink(sink)
        , m_error(error) {}
    Q_DISABLE_COPY_MOVE(PcapngReader)

    bool read();

private:
    Step readBlock(quint64 block, quint64 at, quint32 *length);
    Step checkBlockStart(quint64 block, quint64 at);
    Step checkLength(quint64 block, const QString &typeName, quint64 at, quint32 length);
    Step readSectionHeader(const Block &b);
    void readInterface(const Block &b);
    void readInterfaceOptions(const Block &b, CaptureInterface &iface);
    void readTimestampResolution(const Block &b, quint8 resolution, CaptureInterface &iface);
    void readPacket(const Block &b, bool enhanced);
    void readSimplePacket(const Block &b);
    /// Before the first section, damage is the error; after it, a warning that ends the reading.
    Step stop(quint64 block, const QString &type, quint64 at, const QString &what);
    void warn(const Block &b, const QString &what) { m_sink.warn(b.number, b.type, b.offset, what); }

    CaptureBytes m_bytes;
    PacketSink &m_sink;
    QString *m_error;
    std::vector<CaptureInterface> m_interfaces; ///< the current section's, by number
    bool m_anySection = false;
    bool m_anySupported = false;
    bool m_anyInterface = false;
    QString m_firstUnsupported;
    qint64 m_lastTimeNs = 0;
};

bool PcapngReader::read() {
    quint64 at = 0;
    for (quint64 block = 1; at < m_bytes.size; ++block) {
        if (!m_sink.tick(at))
            return true;
        quint32 length = 0;
        const Step step = readBlock(block, at, &length);
        if (step == Step::Fail)
            return false;
        if (step == Step::Stop)
            break;
        at += length;
    }
    if (!m_anySupported && m_anyInterface) {
        *m_error =
            QStringLiteral("%1, and no interface has a supported link type (Ethernet, Linux cooked, raw IP "
                           "and loopback are)")
                .arg(m_firstUnsupported);
        return false;
    }
    return true;
}

Step PcapngReader::stop(quint64 block, const QString &type, quint64 at, const QString &what) {
    if (!m_anySection) {
        *m_error = QStringLiteral("%1: %2").arg(blockWhere(block, type, at), what);
        return Step::Fail;
    }
    m_sink.warn(block, type, at, what);
    return Step::Stop;
}

Step PcapngReader::readBlock(quint64 block, quint64 at, quint32 *length) {
    const Step start = checkBlockStart(block, at);
    if (start != Step::Next)
        return start;
    const quint32 type = m_bytes.u32(at);
    *length = m_bytes.u32(at + 4);
    const QString typeName = blockTypeName(type);
    if (!m_anySection && type != BlockShb)
        return stop(block, typeName, at,
                    QStringLiteral("a pcapng file must begin with a Section Header Block"));
    const Step framed = checkLength(block, typeName, at, *length);
    if (framed != Step::Next)
        return framed;
    const Block b{block, typeName, at, at + 8, quint64(*length) - 12};
    switch (type) {
    case BlockShb:
        return readSectionHeader(b);
    case BlockIdb:
        readInterface(b);
        break;
    case BlockEpb:
    case BlockPb:
        readPacket(b, type == BlockEpb);
        break;
    case BlockSpb:
        readSimplePacket(b);
        break;
    default:
        break; // name resolution, statistics, secrets, custom: nothing we show
    }
    return Step::Next;
}

// The block header fits, and a section header says its byte order, which every later field needs.
Step PcapngReader::checkBlockStart(quint64 block, quint64 at) {
    const QString shb = QStringLiteral("Section Header Block");
    const quint64 left = m_bytes.size - at;
    if (left < 12) {
        if (!m_anySection)
            return stop(
                block, shb, at,
                QStringLiteral("the block is cut short (%1 of at least 12 bytes)").arg(grouped(left)));
        m_sink.warn(block, QStringLiteral("unknown block"), at,
                    QStringLiteral("the block header is cut short (%1 bytes): the file ends there")
                        .arg(grouped(left)));
        return Step::Stop;
    }
    if (m_bytes.u32le(at) != BlockShb)
        return Step::Next;
    if (left < 28)
        return stop(block, shb, at,
                    QStringLiteral("the section header is cut short (%1 of 28 bytes)").arg(grouped(left)));
    const quint32 bom = m_bytes.u32le(at + 8);
    if (bom == ByteOrderMagic) {
        m_bytes.swap = false;
    } else if (qFromBigEndian(bom) == ByteOrderMagic) {
        m_bytes.swap = true;
    } else {
        return stop(block, shb, at,
                    QStringLiteral("its byte-order magic is %1, not 1a2b3c4d")
                        .arg(QString::number(qFromBigEndian(bom), 16)));
    }
    return Step::Next;
}

Step PcapngReader::checkLength(quint64 block, const QString &typeName, quint64 at, quint32 length) {
    const quint64 left = m_bytes.size - at;
    if (length < 12 || length % 4 != 0)
        return stop(
            block, typeName, at,
            QStringLiteral("block length %1 is not a multiple of 4 of at least 12").arg(grouped(length)));
    if (length > left)
        return stop(block, typeName, at,
                    QStringLiteral("block length %1 runs past the end of the file (%2 bytes left)")
                        .arg(grouped(length), grouped(left)));
    if (m_bytes.u32(at + length - 4) != length)
        return stop(block, typeName, at,
                    QStringLiteral("its trailing length %1 differs from its length %2")
                        .arg(grouped(m_bytes.u32(at + length - 4)), grouped(length)));
    return Step::Next;
}

Step PcapngReader::readSectionHeader(const Block &b) {
    if (b.bodyLength < 16)
        return stop(b.number, b.type, b.offset, QStringLiteral("the section header is cut short"));
    if (m_bytes.u16(b.body + 4) != 1)
        warn(b, QStringLiteral("pcapng version %1.%2; reading it as 1.0")
                    .arg(m_bytes.u16(b.body + 4))
                    .arg(m_bytes.u16(b.body + 6)));
    m_anySection = true;
    m_interfaces.clear(); // interface numbers start again in each section
    return Step::Next;
}

void PcapngReader::readInterface(const Block &b) {
    if (b.bodyLength < 8) {
        warn(b, QStringLiteral("the interface description is cut short"));
        m_interfaces.push_back(CaptureInterface{}); // keeps the numbering of the interfaces after it
        return;
    }
    CaptureInterface iface;
    iface.linkType = m_bytes.u16(b.body);
    iface.supported = isSupportedLinkType(iface.linkType);
    m_anyInterface = true;
    if (iface.supported)
        m_anySupported = true;
    else if (m_firstUnsupported.isEmpty())
        m_firstUnsupported = QStringLiteral("%1: link type %2 is not supported")
                                 .arg(blockWhere(b.number, b.type, b.offset))
                                 .arg(iface.linkType);
    if (!iface.supported)
        warn(b, QStringLiteral("link type %1 of interface %2 is not supported; its packets are skipped")
                    .arg(iface.linkType)
                    .arg(m_interfaces.size()));
    readInterfaceOptions(b, iface);
    m_interfaces.push_back(iface);
}

void PcapngReader::readInterfaceOptions(const Block &b, CaptureInterface &iface) {
    // Options: code, length, value padded to 4 bytes.
    quint64 opt = b.body + 8;
    const quint64 optEnd = b.body + b.bodyLength;
    while (opt + 4 <= optEnd) {
        const quint16 code = m_bytes.u16(opt);
        const quint16 optLength = m_bytes.u16(opt + 2);
        if (code == 0)
            break;
        const quint64 padded = (quint64(optLength) + 3) / 4 * 4;
        if (opt + 4 + padded > optEnd) {
            warn(b, QStringLiteral("option %1 at offset %2 runs past the block").arg(code).arg(grouped(opt)));
            break;
        }
        if (code == 9 && optLength >= 1) { // if_tsresol
            readTimestampResolution(b, m_bytes.data[opt + 4], iface);
        } else if (code == 14 && optLength >= 8) { // if_tsoffset, in seconds
            const qint64 seconds = qint64(m_bytes.u64(opt + 4));
            if (seconds > -9000000000LL && seconds < 9000000000LL)
                iface.offsetNs = seconds * 1000000000LL;
        }
        opt += 4 + padded;
    }
}

void PcapngReader::readTimestampResolution(const Block &b, quint8 resolution, CaptureInterface &iface) {
    const int exponent = resolution & 0x7f;
    if (resolution & 0x80) {
        if (exponent > 63) {
            warn(
                b,
                QStringLiteral("timestamp resolution 2^-%1 is not usable; using microseconds").arg(exponent));
        } else {
            iface.powerOfTwo = true;
            iface.shift = exponent;
        }
    } else if (exponent <= 9) {
        iface.mul = 1;
        for (int i = exponent; i < 9; ++i)
            iface.mul *= 10;
        iface.div = 1;
    } else if (exponent <= 19) {
        iface.mul = 1;
        iface.div = 1;
        for (int i = 9; i < exponent; ++i)
            iface.div *= 10;
    } else {
        warn(b,
             QStringLiteral("timestamp resolution 10^-%1 is not usable; using microseconds").arg(exponent));
    }
}

void PcapngReader::readPacket(const Block &b, bool enhanced) {
    if (b.bodyLength < 20) {
        warn(b, QStringLiteral("the packet header is cut short"));
        return;
    }
    const quint32 id = enhanced ? m_bytes.u32(b.body) : m_bytes.u16(b.body);
    const quint64 ts = (quint64(m_bytes.u32(b.body + 4)) << 32) | m_bytes.u32(b.body + 8);
    const quint32 captured = m_bytes.u32(b.body + 12);
    if (captured > b.bodyLength - 20) {
        warn(b, QStringLiteral("captured length %1 runs past the block (%2 bytes)")
                    .arg(grouped(captured), grouped(b.bodyLength - 20)));
        return;
    }
    if (id >= m_interfaces.size()) {
        warn(b, QStringLiteral("interface %1 was not described (%2 interfaces)")
                    .arg(id)
                    .arg(m_interfaces.size()));
        return;
    }
    const CaptureInterface &iface = m_interfaces[id];
    m_lastTimeNs = toNs(iface, ts);
    m_sink.packet(iface, m_lastTimeNs, b.body + 20, captured, b.number, b.type, b.offset);
}

void PcapngReader::readSimplePacket(const Block &b) {
    if (b.bodyLength < 4) {
        warn(b, QStringLiteral("the packet header is cut short"));
        return;
    }
    if (m_interfaces.empty()) {
        warn(b, QStringLiteral("no interface was described before it"));
        return;
    }
    const quint32 original = m_bytes.u32(b.body);
    const quint32 captured = quint32(qMin<quint64>(original, b.bodyLength - 4));
    // A simple packet has no time of its own: it keeps the previous packet's.
    m_sink.packet(m_interfaces[0], m_lastTimeNs, b.body + 4, captured, b.number, b.type, b.offset);
}

} // namespace

bool isPcapngMagic(quint32 magicLe) {
    return magicLe == BlockShb;
}

bool readPcapng(CaptureBytes bytes, PacketSink &sink, QString *error) {
    PcapngReader reader(bytes, sink, error);
    return reader.read();
}

} // namespace sockbench::capture
