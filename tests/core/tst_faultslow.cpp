// Fault matrix, a slow reader: 100 MiB sent to a peer that reads 64 KiB every 10 ms arrives byte
// for byte; the queued byte count is visible while it drains and falls to 0.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"

#include <QCryptographicHash>
#include <QSignalSpy>
#include <QTest>

#include <time.h>

using namespace sockbench;
using namespace sockbench::test;

class TestFaultSlow final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void slowReaderGetsEveryByte();
};

void TestFaultSlow::slowReaderGetsEveryByte() {
    constexpr qsizetype Total = 100 * 1024 * 1024;
    constexpr qsizetype ReadSize = 64 * 1024;

    WorkbenchConfig config;
    config.journalBudgetBytes = 16 * 1024 * 1024; // the counters stay exact when records are dropped
    Workbench wb(config);
    QSignalSpy written(&wb, &Workbench::bytesWritten);
    QSignalSpy reset(&wb, &Workbench::reset);
    const auto [rawListener, client, raw, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);

    // The peer: one recv() of at most 64 KiB, then 10 ms of doing nothing, until it has it all.
    QCryptographicHash received(QCryptographicHash::Sha256);
    qsizetype receivedBytes = 0;
    int reads = 0;
    raw->run([&, peer = raw.get()] {
        const timespec pause{0, 10'000'000};
        while (receivedBytes < Total) {
            const QByteArray chunk = peer->readExactly(std::min(ReadSize, Total - receivedBytes), 30000);
            if (chunk.isEmpty())
                return;
            received.addData(chunk);
            receivedBytes += chunk.size();
            ++reads;
            nanosleep(&pause, nullptr);
        }
    });

    const QByteArray payload = pattern(Total, 31);
    quint64 maxQueuedSeen = 0;
    auto sampler = connect(&wb, &Workbench::bytesWritten, this, [&](EndpointId id, quint64, quint64) {
        if (id == client)
            maxQueuedSeen = std::max(maxQueuedSeen, wb.info(id).queuedBytes);
    });
    QVERIFY(wb.send(client, payload));
    QVERIFY(raw->wait(120000));
    disconnect(sampler);

    QCOMPARE(receivedBytes, Total);
    QCOMPARE(received.result().toHex(), sha256(payload));
    QVERIFY(reads >= Total / ReadSize);

    // The queue was visible: most of the 100 MiB waited on our side at first (the kernel's
    // buffers hold a few MiB), and it fell to 0 without ever growing back.
    QTRY_COMPARE(wb.info(client).queuedBytes, quint64(0));
    QVERIFY2(maxQueuedSeen >= quint64(Total / 2), qPrintable(QString::number(maxQueuedSeen)));
    quint64 previousQueued = quint64(Total);
    int progressReports = 0;
    for (const auto &args : std::as_const(written)) {
        if (args.at(0).value<EndpointId>() != client)
            continue;
        const quint64 w = args.at(1).toULongLong();
        const quint64 q = args.at(2).toULongLong();
        QCOMPARE(w + q, quint64(Total)); // nothing lost or invented between queue and wire
        QVERIFY(q <= previousQueued);
        previousQueued = q;
        ++progressReports;
    }
    QCOMPARE(previousQueued, quint64(0));
    QVERIFY2(progressReports >= 10, qPrintable(QString::number(progressReports)));

    const Counters c = wb.journal().counters(client);
    QCOMPARE(c.bytesOut, quint64(Total));
    QCOMPARE(c.bytesIn, quint64(0));
    // The records held and those the budget dropped add up to every byte.
    quint64 recordedOut = wb.journal().dropped().bytesOut;
    for (const Record &r : recordsOf(wb.journal(), client, RecordKind::DataOut, false))
        recordedOut += r.length;
    QCOMPARE(recordedOut, quint64(Total));
    QCOMPARE(stateOf(wb, client), stateName(EndpointState::Connected));
    QCOMPARE(reset.size(), 0);
}

SOCKBENCH_TEST_MAIN(TestFaultSlow)
#include "tst_faultslow.moc"
