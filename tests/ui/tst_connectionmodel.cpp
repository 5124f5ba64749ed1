// The connections panel's model on a real Workbench with loopback peers: listeners with their
// accepted connections under them, what every column and role shows for each kind and state,
// the every-interface warning, clearing the rows of sockets that are gone, and opened captures:
// one row per opened file with its streams under it, which Clear closed leaves alone.

#include "capture/captureimport.h"
#include "models/connectionmodel.h"
#include "style/presentation.h"
#include "testfiles.h"
#include "testmain.h"
#include "testresolvers.h"
#include "testutil.h"

#include <QFont>
#include <QIcon>
#include <QSignalSpy>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

using namespace sockbench;
using namespace sockbench::test;

namespace {

QString cell(const ConnectionModel &model, EndpointId id, int column, int role = Qt::DisplayRole) {
    return model.indexOf(id, column).data(role).toString();
}

QColor foreground(const ConnectionModel &model, EndpointId id, int column) {
    return model.indexOf(id, column).data(Qt::ForegroundRole).value<QColor>();
}

} // namespace

class TestConnectionModel final : public QObject {
    Q_OBJECT

public:
    TestConnectionModel() = default;
    Q_DISABLE_COPY_MOVE(TestConnectionModel)

private Q_SLOTS:
    void listenerAndItsConnectionsFormATree();
    void columnsShowEachEndpoint();
    void outgoingConnectionShowsWhatWasAskedAndWhyItFailed();
    void wildcardListenerStandsOut();
    void clearClosedRemovesOnlyWhatIsGone();
    void churnKeepsTheNewestClosedConnections();
    void captureStreamsSitUnderTheirFile();
    void clearClosedLeavesCapturesAndCloseCaptureRemovesOne();
};

void TestConnectionModel::listenerAndItsConnectionsFormATree() {
    Workbench wb;
    ConnectionModel model(&wb);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    // The model picks up the listener from its first signal; adding it again changes nothing.
    QTRY_COMPARE(model.rowCount(), 1);
    model.addEndpoint(listener);
    model.addEndpoint(0);
    model.addEndpoint(12345); // unknown to the Workbench
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex listenerIndex = model.indexOf(listener);
    QVERIFY(listenerIndex.isValid());
    QCOMPARE(model.endpointAt(listenerIndex), listener);
    QCOMPARE(listenerIndex.data(ConnectionModel::EndpointRole).value<EndpointId>(), listener);
    QVERIFY(!model.parent(listenerIndex).isValid());

    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    auto first = LoopbackPeer::connectTcp(at);
    auto second = LoopbackPeer::connectTcp(at);
    QVERIFY(first && second);
    const EndpointId a = waitAccepted(accepted, first->local());
    const EndpointId b = waitAccepted(accepted, second->local());
    QVERIFY(a != 0 && b != 0);
    QTRY_COMPARE(model.rowCount(listenerIndex), 2);
    QCOMPARE(model.rowCount(), 1); // under the listener, not beside it
    const QModelIndex childA = model.indexOf(a);
    const QModelIndex childB = model.indexOf(b, ConnectionModel::PeerColumn);
    QCOMPARE(model.parent(childA), listenerIndex);
    QCOMPARE(model.parent(childB), listenerIndex);
    QCOMPARE(childB.column(), int(ConnectionModel::PeerColumn));
    QCOMPARE(model.index(childA.row(), 0, listenerIndex), childA);
    QCOMPARE(model.endpointAt(model.index(0, 0, listenerIndex)) +
                 model.endpointAt(model.index(1, 0, listenerIndex)),
             a + b);
    const bool childInsertedUnderListener =
        std::any_of(inserted.begin(), inserted.end(), [&](const auto &args) {
            return args.at(0).template value<QModelIndex>() == listenerIndex;
        });
    QVERIFY(childInsertedUnderListener);

    // Out of range, other columns as parents, and children of leaves are nothing.
    QVERIFY(!model.index(1, 0).isValid());
    QVERIFY(!model.index(0, ConnectionModel::ColumnCount).isValid());
    QVERIFY(!model.index(-1, 0).isValid());
    QVERIFY(!model.index(0, 0, model.index(0, 1)).isValid());
    QCOMPARE(model.rowCount(model.index(0, 1)), 0);
    QCOMPARE(model.rowCount(childA), 0);
    QCOMPARE(model.endpointAt({}), EndpointId(0));
    QVERIFY(!model.indexOf(99999).isValid());
    QCOMPARE(model.columnCount(), int(ConnectionModel::ColumnCount));
}

