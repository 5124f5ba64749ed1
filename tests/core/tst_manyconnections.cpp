// One listener must accept and hold 2,000 concurrent connections, and destroying the Workbench must
// close every one of them and return within a second.

#include "engine/workbench.h"
#include "testmain.h"
#include "testutil.h"

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

using namespace sockbench;
using namespace sockbench::test;

class TestManyConnections final : public QObject {
    Q_OBJECT

public:
    TestManyConnections() = default;
    Q_DISABLE_COPY_MOVE(TestManyConnections)

private Q_SLOTS:
    void twoThousandConnectionsAndAQuickShutdown();
};

void TestManyConnections::twoThousandConnectionsAndAQuickShutdown() {
    constexpr int Connections = 2000;
    const qint64 limit = raiseOpenFileLimit();
    // Our 2,000 client sockets plus the engine's 2,000 accepted ones, plus room for the rest.
    QVERIFY2(limit >= 2 * Connections + 200, qPrintable(QStringLiteral("open-file limit is %1").arg(limit)));

    const int fdsBefore = openFdCount();
    QVERIFY(fdsBefore > 0);
    std::vector<int> clients;
    clients.reserve(Connections);
    const auto closeClients = qScopeGuard([&] {
        for (int fd : clients)
            ::close(fd);
    });

    auto wb = std::make_unique<Workbench>();
    QSignalSpy accepted(wb.get(), &Workbench::connectionAccepted);
    QSignalSpy warnings(wb.get(), &Workbench::listenerWarning);
    EndpointId listener = 0;
    const NetAddress at = startListener(*wb, &listener);
    QVERIFY(at.isValid());

    sockaddr_storage ss;
    const socklen_t len = toSockaddr(at, &ss);
    QElapsedTimer acceptTimer;
    acceptTimer.start();
    for (int i = 0; i < Connections; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        QVERIFY2(fd >= 0, std::strerror(errno));
        clients.push_back(fd);
        if (::connect(fd, reinterpret_cast<const sockaddr *>(&ss), len) != 0 && errno != EINPROGRESS)
            QFAIL(qPrintable(
                QStringLiteral("connect %1: %2").arg(i).arg(QString::fromLocal8Bit(std::strerror(errno)))));
    }
    QTRY_COMPARE_WITH_TIMEOUT(accepted.size(), Connections, 30000);
    const qint64 acceptMs = acceptTimer.elapsed();
    qInfo("2,000 connections accepted in %lld ms", acceptMs);

    QSet<EndpointId> ids;
    int connected = 0;
    for (const auto &args : std::as_const(accepted)) {
        const EndpointId id = args.at(0).value<EndpointId>();
        ids.insert(id);
        QCOMPARE(args.at(1).value<EndpointId>(), listener);
        if (wb->info(id).state == EndpointState::Connected)
            ++connected;
    }
    QCOMPARE(ids.size(), Connections);
    QCOMPARE(connected, Connections);
    QCOMPARE(wb->clientsOf(listener).size(), Connections);
    QVERIFY2(warnings.isEmpty(),
             qPrintable(warnings.isEmpty() ? QString() : warnings.constFirst().at(1).toString()));
    QCOMPARE(stateOf(*wb, listener), stateName(EndpointState::Listening));
    // The engine really holds a descriptor per connection.
    QVERIFY(openFdCount() >= fdsBefore + 2 * Connections);

    QElapsedTimer shutdownTimer;
    shutdownTimer.start();
    wb.reset();
    const qint64 shutdownMs = shutdownTimer.elapsed();
    qInfo("Workbench with 2,000 open connections destroyed in %lld ms", shutdownMs);
    QVERIFY2(shutdownMs < 1000,
             qPrintable(QStringLiteral("destroying the Workbench took %1 ms").arg(shutdownMs)));

    // Every descriptor the engine opened (listener, connections, epoll, eventfds) is closed again.
    QCOMPARE(openFdCount(), fdsBefore + Connections);

    // And every peer has been told: EOF or reset, nothing left hanging.
    std::vector<pollfd> pending;
    for (int fd : clients)
        pending.push_back({fd, POLLIN, 0});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int eof = 0;
    int resets = 0;
    while (!pending.empty() && std::chrono::steady_clock::now() < deadline) {
        if (::poll(pending.data(), pending.size(), 1000) < 0 && errno != EINTR)
            QFAIL(std::strerror(errno));
        std::vector<pollfd> still;
        for (const pollfd &p : pending) {
            if (p.revents == 0) {
                still.push_back({p.fd, POLLIN, 0});
                continue;
            }
            char byte;
            const ssize_t n = ::recv(p.fd, &byte, 1, MSG_DONTWAIT);
            if (n == 0) {
                ++eof;
            } else if (n < 0 && (errno == ECONNRESET || errno == EPIPE)) {
                ++resets;
            } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
                still.push_back({p.fd, POLLIN, 0});
            } else {
                QFAIL(qPrintable(
                    QStringLiteral("client got %1 instead of EOF or reset")
                        .arg(n > 0 ? QStringLiteral("data") : QString::fromLocal8Bit(std::strerror(errno)))));
            }
        }
        pending.swap(still);
    }
    QVERIFY2(pending.empty(),
             qPrintable(QStringLiteral("%1 clients saw neither EOF nor reset").arg(pending.size())));
    QCOMPARE(eof + resets, Connections);
    qInfo("peers saw %d EOF and %d resets", eof, resets);

    for (int fd : clients)
        ::close(fd);
    clients.clear();
    QCOMPARE(openFdCount(), fdsBefore);
}

SOCKBENCH_TEST_MAIN(TestManyConnections)
#include "tst_manyconnections.moc"
