// libFuzzer target: the TCP reassembler driven by any sequence of SYN, segments, FIN and end of capture,
// its segments pointing into the input itself (the "capture file").
//
// Input: byte 0 chooses the mode, bytes 1-4 are the ISN (little-endian); what follows is a list of
// operations, each a byte (its value modulo 8: 0-4 segment, 5 FIN, 6 finish, 7 SYN) and its arguments.
// - Even mode byte (consistent): the input is also the stream: byte k of the input is stream byte k,
//   sent at sequence number ISN + 1 + k. A segment is a position (2 bytes) and a length (1 byte); a FIN
//   a position. Whatever the order, copies and overlaps, the pieces must then rebuild the stream
//   exactly, each data piece starting where the one before ended or after a declared gap, and no
//   "different content" can be reported.
// - Odd mode byte (free): sequence numbers move by any signed 16-bit step, and a segment's bytes are
//   anywhere in the input: only the shape of the output is checked.
// Always: pieces stay inside the input, delivered() is the sum of the data pieces, nothing crashes.
#include "capture/tcpreassembly.h"
#include "fuzzcheck.h"

#include <vector>

using namespace sockbench;

namespace {

class Reader final {
public:
    Reader(const quint8 *data, size_t size)
        : m_data(data)
        , m_size(size) {}
    bool atEnd() const { return m_at >= m_size; }
    quint32 take(int bytes) {
        quint32 value = 0;
        for (int i = 0; i < bytes; ++i)
            value |= quint32(m_at < m_size ? m_data[m_at++] : 0) << (8 * i);
        return value;
    }

private:
    const quint8 *m_data;
    size_t m_size;
    size_t m_at = 0;
};

// "1,448 bytes missing from the capture (not reassembled)" -> 1448; "1 byte ..." -> 1.
quint64 leadingCount(const QString &text) {
    quint64 n = 0;
    for (const QChar c : text) {
        if (c == u',')
            continue;
        if (!c.isDigit())
            break;
        n = n * 10 + quint64(c.digitValue());
    }
    return n;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const quint8 *data, size_t size) {
    if (size < 5)
        return 0;
    const char *file = reinterpret_cast<const char *>(data);
    Reader in(data, size);
    const bool consistent = (in.take(1) & 1) == 0;
    const quint32 isn = in.take(4);

    TcpReassembler r;
    std::vector<ReassembledPiece> pieces;
    quint64 dataBytes = 0;
    // Consistent mode: where the next data piece must start in the input, once gaps are counted in.
    quint64 expectedOffset = 0;
    bool finSeen = false;
    quint64 finOffset = 0;
    quint32 seq = isn + 1;
    if (consistent)
        r.syn(isn);

    auto check = [&]() {
        for (const ReassembledPiece &p : pieces) {
            if (p.kind == ReassembledPiece::Kind::Data) {
                SOCKBENCH_FUZZ_CHECK(p.length > 0);
                SOCKBENCH_FUZZ_CHECK(p.fileOffset <= size && p.length <= size - p.fileOffset);
                dataBytes += p.length;
                if (consistent) {
                    SOCKBENCH_FUZZ_CHECK(p.fileOffset == expectedOffset);
                    expectedOffset += p.length;
                    SOCKBENCH_FUZZ_CHECK(!finSeen || expectedOffset <= finOffset);
                }
                continue;
            }
            SOCKBENCH_FUZZ_CHECK(!p.text.isEmpty());
            SOCKBENCH_FUZZ_CHECK(p.length == 0);
            const bool skipped =
                p.text.contains(QLatin1String("missing")) || p.text.contains(QLatin1String("not captured"));
            SOCKBENCH_FUZZ_CHECK(p.missing == (skipped ? leadingCount(p.text) : 0));
            if (consistent) {
                SOCKBENCH_FUZZ_CHECK(!p.text.contains(QLatin1String("different content")));
                if (skipped)
                    expectedOffset += leadingCount(p.text);
                SOCKBENCH_FUZZ_CHECK(!finSeen || expectedOffset <= finOffset);
            }
        }
        pieces.clear();
        SOCKBENCH_FUZZ_CHECK(r.delivered() == dataBytes);
    };

    qint64 time = 0;
    while (!in.atEnd()) {
        ++time;
        const quint32 op = in.take(1) % 8;
        if (op <= 4) {
            if (consistent) {
                const quint32 pos = in.take(2) % quint32(size);
                const quint32 length = std::min<quint32>(in.take(1), quint32(size) - pos);
                // Now and then a tail the capture cut off (its snap length).
                const quint32 cutOff =
                    op == 4 ? std::min<quint32>(in.take(1), quint32(size) - pos - length) : 0;
                r.segment(time, isn + 1 + pos, file + pos, pos, length, &pieces, cutOff);
            } else {
                seq += quint32(qint32(qint16(in.take(2))));
                const quint32 pos = in.take(2) % quint32(size);
                const quint32 length = std::min<quint32>(in.take(1), quint32(size) - pos);
                r.segment(time, seq, file + pos, pos, length, &pieces, op == 4 ? in.take(2) : 0);
            }
        } else if (op == 5) {
            if (consistent) {
                const quint32 pos = in.take(2) % quint32(size + 1);
                if (!finSeen) {
                    finSeen = true;
                    // A FIN behind what went out ends the stream after it.
                    check();
                    finOffset = std::max<quint64>(pos, expectedOffset);
                }
                r.fin(time, isn + 1 + pos, &pieces);
            } else {
                r.fin(time, seq + quint32(qint32(qint16(in.take(2)))), &pieces);
            }
        } else if (op == 6) {
            r.finish(time, &pieces);
        } else {
            const quint32 newIsn = in.take(4);
            if (!consistent)
                r.syn(newIsn);
        }
        check();
    }
    r.finish(time + 1, &pieces);
    check();
    if (consistent && finSeen)
        SOCKBENCH_FUZZ_CHECK(expectedOffset == finOffset);
    return 0;
}
