// Multicast on the loopback interface: joining and leaving a group, choosing the outgoing interface,
// and the errors a user can provoke. Nothing leaves the machine: groups are sent through "lo" only.

#include "testmain.h"
#include "testutil.h"

#include <QSignalSpy>
#include <QTest>

using namespace sockbench;
using namespace sockbench::test;

namespace {
const QString Group = QStringLiteral("239.255.77.1");
const QString Loopback = QStringLiteral("lo");

} // namespace

class TestMulticast final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void groupDatagramsArriveOnlyWhileJoined();
    void ipv6JoinAndLeaveAreRecorded();
    void groupsGivenAtBindAreJoinedBeforeBound();
    void badRequestsAreReportedAndChangeNothing();
    void unknownSendingInterfaceFailsTheSocket();
};

void TestMulticast::groupDatagramsArriveOnlyWhileJoined() {
    Workbench wb;
    EndpointId member = 0;
    EndpointId sender = 0;
    // A member must bind the wildcard address: group datagrams are not addressed to 127.0.0.1.
    const NetAddress memberAt = bindAndWait(wb, &member, QStringLiteral("0.0.0.0"));
    QVERIFY(memberAt.isValid());
    UdpOptions viaLoopback;
    viaLoopback.multicastInterface = Loopback;
    const NetAddress senderAt = bindAndWait(wb, &sender, QStringLiteral("127.0.0.1"), viaLoopback);
    QVERIFY(senderAt.isValid());

    wb.joinMulticast(member, Group, Loopback);
    QTRY_VERIFY(eventsOf(wb.journal(), member)
                    .contains(QStringLiteral("Joined multicast group %1 on lo").arg(Group)));
    QVERIFY(wb.sendDatagram(sender, Group, memberAt.port, "to the group"));
    QTRY_COMPARE(wb.journal().counters(member).datagramsIn, quint64(1));
    const auto in = recordsOf(wb.journal(), member, RecordKind::DataIn);
    QCOMPARE(in.front().payload, QByteArray("to the group"));
    QCOMPARE(in.front().peer.port, senderAt.port);
    // The sender records the group as the destination. Its reactor may record the send after the
    // member's reactor recorded the arrival, so wait for the record before reading it.
    QTRY_COMPARE(wb.journal().counters(sender).datagramsOut, quint64(1));
    const auto out = recordsOf(wb.journal(), sender, RecordKind::DataOut);
    QCOMPARE(out.front().peer, (NetAddress{Group, memberAt.port}));

    wb.leaveMulticast(member, Group, Loopback);
    QTRY_VERIFY(
        eventsOf(wb.journal(), member).contains(QStringLiteral("Left multicast group %1 on lo").arg(Group)));
    QVERIFY(wb.sendDatagram(sender, Group, memberAt.port, "nobody hears this"));
    // A unicast marker sent after it: once the marker is in, the group datagram had its chance.
    QVERIFY(wb.sendDatagram(sender, QStringLiteral("127.0.0.1"), memberAt.port, "marker"));
    QTRY_COMPARE(wb.journal().counters(member).datagramsIn, quint64(2));
    QCOMPARE(streamOf(wb.journal(), member, RecordKind::DataIn), QByteArray("to the groupmarker"));
    QTRY_COMPARE(wb.journal().counters(sender).datagramsOut, quint64(3)); // recorded after sendto()
}

