// Socket options on real loopback sockets: what the engine reports as applied must be what the
// kernel holds. Each check finds the endpoint's descriptor in /proc/self/fd by its addresses and
// asks getsockopt() itself, so a wrong read-back, a missing option or one set on the wrong socket
// fails. Also: refusals in words, live changes, the client's source address, and TCP_INFO.

#include "engine/workbench.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testresolvers.h"
#include "testutil.h"

#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <dirent.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>

using namespace sockbench;
using namespace sockbench::test;

namespace {

/// What to look for in /proc/self/fd.
struct SocketQuery {
    int type = SOCK_STREAM;
    bool listening = false;
    NetAddress local;
    NetAddress peer; ///< invalid: not connected
};

NetAddress nameOf(int fd, bool peer) {
    sockaddr_storage ss{};
    socklen_t length = sizeof ss;
    const int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr *>(&ss), &length)
                        : getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &length);
    return rc == 0 ? fromSockaddr(ss) : NetAddress{};
}

int intOption(int fd, int level, int option) {
    int value = -1;
    socklen_t length = sizeof value;
    if (getsockopt(fd, level, option, &value, &length) != 0)
        return -1;
    return value;
}

/// The descriptor of this process that matches the query; -1 when none or several do.
int findSocket(const SocketQuery &q) {
    DIR *dir = ::opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int found = -1;
    int matches = 0;
    while (const dirent *entry = ::readdir(dir)) {
        bool ok = false;
        const int fd = QByteArray(entry->d_name).toInt(&ok);
        if (!ok || fd == ::dirfd(dir))
            continue;
        if (intOption(fd, SOL_SOCKET, SO_TYPE) != q.type)
            continue;
        if ((intOption(fd, SOL_SOCKET, SO_ACCEPTCONN) == 1) != q.listening)
            continue;
        if (nameOf(fd, false) != q.local)
            continue;
        if (q.peer.isValid() && nameOf(fd, true) != q.peer)
            continue;
        found = fd;
        ++matches;
    }
    ::closedir(dir);
    return matches == 1 ? found : -1;
}

int fdOf(const Workbench &wb, EndpointId id) {
    const EndpointInfo info = wb.info(id);
    SocketQuery q;
    q.type = info.kind == EndpointKind::UdpSocket ? SOCK_DGRAM : SOCK_STREAM;
    q.listening = info.kind == EndpointKind::TcpListener;
    q.local = info.local;
    if (info.kind == EndpointKind::TcpConnection)
        q.peer = info.peer;
    return findSocket(q);
}

QString onOff(int v) {
    return v ? QStringLiteral("on") : QStringLiteral("off");
}

