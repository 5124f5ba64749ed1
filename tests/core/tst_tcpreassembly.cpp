#include "capture/tcpreassembly.h"
#include "testmain.h"

#include <QElapsedTimer>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

// Counts the allocations made while `g_countAllocations` is set, to show that the in-order path makes
// none. Replacing the global operators is what the standard allows a program to do.
namespace {
std::atomic<bool> g_countAllocations{false};
std::atomic<int> g_allocations{0};
} // namespace

void *operator new(std::size_t size) {
    if (g_countAllocations.load(std::memory_order_relaxed))
        g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void *p = std::malloc(size == 0 ? 1 : size))
        return p;
    throw std::bad_alloc();
}

// The nothrow form too (std::stable_sort's buffer uses it): every form that our delete frees must
// come from malloc, or AddressSanitizer reports an alloc-dealloc mismatch.
void *operator new(std::size_t size, const std::nothrow_t &) noexcept {
    if (g_countAllocations.load(std::memory_order_relaxed))
        g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}

void operator delete(void *p) noexcept {
    std::free(p);
}

void operator delete(void *p, std::size_t) noexcept {
    std::free(p);
}

using namespace sockbench;

namespace {

// A fake capture file: each segment's payload is appended after a few bytes of "headers", and the
// reassembler gets pointers into it, as it would into a mapped file. The stream is then rebuilt from
// the pieces' file ranges alone.
class FakeCapture final {
public:
    struct Segment {
        qint64 timeNs = 0;
        quint32 seq = 0;
        quint64 offset = 0;
        quint32 length = 0;
    };

    // Adds a segment (not yet fed); returns its index.
    int add(qint64 timeNs, quint32 seq, QByteArrayView payload) {
        m_file.append("HDR:");
        m_segments.push_back({timeNs, seq, quint64(m_file.size()), quint32(payload.size())});
        m_file.append(payload);
        return int(m_segments.size()) - 1;
    }

    void feed(TcpReassembler *r, int index) {
        const Segment &s = m_segments[std::size_t(index)];
        r->segment(s.timeNs, s.seq, m_file.constData() + s.offset, s.offset, s.length, &pieces);
    }

    void feedAll(TcpReassembler *r) {
        for (int i = 0; i < int(m_segments.size()); ++i)
            feed(r, i);
    }

    // The data pieces' bytes, from the file.
    QByteArray stream() const {
        QByteArray out;
        for (const ReassembledPiece &p : pieces) {
            if (p.kind != ReassembledPiece::Kind::Data)
                continue;
            if (p.fileOffset + p.length > quint64(m_file.size())) {
                qWarning("piece outside the file");
                return "<outside>";
            }
            out.append(m_file.constData() + p.fileOffset, p.length);
        }
        return out;
    }

    QStringList events() const {
        QStringList out;
        for (const ReassembledPiece &p : pieces) {
            if (p.kind == ReassembledPiece::Kind::Event)
                out << p.text;
        }
        return out;
    }

    quint64 dataBytes() const {
        quint64 n = 0;
        for (const ReassembledPiece &p : pieces)
            n += p.kind == ReassembledPiece::Kind::Data ? p.length : 0;
        return n;
    }

    const Segment &segmentAt(int index) const { return m_segments[std::size_t(index)]; }
    int count() const { return int(m_segments.size()); }

    std::vector<ReassembledPiece> pieces;

private:
    QByteArray m_file;
    std::vector<Segment> m_segments;
};

QByteArray segmentBytes(int length, int salt = 0) {
    QByteArray out(length, Qt::Uninitialized);
    for (int i = 0; i < length; ++i)
        out[i] = char('a' + (i * 7 + salt) % 26);
    return out;
}

} // namespace

