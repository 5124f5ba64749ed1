// UDP sockets and flooding TCP streams. The kernel drops the datagrams a socket does not read in
// time, while a stream's peer only waits. So on one reactor, datagram sockets are served first and
// a stream's turn shrinks to one read while datagrams are still waiting; and an accepted stream
// goes to a reactor without a UDP socket when there is one. The tests run Reactors of their own,
// so that they can hold a loop still while they fill its sockets and ask each loop what it owns:
// what happens is decided by the engine's policy alone, not by the scheduler or a clock.

#include "engine/reactor.h"
#include "engine/sockaddr.h"
#include "engine/streamrecorder.h"
#include "engine/tcplistener.h"
#include "engine/tcpstream.h"
#include "engine/udpsocket.h"
#include "loopbackpeer.h"
#include "testmain.h"
#include "testutil.h"

#include <QTest>

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <future>

using namespace sockbench;
using namespace sockbench::test;

class TestReactorFairness final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void datagramsGoFirstWhileAStreamFloods();
    void acceptedStreamsAvoidReactorsWithUdpSockets();
};

namespace {

constexpr qint64 ReadChunk = 256 * 1024;          // one TcpStream read (tcpstream.cpp)
constexpr int DatagramsPerWake = 32 * 64;         // one UdpSocket wake-up's budget (udpsocket.cpp)
constexpr int Datagrams = DatagramsPerWake + 952; // more than one wake-up's worth waits
constexpr qint64 PrimeBytes = 32 * 1024 * 1024;   // lets the kernel grow the stream's window
constexpr auto Patience = std::chrono::seconds(15);

/// Runs f on the reactor's thread and waits for it (bounded, so a broken loop fails, not hangs).
template <typename F> bool onReactor(Reactor &reactor, F f) {
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> finished = done->get_future();
    reactor.post([f = std::move(f), done]() mutable {
        f();
        done->set_value();
    });
    return finished.wait_for(Patience) == std::future_status::ready;
}

QByteArray datagram(int index) {
    QByteArray bytes = pattern(64, quint64(index) + 1);
    std::memcpy(bytes.data(), &index, sizeof index);
    return bytes;
}

/// Sends without blocking until the kernel takes no more; returns the bytes it took.
qint64 sendUntilFull(int fd, const QByteArray &stream, qint64 from) {
    qint64 at = from;
    while (at < stream.size()) {
        const ssize_t n =
            ::send(fd, stream.constData() + at, size_t(stream.size() - at), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0)
            at += n;
        else if (n < 0 && errno == EINTR)
            continue;
        else
            break;
    }
    return at - from;
}

/// Reactors of their own, posting their outcomes to an object nobody reads.
struct Reactors {
    explicit Reactors(int count) {
        shared->receiver = &outcomes;
        for (int i = 0; i < count; ++i)
            loops.push_back(std::make_unique<Reactor>(shared, i));
        std::lock_guard lock(shared->mailboxMutex);
        for (auto &r : loops)
            shared->reactors.push_back(r.get());
    }
    ~Reactors() {
        for (auto &r : loops)
            r->requestStop();
        for (auto &r : loops)
            r->join();
        std::lock_guard lock(shared->mailboxMutex);
        shared->reactors.clear();
    }
    Q_DISABLE_COPY_MOVE(Reactors)

    QObject outcomes;
    std::shared_ptr<ReactorShared> shared = std::make_shared<ReactorShared>(Journal::DefaultBudgetBytes);
    std::vector<std::unique_ptr<Reactor>> loops;
};

/// Which reactor owns a stream now (-1: none).
int ownerOfStream(Reactors &reactors) {
    int owner = -1;
    for (auto &r : reactors.loops) {
        Reactor *reactor = r.get();
        bool has = false;
        if (!onReactor(*reactor, [&] { has = !reactor->socketsOf<TcpStream>().empty(); }))
            return -2;
        if (has)
            owner = reactor->index();
    }
    return owner;
}

} // namespace

void TestReactorFairness::acceptedStreamsAvoidReactorsWithUdpSockets() {
    Reactors reactors(2);
    Reactor &first = *reactors.loops[0];
    Reactor &second = *reactors.loops[1];
    const EndpointId listener = reactors.shared->nextId.fetch_add(1);
    NetAddress at;
    QVERIFY(onReactor(first, [&] {
        TcpListener::start(first, listener, QStringLiteral("127.0.0.1"), 0, {});
        if (const Socket *s = first.find(listener); s && s->fd() >= 0)
            at = localAddressOf(s->fd());
    }));
    QVERIFY(at.port != 0);

    // Without UDP sockets the listening reactor keeps only the accepting.
    auto client = LoopbackPeer::connectTcp(at);
    QVERIFY(client);
    QTRY_COMPARE_WITH_TIMEOUT(ownerOfStream(reactors), 1, 15000);
    client.reset();
    QTRY_COMPARE_WITH_TIMEOUT(ownerOfStream(reactors), -1, 15000);

    // With a UDP socket on the other reactor, the stream stays with the listener.
    const EndpointId udp = reactors.shared->nextId.fetch_add(1);
    QVERIFY(onReactor(second, [&] { UdpSocket::open(second, udp, QStringLiteral("127.0.0.1"), 0, {}); }));
    QCOMPARE(second.datagramSockets(), 1);
    client = LoopbackPeer::connectTcp(at);
    QVERIFY(client);
    QTRY_COMPARE_WITH_TIMEOUT(ownerOfStream(reactors), 0, 15000);
    client.reset();
    QTRY_COMPARE_WITH_TIMEOUT(ownerOfStream(reactors), -1, 15000);

    // Once the UDP socket is closed, the other reactor takes connections again.
    QVERIFY(onReactor(second, [&] {
        if (Socket *s = second.find(udp))
            s->close();
    }));
    QCOMPARE(second.datagramSockets(), 0);
    client = LoopbackPeer::connectTcp(at);
    QVERIFY(client);
    QTRY_COMPARE_WITH_TIMEOUT(ownerOfStream(reactors), 1, 15000);
}