/// The kernel's value of a named option on fd, written the way AppliedOption::actual writes it;
/// done here with plain getsockopt calls so that it checks the engine rather than repeats it.
QString kernelValue(int fd, const QString &name) {
    struct IntOption {
        const char *name;
        int level;
        int option;
        bool boolean;
    };
    static const IntOption Ints[] = {
        {"SO_REUSEPORT", SOL_SOCKET, SO_REUSEPORT, true},
        {"TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, true},
        {"SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, true},
        {"SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, false},
        {"SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, false},
        {"IP_TTL", IPPROTO_IP, IP_TTL, false},
        {"IPV6_UNICAST_HOPS", IPPROTO_IPV6, IPV6_UNICAST_HOPS, false},
        {"TCP_KEEPIDLE", IPPROTO_TCP, TCP_KEEPIDLE, false},
        {"TCP_KEEPINTVL", IPPROTO_TCP, TCP_KEEPINTVL, false},
        {"TCP_KEEPCNT", IPPROTO_TCP, TCP_KEEPCNT, false},
        {"TCP_USER_TIMEOUT", IPPROTO_TCP, TCP_USER_TIMEOUT, false},
    };
    for (const IntOption &o : Ints) {
        if (name == QLatin1String(o.name)) {
            const int v = intOption(fd, o.level, o.option);
            return o.boolean ? onOff(v) : QString::number(v);
        }
    }
    if (name == u"IP_TOS" || name == u"IPV6_TCLASS") {
        const int v =
            name == u"IP_TOS" ? intOption(fd, IPPROTO_IP, IP_TOS) : intOption(fd, IPPROTO_IPV6, IPV6_TCLASS);
        return QStringLiteral("%1 (%2)").arg(dscpName(v)).arg(v);
    }
    if (name == u"SO_LINGER") {
        linger l{};
        socklen_t length = sizeof l;
        getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &length);
        return l.l_onoff ? QStringLiteral("on, %1 s").arg(l.l_linger) : QStringLiteral("off");
    }
    if (name == u"SO_BINDTODEVICE") {
        char device[IFNAMSIZ] = {};
        socklen_t length = sizeof device;
        getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &length);
        return QString::fromLatin1(device);
    }
    return QStringLiteral("<no getsockopt for %1 in the test>").arg(name);
}

QSet<QString> namesOf(const QList<AppliedOption> &options) {
    QSet<QString> names;
    for (const AppliedOption &o : options)
        names.insert(o.name);
    return names;
}

std::optional<AppliedOption> optionNamed(const QList<AppliedOption> &options, const QString &name) {
    for (const AppliedOption &o : options) {
        if (o.name == name)
            return o;
    }
    return std::nullopt;
}

/// Every reported option is applied, and its read-back is what getsockopt says on the real socket.
/// Returns the first mismatch in words, empty when all agree.
QString compareWithKernel(const Workbench &wb, EndpointId id) {
    const int fd = fdOf(wb, id);
    if (fd < 0)
        return QStringLiteral("no unique descriptor for endpoint %1").arg(id);
    for (const AppliedOption &o : wb.info(id).options) {
        if (o.isRefused())
            return QStringLiteral("%1 refused: %2").arg(o.name, o.error);
        const QString kernel = kernelValue(fd, o.name);
        if (o.actual != kernel)
            return QStringLiteral("%1: reported %2, the kernel holds %3").arg(o.name, o.actual, kernel);
    }
    return {};
}

/// Every option a TCP connection can take, with values no kernel default has.
SocketOptions everyConnectionOption() {
    SocketOptions o;
    o.noDelay = true;
    o.keepAliveTiming = KeepAliveTiming{7, 3, 4};
    o.sendBufferBytes = 65536;
    o.receiveBufferBytes = 98304;
    o.tos = *tosForDscpName(QStringLiteral("AF41"));
    o.ttl = 33;
    o.lingerSeconds = 3;
    o.userTimeoutMs = 4000;
    return o;
}

const QSet<QString> ConnectionOptionNames = {
    QStringLiteral("TCP_NODELAY"),   QStringLiteral("SO_KEEPALIVE"),     QStringLiteral("TCP_KEEPIDLE"),
    QStringLiteral("TCP_KEEPINTVL"), QStringLiteral("TCP_KEEPCNT"),      QStringLiteral("SO_SNDBUF"),
    QStringLiteral("SO_RCVBUF"),     QStringLiteral("IP_TOS"),           QStringLiteral("IP_TTL"),
    QStringLiteral("SO_LINGER"),     QStringLiteral("TCP_USER_TIMEOUT"),
};

} // namespace

class TestSocketOptions final : public QObject {
    Q_OBJECT

public:
    TestSocketOptions() = default;
    Q_DISABLE_COPY_MOVE(TestSocketOptions)

private Q_SLOTS:
    void dscpNames();
    void keepAliveTimingParses();
    void listenerAndAcceptedConnection();
    void clientWithSourceAddress();
    void udpSocket();
    void udpDefaultBufferIsOverridden();
    void refusalsAreNamed();
    void badSourceAddressFailsTheConnect();
    void noDelayDefaultAndOverride();
    void liveChangeOnAConnection();
    void liveChangeWhileResolvingReachesTheConnect();
    void liveChangeOnAListenerReachesLaterClients();
    void liveChangeOnFinalEndpointIsRefused();
    void tcpInfoUnder64MiB();
};

void TestSocketOptions::dscpNames() {
    QCOMPARE(tosForDscpName(QStringLiteral("EF")), 184);
    QCOMPARE(tosForDscpName(QStringLiteral("af41")), 136);
    QCOMPARE(tosForDscpName(QStringLiteral("AF11")), 40);
    QCOMPARE(tosForDscpName(QStringLiteral("AF43")), 152);
    QCOMPARE(tosForDscpName(QStringLiteral("CS0")), 0);
    QCOMPARE(tosForDscpName(QStringLiteral("CS7")), 224);
    QCOMPARE(tosForDscpName(QStringLiteral("VA")), 176);
    QCOMPARE(tosForDscpName(QStringLiteral("voice-admit")), 176);
    QCOMPARE(tosForDscpName(QStringLiteral("AF44")), std::nullopt);
    QCOMPARE(tosForDscpName(QStringLiteral("184")), std::nullopt);
    QCOMPARE(dscpName(184), QStringLiteral("EF"));
    QCOMPARE(dscpName(185), QStringLiteral("EF")); // the ECN bits are not part of the name
    QCOMPARE(dscpName(136), QStringLiteral("AF41"));
    QCOMPARE(dscpName(0), QStringLiteral("CS0"));
    QCOMPARE(dscpName(4), QStringLiteral("1"));
}

void TestSocketOptions::keepAliveTimingParses() {
    QString error;
    QCOMPARE(parseKeepAliveTiming(QStringLiteral("1,1,3"), &error), (KeepAliveTiming{1, 1, 3}));
    QVERIFY(error.isEmpty());
    QCOMPARE(parseKeepAliveTiming(QStringLiteral("60, 10, 5"), &error), (KeepAliveTiming{60, 10, 5}));
    for (const char *bad : {"", "1,1", "1,1,3,4", "0,1,3", "1,x,3", "1,1,128", "40000,1,1", "-1,1,1"}) {
        error.clear();
        QVERIFY2(!parseKeepAliveTiming(QString::fromLatin1(bad), &error), bad);
        QVERIFY2(!error.isEmpty(), bad);
    }
    parseKeepAliveTiming(QStringLiteral("1,1,128"), &error);
    QVERIFY2(error.contains(u"COUNT"), qPrintable(error));
}

void TestSocketOptions::listenerAndAcceptedConnection() {
    Workbench wb;
    QSignalSpy applied(&wb, &Workbench::optionsApplied);
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    ListenerOptions options;
    options.socket = everyConnectionOption();
    options.socket.reusePort = true;
    options.socket.bindToDevice = QStringLiteral("lo");
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener, QStringLiteral("127.0.0.1"), options);
    QVERIFY(at.isValid());
    QCOMPARE(emissionsFor(applied, listener), 1); // before listenerStarted, which startListener awaited

    const QSet<QString> listenerNames = {QStringLiteral("SO_REUSEPORT"), QStringLiteral("SO_BINDTODEVICE"),
                                         QStringLiteral("SO_SNDBUF"),    QStringLiteral("SO_RCVBUF"),
                                         QStringLiteral("IP_TOS"),       QStringLiteral("IP_TTL")};
    QCOMPARE(namesOf(wb.info(listener).options), listenerNames);
    QString mismatch = compareWithKernel(wb, listener);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    // The kernel doubles a buffer size for its bookkeeping; the user sees what it really holds.
    QCOMPARE(optionNamed(wb.info(listener).options, QStringLiteral("SO_SNDBUF"))->actual,
             QStringLiteral("131072"));
    QCOMPARE(optionNamed(wb.info(listener).options, QStringLiteral("IP_TOS"))->requested,
             QStringLiteral("AF41 (136)"));

    // The options are known by the time the connection is announced.
    qsizetype optionsAtAccept = -1;
    connect(&wb, &Workbench::connectionAccepted, this,
            [&](EndpointId id) { optionsAtAccept = wb.info(id).options.size(); });
    auto raw = LoopbackPeer::connectTcp(at);
    QVERIFY(raw);
    const EndpointId server = waitAccepted(accepted, raw->local());
    QVERIFY(server != 0);
    QCOMPARE(optionsAtAccept, qsizetype(ConnectionOptionNames.size()));
    QTRY_COMPARE(emissionsFor(applied, server), 1);
    QCOMPARE(namesOf(wb.info(server).options), ConnectionOptionNames);
    mismatch = compareWithKernel(wb, server);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    QCOMPARE(optionNamed(wb.info(server).options, QStringLiteral("TCP_KEEPIDLE"))->actual,
             QStringLiteral("7"));
    QVERIFY(eventsOf(wb.journal(), server).contains(u"TCP_USER_TIMEOUT 4000"));
    // SO_REUSEPORT was set before the bind: a second listener may share the port. Checked last,
    // since from then on the kernel spreads new clients over both.
    ListenerOptions sharing;
    sharing.socket.reusePort = true;
    const EndpointId second = wb.startTcpListener(at.ip, at.port, sharing);
    QTRY_COMPARE(stateOf(wb, second), stateName(EndpointState::Listening));
}