class TestTcpReassembly final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void inOrder();
    void withoutSynTheFirstSegmentStarts();
    void retransmissionIdentical();
    void retransmissionDifferent();
    void retransmissionBeyondWindowUnchecked();
    void overlapPartial();
    void overlapDifferentOldPart();
    void outOfOrderByOne();
    void outOfOrderByMany();
    void reverseOrder();
    void duplicateWhileWaiting();
    void gapAtEnd();
    void gapBeforeFin();
    void wrapAround();
    void wrapAroundOutOfOrder();
    void tooManyWaitingSegments();
    void tooManyWaitingBytes();
    void keepAlive();
    void zeroLength();
    void dataAfterFin();
    void finCutsWaitingSegments();
    void retransmittedFinAndSyn();
    void finBehindDeliveredData();
    void deliveredCount();
    void eventNumbersAreGrouped();
    void inOrderIsCheap();
    void randomized_data();
    void randomized();
    void randomizedWithLoss();
    void snapLengthTailIsSkippedAtItsPlace();
    void snapLengthTailOutOfOrder();
    void finBeforeAnyDataWithoutSyn();
};

void TestTcpReassembly::inOrder() {
    FakeCapture cap;
    cap.add(10, 1001, "hello ");
    cap.add(20, 1007, "wide ");
    cap.add(30, 1012, "world");
    TcpReassembler r;
    r.syn(1000);
    cap.feedAll(&r);
    r.finish(40, &cap.pieces);
    QCOMPARE(cap.stream(), QByteArray("hello wide world"));
    QVERIFY(cap.events().isEmpty());
    QCOMPARE(cap.pieces.size(), std::size_t(3));
    // Each piece is the segment's own bytes in the file, timed by it.
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(cap.pieces[std::size_t(i)].fileOffset, cap.segmentAt(i).offset);
        QCOMPARE(cap.pieces[std::size_t(i)].length, cap.segmentAt(i).length);
        QCOMPARE(cap.pieces[std::size_t(i)].timeNs, cap.segmentAt(i).timeNs);
    }
    QCOMPARE(r.delivered(), quint64(16));
}

void TestTcpReassembly::withoutSynTheFirstSegmentStarts() {
    FakeCapture cap;
    cap.add(1, 5000, "middle ");
    cap.add(2, 5007, "of it");
    TcpReassembler r;
    cap.feedAll(&r);
    r.finish(3, &cap.pieces);
    QCOMPARE(cap.stream(), QByteArray("middle of it"));
    QVERIFY(cap.events().isEmpty());
}

void TestTcpReassembly::retransmissionIdentical() {
    FakeCapture cap;
    cap.add(1, 1, "abcd");
    cap.add(2, 5, "efgh");
    cap.add(3, 1, "abcd");
    cap.add(4, 5, "efgh");
    cap.add(5, 9, "ij");
    TcpReassembler r;
    r.syn(0);
    cap.feedAll(&r);
    r.finish(6, &cap.pieces);
    QCOMPARE(cap.stream(), QByteArray("abcdefghij"));
    QVERIFY(cap.events().isEmpty());
    QCOMPARE(r.delivered(), quint64(10));
}

void TestTcpReassembly::retransmissionDifferent() {
    FakeCapture cap;
    cap.add(1, 1, "abcd");
    cap.add(2, 5, "efgh");
    cap.add(3, 3, "XdeY"); // c->X and f->Y differ, d and e agree: spans two delivered segments
    cap.add(4, 9, "ij");
    TcpReassembler r;
    r.syn(0);
    cap.feedAll(&r);
    QCOMPARE(cap.stream(), QByteArray("abcdefghij"));
    QCOMPARE(cap.events(), QStringList{"2 bytes retransmitted with different content; kept the first"});
    // The event comes where it was found: after the first two segments' data, timed by the copy.
    QCOMPARE(cap.pieces[2].kind, ReassembledPiece::Kind::Event);
    QCOMPARE(cap.pieces[2].timeNs, qint64(3));
}

void TestTcpReassembly::retransmissionBeyondWindowUnchecked() {
    // Only the last few hundred delivered runs are compared: a copy of a much older one is dropped
    // without a comparison (and without an event), and the stream is unchanged.
    FakeCapture cap;
    constexpr int Count = 2000;
    for (int i = 0; i < Count; ++i)
        cap.add(i, quint32(1 + i * 4), segmentBytes(4, i));
    const int stale = cap.add(Count, 1, "ZZZZ");
    const int fresh = cap.add(Count + 1, quint32(1 + (Count - 1) * 4), "ZZZZ");
    TcpReassembler r;
    r.syn(0);
    cap.feedAll(&r);
    Q_UNUSED(stale);
    Q_UNUSED(fresh);
    QCOMPARE(cap.events(), QStringList{"4 bytes retransmitted with different content; kept the first"});
    QCOMPARE(cap.dataBytes(), quint64(Count * 4));
}

