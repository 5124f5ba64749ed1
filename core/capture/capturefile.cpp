#include "capture/capturefile.h"

#include "capture/packetdecode.h"
#include "capture/tcpreassembly.h"
#include "language/numbers.h"

#include <QFile>
#include <QFileInfo>
#include <QtEndian>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>

namespace sockbench {

using capture::DecodedPacket;

// --- MappedFile -------------------------------------------------------------------------------

std::shared_ptr<MappedFile> MappedFile::open(const QString &path, QString *error) {
    const QString name = QFileInfo(path).fileName().isEmpty() ? path : QFileInfo(path).fileName();
    auto fail = [&](const QString &why) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(name, why);
        return std::shared_ptr<MappedFile>();
    };
    const QByteArray local = QFile::encodeName(path);
    const int fd = ::open(local.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(QString::fromLocal8Bit(std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        return fail(QString::fromLocal8Bit(std::strerror(e)));
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return fail(QStringLiteral("is a folder, not a capture file"));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return fail(QStringLiteral("is not a regular file"));
    }
    if (st.st_size == 0) {
        ::close(fd);
        return fail(QStringLiteral("the file is empty"));
    }
    void *map = ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    const int e = errno;
    ::close(fd); // the mapping keeps the file open
    if (map == MAP_FAILED)
        return fail(QString::fromLocal8Bit(std::strerror(e)));
    std::shared_ptr<MappedFile> file(new MappedFile);
    file->m_data = static_cast<const char *>(map);
    file->m_size = quint64(st.st_size);
    file->m_mapped = true;
    return file;
}

std::shared_ptr<MappedFile> MappedFile::fromBytes(const QByteArray &bytes) {
    std::shared_ptr<MappedFile> file(new MappedFile);
    file->m_copy = bytes;
    file->m_data = file->m_copy.constData();
    file->m_size = quint64(file->m_copy.size());
    return file;
}

MappedFile::~MappedFile() {
    if (m_mapped)
        ::munmap(const_cast<char *>(m_data), size_t(m_size));
}

void MappedFile::release(quint64 offset, quint64 length) const {
    if (!m_mapped || offset >= m_size)
        return;
    length = qMin(length, m_size - offset);
    const quint64 page = quint64(::sysconf(_SC_PAGESIZE));
    // Only whole pages inside the range: a page shared with bytes outside it stays.
    const quint64 first = (offset + page - 1) / page * page;
    const quint64 end = (offset + length) / page * page;
    if (end <= first)
        return;
    ::madvise(const_cast<char *>(m_data) + first, size_t(end - first), MADV_DONTNEED);
}

int CaptureFile::findStream(CaptureProtocol protocol, int number) const {
    for (int i = 0; i < streams.size(); ++i)
        if (streams[i].protocol == protocol && streams[i].number == number)
            return i;
    return -1;
}

// --- Reader ---------------------------------------------------------------------------------------

namespace {

constexpr quint32 PcapMagicMicro = 0xa1b2c3d4;
constexpr quint32 PcapMagicNano = 0xa1b23c4d;
constexpr quint32 BlockShb = 0x0a0d0d0a;
constexpr quint32 BlockIdb = 1;
constexpr quint32 BlockPb = 2;
constexpr quint32 BlockSpb = 3;
constexpr quint32 BlockEpb = 6;
constexpr quint32 ByteOrderMagic = 0x1a2b3c4d;
constexpr int MaxWarnings = 50;
/// How much of the file is read between two releases of the pages behind the reader.
constexpr quint64 ReleaseEvery = 64ull * 1024 * 1024;
constexpr quint64 ProgressEvery = 8ull * 1024 * 1024;

QString formatIp(bool v6, const quint8 *a) {
    if (!v6)
        return QStringLiteral("%1.%2.%3.%4").arg(a[0]).arg(a[1]).arg(a[2]).arg(a[3]);
    // RFC 5952: lower case, the longest run (>= 2) of zero groups as "::", first one on a tie.
    quint16 g[8];
    for (int i = 0; i < 8; ++i)
        g[i] = quint16((a[2 * i] << 8) | a[2 * i + 1]);
    // IPv4-mapped addresses read as Qt writes them: ::ffff:1.2.3.4
    static constexpr quint8 Mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a, Mapped, 12) == 0)
        return QStringLiteral("::ffff:%1.%2.%3.%4").arg(a[12]).arg(a[13]).arg(a[14]).arg(a[15]);
    int bestStart = -1, bestLength = 1;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0)
            ++j;
        if (j - i > bestLength) {
            bestStart = i;
            bestLength = j - i;
        }
        i = j;
    }
    QString out;
    for (int i = 0; i < 8; ++i) {
        if (i == bestStart) {
            out += QStringLiteral("::");
            i += bestLength - 1;
            continue;
        }
        if (!out.isEmpty() && !out.endsWith(u':'))
            out += u':';
        out += QString::number(g[i], 16);
    }
    return out;
}

QString formatAddress(const NetAddress &a) {
    return a.isV6() ? QStringLiteral("[%1]:%2").arg(a.ip).arg(a.port)
                    : QStringLiteral("%1:%2").arg(a.ip).arg(a.port);
}

