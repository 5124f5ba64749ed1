// Bulk TCP: 64 MiB in each direction between the Workbench and a raw socket must arrive byte-exact,
// with exact counters, and the send queue must be reported draining to zero.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"

#include <QCryptographicHash>
#include <QSignalSpy>
#include <QTest>

#include <cstring>
#include <ctime>

using namespace sockbench;
using namespace sockbench::test;

namespace {

qint64 wallClockNs() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double megabytesPerSecond(qsizetype bytes, qint64 ns) {
    return ns > 0 ? double(bytes) / 1e6 / (double(ns) / 1e9) : 0.0;
}

} // namespace

class TestTcpTransfer final : public QObject {
    Q_OBJECT

public:
    TestTcpTransfer() = default;
    Q_DISABLE_COPY_MOVE(TestTcpTransfer)

private Q_SLOTS:
    void rawPeerToWorkbench64MiB();
    void workbenchToRawPeer64MiB();
    void smallBudgetKeepsCountersExact();
};

void TestTcpTransfer::rawPeerToWorkbench64MiB() {
    Workbench wb(bigJournal());
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);

    const QByteArray bytes = pattern(TransferBytes, 64);
    const QByteArray expectedHash = sha256(bytes);
    bool sent = false;
    const qint64 startNs = wallClockNs();
    raw->run([&] { sent = raw->sendAll(bytes, TransferTimeoutMs); });
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(server).bytesIn, quint64(TransferBytes),
                              TransferTimeoutMs);
    QVERIFY(raw->wait());
    QVERIFY(sent);

    // Read back what the journal holds and compare it with what the raw peer sent.
    QCryptographicHash hash(QCryptographicHash::Sha256);
    quint64 total = 0;
    quint64 chunks = 0;
    qint64 lastNs = 0;
    for (const Record &r : recordsOf(wb.journal(), server, RecordKind::DataIn)) {
        QVERIFY2(!r.isEvicted(), "a 64 MiB transfer must fit a 256 MiB journal budget");
        QCOMPARE(qsizetype(r.length), r.payload.size());
        hash.addData(r.payload);
        total += r.length;
        ++chunks;
        lastNs = r.timeNs;
    }
    QCOMPARE(total, quint64(TransferBytes));
    QCOMPARE(hash.result().toHex(), expectedHash);

    const Counters c = wb.journal().counters(server);
    QCOMPARE(c.bytesIn, quint64(TransferBytes));
    QCOMPARE(c.bytesOut, quint64(0));
    QCOMPARE(c.chunksIn, chunks);

    qInfo("64 MiB raw peer -> Workbench (recorded in the journal): %.0f MB/s in %.1f ms, %llu chunks",
          megabytesPerSecond(TransferBytes, lastNs - startNs), double(lastNs - startNs) / 1e6,
          static_cast<unsigned long long>(chunks));
}