void TestSocketOptions::clientWithSourceAddress() {
    Workbench wb;
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    ConnectOptions options;
    options.socket = everyConnectionOption();
    options.socket.bindToDevice = QStringLiteral("lo");
    options.socket.sourceAddress = QStringLiteral("127.0.0.2"); // all of 127/8 is this host's
    QSignalSpy connected(&wb, &Workbench::connected);
    const EndpointId client = wb.connectTcp(rawListener->local().ip, rawListener->local().port, options);
    QVERIFY(connected.wait(5000));
    QCOMPARE(wb.info(client).local.ip, QStringLiteral("127.0.0.2"));
    auto raw = rawListener->accept();
    QVERIFY(raw);
    QCOMPARE(raw->peer(), wb.info(client).local); // the listener sees the source we bound

    QSet<QString> names = ConnectionOptionNames;
    names.insert(QStringLiteral("SO_BINDTODEVICE"));
    QCOMPARE(namesOf(wb.info(client).options), names);
    const QString mismatch = compareWithKernel(wb, client);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
}

void TestSocketOptions::udpSocket() {
    Workbench wb;
    UdpOptions options;
    options.socket.receiveBufferBytes = 1 << 20;
    options.socket.sendBufferBytes = 1 << 18;
    options.socket.tos = *tosForDscpName(QStringLiteral("EF"));
    options.socket.ttl = 7;
    options.socket.reusePort = true;
    options.socket.bindToDevice = QStringLiteral("lo");
    options.socket.noDelay = true; // a TCP option: not for a UDP socket, so not applied nor listed
    QSignalSpy bound(&wb, &Workbench::udpBound);
    const EndpointId udp = wb.bindUdp(QStringLiteral("127.0.0.1"), 0, options);
    QVERIFY(bound.wait(5000));
    const QSet<QString> names = {QStringLiteral("SO_RCVBUF"),    QStringLiteral("SO_SNDBUF"),
                                 QStringLiteral("IP_TOS"),       QStringLiteral("IP_TTL"),
                                 QStringLiteral("SO_REUSEPORT"), QStringLiteral("SO_BINDTODEVICE")};
    QCOMPARE(namesOf(wb.info(udp).options), names);
    const QString mismatch = compareWithKernel(wb, udp);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    // socket.receiveBufferBytes replaced the 32 MiB default: the kernel holds about 2 MiB.
    QCOMPARE(kernelValue(fdOf(wb, udp), QStringLiteral("SO_RCVBUF")), QString::number(2 << 20));
}