void TestTcpReassembly::overlapPartial() {
    FakeCapture cap;
    cap.add(1, 101, "0123456789");
    const int second = cap.add(2, 106, "56789abcde");
    TcpReassembler r;
    r.syn(100);
    cap.feedAll(&r);
    QCOMPARE(cap.stream(), QByteArray("0123456789abcde"));
    QVERIFY(cap.events().isEmpty());
    QCOMPARE(cap.pieces.size(), std::size_t(2));
    QCOMPARE(cap.pieces[1].fileOffset, cap.segmentAt(second).offset + 5);
    QCOMPARE(cap.pieces[1].length, quint32(5));
    QCOMPARE(r.delivered(), quint64(15));
}

void TestTcpReassembly::overlapDifferentOldPart() {
    FakeCapture cap;
    cap.add(1, 101, "0123456789");
    cap.add(2, 106, "5!789abcde");
    TcpReassembler r;
    r.syn(100);
    cap.feedAll(&r);
    QCOMPARE(cap.stream(), QByteArray("0123456789abcde"));
    QCOMPARE(cap.events(), QStringList{"1 byte retransmitted with different content; kept the first"});
}

void TestTcpReassembly::outOfOrderByOne() {
    FakeCapture cap;
    cap.add(10, 1, "AAAA");
    cap.add(20, 9, "CCCC");
    cap.add(30, 5, "BBBB");
    cap.add(40, 13, "DD");
    TcpReassembler r;
    r.syn(0);
    cap.feed(&r, 0);
    cap.feed(&r, 1);
    QCOMPARE(cap.stream(), QByteArray("AAAA")); // C waits
    cap.feed(&r, 2);
    cap.feed(&r, 3);
    QCOMPARE(cap.stream(), QByteArray("AAAABBBBCCCCDD"));
    QVERIFY(cap.events().isEmpty());
    // C went out when B filled the gap, timed by B.
    QCOMPARE(cap.pieces[2].timeNs, qint64(30));
    QCOMPARE(cap.pieces[2].fileOffset, cap.segmentAt(1).offset);
}

void TestTcpReassembly::outOfOrderByMany() {
    FakeCapture cap;
    QByteArray whole;
    for (int i = 0; i < 50; ++i) {
        const QByteArray part = segmentBytes(100, i);
        cap.add(i, quint32(1 + i * 100), part);
        whole += part;
    }
    TcpReassembler r;
    r.syn(0);
    for (int i = 1; i < 50; ++i)
        cap.feed(&r, i);
    QVERIFY(cap.pieces.empty());
    cap.feed(&r, 0);
    QCOMPARE(cap.stream(), whole);
    QVERIFY(cap.events().isEmpty());
    QCOMPARE(r.delivered(), quint64(5000));
}

void TestTcpReassembly::reverseOrder() {
    FakeCapture cap;
    QByteArray whole;
    for (int i = 0; i < 200; ++i) {
        const QByteArray part = segmentBytes(1 + i % 13, i);
        cap.add(i, quint32(7 + whole.size()), part);
        whole += part;
    }
    TcpReassembler r;
    r.syn(6);
    for (int i = cap.count() - 1; i >= 0; --i)
        cap.feed(&r, i);
    r.finish(1000, &cap.pieces);
    QCOMPARE(cap.stream(), whole);
    QVERIFY(cap.events().isEmpty());
}

void TestTcpReassembly::duplicateWhileWaiting() {
    FakeCapture cap;
    cap.add(1, 5, "CCCC");
    cap.add(2, 5, "CCCC");
    cap.add(3, 5, "CxCC");
    cap.add(4, 1, "AAAA");
    TcpReassembler r;
    r.syn(0);
    cap.feedAll(&r);
    QCOMPARE(cap.stream(), QByteArray("AAAACCCC"));
    QCOMPARE(cap.events(), QStringList{"1 byte retransmitted with different content; kept the first"});
}