void TestReactorFairness::datagramsGoFirstWhileAStreamFloods() {
    Reactors reactors(1);
    Reactor &reactor = *reactors.loops[0];
    ReactorShared *shared = reactors.shared.get();
    const Journal &journal = shared->journal;

    // The UDP socket (default options: a 32 MiB receive buffer asked for).
    const EndpointId udp = shared->nextId.fetch_add(1);
    NetAddress udpAt;
    int udpBufferBytes = 0;
    QVERIFY(onReactor(reactor, [&] {
        UdpSocket::open(reactor, udp, QStringLiteral("127.0.0.1"), 0, {});
        if (const Socket *s = reactor.find(udp); s && s->fd() >= 0) {
            udpAt = localAddressOf(s->fd());
            socklen_t length = sizeof udpBufferBytes;
            ::getsockopt(s->fd(), SOL_SOCKET, SO_RCVBUF, &udpBufferBytes, &length);
        }
    }));
    QVERIFY(udpAt.port != 0);
    // The burst waits in the kernel while the loop is held: it must fit (a datagram of 64 bytes
    // takes under 1 KiB of buffer on loopback).
    if (qint64(udpBufferBytes) < qint64(Datagrams) * 2048)
        QSKIP("this user may not give a UDP socket a receive buffer of a few MiB");

    // The stream: an accepted loopback connection handed to the reactor, as a listener does.
    auto rawListener = LoopbackPeer::listenTcp();
    QVERIFY(rawListener);
    auto client = LoopbackPeer::connectTcp(rawListener->local());
    QVERIFY(client);
    auto accepted = rawListener->accept();
    QVERIFY(accepted);
    const int streamFd = ::dup(accepted->fd());
    QVERIFY(streamFd >= 0);
    accepted.reset();
    const EndpointId stream = shared->nextId.fetch_add(1);
    QVERIFY(onReactor(reactor, [&] {
        reactor
            .add(std::make_unique<TcpStream>(reactor, stream, 0, streamFd,
                                             std::make_unique<StreamRecorder>(AutoReply::None)))
            .adopted();
    }));

    // A flood first, read while the loop runs, so that the kernel widens the stream's window.
    const QByteArray bytes = pattern(PrimeBytes + 64 * 1024 * 1024, 77);
    QVERIFY(client->sendAll(bytes.constData(), PrimeBytes));
    QTRY_COMPARE_WITH_TIMEOUT(journal.counters(stream).bytesIn, quint64(PrimeBytes), 15000);

    // Hold the loop, then fill the stream's queue and send the burst behind it.
    std::promise<void> held;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    reactor.post([&held, released] {
        held.set_value();
        released.wait();
    });
    QVERIFY(held.get_future().wait_for(Patience) == std::future_status::ready);
    const qint64 filled = sendUntilFull(client->fd(), bytes, PrimeBytes);
    int queued = 0;
    ::ioctl(streamFd, FIONREAD, &queued);
    if (queued < 2 * ReadChunk) {
        release.set_value();
        QSKIP("the kernel queued less than two reads' worth for the stream");
    }
    auto sender = LoopbackPeer::bindUdp();
    QVERIFY(sender);
    for (int i = 0; i < Datagrams; ++i)
        QVERIFY(sender->sendTo(udpAt, datagram(i)));
    const quint64 mark = journal.count(); // nothing is appended while the loop is held
    release.set_value();

    // Every datagram and every byte arrives, exact.
    QTRY_COMPARE_WITH_TIMEOUT(journal.counters(udp).datagramsIn, quint64(Datagrams), 15000);
    QTRY_COMPARE_WITH_TIMEOUT(journal.counters(stream).bytesIn, quint64(PrimeBytes + filled), 15000);
    QCOMPARE(streamOf(journal, stream, RecordKind::DataIn), bytes.left(PrimeBytes + filled));
    const std::vector<Record> in = recordsOf(journal, udp, RecordKind::DataIn);
    QCOMPARE(in.size(), size_t(Datagrams));
    for (int i = 0; i < Datagrams; ++i)
        QCOMPARE(in[size_t(i)].payload, datagram(i));

    // The order after the loop went on: datagrams first, and while more than one wake-up's budget
    // of them waited, the stream read once per wake-up.
    quint64 lastDatagram = 0;
    quint64 firstData = 0;
    for (quint64 seq = journal.count(); seq-- > mark;) {
        Record r;
        QVERIFY(journal.record(seq, &r, false));
        if (r.kind != RecordKind::DataIn)
            continue;
        firstData = seq;
        if (r.endpoint == udp && lastDatagram == 0)
            lastDatagram = seq;
    }
    Record first;
    QVERIFY(journal.record(firstData, &first, false));
    QCOMPARE(first.endpoint, udp);
    qint64 streamBytesBefore = 0;
    for (quint64 seq = mark; seq < lastDatagram; ++seq) {
        Record r;
        QVERIFY(journal.record(seq, &r, false));
        if (r.endpoint == stream && r.kind == RecordKind::DataIn)
            streamBytesBefore += r.length;
    }
    QVERIFY2(streamBytesBefore <= ReadChunk,
             qPrintable(QStringLiteral("%1 stream bytes were read before the last datagram (queued: %2)")
                            .arg(streamBytesBefore)
                            .arg(queued)));
}

SOCKBENCH_TEST_MAIN(TestReactorFairness)
#include "tst_reactorfairness.moc"
