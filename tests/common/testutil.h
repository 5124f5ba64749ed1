#pragma once

// Shared helpers for the engine tests: readable QCOMPARE output for our types, deterministic
// payloads, journal extraction and "set up and wait" shortcuts that return a value the test checks.

#include "engine/endpoint.h"
#include "engine/workbench.h"
#include "journal/journal.h"
#include "loopbackpeer.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QSignalSpy>
#include <QTest>

#include <dirent.h>

#include <memory>
#include <vector>

namespace sockbench {

// Found by argument-dependent lookup from QCOMPARE, so failures print the address, not "<unknown>".
inline char *toString(const NetAddress &address) {
    return QTest::toString(address.toString());
}

} // namespace sockbench

namespace sockbench::test {

/// True in the sanitizer stages (scripts/test.d sets ASAN_OPTIONS or TSAN_OPTIONS), where code runs
/// 5-20 times slower: bulk tests move less there (what they check stays the same) to keep CI short.
inline bool underSanitizer() {
    return qEnvironmentVariableIsSet("ASAN_OPTIONS") || qEnvironmentVariableIsSet("TSAN_OPTIONS");
}

/// State of an endpoint as text, for QTRY_COMPARE with readable failure messages.
inline QString stateOf(const Workbench &wb, EndpointId id) {
    if (!wb.endpoints().contains(id))
        return QStringLiteral("<unknown endpoint>");
    return toString(wb.info(id).state);
}

inline QString stateName(EndpointState state) {
    return toString(state);
}

/// True when this machine can bind ::1 (some containers have no IPv6 loopback).
inline bool hasIpv6Loopback() {
    return LoopbackPeer::bindTcpOnly(QStringLiteral("::1")) != nullptr;
}

/// Entries of /proc/self/fd: descriptors this process has open (plus the one used to count).
inline int openFdCount() {
    DIR *dir = ::opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int n = 0;
    while (const dirent *entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.')
            ++n;
    }
    ::closedir(dir);
    return n;
}

constexpr qsizetype MiB = 1024 * 1024;
/// How long a test waits for something that should come at once: long enough for a sanitizer build
/// on a loaded machine, and only ever reached when the test fails.
constexpr int WaitMs = 15000;

/// Deterministic pseudo-random bytes (xorshift64*), so both ends can compute what to expect.
inline QByteArray pattern(qsizetype size, quint64 seed = 0x9E3779B97F4A7C15ULL) {
    QByteArray out(size, Qt::Uninitialized);
    quint64 x = seed | 1;
    char *p = out.data();
    qsizetype i = 0;
    while (i < size) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        quint64 v = x * 0x2545F4914F6CDD1DULL;
        for (int b = 0; b < 8 && i < size; ++b, ++i) {
            p[i] = char(v & 0xff);
            v >>= 8;
        }
    }
    return out;
}

/// The journal tests' budget, and their records: chunks of 64 KiB whose bytes say which record
/// they are (pattern(JournalChunk, seq)).
constexpr qint64 JournalBudget = 2 * MiB;
constexpr quint32 JournalChunk = 64 * 1024;

/// Appends n chunks to endpoint 1's records, all received, or received and sent by turns; returns
/// the first one's sequence number.
inline quint64 appendChunks(Journal &journal, int n, bool alternate = false) {
    const quint64 first = journal.count();
    for (int i = 0; i < n; ++i) {
        const quint64 seq = journal.count();
        const RecordKind kind = alternate && seq % 2 ? RecordKind::DataOut : RecordKind::DataIn;
        journal.appendData(1, kind, pattern(JournalChunk, seq));
    }
    return first;
}

/// Large transfers: 64 MiB, through a journal that keeps all of it, waited for up to a minute.
constexpr qsizetype TransferBytes = 64 * MiB;
constexpr int TransferTimeoutMs = 60000;
inline WorkbenchConfig bigJournal() {
    WorkbenchConfig config;
    config.journalBudgetBytes = 256LL * 1024 * 1024;
    return config;
}

/// Binds a UDP socket on port 0 and waits until it is bound; its address, or an empty one when
/// binding failed.
inline NetAddress bindAndWait(Workbench &wb, EndpointId *id,
                              const QString &host = QStringLiteral("127.0.0.1"),
                              const UdpOptions &options = {}) {
    *id = wb.bindUdp(host, 0, options);
    const EndpointId want = *id;
    const auto settled = [&] {
        return wb.endpoints().contains(want) &&
               (wb.info(want).state == EndpointState::Bound || isFinal(wb.info(want).state));
    };
    if (!QTest::qWaitFor(settled, 5000) || wb.info(want).state != EndpointState::Bound)
        return {};
    return wb.info(want).local;
}