void TestConnectionModel::columnsShowEachEndpoint() {
    Workbench wb;
    ConnectionModel model(&wb);
    auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);
    QTRY_VERIFY(model.indexOf(server).isValid());

    QCOMPARE(cell(model, listener, ConnectionModel::NameColumn),
             QStringLiteral("Listener #%1").arg(listener));
    QCOMPARE(cell(model, listener, ConnectionModel::LocalColumn), at.toString());
    QCOMPARE(cell(model, listener, ConnectionModel::PeerColumn), QString());
    QCOMPARE(cell(model, listener, ConnectionModel::StateColumn), QStringLiteral("Listening"));
    QCOMPARE(foreground(model, listener, ConnectionModel::StateColumn), stateColor(EndpointState::Listening));
    QVERIFY(!model.indexOf(listener, ConnectionModel::StateColumn)
                 .data(Qt::DecorationRole)
                 .value<QIcon>()
                 .isNull());
    QVERIFY(!model.indexOf(listener, ConnectionModel::NameColumn).data(Qt::DecorationRole).isValid());
    QCOMPARE(cell(model, listener, ConnectionModel::QueuedColumn), QString()); // listeners queue nothing
    QVERIFY(cell(model, listener, ConnectionModel::NameColumn, Qt::ToolTipRole)
                .contains(QStringLiteral("listener")));

    QCOMPARE(cell(model, server, ConnectionModel::NameColumn), QStringLiteral("Accepted #%1").arg(server));
    QCOMPARE(cell(model, server, ConnectionModel::PeerColumn), raw->local().toString());
    QCOMPARE(cell(model, server, ConnectionModel::StateColumn), QStringLiteral("Connected"));
    QCOMPARE(cell(model, server, ConnectionModel::QueuedColumn), QStringLiteral("0"));
    QCOMPARE(cell(model, server, ConnectionModel::NameColumn, Qt::ToolTipRole),
             QStringLiteral("TCP connection accepted by listener #%1").arg(listener));
    // An open row takes the palette's colour outside its state column.
    QVERIFY(!model.indexOf(server, ConnectionModel::InColumn).data(Qt::ForegroundRole).isValid());

    // Counters follow the traffic, both ways, right-aligned.
    QVERIFY(raw->sendAll(QByteArray("12345")));
    QTRY_COMPARE(cell(model, server, ConnectionModel::InColumn), QStringLiteral("5"));
    QVERIFY(wb.send(server, "abc"));
    QCOMPARE(raw->readExactly(3), QByteArray("abc"));
    QTRY_COMPARE(cell(model, server, ConnectionModel::OutColumn), QStringLiteral("3"));
    QCOMPARE(
        model.indexOf(server, ConnectionModel::InColumn).data(Qt::TextAlignmentRole).value<Qt::Alignment>(),
        Qt::AlignRight | Qt::AlignVCenter);

    // A reset connection: state in the trouble colour, the rest of the row greyed.
    raw->setLingerZero();
    raw->closeNow();
    QTRY_COMPARE(cell(model, server, ConnectionModel::StateColumn), QStringLiteral("Reset by peer"));
    QCOMPARE(foreground(model, server, ConnectionModel::StateColumn), errorColor());
    QCOMPARE(foreground(model, server, ConnectionModel::NameColumn), finishedColor());

    const QStringList headers = {QStringLiteral("Name"),         QStringLiteral("Local address"),
                                 QStringLiteral("Peer address"), QStringLiteral("State"),
                                 QStringLiteral("Bytes in"),     QStringLiteral("Bytes out"),
                                 QStringLiteral("Queued")};
    for (int c = 0; c < ConnectionModel::ColumnCount; ++c)
        QCOMPARE(model.headerData(c, Qt::Horizontal).toString(), headers[c]);
}