void TestTcpReassembly::gapAtEnd() {
    FakeCapture cap;
    cap.add(1, 1, "AAAA");
    cap.add(2, 9, "CCCC");
    cap.add(3, 1457, "EE");
    TcpReassembler r;
    r.syn(0);
    cap.feedAll(&r);
    QCOMPARE(cap.stream(), QByteArray("AAAA"));
    r.finish(99, &cap.pieces);
    QCOMPARE(cap.stream(), QByteArray("AAAACCCCEE"));
    QCOMPARE(cap.events(), (QStringList{"4 bytes missing from the capture (not reassembled)",
                                        "1,444 bytes missing from the capture (not reassembled)"}));
    // In stream order: data, gap, data, gap, data.
    QCOMPARE(cap.pieces.size(), std::size_t(5));
    QCOMPARE(cap.pieces[1].kind, ReassembledPiece::Kind::Event);
    QCOMPARE(cap.pieces[1].timeNs, qint64(99));
    QCOMPARE(cap.pieces[3].kind, ReassembledPiece::Kind::Event);
    QCOMPARE(r.delivered(), quint64(10));
    // A second finish says nothing new.
    const std::size_t before = cap.pieces.size();
    r.finish(100, &cap.pieces);
    QCOMPARE(cap.pieces.size(), before);
}

void TestTcpReassembly::gapBeforeFin() {
    FakeCapture cap;
    cap.add(1, 1, "AAAA");
    TcpReassembler r;
    r.syn(0);
    cap.feedAll(&r);
    r.fin(2, 13, &cap.pieces); // 8 bytes were sent that the capture does not have
    QVERIFY(cap.events().isEmpty());
    r.finish(3, &cap.pieces);
    QCOMPARE(cap.stream(), QByteArray("AAAA"));
    QCOMPARE(cap.events(), QStringList{"8 bytes missing from the capture (not reassembled)"});
}

void TestTcpReassembly::wrapAround() {
    FakeCapture cap;
    const quint32 isn = 0xFFFFFFF0u;
    QByteArray whole;
    for (int i = 0; i < 10; ++i) {
        const QByteArray part = segmentBytes(5, i);
        cap.add(i, isn + 1 + quint32(whole.size()), part); // crosses 2^32 at the fourth segment
        whole += part;
    }
    TcpReassembler r;
    r.syn(isn);
    cap.feedAll(&r);
    r.fin(20, isn + 1 + quint32(whole.size()), &cap.pieces);
    r.finish(21, &cap.pieces);
    QCOMPARE(cap.stream(), whole);
    QVERIFY(cap.events().isEmpty());
}

void TestTcpReassembly::wrapAroundOutOfOrder() {
    FakeCapture cap;
    cap.add(1, 0xFFFFFFFEu, "ab");
    cap.add(2, 0x00000002u, "ef"); // ahead, across the wrap
    cap.add(3, 0x00000000u, "cd");
    cap.add(4, 0xFFFFFFFFu, "bc"); // an overlap reaching across the wrap
    TcpReassembler r;
    cap.feedAll(&r);
    QCOMPARE(cap.stream(), QByteArray("abcdef"));
    QVERIFY(cap.events().isEmpty());
}

void TestTcpReassembly::tooManyWaitingSegments() {
    // A lost first byte and then many single bytes behind it: the reassembler must give the byte up
    // once its bound is reached, not keep everything.
    FakeCapture cap;
    constexpr int Count = TcpReassembler::MaxWaitingSegments + 500;
    const QByteArray body = segmentBytes(Count);
    for (int i = 0; i < Count; ++i)
        cap.add(i, quint32(2 + i), body.mid(i, 1));
    TcpReassembler r;
    r.syn(0);
    cap.feedAll(&r);
    QCOMPARE(cap.events(), QStringList{"1 byte missing from the capture (not reassembled)"});
    QCOMPARE(cap.stream(), body);
    // The gap went out when the bound was passed, at its place, timed by the segment that passed it.
    QCOMPARE(cap.pieces[0].kind, ReassembledPiece::Kind::Event);
    QCOMPARE(cap.pieces[0].timeNs, qint64(TcpReassembler::MaxWaitingSegments));
    r.finish(0, &cap.pieces);
    QCOMPARE(cap.events().size(), 1);
}