/// A conversation's key: both ends, in a fixed order so either direction finds it.
struct TupleKey {
    quint8 a[16];
    quint8 b[16];
    quint16 aPort;
    quint16 bPort;
    quint8 v6;
    quint8 protocol;
    bool operator==(const TupleKey &o) const {
        return std::memcmp(a, o.a, 16) == 0 && std::memcmp(b, o.b, 16) == 0 && aPort == o.aPort &&
               bPort == o.bPort && v6 == o.v6 && protocol == o.protocol;
    }
};

struct TupleHash {
    size_t operator()(const TupleKey &k) const {
        // FNV-1a over the key's fields
        quint64 h = 1469598103934665603ull;
        auto mix = [&h](const quint8 *p, size_t n) {
            for (size_t i = 0; i < n; ++i) {
                h ^= p[i];
                h *= 1099511628211ull;
            }
        };
        mix(k.a, 16);
        mix(k.b, 16);
        const quint8 rest[6] = {
            quint8(k.aPort), quint8(k.aPort >> 8), quint8(k.bPort), quint8(k.bPort >> 8), k.v6, k.protocol};
        mix(rest, 6);
        return size_t(h);
    }
};

/// One TCP conversation while it is being read.
struct TcpConn {
    int stream = 0;         ///< index into CaptureFile::streams
    quint8 client[16] = {}; ///< the client's address and port, to tell directions apart
    quint16 clientPort = 0;
    std::unique_ptr<TcpReassembler> dir[2]; ///< 0: client to server, 1: server to client
    quint32 baseSeq[2] = {0, 0};            ///< the first sequence number seen from each side
    bool baseSet[2] = {false, false};
    bool synSeen[2] = {false, false};
    quint32 isn[2] = {0, 0};
    bool finSeen[2] = {false, false};
    bool finPending[2] = {false, false}; ///< FIN seen, its marker waits for the bytes before it
    quint32 finSeq[2] = {0, 0};
    bool reset = false;
    bool established = false;
    bool ended = false;
    bool refused = false;
};

struct UdpConn {
    int stream = 0;
    quint8 client[16] = {};
    quint16 clientPort = 0;
};

struct Interface {
    quint32 linkType = 0;
    bool supported = false;
    // timestamp units: ns = ts * mul / div (power of 10) or ts * 1e9 >> shift (power of 2)
    bool powerOfTwo = false;
    quint64 mul = 1000; // microseconds by default
    quint64 div = 1;
    int shift = 0;
    qint64 offsetNs = 0;
};

class Reader {
public:
    Reader(const MappedFile &file, CaptureFile &out, const CaptureReadOptions &options)
        : m_file(file)
        , m_data(reinterpret_cast<const quint8 *>(file.bytes()))
        , m_size(file.size())
        , m_out(out)
        , m_options(options) {}

    /// Returns false with *error when nothing could be read.
    bool run(QString *error);

private:
    // byte order of the current section
    quint16 u16(quint64 at) const {
        const quint8 *p = m_data + at;
        return m_swap ? quint16((p[0] << 8) | p[1]) : quint16(p[0] | (p[1] << 8));
    }
    quint32 u32(quint64 at) const {
        const quint8 *p = m_data + at;
        return m_swap ? (quint32(p[0]) << 24) | (quint32(p[1]) << 16) | (quint32(p[2]) << 8) | p[3]
                      : quint32(p[0]) | (quint32(p[1]) << 8) | (quint32(p[2]) << 16) | (quint32(p[3]) << 24);
    }
    quint64 u64(quint64 at) const {
        return m_swap ? (quint64(u32(at)) << 32) | u32(at + 4) : (quint64(u32(at + 4)) << 32) | u32(at);
    }

    bool readPcap(QString *error);
    bool readPcapng(QString *error);
    void warn(quint64 block, const QString &type, quint64 offset, const QString &what);
    QString where(quint64 block, const QString &type, quint64 offset) const;
    bool tick(quint64 offset);
    void packet(const Interface &iface, qint64 timeNs, quint64 offset, quint32 captured, quint64 block,
                const QString &blockType, quint64 blockOffset);
    void tcp(const DecodedPacket &d, qint64 timeNs, quint64 payloadAt);
    void udp(const DecodedPacket &d, qint64 timeNs, quint64 payloadAt);
    int newStream(CaptureProtocol protocol, const DecodedPacket &d, bool senderIsClient, qint64 timeNs);
    void addPieces(int stream, int direction);
    void addEvent(int stream, qint64 timeNs, Marker marker, const QString &text);
    void endStream(TcpConn &conn, qint64 timeNs);
    void finMarkers(TcpConn &conn, qint64 timeNs, bool force);
    void finishAll();
    qint64 toNs(const Interface &iface, quint64 ts) const;