void TestSocketOptions::udpDefaultBufferIsOverridden() {
    // Without socket.receiveBufferBytes the UDP default stays, and nothing is listed.
    Workbench wb;
    QSignalSpy bound(&wb, &Workbench::udpBound);
    UdpOptions options;
    options.receiveBufferBytes = 1 << 19;
    const EndpointId udp = wb.bindUdp(QStringLiteral("127.0.0.1"), 0, options);
    QVERIFY(bound.wait(5000));
    QVERIFY(wb.info(udp).options.isEmpty());
    QCOMPARE(kernelValue(fdOf(wb, udp), QStringLiteral("SO_RCVBUF")), QString::number(1 << 20));
}

void TestSocketOptions::refusalsAreNamed() {
    // Both are refused as root too: no such interface exists, and the kernel allows TTL 1..255.
    Workbench wb;
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    ConnectOptions options;
    options.socket.bindToDevice = QStringLiteral("nosuchif0");
    options.socket.ttl = 0;
    options.socket.receiveBufferBytes = 65536;
    QSignalSpy connected(&wb, &Workbench::connected);
    const EndpointId client = wb.connectTcp(rawListener->local().ip, rawListener->local().port, options);
    QVERIFY(connected.wait(5000)); // refusals do not stop the connect
    const QList<AppliedOption> got = wb.info(client).options;
    const auto device = optionNamed(got, QStringLiteral("SO_BINDTODEVICE"));
    QVERIFY(device);
    QVERIFY(device->isRefused());
    QCOMPARE(device->error.toLower(), QStringLiteral("no such device"));
    QVERIFY(device->actual.isEmpty());
    const auto ttl = optionNamed(got, QStringLiteral("IP_TTL"));
    QVERIFY(ttl);
    QCOMPARE(ttl->error, QStringLiteral("Invalid argument"));
    QCOMPARE(ttl->requested, QStringLiteral("0"));
    const auto buffer = optionNamed(got, QStringLiteral("SO_RCVBUF"));
    QVERIFY(buffer && !buffer->isRefused());
    const QString events = eventsOf(wb.journal(), client);
    QVERIFY2(events.contains(u"SO_BINDTODEVICE nosuchif0 refused: No such device"), qPrintable(events));
    QVERIFY2(events.contains(u"IP_TTL 0 refused: Invalid argument"), qPrintable(events));
}