void TestTcpReassembly::tooManyWaitingBytes() {
    // 1 MiB segments all pointing at the same bytes of the "file": 64 MiB wait behind a gap, the next
    // one passes the bound.
    constexpr int Size = 1 << 20;
    const QByteArray file = segmentBytes(Size);
    std::vector<ReassembledPiece> pieces;
    TcpReassembler r;
    r.syn(0);
    constexpr int Count = int(TcpReassembler::MaxWaitingBytes / Size) + 1;
    for (int i = 0; i < Count; ++i)
        r.segment(i, quint32(1 + Size * (i + 1)), file.constData(), 0, Size, &pieces);
    QCOMPARE(pieces.size(), std::size_t(Count + 1));
    QCOMPARE(pieces[0].kind, ReassembledPiece::Kind::Event);
    QCOMPARE(pieces[0].text, QString("1,048,576 bytes missing from the capture (not reassembled)"));
    QCOMPARE(r.delivered(), quint64(Count) * Size);
}

void TestTcpReassembly::keepAlive() {
    FakeCapture cap;
    cap.add(1, 1, "abcd");
    cap.add(2, 4, QByteArray(1, '\0')); // keep-alive: the byte before the next, garbage
    cap.add(3, 4, "");                  // keep-alive without a byte
    cap.add(4, 5, "efgh");
    cap.add(5, 8, QByteArray(1, '\xff'));
    TcpReassembler r;
    r.syn(0);
    cap.feedAll(&r);
    r.finish(6, &cap.pieces);
    QCOMPARE(cap.stream(), QByteArray("abcdefgh"));
    QVERIFY(cap.events().isEmpty());
    QCOMPARE(cap.pieces.size(), std::size_t(2));
}

void TestTcpReassembly::zeroLength() {
    FakeCapture cap;
    cap.add(1, 777, ""); // a pure ACK before anything: must not start the stream
    cap.add(2, 1001, "abc");
    cap.add(3, 5, "");
    cap.add(4, 1004, "def");
    cap.add(5, 1007, "");
    TcpReassembler r;
    cap.feedAll(&r);
    r.finish(6, &cap.pieces);
    QCOMPARE(cap.stream(), QByteArray("abcdef"));
    QVERIFY(cap.events().isEmpty());
    QCOMPARE(cap.pieces.size(), std::size_t(2));
}

void TestTcpReassembly::dataAfterFin() {
    FakeCapture cap;
    cap.add(1, 1, "abcd");
    cap.add(3, 3, "cdXY"); // two bytes before the FIN (already delivered), two after
    cap.add(4, 9, "late");
    TcpReassembler r;
    r.syn(0);
    cap.feed(&r, 0);
    r.fin(2, 5, &cap.pieces);
    cap.feed(&r, 1);
    cap.feed(&r, 2);
    r.finish(5, &cap.pieces);
    QCOMPARE(cap.stream(), QByteArray("abcd"));
    QCOMPARE(cap.events(),
             (QStringList{"2 bytes of data after the FIN ignored", "4 bytes of data after the FIN ignored"}));
}

void TestTcpReassembly::finCutsWaitingSegments() {
    FakeCapture cap;
    cap.add(1, 1, "ab");
    cap.add(2, 5, "efgh"); // waits; the FIN comes at 7
    cap.add(3, 11, "kl");  // waits, wholly after the FIN
    cap.add(5, 3, "cd");
    TcpReassembler r;
    r.syn(0);
    cap.feed(&r, 0);
    cap.feed(&r, 1);
    cap.feed(&r, 2);
    r.fin(4, 7, &cap.pieces);
    QCOMPARE(cap.events(), QStringList{"4 bytes of data after the FIN ignored"});
    cap.feed(&r, 3);
    r.finish(6, &cap.pieces);
    QCOMPARE(cap.stream(), QByteArray("abcdef"));
    QCOMPARE(cap.events().size(), 1);
}