    const MappedFile &m_file;
    const quint8 *m_data;
    quint64 m_size;
    CaptureFile &m_out;
    const CaptureReadOptions &m_options;
    bool m_swap = false;
    bool m_cancelled = false;
    int m_suppressedWarnings = 0;
    quint64 m_released = 0;
    quint64 m_nextProgress = ProgressEvery;
    quint64 m_fragments = 0;
    quint64 m_beyondMaxStreams = 0; ///< packets of streams past MaxCaptureStreams, skipped
    int m_tcpStreams = 0;
    int m_udpStreams = 0;
    qint64 m_lastTimeNs = 0;
    std::unordered_map<TupleKey, int, TupleHash> m_tcpIndex; ///< tuple -> index into m_tcp
    std::unordered_map<TupleKey, int, TupleHash> m_udpIndex; ///< tuple -> index into m_udp
    std::vector<TcpConn> m_tcp;
    std::vector<UdpConn> m_udp;
    std::vector<ReassembledPiece> m_pieces;
};

QString Reader::where(quint64 block, const QString &type, quint64 offset) const {
    return QStringLiteral("block %1 (%2) at offset %3").arg(grouped(block), type, grouped(offset));
}

void Reader::warn(quint64 block, const QString &type, quint64 offset, const QString &what) {
    // Bounded: a file damaged all through says so once per kind of damage at most MaxWarnings times.
    if (m_out.warnings.size() >= MaxWarnings) {
        ++m_suppressedWarnings;
        return;
    }
    m_out.warnings.append(QStringLiteral("%1: %2").arg(where(block, type, offset), what));
}

bool Reader::tick(quint64 offset) {
    if (offset >= m_released + ReleaseEvery) {
        m_file.release(m_released, offset - m_released);
        m_released = offset - offset % 4096;
    }
    if (m_options.progress && offset >= m_nextProgress) {
        m_nextProgress = offset + ProgressEvery;
        if (!m_options.progress(offset, m_size)) {
            m_cancelled = true;
            return false;
        }
    }
    return true;
}

qint64 Reader::toNs(const Interface &iface, quint64 ts) const {
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

bool Reader::run(QString *error) {
    if (m_size < 4) {
        *error = QStringLiteral("the file is too short to be a capture (%1 bytes)").arg(m_size);
        return false;
    }
    const quint32 magicLe = quint32(m_data[0]) | (quint32(m_data[1]) << 8) | (quint32(m_data[2]) << 16) |
                            (quint32(m_data[3]) << 24);
    bool ok;
    if (magicLe == BlockShb) {
        m_out.format = CaptureFormat::Pcapng;
        ok = readPcapng(error);
    } else if (magicLe == PcapMagicMicro || magicLe == PcapMagicNano ||
               qFromBigEndian(magicLe) == PcapMagicMicro || qFromBigEndian(magicLe) == PcapMagicNano) {
        m_out.format = CaptureFormat::Pcap;
        ok = readPcap(error);
    } else {
        *error =
            QStringLiteral("not a pcap or pcapng capture (it begins with %1)")
                .arg(QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(m_data), 4).toHex(' ')));
        return false;
    }
    if (!ok)
        return false;
    finishAll();
    if (m_fragments)
        m_out.warnings.append(
            QStringLiteral("%1 fragmented IP packets skipped (fragments are not reassembled)")
                .arg(grouped(m_fragments)));
    if (m_beyondMaxStreams)
        m_out.warnings.append(QStringLiteral("more than %1 streams: %2 packets of the later ones skipped")
                                  .arg(grouped(quint64(MaxCaptureStreams)), grouped(m_beyondMaxStreams)));
    if (m_suppressedWarnings)
        m_out.warnings.append(
            QStringLiteral("… and %1 more problems").arg(grouped(quint64(m_suppressedWarnings))));
    if (m_cancelled) {
        *error = QStringLiteral("cancelled");
        return false;
    }
    return true;
}

bool Reader::readPcap(QString *error) {
    if (m_size < 24) {
        *error = QStringLiteral("%1: the pcap file header is cut short (%2 of 24 bytes)")
                     .arg(where(1, QStringLiteral("pcap file header"), 0), grouped(m_size));
        return false;
    }
    const quint32 magicLe = quint32(m_data[0]) | (quint32(m_data[1]) << 8) | (quint32(m_data[2]) << 16) |
                            (quint32(m_data[3]) << 24);
    m_swap = magicLe != PcapMagicMicro && magicLe != PcapMagicNano;
    const quint32 magic = u32(0);
    Interface iface;
    iface.mul = magic == PcapMagicNano ? 1 : 1000;
    iface.linkType = u32(20) & 0x0fffffff; // the top bits carry FCS information
    iface.supported = capture::isSupportedLinkType(iface.linkType);
    if (!iface.supported) {
        *error =
            QStringLiteral("link type %1 is not supported (Ethernet, Linux cooked, raw IP and loopback are)")
                .arg(iface.linkType);
        return false;
    }
    const QString recordType = QStringLiteral("pcap packet record");
    quint64 at = 24;
    quint64 block = 2;
    for (; at < m_size; ++block) {
        if (!tick(at))
            return true;
        if (m_size - at < 16) {
            warn(block, recordType, at,
                 QStringLiteral("the record header is cut short (%1 of 16 bytes): the file ends there")
                     .arg(grouped(m_size - at)));
            break;
        }
        const quint64 seconds = u32(at);
        const quint64 fraction = u32(at + 4);
        const quint32 captured = u32(at + 8);
        if (captured > m_size - at - 16) {
            warn(block, recordType, at,
                 QStringLiteral("captured length %1 runs past the end of the file (%2 bytes left)")
                     .arg(grouped(captured), grouped(m_size - at - 16)));
            break;
        }
        const qint64 timeNs = qint64(seconds) * 1000000000 + qint64(fraction * iface.mul);
        packet(iface, timeNs, at + 16, captured, block, recordType, at);
        at += 16 + quint64(captured);
    }
    return true;
}