void TestConnectionModel::outgoingConnectionShowsWhatWasAskedAndWhyItFailed() {
    WorkbenchConfig config;
    config.resolver = std::make_shared<FailingResolver>();
    Workbench wb(config);
    ConnectionModel model(&wb);
    const EndpointId id = wb.connectTcp(QStringLiteral("nowhere.invalid"), 8080);
    model.addEndpoint(id);
    QVERIFY(model.indexOf(id).isValid());
    QCOMPARE(cell(model, id, ConnectionModel::NameColumn), QStringLiteral("Client #%1").arg(id));
    // With no peer address yet (or ever), the peer column shows what the user asked for.
    QCOMPARE(cell(model, id, ConnectionModel::PeerColumn), QStringLiteral("nowhere.invalid:8080"));
    QCOMPARE(cell(model, id, ConnectionModel::NameColumn, Qt::ToolTipRole),
             QStringLiteral("Outgoing TCP connection to nowhere.invalid:8080"));

    QTRY_COMPARE(cell(model, id, ConnectionModel::StateColumn),
                 QStringLiteral("Failed: %1").arg(FailingResolver::Message));
    // The full reason stays readable where the column cuts it.
    QCOMPARE(cell(model, id, ConnectionModel::StateColumn, Qt::ToolTipRole),
             QStringLiteral("Failed: %1").arg(FailingResolver::Message));
    QCOMPARE(foreground(model, id, ConnectionModel::StateColumn), errorColor());
    QCOMPARE(foreground(model, id, ConnectionModel::PeerColumn), finishedColor());
    QCOMPARE(cell(model, id, ConnectionModel::PeerColumn), QStringLiteral("nowhere.invalid:8080"));
}

void TestConnectionModel::wildcardListenerStandsOut() {
    Workbench wb;
    ConnectionModel model(&wb);
    QStringList wildcards = {QStringLiteral("0.0.0.0")};
    if (hasIpv6Loopback())
        wildcards << QStringLiteral("::");
    for (const QString &host : std::as_const(wildcards)) {
        EndpointId id = 0;
        QVERIFY2(startListener(wb, &id, host).isValid(), qPrintable(host));
        QTRY_VERIFY(model.indexOf(id).isValid());
        const QModelIndex local = model.indexOf(id, ConnectionModel::LocalColumn);
        QVERIFY2(local.data(Qt::FontRole).value<QFont>().bold(), qPrintable(host));
        QVERIFY(local.data(Qt::ToolTipRole).toString().contains(QStringLiteral("every interface")));
    }
    EndpointId loopback = 0;
    QVERIFY(startListener(wb, &loopback).isValid());
    QTRY_VERIFY(model.indexOf(loopback).isValid());
    const QModelIndex local = model.indexOf(loopback, ConnectionModel::LocalColumn);
    QVERIFY(!local.data(Qt::FontRole).isValid());
    QVERIFY(!local.data(Qt::ToolTipRole).isValid());
}

void TestConnectionModel::clearClosedRemovesOnlyWhatIsGone() {
    Workbench wb;
    ConnectionModel model(&wb);
    // The children are closed by hand after their peer's FIN, so the listeners keep them half-open.
    ListenerOptions keepHalfOpen;
    keepHalfOpen.keepHalfOpen = true;
    auto [serving, at, raw, served, failure] = acceptRawClient(wb, keepHalfOpen);
    QVERIFY2(!failure, failure);
    auto [stopped, stoppedAt, rawOfStopped, openChild, failure2] = acceptRawClient(wb, keepHalfOpen);
    QVERIFY2(!failure2, failure2);
    EndpointId idle = 0;
    QVERIFY(startListener(wb, &idle).isValid());
    QTRY_VERIFY(model.indexOf(served).isValid() && model.indexOf(openChild).isValid() &&
                model.indexOf(idle).isValid());
    QCOMPARE(model.rowCount(), 3);

    // The peer closes first, so that our close need not wait for its FIN.
    raw->closeNow();
    QTRY_COMPARE(stateOf(wb, served), stateName(EndpointState::PeerClosed));
    wb.close(served);         // closed child of a listener that still listens
    wb.stopListener(stopped); // stopped listener whose child is still open
    wb.stopListener(idle);    // stopped listener with no children
    QTRY_VERIFY(isFinal(wb.info(served).state) && isFinal(wb.info(stopped).state) &&
                isFinal(wb.info(idle).state));
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    model.clearClosed();
    QCOMPARE(removed.count(), 2);
    QVERIFY(!model.indexOf(served).isValid());
    QVERIFY(!model.indexOf(idle).isValid());
    QVERIFY(model.indexOf(serving).isValid());
    QVERIFY(model.indexOf(stopped).isValid()); // kept for its open client
    QCOMPARE(model.parent(model.indexOf(openChild)), model.indexOf(stopped));
    QCOMPARE(model.rowCount(model.indexOf(serving)), 0);
    QCOMPARE(model.rowCount(), 2);
    // The Workbench forgets what the panel no longer shows; the journal keeps its records.
    QVERIFY(!wb.endpoints().contains(served));
    QVERIFY(!wb.endpoints().contains(idle));
    QVERIFY(wb.endpoints().contains(stopped));

    // Once its client is gone too, the stopped listener goes with it.
    rawOfStopped->closeNow();
    QTRY_COMPARE(stateOf(wb, openChild), stateName(EndpointState::PeerClosed));
    wb.close(openChild);
    QTRY_VERIFY(isFinal(wb.info(openChild).state));
    model.clearClosed();
    QVERIFY(!model.indexOf(stopped).isValid());
    QVERIFY(!model.indexOf(openChild).isValid());
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.endpointAt(model.index(0, 0)), serving);
}