void TestTcpReassembly::retransmittedFinAndSyn() {
    FakeCapture cap;
    cap.add(1, 101, "abc");
    TcpReassembler r;
    r.syn(100);
    r.syn(100);
    r.syn(5000); // a later, different SYN does not move the stream
    cap.feedAll(&r);
    r.fin(2, 104, &cap.pieces);
    r.fin(3, 104, &cap.pieces);
    r.fin(4, 200, &cap.pieces); // a later, different FIN: the first counts
    r.finish(5, &cap.pieces);
    QCOMPARE(cap.stream(), QByteArray("abc"));
    QVERIFY(cap.events().isEmpty());
}

void TestTcpReassembly::finBehindDeliveredData() {
    // A FIN cannot take back bytes already delivered: the stream ends after them, and only what comes
    // later is data after the FIN.
    FakeCapture cap;
    cap.add(1, 1, "abcdef");
    cap.add(3, 7, "gh");
    TcpReassembler r;
    r.syn(0);
    cap.feed(&r, 0);
    r.fin(2, 4, &cap.pieces);
    cap.feed(&r, 1);
    r.finish(4, &cap.pieces);
    QCOMPARE(cap.stream(), QByteArray("abcdef"));
    QCOMPARE(cap.events(), QStringList{"2 bytes of data after the FIN ignored"});
}

void TestTcpReassembly::deliveredCount() {
    FakeCapture cap;
    cap.add(1, 1, "aaaa");
    cap.add(2, 3, "aabb"); // 2 new
    cap.add(3, 11, "dd");  // waits
    cap.add(4, 1, "aaaa"); // nothing new
    TcpReassembler r;
    r.syn(0);
    QCOMPARE(r.delivered(), quint64(0));
    cap.feedAll(&r);
    QCOMPARE(r.delivered(), quint64(6));
    r.finish(5, &cap.pieces);
    QCOMPARE(r.delivered(), quint64(8));
    QCOMPARE(r.delivered(), cap.dataBytes());
}

void TestTcpReassembly::eventNumbersAreGrouped() {
    FakeCapture cap;
    cap.add(1, 1, "a");
    cap.add(2, 1234569, "b");
    TcpReassembler r;
    r.syn(0);
    cap.feedAll(&r);
    r.finish(3, &cap.pieces);
    QCOMPARE(cap.events(), QStringList{"1,234,567 bytes missing from the capture (not reassembled)"});
}

// A 1 GB capture must open in seconds: the common case (the next segment, nothing waiting) is O(1)
// and allocates nothing once the comparison window is full.
void TestTcpReassembly::inOrderIsCheap() {
    constexpr quint32 Mss = 1448;
    constexpr int Count = 750'000; // about 1 GB of payload
    const QByteArray payload = segmentBytes(int(Mss));
    std::vector<ReassembledPiece> pieces;
    pieces.reserve(1024);
    TcpReassembler r;
    r.syn(0xFFFF0000u);
    quint32 seq = 0xFFFF0001u;
    int i = 0;
    auto feed = [&](int upTo) {
        for (; i < upTo; ++i) {
            r.segment(i, seq, payload.constData(), quint64(i) * 1500, Mss, &pieces);
            seq += Mss;
            if (pieces.size() == 1000)
                pieces.clear();
        }
    };
    feed(1000); // fills the comparison window
    QElapsedTimer timer;
    timer.start();
    g_allocations = 0;
    g_countAllocations = true;
    feed(Count);
    g_countAllocations = false;
    const qint64 ms = timer.elapsed();
    QCOMPARE(g_allocations.load(), 0);
    QCOMPARE(r.delivered(), quint64(Count) * Mss);
    // The time is a clue, not a check (speed is the benchmarks' business: capturebench).
    qInfo("%d in-order segments in %lld ms", Count, ms);
}

void TestTcpReassembly::randomized_data() {
    QTest::addColumn<quint32>("seed");
    for (quint32 seed : {1u, 2u, 3u, 42u, 1234u, 99991u, 0xDEADBEEFu, 7u})
        QTest::newRow(qPrintable(QString::number(seed))) << seed;
}