void TestSocketOptions::badSourceAddressFailsTheConnect() {
    Workbench wb;
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    QSignalSpy failed(&wb, &Workbench::connectFailed);
    ConnectOptions options;
    options.socket.sourceAddress = QStringLiteral("192.0.2.1"); // TEST-NET-1: never this host's
    const EndpointId client = wb.connectTcp(rawListener->local().ip, rawListener->local().port, options);
    QVERIFY(failed.wait(5000));
    const QString reason = textFor(failed, client);
    QVERIFY2(reason.contains(u"192.0.2.1") && reason.contains(u"Cannot assign requested address"),
             qPrintable(reason));

    options.socket.sourceAddress = QStringLiteral("::1");
    const EndpointId mixed = wb.connectTcp(rawListener->local().ip, rawListener->local().port, options);
    QTRY_VERIFY(!textFor(failed, mixed).isEmpty());
    QVERIFY2(textFor(failed, mixed).contains(u"[::1]:0 is IPv6"), qPrintable(textFor(failed, mixed)));
}

void TestSocketOptions::noDelayDefaultAndOverride() {
    Workbench wb;
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    const EndpointId byDefault = connectAndWait(wb, rawListener->local());
    QVERIFY(byDefault);
    QCOMPARE(optionNamed(wb.info(byDefault).options, QStringLiteral("TCP_NODELAY"))->actual,
             QStringLiteral("on"));
    QCOMPARE(kernelValue(fdOf(wb, byDefault), QStringLiteral("TCP_NODELAY")), QStringLiteral("on"));

    ConnectOptions options;
    options.socket.noDelay = false; // wins over ConnectOptions::noDelay (true)
    QSignalSpy connected(&wb, &Workbench::connected);
    const EndpointId off = wb.connectTcp(rawListener->local().ip, rawListener->local().port, options);
    QVERIFY(connected.wait(5000));
    QCOMPARE(optionNamed(wb.info(off).options, QStringLiteral("TCP_NODELAY"))->actual, QStringLiteral("off"));
    QCOMPARE(kernelValue(fdOf(wb, off), QStringLiteral("TCP_NODELAY")), QStringLiteral("off"));
}