inline QByteArray sha256(const QByteArray &bytes) {
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

/// Records of one endpoint and kind, in journal order.
inline std::vector<Record> recordsOf(const Journal &journal, EndpointId id, RecordKind kind,
                                     bool withPayload = true) {
    std::vector<Record> out;
    const quint64 n = journal.count();
    // From the oldest record the budget left; one it drops meanwhile is passed over.
    for (quint64 seq = journal.oldestSeq(); seq < n; ++seq) {
        Record r;
        if (!journal.record(seq, &r, false))
            continue;
        if (r.endpoint != id || r.kind != kind)
            continue;
        if (withPayload)
            journal.record(seq, &r, true);
        out.push_back(std::move(r));
    }
    return out;
}

/// Concatenated payload of one endpoint's records of one kind (the TCP stream as recorded).
inline QByteArray streamOf(const Journal &journal, EndpointId id, RecordKind kind) {
    QByteArray out;
    for (const Record &r : recordsOf(journal, id, kind))
        out += r.payload;
    return out;
}

/// Text of the event records of one endpoint, joined with '\n'.
inline QString eventsOf(const Journal &journal, EndpointId id) {
    QStringList lines;
    for (const Record &r : recordsOf(journal, id, RecordKind::Event))
        lines << QString::fromUtf8(r.payload);
    return lines.join(u'\n');
}

/// Starts a TCP listener on host:0 and waits for it. Returns the bound address (invalid on failure).
inline NetAddress startListener(Workbench &wb, EndpointId *id,
                                const QString &host = QStringLiteral("127.0.0.1"),
                                const ListenerOptions &options = {}) {
    QSignalSpy started(&wb, &Workbench::listenerStarted);
    *id = wb.startTcpListener(host, 0, options);
    const EndpointId want = *id;
    NetAddress local;
    // On timeout or failure `local` stays invalid, which is what the caller checks.
    (void)QTest::qWaitFor(
        [&] {
            for (const auto &args : std::as_const(started)) {
                if (args.at(0).value<EndpointId>() == want) {
                    local = args.at(1).value<NetAddress>();
                    return true;
                }
            }
            return isFinal(wb.info(want).state) && wb.endpoints().contains(want);
        },
        5000);
    return local;
}

/// Connects a Workbench client to `to` and waits until Connected. Returns 0 on failure.
inline EndpointId connectAndWait(Workbench &wb, const NetAddress &to) {
    const EndpointId id = wb.connectTcp(to.ip, to.port);
    if (!QTest::qWaitFor(
            [&] {
                return wb.endpoints().contains(id) &&
                       (wb.info(id).state == EndpointState::Connected || isFinal(wb.info(id).state));
            },
            5000))
        return 0;
    return wb.info(id).state == EndpointState::Connected ? id : 0;
}

/// The id of the accepted connection whose peer is `clientLocal`, from a connectionAccepted spy; 0 if none.
inline EndpointId acceptedFrom(const QSignalSpy &accepted, const NetAddress &clientLocal) {
    for (const auto &args : accepted) {
        if (args.at(3).value<NetAddress>() == clientLocal)
            return args.at(0).value<EndpointId>();
    }
    return 0;
}

/// Waits until the listener has accepted the connection from clientLocal; returns its id or 0.
inline EndpointId waitAccepted(const QSignalSpy &accepted, const NetAddress &clientLocal,
                               int timeoutMs = 5000) {
    EndpointId id = 0;
    (void)QTest::qWaitFor([&] { return (id = acceptedFrom(accepted, clientLocal)) != 0; }, timeoutMs);
    return id;
}

/// A Workbench listener on 127.0.0.1:0 with one raw client it has accepted. Many server-side tests
/// start this way; members are in declaration order so that structured bindings read naturally.
struct AcceptedRawClient {
    EndpointId listener = 0;
    NetAddress at; ///< where the listener is bound
    std::unique_ptr<LoopbackPeer> raw;
    EndpointId server = 0; ///< the accepted connection
    /// The step that went wrong, for QVERIFY2(!failure, failure); null when every step worked.
    const char *failure = nullptr;
};

inline AcceptedRawClient acceptRawClient(Workbench &wb, const ListenerOptions &options = {}) {
    AcceptedRawClient out;
    // Spying before the listener exists, so no accept can be missed.
    QSignalSpy accepted(&wb, &Workbench::connectionAccepted);
    out.at = startListener(wb, &out.listener, QStringLiteral("127.0.0.1"), options);
    if (!out.at.isValid()) {
        out.failure = "the listener did not start";
        return out;
    }
    out.raw = LoopbackPeer::connectTcp(out.at);
    if (!out.raw) {
        out.failure = "the raw client could not connect";
        return out;
    }
    out.server = waitAccepted(accepted, out.raw->local());
    if (out.server == 0)
        out.failure = "the listener never reported the raw client";
    return out;
}

/// A Workbench client connected to a raw listener, and the raw end it accepted. Many client-side
/// tests start this way. The raw listener is kept so its port stays taken for the whole test.
struct ConnectedToRawListener {
    std::unique_ptr<LoopbackPeer> rawListener;
    EndpointId client = 0;
    std::unique_ptr<LoopbackPeer> raw; ///< the accepted end
    /// The step that went wrong, for QVERIFY2(!failure, failure); null when every step worked.
    const char *failure = nullptr;
};

inline ConnectedToRawListener connectToRawListener(Workbench &wb) {
    ConnectedToRawListener out;
    out.rawListener = LoopbackPeer::listenTcp();
    if (!out.rawListener) {
        out.failure = "the raw listener could not be set up";
        return out;
    }
    out.client = connectAndWait(wb, out.rawListener->local());
    if (out.client == 0) {
        out.failure = "the Workbench client did not connect";
        return out;
    }
    out.raw = out.rawListener->accept();
    if (!out.raw)
        out.failure = "the raw listener did not accept the Workbench client";
    return out;
}

/// Emissions of a spy whose first argument is the endpoint id `id`.
inline int emissionsFor(const QSignalSpy &spy, EndpointId id) {
    int n = 0;
    for (const auto &args : spy) {
        if (args.at(0).value<EndpointId>() == id)
            ++n;
    }
    return n;
}

/// The (string) argument `index` of the first emission for endpoint `id`; empty if none.
inline QString textFor(const QSignalSpy &spy, EndpointId id, int index = 1) {
    for (const auto &args : spy) {
        if (args.at(0).value<EndpointId>() == id)
            return args.at(index).toString();
    }
    return {};
}

} // namespace sockbench::test
