// capturebench: the goal "opening a 1 GB capture in <= 5 s with RSS <= 200 MB" (bench.py scenario 15).
//
// Writes a pcapng of TCP traffic (Ethernet, IPv4, 1,448-byte segments, an ACK every other segment,
// a small answer now and then, 64 connections open at a time, each with its handshake and FIN
// exchange), then reads it with readCapture() and imports it into a Workbench, timing both, and
// prints one JSON line with the figures and the process's peak RSS (getrusage ru_maxrss). The
// file is written just before: it is read from the page cache, as a capture opened again is.
//
// Usage: capturebench FILE [MEGABYTES=1024] [--keep] [--streams] [--cold] [--open]
// --cold drops the file from the page cache before reading it (posix_fadvise on that file only).
#include "capture/captureimport.h"
#include "engine/workbench.h"
#include "rss.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>

#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

using namespace sockbench;

namespace {

constexpr int Segment = 1448;
constexpr int Concurrent = 64;
constexpr quint64 BytesPerConnection = 2ull * 1024 * 1024;

class Writer {
public:
    explicit Writer(std::FILE *f)
        : m_f(f) {
        m_buffer.reserve(1 << 20);
    }
    ~Writer() { flush(); }
    void raw(const void *p, size_t n) {
        const auto *c = static_cast<const char *>(p);
        m_buffer.insert(m_buffer.end(), c, c + n);
        if (m_buffer.size() > (1u << 20) - 4096)
            flush();
    }
    void u16(quint16 v) { raw(&v, 2); }
    void u32(quint32 v) { raw(&v, 4); }
    void flush() {
        if (!m_buffer.empty())
            std::fwrite(m_buffer.data(), 1, m_buffer.size(), m_f);
        m_buffer.clear();
    }
    quint64 written = 0;

private:
    std::FILE *m_f;
    std::vector<char> m_buffer;
};

struct Conn {
    quint16 clientPort = 0;
    quint32 clientSeq = 1000;
    quint32 serverSeq = 5000;
    quint64 sent = 0;
    int segments = 0;
};

void be16(quint8 *p, quint16 v) {
    p[0] = quint8(v >> 8);
    p[1] = quint8(v);
}
void be32(quint8 *p, quint32 v) {
    p[0] = quint8(v >> 24);
    p[1] = quint8(v >> 16);
    p[2] = quint8(v >> 8);
    p[3] = quint8(v);
}

/// One Enhanced Packet Block: Ethernet, IPv4, TCP, payload (checksums left 0, as offloaded captures have
/// them).
quint64 packet(Writer &w, quint64 timeUs, bool toServer, const Conn &c, quint8 flags, quint32 length,
               const char *payload) {
    quint8 frame[54];
    std::memset(frame, 0, sizeof frame);
    be16(frame + 12, 0x0800);
    quint8 *ip = frame + 14;
    ip[0] = 0x45;
    be16(ip + 2, quint16(40 + length));
    ip[8] = 64;
    ip[9] = 6;
    const quint8 client[4] = {10, 0, 0, 1}, server[4] = {10, 0, 0, 2};
    std::memcpy(ip + 12, toServer ? client : server, 4);
    std::memcpy(ip + 16, toServer ? server : client, 4);
    quint8 *tcp = ip + 20;
    be16(tcp, toServer ? c.clientPort : 80);
    be16(tcp + 2, toServer ? 80 : c.clientPort);
    be32(tcp + 4, toServer ? c.clientSeq : c.serverSeq);
    be32(tcp + 8, toServer ? c.serverSeq : c.clientSeq);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    be16(tcp + 14, 65535);
    const quint32 captured = 54 + length;
    const quint32 padded = (captured + 3) & ~3u;
    const quint32 total = 32 + padded;
    w.u32(6);
    w.u32(total);
    w.u32(0);
    w.u32(quint32(timeUs >> 32));
    w.u32(quint32(timeUs));
    w.u32(captured);
    w.u32(captured);
    w.raw(frame, 54);
    if (length)
        w.raw(payload, length);
    static const char zeros[4] = {};
    w.raw(zeros, padded - captured);
    w.u32(total);
    return total;
}

quint64 generate(const QString &path, quint64 target) {
    std::FILE *f = std::fopen(QFile::encodeName(path).constData(), "wb");
    if (!f)
        return 0;
    quint64 size = 0;
    {
        Writer w(f);
        // SHB and an Ethernet IDB in microseconds (the default resolution)
        w.u32(0x0a0d0d0a);
        w.u32(28);
        w.u32(0x1a2b3c4d);
        w.u16(1);
        w.u16(0);
        w.u32(0xffffffff);
        w.u32(0xffffffff);
        w.u32(28);
        w.u32(1);
        w.u32(20);
        w.u16(1);
        w.u16(0);
        w.u32(262144);
        w.u32(20);
        size = 48;
        char payload[Segment];
        for (int i = 0; i < Segment; ++i)
            payload[i] = char('a' + i % 26);
        quint64 timeUs = 1767225600ull * 1000000;
        std::vector<Conn> conns;
        quint16 nextPort = 10000;
        auto open = [&]() {
            Conn c;
            c.clientPort = nextPort++;
            size += packet(w, timeUs++, true, c, 0x02, 0, nullptr); // SYN
            c.clientSeq += 1;
            size += packet(w, timeUs++, false, c, 0x12, 0, nullptr); // SYN-ACK
            c.serverSeq += 1;
            size += packet(w, timeUs++, true, c, 0x10, 0, nullptr); // ACK
            return c;
        };
        for (int i = 0; i < Concurrent; ++i)
            conns.push_back(open());
        while (size < target) {
            for (Conn &c : conns) {
                size += packet(w, timeUs++, true, c, 0x18, Segment, payload);
                c.clientSeq += Segment;
                c.sent += Segment;
                if (++c.segments % 2 == 0)
                    size += packet(w, timeUs++, false, c, 0x10, 0, nullptr);
                if (c.segments % 64 == 0) { // a short answer
                    size += packet(w, timeUs++, false, c, 0x18, 100, payload);
                    c.serverSeq += 100;
                }
                if (c.sent >= BytesPerConnection || size >= target) {
                    size += packet(w, timeUs++, true, c, 0x11, 0, nullptr); // FIN
                    c.clientSeq += 1;
                    size += packet(w, timeUs++, false, c, 0x11, 0, nullptr);
                    c.serverSeq += 1;
                    size += packet(w, timeUs++, true, c, 0x10, 0, nullptr);
                    if (size < target)
                        c = open();
                }
                if (size >= target)
                    break;
            }
        }
    }
    std::fclose(f);
    return size;
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: capturebench FILE [MEGABYTES=1024] [--keep]\n");
        return 2;
    }
    const QString path = args[1];
    const quint64 megabytes =
        args.size() > 2 && args[2] != QLatin1String("--keep") ? args[2].toULongLong() : 1024;
    const bool keep = args.contains(QLatin1String("--keep"));
    QElapsedTimer timer;
    timer.start();
    // --open: time an existing capture instead of writing one (it is kept)
    const bool existing = args.contains(QLatin1String("--open"));
    const quint64 size = existing ? quint64(QFileInfo(path).size()) : generate(path, megabytes * 1024 * 1024);
    if (!size) {
        std::fprintf(stderr, "capturebench: cannot write %s\n", qPrintable(path));
        return 1;
    }
    const double generateS = timer.nsecsElapsed() / 1e9;
    const bool cold = args.contains(QLatin1String("--cold"));
    if (cold) {
        // Written to disk and dropped from the page cache (this file only): read as a capture
        // opened for the first time after a reboot is.
        const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY);
        if (fd >= 0) {
            ::fdatasync(fd);
            ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            ::close(fd);
        }
    }

    timer.restart();
    QString error;
    auto capture = readCapture(path, &error);
    if (!capture) {
        std::fprintf(stderr, "capturebench: %s\n", qPrintable(error));
        return 1;
    }
    const double readS = timer.nsecsElapsed() / 1e9;
    const double readRss = bench::rssMiB();
    timer.restart();
    Workbench wb;
    const QList<EndpointId> ids = importCapture(wb, *capture);
    const double importS = timer.nsecsElapsed() / 1e9;

    quint64 bytes = 0;
    for (const CaptureStream &s : capture->streams)
        bytes += s.bytesToServer + s.bytesToClient;
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    std::printf(
        "{\"file_bytes\": %llu, \"packets\": %llu, \"streams\": %lld, \"records\": %llu, "
        "\"journal_records\": %llu, \"payload_bytes\": %llu, \"warnings\": %lld, \"generate_s\": %.3f, "
        "\"read_s\": %.3f, \"import_s\": %.3f, \"open_s\": %.3f, \"max_rss_mib\": %.1f, "
        "\"rss_after_read_mib\": %.1f, \"cold\": %s, \"goal_s\": 5, \"goal_rss_mib\": 200}\n",
        static_cast<unsigned long long>(size), static_cast<unsigned long long>(capture->packets),
        static_cast<long long>(ids.size()), static_cast<unsigned long long>(capture->records.size()),
        static_cast<unsigned long long>(wb.journal().count()), static_cast<unsigned long long>(bytes),
        static_cast<long long>(capture->warnings.size()), generateS, readS, importS, readS + importS,
        usage.ru_maxrss / 1024.0, readRss, cold ? "true" : "false");
    if (args.contains(QLatin1String("--streams"))) // for comparing with tshark -z conv,tcp
        for (const CaptureStream &s : capture->streams)
            std::fprintf(stderr, "%s %d %s %s %llu %llu\n",
                         s.protocol == CaptureProtocol::Tcp ? "tcp" : "udp", s.number,
                         qPrintable(s.client.toString()), qPrintable(s.server.toString()),
                         static_cast<unsigned long long>(s.bytesToServer),
                         static_cast<unsigned long long>(s.bytesToClient));
    if (!keep && !existing)
        QFile::remove(path);
    return 0;
}