void TestSocketOptions::liveChangeOnAConnection() {
    Workbench wb;
    const auto [listener, at, raw, server, failure] = acceptRawClient(wb);
    QVERIFY2(!failure, failure);
    const int fd = fdOf(wb, server);
    QVERIFY(fd >= 0);
    QCOMPARE(kernelValue(fd, QStringLiteral("TCP_NODELAY")), QStringLiteral("off"));
    QCOMPARE(kernelValue(fd, QStringLiteral("SO_KEEPALIVE")), QStringLiteral("off"));

    QSignalSpy applied(&wb, &Workbench::optionsApplied);
    SocketOptions change;
    change.noDelay = true;
    change.keepAlive = true;
    change.receiveBufferBytes = 65536;
    change.ttl = 0; // refused, named, and the rest still applied
    QVERIFY(wb.setSocketOptions(server, change));
    QVERIFY(applied.wait(5000));
    QCOMPARE(kernelValue(fd, QStringLiteral("TCP_NODELAY")), QStringLiteral("on"));
    QCOMPARE(kernelValue(fd, QStringLiteral("SO_KEEPALIVE")), QStringLiteral("on"));
    QCOMPARE(kernelValue(fd, QStringLiteral("SO_RCVBUF")), QStringLiteral("131072"));
    QCOMPARE(optionNamed(wb.info(server).options, QStringLiteral("IP_TTL"))->error,
             QStringLiteral("Invalid argument"));

    // A second change replaces the option by name instead of adding another entry.
    change = {};
    change.noDelay = false;
    QVERIFY(wb.setSocketOptions(server, change));
    QVERIFY(applied.wait(5000));
    QCOMPARE(kernelValue(fd, QStringLiteral("TCP_NODELAY")), QStringLiteral("off"));
    const QList<AppliedOption> options = wb.info(server).options;
    QCOMPARE(std::count_if(options.begin(), options.end(),
                           [](const AppliedOption &o) { return o.name == u"TCP_NODELAY"; }),
             1);
    QCOMPARE(optionNamed(options, QStringLiteral("TCP_NODELAY"))->actual, QStringLiteral("off"));
    QCOMPARE(optionNamed(options, QStringLiteral("SO_KEEPALIVE"))->actual, QStringLiteral("on"));

    const QString events = eventsOf(wb.journal(), server);
    QVERIFY2(events.contains(u"TCP_NODELAY on") && events.contains(u"SO_RCVBUF 65536 → 131072") &&
                 events.contains(u"TCP_NODELAY off"),
             qPrintable(events));
}

void TestSocketOptions::liveChangeWhileResolvingReachesTheConnect() {
    auto gate = std::make_shared<GateResolver>();
    WorkbenchConfig config;
    config.resolver = gate;
    Workbench wb(config);
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    QSignalSpy applied(&wb, &Workbench::optionsApplied);
    QSignalSpy connected(&wb, &Workbench::connected);
    const EndpointId client = wb.connectTcp(QStringLiteral("gate.test"), rawListener->local().port);
    QTRY_COMPARE(gate->started(), 1);
    SocketOptions change;
    change.ttl = 21;
    change.noDelay = false;
    QVERIFY(wb.setSocketOptions(client, change));
    QVERIFY(applied.wait(5000)); // nothing to apply yet: no descriptor
    QVERIFY(wb.info(client).options.isEmpty());
    gate->open();
    QVERIFY(connected.wait(5000));
    QCOMPARE(optionNamed(wb.info(client).options, QStringLiteral("IP_TTL"))->actual, QStringLiteral("21"));
    QCOMPARE(optionNamed(wb.info(client).options, QStringLiteral("TCP_NODELAY"))->actual,
             QStringLiteral("off"));
    const QString mismatch = compareWithKernel(wb, client);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
}

void TestSocketOptions::liveChangeOnAListenerReachesLaterClients() {
    Workbench wb;
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    QSignalSpy applied(&wb, &Workbench::optionsApplied);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    SocketOptions change;
    change.ttl = 44;
    change.noDelay = true;
    change.reusePort = true; // the bind is past: refused in words
    QVERIFY(wb.setSocketOptions(listener, change));
    QVERIFY(applied.wait(5000));
    QCOMPARE(kernelValue(fdOf(wb, listener), QStringLiteral("IP_TTL")), QStringLiteral("44"));
    QVERIFY(optionNamed(wb.info(listener).options, QStringLiteral("SO_REUSEPORT"))->isRefused());

    auto raw = LoopbackPeer::connectTcp(at);
    QVERIFY(raw);
    const EndpointId server = waitAccepted(accepted, raw->local());
    QVERIFY(server);
    QTRY_VERIFY(!wb.info(server).options.isEmpty());
    const QString mismatch = compareWithKernel(wb, server);
    QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    QCOMPARE(kernelValue(fdOf(wb, server), QStringLiteral("TCP_NODELAY")), QStringLiteral("on"));
}