bool Reader::readPcapng(QString *error) {
    std::vector<Interface> interfaces;
    bool anySection = false;
    bool anySupported = false;
    bool anyInterface = false;
    QString firstUnsupported;
    quint64 at = 0;
    quint64 block = 1;
    for (; at < m_size; ++block) {
        if (!tick(at))
            return true;
        const quint64 left = m_size - at;
        const quint32 typeLe = quint32(m_data[at]) | (left > 1 ? quint32(m_data[at + 1]) << 8 : 0) |
                               (left > 2 ? quint32(m_data[at + 2]) << 16 : 0) |
                               (left > 3 ? quint32(m_data[at + 3]) << 24 : 0);
        if (left < 12) {
            if (!anySection) {
                *error = QStringLiteral("%1: the block is cut short (%2 of at least 12 bytes)")
                             .arg(where(block, QStringLiteral("Section Header Block"), at), grouped(left));
                return false;
            }
            warn(block, QStringLiteral("unknown block"), at,
                 QStringLiteral("the block header is cut short (%1 bytes): the file ends there")
                     .arg(grouped(left)));
            break;
        }
        if (typeLe == BlockShb) {
            if (left < 28) {
                const QString what =
                    QStringLiteral("the section header is cut short (%1 of 28 bytes)").arg(grouped(left));
                if (!anySection) {
                    *error = QStringLiteral("%1: %2").arg(
                        where(block, QStringLiteral("Section Header Block"), at), what);
                    return false;
                }
                warn(block, QStringLiteral("Section Header Block"), at, what);
                break;
            }
            const quint32 bom = quint32(m_data[at + 8]) | (quint32(m_data[at + 9]) << 8) |
                                (quint32(m_data[at + 10]) << 16) | (quint32(m_data[at + 11]) << 24);
            if (bom == ByteOrderMagic)
                m_swap = false;
            else if (qFromBigEndian(bom) == ByteOrderMagic)
                m_swap = true;
            else {
                const QString what = QStringLiteral("its byte-order magic is %1, not 1a2b3c4d")
                                         .arg(QString::number(qFromBigEndian(bom), 16));
                if (!anySection) {
                    *error = QStringLiteral("%1: %2").arg(
                        where(block, QStringLiteral("Section Header Block"), at), what);
                    return false;
                }
                warn(block, QStringLiteral("Section Header Block"), at, what);
                break;
            }
        }
        const quint32 type = u32(at);
        const quint32 length = u32(at + 4);
        QString typeName;
        switch (type) {
        case BlockShb:
            typeName = QStringLiteral("Section Header Block");
            break;
        case BlockIdb:
            typeName = QStringLiteral("Interface Description Block");
            break;
        case BlockPb:
            typeName = QStringLiteral("Packet Block");
            break;
        case BlockSpb:
            typeName = QStringLiteral("Simple Packet Block");
            break;
        case BlockEpb:
            typeName = QStringLiteral("Enhanced Packet Block");
            break;
        case 4:
            typeName = QStringLiteral("Name Resolution Block");
            break;
        case 5:
            typeName = QStringLiteral("Interface Statistics Block");
            break;
        case 10:
            typeName = QStringLiteral("Decryption Secrets Block");
            break;
        case 0xbad:
        case 0x40000bad:
            typeName = QStringLiteral("Custom Block");
            break;
        default:
            typeName = QStringLiteral("block type 0x%1").arg(type, 8, 16, QLatin1Char('0'));
        }
        if (!anySection && type != BlockShb) {
            *error = QStringLiteral("%1: a pcapng file must begin with a Section Header Block")
                         .arg(where(block, typeName, at));
            return false;
        }
        auto stop = [&](const QString &what) {
            if (!anySection) {
                *error = QStringLiteral("%1: %2").arg(where(block, typeName, at), what);
                return false;
            }
            warn(block, typeName, at, what);
            return true;
        };
        if (length < 12 || length % 4 != 0) {
            if (!stop(QStringLiteral("block length %1 is not a multiple of 4 of at least 12")
                          .arg(grouped(length))))
                return false;
            break;
        }
        if (length > left) {
            if (!stop(QStringLiteral("block length %1 runs past the end of the file (%2 bytes left)")
                          .arg(grouped(length), grouped(left))))
                return false;
            break;
        }
        if (u32(at + length - 4) != length) {
            if (!stop(QStringLiteral("its trailing length %1 differs from its length %2")
                          .arg(grouped(u32(at + length - 4)), grouped(length))))
                return false;
            break;
        }
        const quint64 body = at + 8;
        const quint64 bodyLength = length - 12;
        switch (type) {
        case BlockShb:
            if (bodyLength < 16) {
                if (!stop(QStringLiteral("the section header is cut short")))
                    return false;
                at = m_size;
                continue;
            }
            if (u16(body + 4) != 1)
                warn(block, typeName, at,
                     QStringLiteral("pcapng version %1.%2; reading it as 1.0")
                         .arg(u16(body + 4))
                         .arg(u16(body + 6)));
            anySection = true;
            interfaces.clear(); // interface numbers start again in each section
            break;
        case BlockIdb: {
            if (bodyLength < 8) {
                warn(block, typeName, at, QStringLiteral("the interface description is cut short"));
                interfaces.push_back(Interface{}); // keeps the numbering of the interfaces after it
                break;
            }
            Interface iface;
            iface.linkType = u16(body);
            iface.supported = capture::isSupportedLinkType(iface.linkType);
            anyInterface = true;
            if (iface.supported)
                anySupported = true;
            else if (firstUnsupported.isEmpty())
                firstUnsupported = QStringLiteral("%1: link type %2 is not supported")
                                       .arg(where(block, typeName, at))
                                       .arg(iface.linkType);
            if (!iface.supported)
                warn(block, typeName, at,
                     QStringLiteral("link type %1 of interface %2 is not supported; its packets are skipped")
                         .arg(iface.linkType)
                         .arg(interfaces.size()));
            // Options: code, length, value padded to 4 bytes.
            quint64 opt = body + 8;
            const quint64 optEnd = body + bodyLength;
            while (opt + 4 <= optEnd) {
                const quint16 code = u16(opt);
                const quint16 optLength = u16(opt + 2);
                if (code == 0)
                    break;
                const quint64 padded = (quint64(optLength) + 3) / 4 * 4;
                if (opt + 4 + padded > optEnd) {
                    warn(block, typeName, at,
                         QStringLiteral("option %1 at offset %2 runs past the block")
                             .arg(code)
                             .arg(grouped(opt)));
                    break;
                }
                if (code == 9 && optLength >= 1) { // if_tsresol
                    const quint8 r = m_data[opt + 4];
                    const int exponent = r & 0x7f;
                    if (r & 0x80) {
                        if (exponent > 63) {
                            warn(
                                block, typeName, at,
                                QStringLiteral("timestamp resolution 2^-%1 is not usable; using microseconds")
                                    .arg(exponent));
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
                        warn(block, typeName, at,
                             QStringLiteral("timestamp resolution 10^-%1 is not usable; using microseconds")
                                 .arg(exponent));
                    }
                } else if (code == 14 && optLength >= 8) { // if_tsoffset, in seconds
                    const qint64 seconds = qint64(u64(opt + 4));
                    if (seconds > -9000000000LL && seconds < 9000000000LL)
                        iface.offsetNs = seconds * 1000000000LL;
                }
                opt += 4 + padded;
            }
            interfaces.push_back(iface);
            break;
        }
        case BlockEpb:
        case BlockPb: {
            if (bodyLength < 20) {
                warn(block, typeName, at, QStringLiteral("the packet header is cut short"));
                break;
            }
            const quint32 id = type == BlockEpb ? u32(body) : u16(body);
            const quint64 ts = (quint64(u32(body + 4)) << 32) | u32(body + 8);
            const quint32 captured = u32(body + 12);
            if (captured > bodyLength - 20) {
                warn(block, typeName, at,
                     QStringLiteral("captured length %1 runs past the block (%2 bytes)")
                         .arg(grouped(captured), grouped(bodyLength - 20)));
                break;
            }
            if (id >= interfaces.size()) {
                warn(block, typeName, at,
                     QStringLiteral("interface %1 was not described (%2 interfaces)")
                         .arg(id)
                         .arg(interfaces.size()));
                break;
            }
            const Interface &iface = interfaces[id];
            m_lastTimeNs = toNs(iface, ts);
            packet(iface, m_lastTimeNs, body + 20, captured, block, typeName, at);
            break;
        }
        case BlockSpb: {
            if (bodyLength < 4) {
                warn(block, typeName, at, QStringLiteral("the packet header is cut short"));
                break;
            }
            if (interfaces.empty()) {
                warn(block, typeName, at, QStringLiteral("no interface was described before it"));
                break;
            }
            const quint32 original = u32(body);
            const quint32 captured = quint32(qMin<quint64>(original, bodyLength - 4));
            // A simple packet has no time of its own: it keeps the previous packet's.
            packet(interfaces[0], m_lastTimeNs, body + 4, captured, block, typeName, at);
            break;
        }
        default:
            break; // name resolution, statistics, secrets, custom: nothing we show
        }
        at += length;
    }
    if (!anySupported && anyInterface) {
        *error =
            QStringLiteral("%1, and no interface has a supported link type (Ethernet, Linux cooked, raw IP "
                           "and loopback are)")
                .arg(firstUnsupported);
        return false;
    }
    return true;
}

void Reader::packet(const Interface &iface, qint64 timeNs, quint64 offset, quint32 captured, quint64 block,
                    const QString &blockType, quint64 blockOffset) {
    ++m_out.packets;
    if (!iface.supported) {
        ++m_out.skippedPackets;
        return;
    }
    const DecodedPacket d = capture::decodePacket(iface.linkType, m_data + offset, captured);
    switch (d.result) {
    case DecodedPacket::Result::Tcp:
        tcp(d, timeNs, offset + d.payloadOffset);
        break;
    case DecodedPacket::Result::Udp:
        udp(d, timeNs, offset + d.payloadOffset);
        break;
    case DecodedPacket::Result::Fragment:
        ++m_fragments;
        ++m_out.skippedPackets;
        break;
    case DecodedPacket::Result::Damaged:
        ++m_out.skippedPackets;
        warn(block, blockType, blockOffset, QString::fromLatin1(d.problem));
        break;
    case DecodedPacket::Result::Other:
        ++m_out.skippedPackets;
        break;
    }
}

TupleKey keyOf(const DecodedPacket &d, quint8 protocol) {
    TupleKey k{};
    const int n = d.v6 ? 16 : 4;
    const int order = std::memcmp(d.src, d.dst, size_t(n));
    const bool srcFirst = order < 0 || (order == 0 && d.srcPort <= d.dstPort);
    std::memcpy(k.a, srcFirst ? d.src : d.dst, size_t(n));
    std::memcpy(k.b, srcFirst ? d.dst : d.src, size_t(n));
    k.aPort = srcFirst ? d.srcPort : d.dstPort;
    k.bPort = srcFirst ? d.dstPort : d.srcPort;
    k.v6 = d.v6;
    k.protocol = protocol;
    return k;
}

int Reader::newStream(CaptureProtocol protocol, const DecodedPacket &d, bool senderIsClient, qint64 timeNs) {
    CaptureStream s;
    s.protocol = protocol;
    s.number = protocol == CaptureProtocol::Tcp ? m_tcpStreams++ : m_udpStreams++;
    const NetAddress src{formatIp(d.v6, d.src), d.srcPort};
    const NetAddress dst{formatIp(d.v6, d.dst), d.dstPort};
    s.client = senderIsClient ? src : dst;
    s.server = senderIsClient ? dst : src;
    s.firstNs = s.lastNs = timeNs;
    m_out.streams.append(s);
    return int(m_out.streams.size() - 1);
}

void Reader::addEvent(int stream, qint64 timeNs, Marker marker, const QString &text) {
    CaptureRecord r;
    r.timeNs = timeNs;
    r.stream = stream;
    r.kind = RecordKind::Event;
    r.marker = marker;
    r.text = text;
    m_out.records.push_back(std::move(r));
}

void Reader::addPieces(int stream, int direction) {
    CaptureStream &s = m_out.streams[stream];
    for (ReassembledPiece &p : m_pieces) {
        CaptureRecord r;
        r.timeNs = p.timeNs;
        r.stream = stream;
        if (p.kind == ReassembledPiece::Kind::Data) {
            if (p.length == 0)
                continue;
            r.kind = direction == 0 ? RecordKind::DataOut : RecordKind::DataIn;
            r.offset = p.fileOffset;
            r.length = p.length;
            (direction == 0 ? s.bytesToServer : s.bytesToClient) += p.length;
        } else {
            r.kind = RecordKind::Event;
            r.text = std::move(p.text);
            s.bytesMissing += p.missing;
        }
        m_out.records.push_back(std::move(r));
    }
    m_pieces.clear();
}

void Reader::finMarkers(TcpConn &conn, qint64 timeNs, bool force) {
    // A FIN's marker goes after the last byte before it: when the reassembler has delivered up to
    // the FIN (a segment out of order may still come after it), or when the stream ends.
    for (int d = 0; d < 2; ++d) {
        if (!conn.finPending[d])
            continue;
        const quint32 dataStart = conn.baseSeq[d] + (conn.synSeen[d] ? 1u : 0u);
        const quint64 expected = quint32(conn.finSeq[d] - dataStart);
        // Reached, not delivered: bytes the capture lacks (said as events) count as passed.
        const quint64 reached = conn.dir[d] ? conn.dir[d]->reached() : 0;
        if (!force && reached < expected)
            continue;
        conn.finPending[d] = false;
        addEvent(conn.stream, timeNs, d == 0 ? Marker::FinSent : Marker::FinReceived,
                 d == 0 ? QStringLiteral("FIN sent") : QStringLiteral("Peer closed its side (FIN received)"));
    }
}

void Reader::endStream(TcpConn &conn, qint64 timeNs) {
    for (int d = 0; d < 2; ++d) {
        if (conn.dir[d]) {
            conn.dir[d]->finish(timeNs, &m_pieces);
            addPieces(conn.stream, d);
        }
    }
    finMarkers(conn, timeNs, true);
    for (int d = 0; d < 2; ++d)
        conn.dir[d].reset(); // frees what it held: ended streams cost nothing more
    conn.ended = true;
    if (conn.finSeen[0] && conn.finSeen[1] && !conn.reset) {
        CaptureStream &s = m_out.streams[conn.stream];
        s.endState = EndpointState::Closed;
        s.endDetail.clear();
        addEvent(conn.stream, timeNs, Marker::Closed, QStringLiteral("Closed"));
    }
}

void Reader::tcp(const DecodedPacket &d, qint64 timeNs, quint64 payloadAt) {
    const TupleKey key = keyOf(d, 6);
    const bool syn = d.flags & capture::Syn;
    const bool ack = d.flags & capture::Ack;
    const bool rst = d.flags & capture::Rst;
    const bool fin = d.flags & capture::Fin;
    auto found = m_tcpIndex.find(key);
    TcpConn *conn = found == m_tcpIndex.end() ? nullptr : &m_tcp[size_t(found->second)];
    auto directionOf = [&d](const TcpConn &c) {
        return (std::memcmp(d.src, c.client, 16) == 0 && d.srcPort == c.clientPort) ? 0 : 1;
    };
    // As Wireshark numbers them: a SYN (without ACK) whose sequence number differs from the first
    // one seen from its sender on this tuple starts a new stream (the port was reused); the same
    // one is a retransmission.
    bool fresh = !conn;
    if (conn && syn && !ack) {
        const int sender = directionOf(*conn);
        fresh = conn->baseSet[sender] && conn->baseSeq[sender] != d.seq;
    }
    if (fresh && m_out.streams.size() >= MaxCaptureStreams) {
        // Full: this packet's stream is not kept, and neither is an older one on its tuple (a new
        // stream's packets must not land in it).
        if (conn)
            m_tcpIndex.erase(found);
        ++m_beyondMaxStreams;
        ++m_out.skippedPackets;
        return;
    }
    if (fresh) {
        TcpConn added;
        // The client: the SYN's sender; the SYN-ACK's receiver; else whoever spoke first.
        const bool senderIsClient = !(syn && ack);
        added.stream = newStream(CaptureProtocol::Tcp, d, senderIsClient, timeNs);
        std::memcpy(added.client, senderIsClient ? d.src : d.dst, 16);
        added.clientPort = senderIsClient ? d.srcPort : d.dstPort;
        m_tcp.push_back(std::move(added));
        m_tcpIndex[key] = int(m_tcp.size() - 1);
        conn = &m_tcp.back();
    }
    CaptureStream &s = m_out.streams[conn->stream];
    s.lastNs = qMax(s.lastNs, timeNs);
    const int dir = directionOf(*conn);
    if (!conn->baseSet[dir]) {
        conn->baseSet[dir] = true;
        conn->baseSeq[dir] = d.seq;
    }
    if (conn->ended)
        return; // retransmitted FINs, late ACKs, repeated RSTs: nothing more to show
    const int stream = conn->stream;
    // Made at the first byte or FIN of its direction: a stream that carries nothing (a refused
    // connect, a scan) costs no reassembler.
    auto reassembler = [&](int which) -> TcpReassembler & {
        if (!conn->dir[which]) {
            conn->dir[which] = std::make_unique<TcpReassembler>();
            if (conn->synSeen[which])
                conn->dir[which]->syn(conn->isn[which]);
        }
        return *conn->dir[which];
    };

    if (syn && !conn->synSeen[dir]) {
        conn->synSeen[dir] = true;
        conn->isn[dir] = d.seq;
        if (conn->dir[dir]) // bytes came before the SYN
            conn->dir[dir]->syn(d.seq);
        if (dir == 0 && !ack)
            addEvent(stream, timeNs, Marker::Connecting,
                     QStringLiteral("Connecting to %1").arg(formatAddress(s.server)));
    }
    if (rst) {
        conn->reset = true;
        endStream(*conn, timeNs); // what was delivered comes before the reset
        const NetAddress &sender = dir == 0 ? s.client : s.server;
        if (!conn->established && dir == 1 && conn->synSeen[0]) {
            s.endState = EndpointState::Failed;
            s.endDetail = QStringLiteral("Connection refused");
            addEvent(stream, timeNs, Marker::Failed, s.endDetail);
        } else {
            s.endState = EndpointState::Reset;
            s.endDetail = QStringLiteral("Reset by %1").arg(formatAddress(sender));
            addEvent(stream, timeNs, dir == 0 ? Marker::ResetSent : Marker::ResetReceived, s.endDetail);
        }
        return;
    }
    if (!conn->established && ack && !syn) {
        // The client's ACK of the SYN-ACK, or the first segment of a capture begun mid-connection.
        conn->established = true;
        const QString text =
            conn->synSeen[0] && conn->synSeen[1]
                ? QStringLiteral("Connected to %1 from %2")
                      .arg(formatAddress(s.server), formatAddress(s.client))
                : QStringLiteral("Connected to %1 from %2 (the capture began after the handshake)")
                      .arg(formatAddress(s.server), formatAddress(s.client));
        addEvent(stream, timeNs, Marker::Established, text);
    }
    quint32 dataSeq = d.seq + (syn ? 1u : 0u);
    // What the segment carried on the wire; the capture may have kept less (its snap length).
    const quint32 onWire = std::max(d.payloadLength, d.wireLength);
    if (onWire > 0) { // even after the FIN: it may fill a gap before it
        reassembler(dir).segment(timeNs, dataSeq, reinterpret_cast<const char *>(m_data + payloadAt),
                                 payloadAt, d.payloadLength, &m_pieces, onWire - d.payloadLength);
        addPieces(stream, dir);
    }
    if (fin && !conn->finSeen[dir]) {
        conn->finSeen[dir] = true;
        conn->finPending[dir] = true;
        conn->finSeq[dir] = dataSeq + onWire;
        reassembler(dir).fin(timeNs, conn->finSeq[dir], &m_pieces);
        addPieces(stream, dir);
    }
    finMarkers(*conn, timeNs, false);
    // Both FINs, each after all its bytes: closed in order.
    if (conn->finSeen[0] && conn->finSeen[1] && !conn->finPending[0] && !conn->finPending[1])
        endStream(*conn, timeNs);
}

void Reader::udp(const DecodedPacket &d, qint64 timeNs, quint64 payloadAt) {
    const TupleKey key = keyOf(d, 17);
    auto found = m_udpIndex.find(key);
    if (found == m_udpIndex.end()) {
        if (m_out.streams.size() >= MaxCaptureStreams) {
            ++m_beyondMaxStreams;
            ++m_out.skippedPackets;
            return;
        }
        UdpConn fresh;
        fresh.stream = newStream(CaptureProtocol::Udp, d, true, timeNs);
        std::memcpy(fresh.client, d.src, 16);
        fresh.clientPort = d.srcPort;
        m_udp.push_back(fresh);
        found = m_udpIndex.emplace(key, int(m_udp.size() - 1)).first;
    }
    const UdpConn &conn = m_udp[size_t(found->second)];
    CaptureStream &s = m_out.streams[conn.stream];
    s.lastNs = qMax(s.lastNs, timeNs);
    const bool out = std::memcmp(d.src, conn.client, 16) == 0 && d.srcPort == conn.clientPort;
    CaptureRecord r;
    r.timeNs = timeNs;
    r.stream = conn.stream;
    r.kind = out ? RecordKind::DataOut : RecordKind::DataIn;
    r.offset = payloadAt;
    r.length = d.payloadLength;
    r.originalLength = d.wireLength > d.payloadLength ? d.wireLength : 0;
    (out ? s.bytesToServer : s.bytesToClient) += d.payloadLength;
    m_out.records.push_back(std::move(r));
}

void Reader::finishAll() {
    for (TcpConn &conn : m_tcp) {
        if (conn.ended)
            continue;
        CaptureStream &s = m_out.streams[conn.stream];
        s.endState = EndpointState::Closed;
        s.endDetail = QStringLiteral("Still open when the capture ended");
        endStream(conn, s.lastNs); // both FINs seen but bytes missing before one: closed all the same
    }
    m_tcp.clear();
    m_tcpIndex.clear();
    // Streams in Wireshark's order: TCP in tcp.stream order, then UDP. Records name streams by
    // index, so renumber them with the move.
    QList<int> newIndex(m_out.streams.size());
    QList<CaptureStream> ordered;
    ordered.reserve(m_out.streams.size());
    for (int pass = 0; pass < 2; ++pass) {
        const CaptureProtocol p = pass == 0 ? CaptureProtocol::Tcp : CaptureProtocol::Udp;
        for (int i = 0; i < m_out.streams.size(); ++i) {
            if (m_out.streams[i].protocol == p) {
                newIndex[i] = int(ordered.size());
                ordered.append(m_out.streams[i]);
            }
        }
    }
    m_out.streams = std::move(ordered);
    for (CaptureRecord &r : m_out.records)
        r.stream = newIndex[r.stream];
}

} // namespace