void TestMulticast::groupsGivenAtBindAreJoinedBeforeBound() {
    Workbench wb;
    QSignalSpy failed(&wb, &Workbench::sendFailed);
    UdpOptions joining;
    joining.joinGroups = {MulticastGroup{Group, Loopback},
                          MulticastGroup{QStringLiteral("239.255.77.2"), {}}};
    EndpointId member = 0;
    // The joins are recorded before the bound state reaches us: a sender that starts on udpBound()
    // is heard.
    QSignalSpy bound(&wb, &Workbench::udpBound);
    member = wb.bindUdp(QStringLiteral("0.0.0.0"), 0, joining);
    QVERIFY(bound.wait(5000));
    const QString events = eventsOf(wb.journal(), member);
    QVERIFY2(events.contains(QStringLiteral("Joined multicast group %1 on lo").arg(Group)),
             qPrintable(events));
    QVERIFY(events.contains(QStringLiteral("Joined multicast group 239.255.77.2")));
    QCOMPARE(failed.count(), 0);

    UdpOptions viaLoopback;
    viaLoopback.multicastInterface = Loopback;
    EndpointId sender = 0;
    QVERIFY(bindAndWait(wb, &sender, QStringLiteral("127.0.0.1"), viaLoopback).isValid());
    QVERIFY(wb.sendDatagram(sender, Group, wb.info(member).local.port, "joined at bind"));
    QTRY_COMPARE(streamOf(wb.journal(), member, RecordKind::DataIn), QByteArray("joined at bind"));

    // A group that cannot be joined is reported, and the socket stays bound.
    UdpOptions bad;
    bad.joinGroups = {MulticastGroup{Group, QStringLiteral("nosuchif0")}};
    EndpointId lonely = 0;
    QVERIFY(bindAndWait(wb, &lonely, QStringLiteral("0.0.0.0"), bad).isValid());
    QTRY_COMPARE(failed.count(), 1);
    QCOMPARE(failed.first().at(0).value<EndpointId>(), lonely);
    QVERIFY(failed.first().at(1).toString().contains(QStringLiteral("nosuchif0")));
}

void TestMulticast::ipv6JoinAndLeaveAreRecorded() {
    if (!hasIpv6Loopback())
        QSKIP("no IPv6 loopback on this machine");
    Workbench wb;
    QSignalSpy failed(&wb, &Workbench::sendFailed);
    EndpointId member = 0;
    QVERIFY(bindAndWait(wb, &member, QStringLiteral("::")).isValid());
    wb.joinMulticast(member, QStringLiteral("ff15::7701"), Loopback);
    QTRY_VERIFY(
        eventsOf(wb.journal(), member).contains(QStringLiteral("Joined multicast group ff15::7701 on lo")));
    wb.leaveMulticast(member, QStringLiteral("ff15::7701"), Loopback);
    QTRY_VERIFY(
        eventsOf(wb.journal(), member).contains(QStringLiteral("Left multicast group ff15::7701 on lo")));
    QCOMPARE(failed.count(), 0);
}

void TestMulticast::badRequestsAreReportedAndChangeNothing() {
    Workbench wb;
    QSignalSpy failed(&wb, &Workbench::sendFailed);
    EndpointId member = 0;
    QVERIFY(bindAndWait(wb, &member, QStringLiteral("0.0.0.0")).isValid());

    wb.joinMulticast(member, Group, QStringLiteral("nosuchif0"));
    QTRY_COMPARE(failed.count(), 1);
    QVERIFY2(textFor(failed, member).contains(QStringLiteral("no such interface nosuchif0")),
             qPrintable(textFor(failed, member)));

    wb.joinMulticast(member, QStringLiteral("10.1.2.3"), Loopback); // not a group address
    QTRY_COMPARE(failed.count(), 2);
    QVERIFY2(failed.at(1).at(1).toString().startsWith(QStringLiteral("join 10.1.2.3: ")),
             qPrintable(failed.at(1).at(1).toString()));

    wb.joinMulticast(member, QStringLiteral("not-an-address"), Loopback);
    QTRY_COMPARE(failed.count(), 3);
    QVERIFY(failed.at(2).at(1).toString().contains(QStringLiteral("not a numeric group address")));

    // Leaving a group never joined is refused by the kernel, and said so.
    wb.leaveMulticast(member, Group, Loopback);
    QTRY_COMPARE(failed.count(), 4);
    QVERIFY(failed.at(3).at(1).toString().startsWith(QStringLiteral("leave %1: ").arg(Group)));

    QCOMPARE(stateOf(wb, member), stateName(EndpointState::Bound));
    QCOMPARE(wb.journal().totals().datagramsOut, quint64(0));
}

void TestMulticast::unknownSendingInterfaceFailsTheSocket() {
    Workbench wb;
    QSignalSpy udpFailed(&wb, &Workbench::udpFailed);
    UdpOptions options;
    options.multicastInterface = QStringLiteral("nosuchif0");
    const EndpointId id = wb.bindUdp(QStringLiteral("127.0.0.1"), 0, options);
    QTRY_COMPARE(udpFailed.count(), 1);
    QCOMPARE(textFor(udpFailed, id), QStringLiteral("No such interface: nosuchif0"));
    QCOMPARE(stateOf(wb, id), stateName(EndpointState::Failed));
}

SOCKBENCH_TEST_MAIN(TestMulticast)
#include "tst_multicast.moc"
