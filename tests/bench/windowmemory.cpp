// windowmemory: the window's resident memory for four traffic shapes, and a probe for churn.
//
// `churn` is the long run's shape instead, a probe with no goal: connections that come, say a
// line and go, in three rounds of 20,000; it prints what the third round added to the heap in use
// (RSS keeps the peaks of connections in flight) beside the journal's own bytes, per connection.
// Run it under heaptrack to see what a window keeps per connection (docs/PERFORMANCE.md).
//
// Each shape runs in a process of its own (the program starts itself once per shape) so the
// figures do not carry the allocator's leftovers from the shape before. A shape feeds a real
// Workbench over loopback from a plain-socket peer thread, into a real MainWindow (offscreen) whose
// conversation view shows the endpoint, and prints RSS before and after, the journal's bytes
// (payload held plus record headers) and whether RSS stays within journal bytes + 64 MiB.
// Usage: windowmemory [lines|oneline|records|udp|churn]

#include "rss.h"

#include "engine/workbench.h"
#include "models/connectionmodel.h"
#include "models/journalfeed.h"
#include "panels/detailpane.h"
#include "views/conversationview.h"
#include "window/mainwindow.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QScrollBar>
#include <QTabWidget>
#include <QTimer>
#include <QTreeView>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <thread>

using namespace sockbench;

namespace {

constexpr qint64 StreamBytes = 50LL * 1000 * 1000;
constexpr int OneByteRecords = 1000000;
constexpr int Datagrams = 200000;
constexpr double AllowanceMiB = 64;
constexpr int ChurnRound = 20000;

using bench::rssMiB;

/// Runs the event loop until done() holds or the timeout passes; returns done().
bool runUntil(const std::function<bool()> &done, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(20);
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done() || clock.elapsed() > timeoutMs)
            loop.quit();
    });
    poll.start();
    if (!done())
        loop.exec();
    return done();
}

sockaddr_in loopback(quint16 port) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sin;
}

/// A peer that connects to the window's listener and writes `bytes` made of `pattern`.
void streamTo(quint16 port, QByteArray pattern, qint64 bytes) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in to = loopback(port);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&to), sizeof(to)) != 0) {
        ::close(fd);
        return;
    }
    const QByteArray chunk = pattern.repeated(64 * 1024 / pattern.size());
    qint64 left = bytes;
    while (left > 0) {
        const qint64 n =
            ::send(fd, chunk.constData(), size_t(std::min<qint64>(left, chunk.size())), MSG_NOSIGNAL);
        if (n <= 0)
            break;
        left -= n;
    }
    ::close(fd);
}

/// `count` connections to the window's listener, one after another: each says a line and closes.
void churnTo(quint16 port, int count) {
    const sockaddr_in to = loopback(port);
    for (int i = 0; i < count; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (::connect(fd, reinterpret_cast<const sockaddr *>(&to), sizeof(to)) == 0)
            ::send(fd, "hello churn\n", 12, MSG_NOSIGNAL);
        ::close(fd);
    }
}