std::unique_ptr<CaptureFile> readCapture(const QString &path, QString *error,
                                         const CaptureReadOptions &options) {
    QString openError;
    std::shared_ptr<MappedFile> file = MappedFile::open(path, &openError);
    if (!file) {
        if (error)
            *error = openError;
        return nullptr;
    }
    QString readError;
    auto capture = readCapture(std::move(file), &readError, options);
    if (capture)
        capture->path = path;
    else if (error)
        *error = QStringLiteral("%1: %2").arg(QFileInfo(path).fileName(), readError);
    return capture;
}

std::unique_ptr<CaptureFile> readCapture(std::shared_ptr<const MappedFile> file, QString *error,
                                         const CaptureReadOptions &options) {
    QString readError;
    if (!file) {
        if (error)
            *error = QStringLiteral("no file");
        return nullptr;
    }
    auto capture = std::make_unique<CaptureFile>();
    capture->file = file;
    // Records come at about one per packet; a packet of ours is rarely under ~100 bytes of file.
    capture->records.reserve(size_t(qMin<quint64>(file->size() / 1024, 4u * 1024 * 1024)));
    Reader reader(*file, *capture, options);
    if (!reader.run(&readError)) {
        if (error)
            *error = readError;
        return nullptr;
    }
    return capture;
}

} // namespace sockbench