// A random stream cut into random segments, shuffled locally, duplicated and re-cut into
// overlapping pieces (all of the same bytes): whatever the order, the stream comes back whole.
void TestTcpReassembly::randomized() {
    QFETCH(quint32, seed);
    std::mt19937 rng(seed);
    auto below = [&rng](int n) { return int(rng() % quint32(n)); };
    const int size = 1 + below(200000);
    QByteArray whole(size, Qt::Uninitialized);
    for (char &c : whole)
        c = char(rng());
    const quint32 isn = (seed & 1) ? 0xFFFFFFFFu - quint32(below(size)) : quint32(rng());

    struct Cut {
        int from;
        int length;
    };
    std::vector<Cut> cuts;
    for (int at = 0; at < size;) {
        const int length = std::min(size - at, 1 + below(3000));
        cuts.push_back({at, length});
        at += length;
    }
    // Duplicates and overlapping re-cuts.
    const std::size_t plain = cuts.size();
    for (std::size_t i = 0; i < plain / 3; ++i) {
        const Cut c = cuts[std::size_t(below(int(plain)))];
        if (below(2) == 0) {
            cuts.push_back(c);
        } else {
            const int from = std::max(0, c.from - below(2000));
            cuts.push_back({from, std::min(size - from, c.length + below(4000))});
        }
    }
    // Each cut arrives near its place (a capture reorders within a window, not across the whole
    // connection): sorted by its offset give or take up to 20,000 bytes, copies mixed in.
    std::vector<std::pair<int, Cut>> keyed;
    for (const Cut &c : cuts)
        keyed.emplace_back(c.from + below(40000) - 20000, c);
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto &x, const auto &y) { return x.first < y.first; });
    for (std::size_t i = 0; i < cuts.size(); ++i)
        cuts[i] = keyed[i].second;

    FakeCapture cap;
    for (std::size_t i = 0; i < cuts.size(); ++i)
        cap.add(qint64(i), isn + 1 + quint32(cuts[i].from), whole.mid(cuts[i].from, cuts[i].length));
    TcpReassembler r;
    r.syn(isn);
    cap.feedAll(&r);
    r.fin(qint64(cuts.size()), isn + 1 + quint32(size), &cap.pieces);
    r.finish(qint64(cuts.size()) + 1, &cap.pieces);
    QCOMPARE(cap.events(), QStringList());
    QCOMPARE(cap.stream().size(), whole.size());
    QVERIFY(cap.stream() == whole);
    QCOMPARE(r.delivered(), quint64(size));
}

// With whole segments lost, what arrives comes out in order and every lost byte is counted.
void TestTcpReassembly::randomizedWithLoss() {
    std::mt19937 rng(20261130);
    for (int round = 0; round < 20; ++round) {
        const int size = 1 + int(rng() % 50000);
        QByteArray whole(size, Qt::Uninitialized);
        for (char &c : whole)
            c = char(rng());
        const quint32 isn = quint32(rng());
        FakeCapture cap;
        QByteArray expected;
        std::vector<int> order;
        for (int at = 0; at < size;) {
            const int length = std::min(size - at, 1 + int(rng() % 1500));
            if (rng() % 5 != 0) {
                order.push_back(cap.add(at, isn + 1 + quint32(at), whole.mid(at, length)));
                expected += whole.mid(at, length);
            }
            at += length;
        }
        std::shuffle(order.begin(), order.end(), rng);
        TcpReassembler r;
        r.syn(isn);
        for (int i : order)
            cap.feed(&r, i);
        r.fin(0, isn + 1 + quint32(size), &cap.pieces);
        r.finish(0, &cap.pieces);
        QCOMPARE(cap.stream(), expected);
        quint64 missing = 0;
        for (const QString &e : cap.events()) {
            QVERIFY2(e.endsWith(" missing from the capture (not reassembled)"), qPrintable(e));
            missing += e.section(u' ', 0, 0).remove(u',').toULongLong();
        }
        QCOMPARE(missing + quint64(expected.size()), quint64(size));
    }
}

