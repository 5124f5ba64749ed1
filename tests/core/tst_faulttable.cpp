// The fault table: every fault is off in a default FaultSet, each row's example turns its fault
// alone on, and its value text, session keys and description agree with its parser; the scope of
// the rows decides which relays refuse which faults; the rows print the relay's --help lines.

#include "engine/faulttable.h"
#include "session/sessionrelay.h"
#include "testmain.h"

#include <QSet>
#include <QTest>

using namespace sockbench;

class TestFaultTable final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void defaultSetHasNoFaultOn();
    void rowsAreDistinct();
    void exampleRoundTrips_data();
    void exampleRoundTrips();
    void parseRefusesGarbage_data();
    void parseRefusesGarbage();
    void refusalsComeFromTheScope();
    void optionHelpIsTheRelayUsage();
};

namespace {

const FaultKind &kindNamed(const char *name) {
    for (const FaultKind &kind : faultKinds()) {
        if (qstrcmp(kind.name, name) == 0)
            return kind;
    }
    qFatal("no fault named %s", name);
}

FaultSet parsed(const FaultKind &kind, const QString &text) {
    FaultSet f;
    const QString error = kind.parse(text, &f);
    if (!error.isEmpty())
        qFatal("%s %s: %s", kind.option, qPrintable(text), qPrintable(error));
    return f;
}

} // namespace

void TestFaultTable::defaultSetHasNoFaultOn() {
    const FaultSet off;
    for (const FaultKind &kind : faultKinds())
        QVERIFY2(!kind.isOn(off), kind.name);
    QVERIFY(off.isEmpty());
    QCOMPARE(off.describe(), QString());
    // The reorder window's off values are 0 and 1: a window of one releases each datagram as it comes.
    FaultSet one;
    one.reorderWindow = 1;
    QVERIFY(one.isEmpty());
}

void TestFaultTable::rowsAreDistinct() {
    QSet<QString> names;
    QSet<QString> options;
    QSet<QString> keys;
    for (const FaultKind &kind : faultKinds()) {
        names.insert(QLatin1String(kind.name));
        options.insert(QLatin1String(kind.option));
        QVERIFY2(!kind.fields.empty(), kind.name);
        for (const FaultField &field : kind.fields)
            keys.insert(QLatin1String(field.jsonKey));
        QCOMPARE(faultKindForOption(QString::fromLatin1(kind.option)), &kind);
    }
    QCOMPARE(names.size(), qsizetype(faultKinds().size()));
    QCOMPARE(options.size(), qsizetype(faultKinds().size()));
    QCOMPARE(keys.size(), qsizetype(14));
    QCOMPARE(faultKindForOption(u"--latency"), nullptr); // the option without its dashes
    QCOMPARE(faultKindForOption(u"timeout-after")->name, "timeout");
}

void TestFaultTable::exampleRoundTrips_data() {
    QTest::addColumn<int>("row");
    for (const FaultKind &kind : faultKinds())
        QTest::newRow(kind.name) << int(&kind - faultKinds().data());
}

void TestFaultTable::exampleRoundTrips() {
    QFETCH(int, row);
    const FaultKind &kind = faultKinds()[size_t(row)];
    const FaultSet f = parsed(kind, QLatin1String(kind.example));
    QVERIFY(kind.isOn(f));
    for (const FaultKind &other : faultKinds()) {
        if (&other != &kind)
            QVERIFY2(!other.isOn(f), other.name); // the fault alone
    }
    // Described, alone.
    QCOMPARE(f.describe(), kind.describe(f));
    QVERIFY(f.describe().startsWith(QLatin1String(kind.name)));
    // Its value text parses back to the same.
    QCOMPARE(parsed(kind, kind.valueText(f)), f);
    // The session file writes this fault's keys alone, and reads them back.
    RelayFaults faults;
    faults.up = f;
    const bool udp = kind.scope == FaultScope::Datagram;
    const QJsonObject json = relayFaultsToJson(faults);
    for (const QString &key : json.value(QStringLiteral("up")).toObject().keys()) {
        bool ours = false;
        for (const FaultField &field : kind.fields)
            ours = ours || key == QLatin1String(field.jsonKey);
        QVERIFY2(ours, qPrintable(key));
    }
    QString error;
    const std::optional<RelayFaults> read = relayFaultsFromJson(json, udp, &error);
    QVERIFY2(read, qPrintable(error));
    QCOMPARE(read->up, f);
}

