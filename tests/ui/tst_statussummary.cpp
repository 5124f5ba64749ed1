// The status bar's lasting part on a real Workbench: the count of connections says "connected"
// only for those that are Connected; a half-closed one is open but not connected.

#include "engine/workbench.h"
#include "panels/statussummary.h"
#include "testmain.h"
#include "testutil.h"

#include <QLabel>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

class TestStatusSummary final : public QObject {
    Q_OBJECT

public:
    TestStatusSummary() = default;
    Q_DISABLE_COPY_MOVE(TestStatusSummary)

private Q_SLOTS:
    void halfClosedIsOpenButNotConnected();
};

void TestStatusSummary::halfClosedIsOpenButNotConnected() {
    Workbench wb;
    StatusSummary summary(&wb);
    auto *open = summary.findChild<QLabel *>(QStringLiteral("openLabel"));
    QVERIFY(open);
    // A listener that keeps half-open clients: by default the engine closes them after their FIN.
    ListenerOptions halfOpen;
    halfOpen.keepHalfOpen = true;
    AcceptedRawClient pair = acceptRawClient(wb, halfOpen);
    QVERIFY2(!pair.failure, pair.failure);
    summary.refresh();
    QCOMPARE(open->text(), QStringLiteral("1 connected, 2 open"));

    pair.raw->shutdownWrite();
    QTRY_VERIFY(wb.info(pair.server).state == EndpointState::PeerClosed);
    summary.refresh();
    QCOMPARE(open->text(), QStringLiteral("0 connected, 2 open"));
}

SOCKBENCH_TEST_MAIN(TestStatusSummary)
#include "tst_statussummary.moc"
