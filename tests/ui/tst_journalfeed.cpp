// The feed that paces the views following the journal: the first announcement goes through at
// once, later ones within the interval are folded into one carrying the newest count, and a view
// that starts following late catches up. Driven by a real Workbench's traffic on loopback.

#include "models/journalfeed.h"
#include "models/trafficmodel.h"
#include "testmain.h"
#include "testutil.h"

#include <QSignalSpy>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

class TestJournalFeed final : public QObject {
    Q_OBJECT

public:
    TestJournalFeed() = default;
    Q_DISABLE_COPY_MOVE(TestJournalFeed)

private Q_SLOTS:
    void firstAnnouncementPassesAtOnce();
    void burstIsFoldedIntoOneWithTheNewestCount();
    void realTrafficReachesAFollower();
    void lateFollowerCatchesUp();
};

void TestJournalFeed::firstAnnouncementPassesAtOnce() {
    Workbench wb;
    JournalFeed feed(&wb);
    QSignalSpy appended(&feed, &JournalFeed::recordsAppended);
    QCOMPARE(feed.count(), quint64(0));
    Q_EMIT wb.journalGrew(3);
    // Synchronously, with no event loop turn in between.
    QCOMPARE(appended.count(), 1);
    QCOMPARE(appended.first().first().value<quint64>(), quint64(3));
    QCOMPARE(feed.count(), quint64(3));
}

void TestJournalFeed::burstIsFoldedIntoOneWithTheNewestCount() {
    Workbench wb;
    JournalFeed feed(&wb);
    QSignalSpy appended(&feed, &JournalFeed::recordsAppended);
    Q_EMIT wb.journalGrew(1);
    Q_EMIT wb.journalGrew(5);
    Q_EMIT wb.journalGrew(9);
    QCOMPARE(appended.count(), 1); // the interval has not passed: nothing more yet
    QCOMPARE(feed.count(), quint64(1));
    QVERIFY(appended.wait(5000));
    QCOMPARE(appended.count(), 2);
    QCOMPARE(appended.last().first().value<quint64>(), quint64(9));
    QCOMPARE(feed.count(), quint64(9));
}

void TestJournalFeed::realTrafficReachesAFollower() {
    Workbench wb;
    JournalFeed feed(&wb);
    TrafficModel model(&wb.journal());
    model.follow(&feed);
    auto [rawListener, client, raw, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);
    QVERIFY(raw->sendAll(QByteArray("from the peer")));
    const auto shows = [&](const QString &text) {
        for (int row = 0; row < model.rowCount(); ++row) {
            if (model.index(row, TrafficModel::DataColumn).data().toString() == text)
                return true;
        }
        return false;
    };
    QTRY_VERIFY(shows(QStringLiteral("from the peer")));
    QVERIFY(wb.send(client, "from us"));
    QTRY_VERIFY(shows(QStringLiteral("from us")));
    QTRY_COMPARE(quint64(model.rowCount()), wb.journal().count());
}

void TestJournalFeed::lateFollowerCatchesUp() {
    Workbench wb;
    JournalFeed feed(&wb);
    auto [rawListener, client, raw, failure] = connectToRawListener(wb);
    QVERIFY2(!failure, failure);
    QVERIFY(raw->sendAll(QByteArray("early")));
    QTRY_VERIFY(feed.count() > 0 && feed.count() == wb.journal().count());
    TrafficModel model(&wb.journal());
    model.follow(&feed);
    // What the feed announced before the model existed is there at once.
    QCOMPARE(quint64(model.rowCount()), feed.count());
}

SOCKBENCH_TEST_MAIN(TestJournalFeed)
#include "tst_journalfeed.moc"