/// The churn shape: the heap in use after each of three rounds of connections.
int runChurn(MainWindow &window, const std::function<void(EndpointId)> &show) {
    Workbench *wb = window.workbench();
    const EndpointId listener = wb->startTcpListener(QStringLiteral("127.0.0.1"), 0);
    show(listener);
    if (!runUntil([&] { return wb->info(listener).local.port != 0; }, 5000))
        return 2;
    const quint16 port = wb->info(listener).local.port;
    quint64 accepted = 0;
    QObject::connect(wb, &Workbench::connectionAccepted, wb, [&] { ++accepted; });
    const auto churn = [&](int count) {
        const quint64 target = accepted + quint64(count);
        std::thread peer(churnTo, port, count);
        const auto allClosed = [&] {
            const QList<EndpointId> ids = wb->connectionsOf(listener);
            return std::all_of(ids.begin(), ids.end(),
                               [&](EndpointId id) { return isFinal(wb->info(id).state); });
        };
        runUntil([&] { return accepted >= target && allClosed(); }, 300000);
        peer.join();
        runUntil([] { return false; }, 1500); // the feed and the tree's pruning settle
        // Heap in use, not RSS: the allocator keeps the peaks of the connections in flight.
        const struct mallinfo2 heap = mallinfo2();
        return double(heap.uordblks + heap.hblkhd) / (1024.0 * 1024.0);
    };
    // The journal keeps its records until its budget: what grows beside them is what counts.
    const auto journalMiB = [&] {
        const Journal &journal = wb->journal();
        return double(journal.payloadBytesHeld() + journal.headerBytes()) / (1024.0 * 1024.0);
    };
    churn(ChurnRound);
    const double warm = churn(ChurnRound);
    const double warmJournal = journalMiB();
    const double after = churn(ChurnRound);
    const double afterJournal = journalMiB();
    const double perConnection = ((after - afterJournal) - (warm - warmJournal)) * 1024 * 1024 / ChurnRound;
    std::printf("churn    connections 3 x %d  heap in use %6.1f -> %6.1f MiB  journal %6.1f -> %6.1f MiB  "
                "%.1f B per connection of the third round beside the journal\n",
                ChurnRound, warm, after, warmJournal, afterJournal, perConnection);
    std::fflush(stdout);
    window.close();
    return 0;
}

struct Figures {
    double rssBefore = 0;
    double rssAfter = 0;
    qint64 journalBytes = 0;
    quint64 records = 0;
    qint64 lines = 0;
    QString note;
};