void TestConnectionModel::churnKeepsTheNewestClosedConnections() {
    // Connection churn for as long as the window runs must not grow the tree for ever: a listener
    // lists its newest MaxClosedChildren closed connections, and the older ones are forgotten.
    Workbench wb;
    ConnectionModel model(&wb);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    QTRY_VERIFY(model.indexOf(listener).isValid());
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(at.port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int Clients = int(ConnectionModel::MaxClosedChildren) + 50;
    for (int i = 0; i < Clients; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        QVERIFY(fd >= 0);
        QVERIFY(::connect(fd, reinterpret_cast<const sockaddr *>(&to), sizeof to) == 0);
        ::close(fd);
    }
    // Every client was accepted and closed; the tree keeps the newest of them, the Workbench
    // forgot the others (and so will the journal, once their records go).
    const auto settled = [&] {
        const auto &endpoints = wb.endpoints();
        const bool allClosed = std::all_of(endpoints.cbegin(), endpoints.cend(), [](const EndpointInfo &e) {
            return e.kind != EndpointKind::TcpConnection || isFinal(e.state);
        });
        return allClosed &&
               model.rowCount(model.indexOf(listener)) == int(ConnectionModel::MaxClosedChildren) &&
               endpoints.size() == qsizetype(ConnectionModel::MaxClosedChildren) + 1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(settled(), 30000);
    const QModelIndex parent = model.indexOf(listener);
    for (int row = 0; row < model.rowCount(parent); ++row)
        QVERIFY(wb.endpoints().contains(model.endpointAt(model.index(row, 0, parent))));
}

namespace {

/// Reads a fixture of tests/data/ and shows it in the Workbench, as File > Open capture does.
QList<EndpointId> openFixtureInModelTest(Workbench &wb, const QString &name) {
    QString error;
    const std::unique_ptr<CaptureFile> capture = readCapture(dataFile(name), &error);
    if (!capture) {
        qWarning("%s: %s", qPrintable(name), qPrintable(error));
        return {};
    }
    return importCapture(wb, *capture);
}

} // namespace

void TestConnectionModel::captureStreamsSitUnderTheirFile() {
    Workbench wb;
    ConnectionModel model(&wb);
    EndpointId listener = 0;
    QVERIFY(startListener(wb, &listener).isValid());
    QTRY_COMPARE(model.rowCount(), 1);

    const QList<EndpointId> tcp = openFixtureInModelTest(wb, QStringLiteral("tcp-v4.pcapng"));
    const QList<EndpointId> udp = openFixtureInModelTest(wb, QStringLiteral("udp.pcapng"));
    const QList<EndpointId> again = openFixtureInModelTest(wb, QStringLiteral("tcp-v4.pcapng"));
    QCOMPARE(tcp.size(), 1);
    QCOMPARE(again.size(), 1);
    QCOMPARE(udp.size(), 1);
    // The listener, then one row per opened file (the same file opened twice is two captures).
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.endpointAt(model.index(0, 0)), listener);
    const QModelIndex tcpRow = model.index(1, 0);
    const QModelIndex udpRow = model.index(2, 0);
    QVERIFY(model.isCaptureRow(tcpRow) && model.isCaptureRow(udpRow) &&
            model.isCaptureRow(model.index(3, 0)));
    QVERIFY(!model.isCaptureRow(model.index(0, 0)));
    QCOMPARE(model.endpointAt(tcpRow), EndpointId(0)); // a file is not an endpoint
    QCOMPARE(tcpRow.data(ConnectionModel::EndpointRole).value<EndpointId>(), EndpointId(0));
    QCOMPARE(tcpRow.data().toString(), QStringLiteral("tcp-v4.pcapng · 1 stream"));
    QCOMPARE(udpRow.data().toString(), QStringLiteral("udp.pcapng · 1 stream"));
    QVERIFY2(tcpRow.data(Qt::ToolTipRole).toString().contains(dataFile(QStringLiteral("tcp-v4.pcapng"))),
             qPrintable(tcpRow.data(Qt::ToolTipRole).toString()));
    QCOMPARE(tcpRow.data(ConnectionModel::CaptureFileRole).toString(),
             dataFile(QStringLiteral("tcp-v4.pcapng")));

    // Its streams are under it, in order, and nowhere else.
    QCOMPARE(model.rowCount(tcpRow), 1);
    QCOMPARE(model.rowCount(udpRow), int(udp.size()));
    QCOMPARE(model.captureStreams(tcpRow), tcp);
    QCOMPARE(model.captureStreams(udpRow), udp);
    QCOMPARE(model.parent(model.indexOf(tcp.constFirst())), tcpRow);
    QCOMPARE(model.parent(model.indexOf(again.constFirst())), model.index(3, 0));
    for (int i = 0; i < udp.size(); ++i) {
        QCOMPARE(model.endpointAt(model.index(i, 0, udpRow)), udp[i]);
        QCOMPARE(model.parent(model.indexOf(udp[i])), udpRow);
    }
    QCOMPARE(model.captureRowOf(model.indexOf(udp.constFirst())), udpRow);
    QVERIFY(!model.captureRowOf(model.indexOf(listener)).isValid());
    QVERIFY2(cell(model, tcp.constFirst(), ConnectionModel::NameColumn).contains(QLatin1String("stream 0")),
             qPrintable(cell(model, tcp.constFirst(), ConnectionModel::NameColumn)));
    // A session saves what the window opened: never a capture.
    QCOMPARE(model.topLevelEndpoints(), QList<EndpointId>{listener});
}

void TestConnectionModel::clearClosedLeavesCapturesAndCloseCaptureRemovesOne() {
    Workbench wb;
    ConnectionModel model(&wb);
    EndpointId listener = 0;
    QVERIFY(startListener(wb, &listener).isValid());
    const QList<EndpointId> tcp = openFixtureInModelTest(wb, QStringLiteral("tcp-v4.pcapng"));
    const QList<EndpointId> udp = openFixtureInModelTest(wb, QStringLiteral("udp.pcapng"));
    QVERIFY(!tcp.isEmpty() && !udp.isEmpty());
    QTRY_COMPARE(model.rowCount(), 3);
    wb.stopListener(listener);
    QTRY_VERIFY(isFinal(wb.info(listener).state));

    // Clear closed takes the stopped listener, never the captured streams (closed as they are).
    QVERIFY(isFinal(wb.info(tcp.constFirst()).state));
    model.clearClosed();
    QVERIFY(!model.indexOf(listener).isValid());
    QCOMPARE(model.rowCount(), 2);
    for (EndpointId id : tcp + udp) {
        QVERIFY(model.indexOf(id).isValid());
        QVERIFY(wb.endpoints().contains(id));
    }

    // Close capture, on one of its streams, takes that file's row and its streams, and only them.
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    model.closeCapture(model.indexOf(udp.constFirst()));
    QCOMPARE(removed.count(), 1);
    QCOMPARE(model.rowCount(), 1);
    QVERIFY(model.isCaptureRow(model.index(0, 0)));
    QCOMPARE(model.captureStreams(model.index(0, 0)), tcp);
    for (EndpointId id : udp) {
        QVERIFY(!model.indexOf(id).isValid());
        QVERIFY(!wb.endpoints().contains(id));
    }
    model.closeCapture(model.index(0, 0));
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!wb.endpoints().contains(tcp.constFirst()));
    model.closeCapture({}); // nothing to close
}

SOCKBENCH_TEST_MAIN(TestConnectionModel)
#include "tst_connectionmodel.moc"