void TestSocketOptions::liveChangeOnFinalEndpointIsRefused() {
    Workbench wb;
    SocketOptions change;
    change.noDelay = true;
    QVERIFY(!wb.setSocketOptions(12345, change));
    QVERIFY(!wb.requestTcpInfo(12345));
    EndpointId listener = 0;
    QVERIFY(startListener(wb, &listener).isValid());
    QVERIFY(!wb.requestTcpInfo(listener)); // not a TCP connection
    QSignalSpy stopped(&wb, &Workbench::listenerStopped);
    wb.stopListener(listener);
    QVERIFY(stopped.wait(5000));
    QVERIFY(!wb.setSocketOptions(listener, change));
}

void TestSocketOptions::tcpInfoUnder64MiB() {
    Workbench wb(bigJournal());
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    EndpointId listener = 0;
    const NetAddress at = startListener(wb, &listener);
    QVERIFY(at.isValid());
    const EndpointId client = connectAndWait(wb, at);
    QVERIFY(client);
    const EndpointId server = waitAccepted(accepted, wb.info(client).local);
    QVERIFY(server);

    QVERIFY(wb.send(client, pattern(TransferBytes, 12)));
    // Once the server has read everything, the client's kernel has had it all acknowledged.
    QTRY_COMPARE_WITH_TIMEOUT(wb.journal().counters(server).bytesIn, quint64(TransferBytes),
                              TransferTimeoutMs);

    QSignalSpy read(&wb, &Workbench::tcpInfoRead);
    QTRY_VERIFY_WITH_TIMEOUT(wb.requestTcpInfo(client) && wb.info(client).lastTcpInfo &&
                                 wb.info(client).lastTcpInfo->bytesAcked == quint64(TransferBytes),
                             10000);
    const TcpInfo sent = *wb.info(client).lastTcpInfo;
    QVERIFY(!read.isEmpty());
    QCOMPARE(read.last().at(1).value<TcpInfo>().bytesAcked, sent.bytesAcked);
    QCOMPARE(sent.state, QStringLiteral("ESTABLISHED"));
    QVERIFY(sent.rttUs > 0);
    QVERIFY(sent.cwndSegments > 0);
    QVERIFY(sent.mssBytes > 0);
    QCOMPARE(sent.sendQueueBytes, 0u);
    QVERIFY(sent.sampledAtMs > 0);

    QVERIFY(wb.requestTcpInfo(server));
    QTRY_VERIFY(wb.info(server).lastTcpInfo);
    QCOMPARE(wb.info(server).lastTcpInfo->bytesReceived, quint64(TransferBytes));
    QCOMPARE(wb.info(server).lastTcpInfo->receiveQueueBytes, 0u);

    // The figures as of the close: read once more right before the descriptor went.
    wb.close(client);
    QTRY_VERIFY(isFinal(wb.info(client).state));
    const std::optional<TcpInfo> last = wb.info(client).lastTcpInfo;
    QVERIFY(last);
    QVERIFY(last->sampledAtMs >= sent.sampledAtMs);
    QCOMPARE(last->bytesAcked, quint64(TransferBytes));               // neither our SYN nor our FIN
    QVERIFY2(last->state != u"ESTABLISHED", qPrintable(last->state)); // our FIN went before the close
    QVERIFY(!wb.requestTcpInfo(client));
    // The server closes after the client's FIN; the kernel counts that FIN, the figures do not.
    QTRY_VERIFY(isFinal(wb.info(server).state));
    QCOMPARE(wb.info(server).lastTcpInfo->bytesReceived, quint64(TransferBytes));
    QCOMPARE(wb.info(server).lastTcpInfo->bytesAcked, quint64(0));
}

SOCKBENCH_TEST_MAIN(TestSocketOptions)
#include "tst_socketoptions.moc"