void TestFaultTable::parseRefusesGarbage_data() {
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");
    QTest::newRow("latency") << "latency"
                             << "abc"
                             << "latency: \"abc\" is not a number of milliseconds";
    QTest::newRow("slice 0") << "slice"
                             << "0"
                             << "slice: a piece must be at least 1 byte, not \"0\"";
    QTest::newRow("timeout") << "timeout-after"
                             << "-1"
                             << "expected milliseconds >= 0 (0: at once)";
    QTest::newRow("timeout +") << "timeout-after"
                               << "+5"
                               << "expected milliseconds >= 0 (0: at once)";
    QTest::newRow("slow close 0") << "slow-close"
                                  << "0"
                                  << "expected milliseconds > 0";
    QTest::newRow("reorder 1") << "reorder"
                               << "1"
                               << "expected a window of 2 to 1000000 datagrams";
    QTest::newRow("drop") << "drop"
                          << "101"
                          << "percentage: \"101\" is more than 100; it must be from 0 to 100";
}

void TestFaultTable::parseRefusesGarbage() {
    QFETCH(QString, option);
    QFETCH(QString, text);
    QFETCH(QString, error);
    const FaultKind *kind = faultKindForOption(option);
    QVERIFY(kind);
    FaultSet f;
    QCOMPARE(kind->parse(text, &f), error);
    QCOMPARE(f, FaultSet{}); // untouched
}

void TestFaultTable::refusalsComeFromTheScope() {
    for (const FaultKind &kind : faultKinds()) {
        RelayFaults faults;
        faults.down = parsed(kind, QLatin1String(kind.example));
        for (const bool udp : {false, true}) {
            const QString refusal = faultsRefusal(faults, udp);
            if (actsOn(kind.scope, udp))
                QVERIFY2(refusal.isEmpty(), qPrintable(refusal));
            else
                QVERIFY2(refusal.endsWith(QStringLiteral("(down: %1)").arg(QLatin1String(kind.name))),
                         qPrintable(refusal));
        }
    }
    RelayFaults stream;
    stream.up.sliceBytes = 1;
    stream.up.slowCloseMs = 10;
    stream.down.limitBytes = 0;
    QCOMPARE(faultsRefusal(stream, true),
             QStringLiteral("A UDP relay forwards whole datagrams: it cannot slice, limit, time out or "
                            "slow-close (up: slice, slow close; down: limit)"));
    RelayFaults datagram;
    datagram.up.reorderWindow = 2;
    QCOMPARE(
        faultsRefusal(datagram, false),
        QStringLiteral("A TCP relay forwards a byte stream: it cannot drop, duplicate, reorder or corrupt "
                       "datagrams (up: reorder)"));
}

void TestFaultTable::optionHelpIsTheRelayUsage() {
    // As `sockbench relay --help` has always printed them.
    QCOMPARE(faultOptionHelp(kindNamed("latency")) + faultOptionHelp(kindNamed("bandwidth")),
             QStringLiteral(
                 "      --latency MS[~JITTER]  delay each chunk or datagram by MS milliseconds, varying\n"
                 "                   within +/- JITTER: 200, 200~50\n"
                 "      --bandwidth BYTES_PER_S  at most this many bytes per second: 1000, 64k, 1M, "
                 "1MiB\n"));
    QString stream;
    QString datagram;
    for (const FaultKind &kind : faultKinds()) {
        if (kind.scope == FaultScope::Stream)
            stream += faultOptionHelp(kind);
        else if (kind.scope == FaultScope::Datagram)
            datagram += faultOptionHelp(kind);
    }
    QCOMPARE(stream,
             QStringLiteral(
                 "      --slice N[~V][@MS]  cut what is forwarded into pieces of N bytes (varying within\n"
                 "                   +/- V), MS milliseconds apart: 1, 100~20@5\n"
                 "      --limit BYTES[:reset]  forward exactly BYTES bytes, then close (FIN), or reset\n"
                 "                   with :reset; sizes may use k, K, KiB, M, MiB: 4096:reset, 4KiB\n"
                 "      --timeout-after MS  stop forwarding MS milliseconds after the connection "
                 "opens (0:\n"
                 "                   at once) but hold the connection, as a hung peer does\n"
                 "      --slow-close MS  relay a FIN MS milliseconds late\n"));
    QCOMPARE(datagram,
             QStringLiteral("      --drop PCT   drop this share of the datagrams\n"
                            "      --duplicate PCT  send this share of the datagrams twice\n"
                            "      --reorder N  hold datagrams and release them shuffled within a "
                            "window of N\n"
                            "      --corrupt PCT  flip one random bit in this share of the datagrams\n"));
}

SOCKBENCH_TEST_MAIN(TestFaultTable)
#include "tst_faulttable.moc"