void TestTcpTransfer::workbenchToRawPeer64MiB() {
    Workbench wb(bigJournal());
    QSignalSpy written(&wb, &Workbench::bytesWritten);
    const auto [rawListener, client, raw, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);

    const QByteArray bytes = pattern(TransferBytes, 46);
    const QByteArray expectedHash = sha256(bytes);
    QVERIFY(wb.send(client, bytes));

    // The peer is not reading yet, so most of the 64 MiB must be reported as queued.
    const auto queuedSeen = [&] {
        for (const auto &args : std::as_const(written)) {
            if (args.at(0).value<EndpointId>() == client && args.at(2).value<quint64>() > 0)
                return true;
        }
        return false;
    };
    QTRY_VERIFY(queuedSeen());

    // The reader only copies, so that the figure measures the engine and not the hash.
    QByteArray received(TransferBytes, Qt::Uninitialized);
    qint64 receivedBytes = 0;
    bool overflow = false;
    qint64 readStartNs = 0;
    qint64 readDoneNs = 0;
    StreamEnd end = StreamEnd::Error;
    raw->run([&] {
        readStartNs = wallClockNs();
        end = raw->readToEnd(
            [&](const char *data, qsizetype n) {
                if (receivedBytes + n > TransferBytes) {
                    overflow = true;
                    return;
                }
                std::memcpy(received.data() + receivedBytes, data, size_t(n));
                receivedBytes += n;
                if (receivedBytes == TransferBytes)
                    readDoneNs = wallClockNs();
            },
            TransferTimeoutMs);
    });

    const auto drained = [&] {
        for (auto it = written.crbegin(); it != written.crend(); ++it) {
            if (it->at(0).value<EndpointId>() == client)
                return it->at(1).value<quint64>() == quint64(TransferBytes) &&
                       it->at(2).value<quint64>() == 0;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(drained(), TransferTimeoutMs);
    QCOMPARE(wb.info(client).queuedBytes, quint64(0));

    // written never goes backwards, and written + queued is the whole send while it drains.
    quint64 previous = 0;
    for (const auto &args : std::as_const(written)) {
        if (args.at(0).value<EndpointId>() != client)
            continue;
        const quint64 w = args.at(1).value<quint64>();
        const quint64 q = args.at(2).value<quint64>();
        QVERIFY(w >= previous);
        QCOMPARE(w + q, quint64(TransferBytes));
        previous = w;
    }

    wb.close(client);
    QVERIFY(raw->wait(TransferTimeoutMs));
    QCOMPARE(toText(end), toText(StreamEnd::Eof));
    QVERIFY2(!overflow, "the peer received more than was sent");
    QCOMPARE(receivedBytes, TransferBytes);
    QCOMPARE(sha256(received), expectedHash);

    const Counters c = wb.journal().counters(client);
    QCOMPARE(c.bytesOut, quint64(TransferBytes));
    QCOMPARE(c.bytesIn, quint64(0));
    QCryptographicHash journalHash(QCryptographicHash::Sha256);
    for (const Record &r : recordsOf(wb.journal(), client, RecordKind::DataOut))
        journalHash.addData(r.payload);
    QCOMPARE(journalHash.result().toHex(), expectedHash);

    qInfo("64 MiB Workbench -> raw peer: %.0f MB/s once the peer reads (%.1f ms), %lld bytesWritten signals",
          megabytesPerSecond(TransferBytes, readDoneNs - readStartNs), double(readDoneNs - readStartNs) / 1e6,
          static_cast<long long>(emissionsFor(written, client)));
}

void TestTcpTransfer::smallBudgetKeepsCountersExact() {
    constexpr qsizetype Bytes = 16 * 1024 * 1024;
    WorkbenchConfig config;
    config.journalBudgetBytes = 2 * 1024 * 1024;
    Workbench wb(config);
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);

    const QByteArray bytes = pattern(Bytes, 16);
    bool sent = false;
    raw->run([&] { sent = raw->sendAll(bytes, TransferTimeoutMs); });
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(server).bytesIn, quint64(Bytes), TransferTimeoutMs);
    QVERIFY(raw->wait());
    QVERIFY(sent);

    // The oldest records are gone whole, the bytes they held are counted, and what is kept is the
    // exact tail.
    const quint64 dropped = wb.journal().dropped().bytesIn;
    QByteArray kept;
    for (const Record &r : recordsOf(wb.journal(), server, RecordKind::DataIn))
        kept += r.payload;
    QVERIFY(dropped > 0);
    QVERIFY(!kept.isEmpty());
    QCOMPARE(dropped + quint64(kept.size()), quint64(Bytes));
    QVERIFY(kept == bytes.right(kept.size()));
    // 16 MiB went through, and the journal never held more than its budget.
    QVERIFY2(wb.journal().memoryBytes() <= 2 * 1024 * 1024,
             qPrintable(QString::number(wb.journal().memoryBytes())));
    QVERIFY(wb.journal().evictedBytes() >= qint64(dropped));
}

SOCKBENCH_TEST_MAIN(TestTcpTransfer)
#include "tst_tcptransfer.moc"