void TestTcpReassembly::snapLengthTailIsSkippedAtItsPlace() {
    // A capture made with a snap length keeps 4 of each 10-byte segment: each tail is said at its
    // place and the next segment goes out at once instead of waiting for bytes that never come.
    TcpReassembler r;
    r.syn(999);
    FakeCapture c;
    const QByteArray bytes = segmentBytes(30);
    for (int i = 0; i < 3; ++i) {
        const int at = c.add(i, quint32(1000 + 10 * i), bytes.mid(10 * i, 4));
        const FakeCapture::Segment &s = c.segmentAt(at);
        r.segment(s.timeNs, s.seq, nullptr, s.offset, s.length, &c.pieces, 6);
        // Delivered at once: no piece waits for the missing tail.
        QCOMPARE(c.dataBytes(), quint64(4 * (i + 1)));
    }
    QCOMPARE(c.stream(), bytes.mid(0, 4) + bytes.mid(10, 4) + bytes.mid(20, 4));
    QCOMPARE(c.events(), (QStringList{"6 bytes not captured (the capture's snap length)",
                                      "6 bytes not captured (the capture's snap length)",
                                      "6 bytes not captured (the capture's snap length)"}));
    quint64 missing = 0;
    for (const ReassembledPiece &p : c.pieces)
        missing += p.missing;
    QCOMPARE(missing, quint64(18));
    // The FIN after the last tail: nothing else is missing.
    r.fin(9, 1030, &c.pieces);
    r.finish(10, &c.pieces);
    QCOMPARE(c.events().size(), 3);
}

void TestTcpReassembly::snapLengthTailOutOfOrder() {
    // The second cut segment comes first: its tail waits with it, and both go out, each tail at its
    // place, once the first arrives. A headers-only capture (nothing of the payload kept) is the same.
    TcpReassembler r;
    r.syn(999);
    FakeCapture c;
    const QByteArray bytes = segmentBytes(20);
    const int first = c.add(1, 1000, bytes.mid(0, 4));
    const int second = c.add(2, 1010, bytes.mid(10, 4));
    const FakeCapture::Segment &b = c.segmentAt(second);
    r.segment(b.timeNs, b.seq, nullptr, b.offset, b.length, &c.pieces, 6);
    QCOMPARE(c.dataBytes(), quint64(0));
    const FakeCapture::Segment &a = c.segmentAt(first);
    r.segment(a.timeNs, a.seq, nullptr, a.offset, a.length, &c.pieces, 6);
    QCOMPARE(c.stream(), bytes.mid(0, 4) + bytes.mid(10, 4));
    QCOMPARE(c.events().size(), 2);
    r.segment(3, 1020, nullptr, 0, 0, &c.pieces, 10);
    r.finish(4, &c.pieces);
    quint64 missing = 0;
    for (const ReassembledPiece &p : c.pieces)
        missing += p.missing;
    QCOMPARE(missing, quint64(22));
    QCOMPARE(r.delivered(), quint64(8));
}

void TestTcpReassembly::finBeforeAnyDataWithoutSyn() {
    // A capture begun mid-connection whose FIN overtook the last data: the data still counts, and
    // ends where the FIN says.
    TcpReassembler r;
    FakeCapture c;
    const QByteArray bytes = segmentBytes(14);
    r.fin(1, 1010, &c.pieces);
    QVERIFY(c.pieces.empty());
    c.add(2, 1000, bytes.left(10));
    c.add(3, 1010, bytes.mid(10));
    c.feedAll(&r);
    r.finish(4, &c.pieces);
    QCOMPARE(c.stream(), bytes.left(10));
    QCOMPARE(c.events(), QStringList{"4 bytes of data after the FIN ignored"});
    QCOMPARE(r.reached(), quint64(10));

    // A FIN and nothing else: an empty stream, nothing missing.
    TcpReassembler empty;
    std::vector<ReassembledPiece> pieces;
    empty.fin(1, 5000, &pieces);
    empty.finish(2, &pieces);
    QVERIFY(pieces.empty());
    QCOMPARE(empty.delivered(), quint64(0));
}

SOCKBENCH_TEST_MAIN(TestTcpReassembly)
#include "tst_tcpreassembly.moc"