int runShape(const QString &shape) {
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    Workbench *wb = window.workbench();
    auto *detail = window.findChild<DetailPane *>(QStringLiteral("detailPane"));
    detail->findChild<QTabWidget *>(QStringLiteral("detailTabs"))
        ->setCurrentWidget(detail->conversationView());
    auto *tree = window.findChild<QTreeView *>(QStringLiteral("connectionsView"));
    const auto show = [&](EndpointId id) {
        window.connectionModel()->addEndpoint(id);
        tree->setCurrentIndex(window.connectionModel()->indexOf(id));
    };
    ConversationView *view = detail->conversationView();
    runUntil([] { return false; }, 200);
    if (shape == QLatin1String("churn"))
        return runChurn(window, show);
    Figures f;
    f.rssBefore = rssMiB();
    std::thread peer;
    EndpointId shown = 0;
    std::function<bool()> done;
    QTimer pump; // the records shape's sender, alive as long as the shape runs
    int sent = 0;

    if (shape == QLatin1String("lines") || shape == QLatin1String("oneline")) {
        shown = wb->startTcpListener(QStringLiteral("127.0.0.1"), 0);
        show(shown);
        if (!runUntil([&] { return wb->info(shown).local.port != 0; }, 5000))
            return 2;
        const QByteArray pattern = shape == QLatin1String("lines") ? QByteArray("y\n") : QByteArray("x");
        peer = std::thread(streamTo, wb->info(shown).local.port, pattern, StreamBytes);
        done = [&] {
            const QList<EndpointId> clients = wb->connectionsOf(shown);
            return !clients.isEmpty() &&
                   wb->journal().counters(clients.first()).bytesIn == quint64(StreamBytes);
        };
    } else if (shape == QLatin1String("records")) {
        // A plain listener that reads and drops what the window's client sends, one byte per send.
        const int listenFd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in at = loopback(0);
        ::bind(listenFd, reinterpret_cast<const sockaddr *>(&at), sizeof(at));
        ::listen(listenFd, 1);
        socklen_t len = sizeof(at);
        ::getsockname(listenFd, reinterpret_cast<sockaddr *>(&at), &len);
        peer = std::thread([listenFd] {
            const int fd = ::accept(listenFd, nullptr, nullptr);
            char buffer[65536];
            while (::recv(fd, buffer, sizeof(buffer), 0) > 0) {
            }
            ::close(fd);
            ::close(listenFd);
        });
        shown = wb->connectTcp(QStringLiteral("127.0.0.1"), ntohs(at.sin_port));
        show(shown);
        if (!runUntil([&] { return wb->info(shown).state == EndpointState::Connected; }, 5000))
            return 2;
        pump.setInterval(0);
        QObject::connect(&pump, &QTimer::timeout, [&] {
            // Paced like a real sender: a million queued sends would measure the send queue's
            // peak (kept by the allocator), not what the window holds.
            if (quint64(sent) > wb->journal().counters(shown).bytesOut + 20000)
                return;
            for (int i = 0; i < 10000 && sent < OneByteRecords; ++i, ++sent)
                wb->send(shown, QByteArray(1, 'r'));
            if (sent == OneByteRecords)
                pump.stop();
        });
        pump.start();
        done = [&] { return wb->journal().counters(shown).bytesOut == quint64(OneByteRecords); };
    } else if (shape == QLatin1String("udp")) {
        shown = wb->bindUdp(QStringLiteral("127.0.0.1"), 0);
        show(shown);
        if (!runUntil([&] { return wb->info(shown).local.port != 0; }, 5000))
            return 2;
        const quint16 port = wb->info(shown).local.port;
        peer = std::thread([port] {
            const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            const sockaddr_in to = loopback(port);
            char datagram[32];
            for (int i = 0; i < Datagrams; ++i) {
                std::snprintf(datagram, sizeof(datagram), "datagram %08d\n", i);
                ::sendto(fd, datagram, 18, 0, reinterpret_cast<const sockaddr *>(&to), sizeof(to));
                if (i % 256 == 255)
                    std::this_thread::yield();
            }
            ::close(fd);
        });
        done = [&] { return wb->journal().counters(shown).datagramsIn == quint64(Datagrams); };
    } else {
        std::fprintf(stderr, "unknown shape %s\n", qPrintable(shape));
        return 2;
    }

    if (!runUntil(done, 180000))
        f.note = QStringLiteral(" (not all traffic arrived)");
    // The reading peer stops at end of stream; the records shape's client closes to send it.
    if (shape == QLatin1String("records"))
        wb->close(shown);
    peer.join();
    // The feed paces the views: wait until it has announced every record and the index took them.
    auto *feed = window.findChild<JournalFeed *>();
    runUntil([&] { return feed->count() == wb->journal().count() && !view->isIndexing(); }, 120000);
    // Scroll through the conversation as a user would: end, middle, start.
    QScrollBar *bar = view->verticalScrollBar();
    for (int value : {bar->maximum(), bar->maximum() / 2, 0, bar->maximum()}) {
        bar->setValue(value);
        view->viewport()->repaint();
    }
    runUntil([] { return false; }, 300);
    f.rssAfter = rssMiB();
    const Journal &journal = wb->journal();
    f.journalBytes = journal.payloadBytesHeld() + journal.headerBytes();
    f.records = journal.count();
    f.lines = view->lineCount();
    const double journalMiB = double(f.journalBytes) / (1024.0 * 1024.0);
    const bool met = f.rssAfter <= journalMiB + AllowanceMiB;
    std::printf("%-8s records %9llu  lines %9lld  journal %7.1f MiB  RSS %6.1f -> %6.1f MiB  "
                "goal RSS <= journal + %.0f MiB: %s%s\n",
                qPrintable(shape), static_cast<unsigned long long>(f.records),
                static_cast<long long>(f.lines), journalMiB, f.rssBefore, f.rssAfter, AllowanceMiB,
                met ? "met" : "NOT met", qPrintable(f.note));
    std::fflush(stdout);
    window.close();
    return met ? 0 : 1;
}

} // namespace

int main(int argc, char *argv[]) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    if (argc > 1)
        return runShape(QString::fromLocal8Bit(argv[1]));
    std::printf("windowmemory: RSS of the window per traffic shape, each in a process of its own\n");
    std::fflush(stdout);
    int failures = 0;
    for (const char *shape : {"lines", "oneline", "records", "udp", "churn"}) {
        QProcess child;
        child.setProcessChannelMode(QProcess::ForwardedChannels);
        child.start(QCoreApplication::applicationFilePath(), {QString::fromLatin1(shape)});
        child.waitForFinished(-1);
        failures += child.exitCode() != 0 ? 1 : 0;
    }
    return failures == 0 ? 0 : 1;
}
