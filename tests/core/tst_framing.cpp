#include "protocol/framing.h"
#include "testmain.h"

#include <QTest>

#include <vector>

using namespace sockbench;

// Bytes in the test data are written as hex and decoded by Qt (QByteArray::fromHex), not by the
// code under test.
namespace {

FrameSpec specOf(const QString &text, qsizetype maxMessageBytes = DefaultMaxMessageBytes) {
    QString error;
    auto spec = parseFrameSpec(text, &error);
    if (!spec)
        qFatal("test spec '%s' does not parse: %s", qPrintable(text), qPrintable(error));
    spec->maxMessageBytes = maxMessageBytes;
    return *spec;
}

// A message as a sink keeps it: its payload is valid only during the sink's call.
struct KeptMessage {
    QByteArray payload;
    quint64 cutBytes = 0;
    bool unterminated = false;
};

KeptMessage kept(const FramedMessage &m) {
    return {m.payload.toByteArray(), m.cutBytes, m.unterminated};
}

struct Collected {
    std::vector<KeptMessage> messages;
    qsizetype largestPending = 0;

    QByteArrayList payloads() const {
        QByteArrayList list;
        for (const KeptMessage &m : messages)
            list.append(m.payload);
        return list;
    }
    QList<quint64> cuts() const {
        QList<quint64> list;
        for (const KeptMessage &m : messages)
            list.append(m.cutBytes);
        return list;
    }
    bool anyUnterminated() const {
        for (const KeptMessage &m : messages) {
            if (m.unterminated)
                return true;
        }
        return false;
    }
};

// Feeds the chunks at time 0, lets an Idle message's gap pass, and ends the stream.
Collected feed(const FrameSpec &spec, const std::vector<QByteArrayView> &chunks) {
    Collected out;
    Framer framer(spec);
    const auto sink = [&out](FramedMessage &&m) { out.messages.push_back(kept(m)); };
    for (const QByteArrayView chunk : chunks) {
        framer.push(chunk, 0, sink);
        out.largestPending = std::max(out.largestPending, framer.pendingBytes());
    }
    framer.expire(qint64(1) << 40, sink);
    framer.flush(sink);
    out.largestPending = std::max(out.largestPending, framer.pendingBytes());
    return out;
}

} // namespace

class TestFraming final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everySplit_data();
    void everySplit();
    void raw();
    void endlessLine_data();
    void endlessLine();
    void hugeLengthPrefix();
    void fourGiBLengthPrefix();
    void flushPartial_data();
    void flushPartial();
    void idleTimes();
    void idleCut();
    void onlyIdleHasDeadlines();
    void unusableSpecFramesAsRaw();
    void parseGood_data();
    void parseGood();
    void parseErrors_data();
    void parseErrors();
    void toStringRoundTrip();
    void lengthPrefix_data();
    void lengthPrefix();
};

void TestFraming::everySplit_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<int>("max");
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<QByteArrayList>("payloads");
    QTest::addColumn<QList<quint64>>("cuts");
    constexpr int Big = int(DefaultMaxMessageBytes);

    QTest::newRow("line") << "line" << Big << QByteArray("a\nbb\n\nccc\n")
                          << QByteArrayList{"a", "bb", "", "ccc"} << QList<quint64>{0, 0, 0, 0};
    QTest::newRow("line:lf") << "line:lf" << Big << QByteArray("x\r\n\n") << QByteArrayList{"x\r", ""}
                             << QList<quint64>{0, 0};
    QTest::newRow("line:crlf") << "line:crlf" << Big << QByteArray("a\r\nb\rc\r\n\r\n\n\r\r\n")
                               << QByteArrayList{"a", "b\rc", "", "\n\r"} << QList<quint64>{0, 0, 0, 0};
    // "aab" overlaps itself: in "aaaab" it starts at the third byte.
    QTest::newRow("delim self-overlapping") << "delim:616162" << Big << QByteArray("aaaabxaabaab")
                                            << QByteArrayList{"aa", "x", ""} << QList<quint64>{0, 0, 0};
    QTest::newRow("delim three bytes") << "delim:0d 0a 03" << Big << QByteArray("AT\r\n\x03OK\r\n\r\n\x03")
                                       << QByteArrayList{"AT", "OK\r\n"} << QList<quint64>{0, 0};
    QTest::newRow("fixed:3") << "fixed:3" << Big << QByteArray("abcdefghi")
                             << QByteArrayList{"abc", "def", "ghi"} << QList<quint64>{0, 0, 0};
    QTest::newRow("fixed:1") << "fixed:1" << Big << QByteArray("xyz") << QByteArrayList{"x", "y", "z"}
                             << QList<quint64>{0, 0, 0};
    QTest::newRow("len:1") << "len:1" << Big << QByteArray::fromHex("03616263 00 017a")
                           << QByteArrayList{"abc", "", "z"} << QList<quint64>{0, 0, 0};
    QTest::newRow("len:2be") << "len:2be" << Big << QByteArray::fromHex("0003616263 0000 00017a")
                             << QByteArrayList{"abc", "", "z"} << QList<quint64>{0, 0, 0};
    QTest::newRow("len:2le") << "len:2le" << Big << QByteArray::fromHex("0300616263 0000 01007a")
                             << QByteArrayList{"abc", "", "z"} << QList<quint64>{0, 0, 0};
    QTest::newRow("len:4be") << "len:4be" << Big << QByteArray::fromHex("00000003616263 00000000 000000017a")
                             << QByteArrayList{"abc", "", "z"} << QList<quint64>{0, 0, 0};
    QTest::newRow("len:4le") << "len:4le" << Big << QByteArray::fromHex("03000000616263 00000000 010000007a")
                             << QByteArrayList{"abc", "", "z"} << QList<quint64>{0, 0, 0};
    // With +incl a length of the header alone is an empty message, one below it a protocol error
    // that is taken as an empty message too.
    QTest::newRow("len:1+incl") << "len:1+incl" << Big << QByteArray::fromHex("04616263 01 00 027a")
                                << QByteArrayList{"abc", "", "", "z"} << QList<quint64>{0, 0, 0, 0};
    QTest::newRow("len:2be+incl") << "len:2be+incl" << Big
                                  << QByteArray::fromHex("0005616263 0001 0002 00037a")
                                  << QByteArrayList{"abc", "", "", "z"} << QList<quint64>{0, 0, 0, 0};
    QTest::newRow("len:2le+incl") << "len:2le+incl" << Big << QByteArray::fromHex("0500616263 0000 03007a")
                                  << QByteArrayList{"abc", "", "z"} << QList<quint64>{0, 0, 0};
    QTest::newRow("len:4be+incl") << "len:4be+incl" << Big
                                  << QByteArray::fromHex("00000007616263 00000003 000000057a")
                                  << QByteArrayList{"abc", "", "z"} << QList<quint64>{0, 0, 0};
    QTest::newRow("len:4le+incl") << "len:4le+incl" << Big
                                  << QByteArray::fromHex("07000000616263 04000000 050000007a")
                                  << QByteArrayList{"abc", "", "z"} << QList<quint64>{0, 0, 0};
    // All pushes come at the same time, so no gap passes before the end.
    QTest::newRow("idle") << "idle:50" << Big << QByteArray("abc\ndef") << QByteArrayList{"abc\ndef"}
                          << QList<quint64>{0};

    // Messages longer than the maximum: the first bytes, the rest counted; framing goes on after.
    QTest::newRow("line cut") << "line" << 4 << QByteArray("abcdefgh\nxy\n") << QByteArrayList{"abcd", "xy"}
                              << QList<quint64>{4, 0};
    // A delimiter whose first byte lands past the maximum is not part of the message or its cut.
    QTest::newRow("line:crlf cut") << "line:crlf" << 4 << QByteArray("abcd\r\nabc\r\nabcde\r\nab\r\r\n")
                                   << QByteArrayList{"abcd", "abc", "abcd", "ab\r"}
                                   << QList<quint64>{0, 0, 1, 0};
    QTest::newRow("delim cut") << "delim:616162" << 2 << QByteArray("aaaabxyzaab")
                               << QByteArrayList{"aa", "xy"} << QList<quint64>{0, 1};
    QTest::newRow("fixed cut") << "fixed:5" << 2 << QByteArray("abcdefghij") << QByteArrayList{"ab", "fg"}
                               << QList<quint64>{3, 3};
    QTest::newRow("len:1 cut") << "len:1" << 2 << QByteArray::fromHex("056162636465 017a")
                               << QByteArrayList{"ab", "z"} << QList<quint64>{3, 0};
    QTest::newRow("len:2be+incl cut") << "len:2be+incl" << 1 << QByteArray::fromHex("0005616263 00037a")
                                      << QByteArrayList{"a", "z"} << QList<quint64>{2, 0};
    QTest::newRow("len:4le cut") << "len:4le" << 3 << QByteArray::fromHex("05000000 6162636465 02000000 7879")
                                 << QByteArrayList{"abc", "xy"} << QList<quint64>{2, 0};
    QTest::newRow("idle cut") << "idle:50" << 3 << QByteArray("abcdef") << QByteArrayList{"abc"}
                              << QList<quint64>{3};
}

void TestFraming::everySplit() {
    QFETCH(QString, spec);
    QFETCH(int, max);
    QFETCH(QByteArray, stream);
    QFETCH(QByteArrayList, payloads);
    QFETCH(QList<quint64>, cuts);
    const FrameSpec frame = specOf(spec, max);
    const QByteArrayView all(stream);
    const qsizetype n = stream.size();
    const qsizetype bound = max + 4; // a header may be collected before its payload

    const auto check = [&](const Collected &got, const QString &how) {
        if (got.payloads() != payloads || got.cuts() != cuts || got.anyUnterminated() ||
            got.largestPending > bound)
            QFAIL(qPrintable(QStringLiteral("%1: got %2 messages, first '%3'")
                                 .arg(how)
                                 .arg(got.messages.size())
                                 .arg(got.messages.empty()
                                          ? QString()
                                          : QString::fromLatin1(got.messages[0].payload.toHex()))));
    };

    // Several messages in one push.
    check(feed(frame, {all}), QStringLiteral("one push"));
    // Every split into two pushes, and into three.
    for (qsizetype i = 0; i <= n; ++i) {
        check(feed(frame, {all.first(i), all.sliced(i)}), QStringLiteral("split at %1").arg(i));
        for (qsizetype j = i; j <= n; ++j)
            check(feed(frame, {all.first(i), all.sliced(i, j - i), all.sliced(j)}),
                  QStringLiteral("split at %1 and %2").arg(i).arg(j));
    }
    // A byte at a time.
    std::vector<QByteArrayView> bytes;
    for (qsizetype i = 0; i < n; ++i)
        bytes.push_back(all.sliced(i, 1));
    check(feed(frame, bytes), QStringLiteral("byte at a time"));

    // The expected result is the real one: QCOMPARE once for a readable failure.
    const Collected once = feed(frame, {all});
    QCOMPARE(once.payloads(), payloads);
    QCOMPARE(once.cuts(), cuts);
}

void TestFraming::raw() {
    Collected got = feed(specOf(QStringLiteral("raw")), {"abc", "", "de\nf", "g"});
    QCOMPARE(got.payloads(), (QByteArrayList{"abc", "de\nf", "g"}));
    QVERIFY(!got.anyUnterminated());
    QCOMPARE(got.largestPending, 0);

    got = feed(specOf(QStringLiteral("raw"), 2), {"abcde", "x"});
    QCOMPARE(got.payloads(), (QByteArrayList{"ab", "x"}));
    QCOMPARE(got.cuts(), (QList<quint64>{3, 0}));
}

void TestFraming::endlessLine_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QByteArray>("delimiter");
    QTest::newRow("line") << "line" << QByteArray("\n");
    QTest::newRow("line:crlf") << "line:crlf" << QByteArray("\r\n");
    QTest::newRow("delim") << "delim:0d0a0d0a" << QByteArray("\r\n\r\n");
}

void TestFraming::endlessLine() {
    QFETCH(QString, spec);
    QFETCH(QByteArray, delimiter);
    constexpr qsizetype Max = 1024;
    constexpr qsizetype Chunk = 64 * 1024;
    constexpr qsizetype Total = 10 * 1024 * 1024;
    Framer framer(specOf(spec, Max));
    std::vector<KeptMessage> got;
    const auto sink = [&got](FramedMessage &&m) { got.push_back(kept(m)); };
    const QByteArray chunk(Chunk, 'x');
    for (qsizetype sent = 0; sent < Total; sent += Chunk) {
        framer.push(chunk, 0, sink);
        QVERIFY(framer.pendingBytes() <= Max);
    }
    QVERIFY(got.empty());
    // The delimiter arrives split across two pushes, then a normal message.
    framer.push(delimiter.first(1), 0, sink);
    framer.push(delimiter.sliced(1) + "next" + delimiter, 0, sink);
    QCOMPARE(got.size(), size_t(2));
    QCOMPARE(got[0].payload, QByteArray(Max, 'x'));
    QCOMPARE(got[0].cutBytes, quint64(Total - Max));
    QVERIFY(!got[0].unterminated);
    QCOMPARE(got[1].payload, QByteArray("next"));
    QCOMPARE(got[1].cutBytes, quint64(0));
    QCOMPARE(framer.pendingBytes(), 0);
}

void TestFraming::hugeLengthPrefix() {
    constexpr qsizetype Max = 16;
    Framer framer(specOf(QStringLiteral("len:4be"), Max));
    std::vector<KeptMessage> got;
    const auto sink = [&got](FramedMessage &&m) { got.push_back(kept(m)); };
    framer.push(QByteArray::fromHex("000003e8"), 0, sink); // 1000 bytes announced
    QByteArray body(1000, Qt::Uninitialized);
    for (int i = 0; i < body.size(); ++i)
        body[i] = char(i);
    for (qsizetype i = 0; i < body.size(); i += 7) {
        framer.push(QByteArrayView(body).sliced(i, std::min<qsizetype>(7, body.size() - i)), 0, sink);
        QVERIFY(framer.pendingBytes() <= Max);
    }
    QCOMPARE(got.size(), size_t(1));
    QCOMPARE(got[0].payload, body.first(Max));
    QCOMPARE(got[0].cutBytes, quint64(1000 - Max));
    framer.push(QByteArray::fromHex("00000002") + "ok", 0, sink);
    QCOMPARE(got.size(), size_t(2));
    QCOMPARE(got[1].payload, QByteArray("ok"));
    QCOMPARE(got[1].cutBytes, quint64(0));
}

void TestFraming::fourGiBLengthPrefix() {
    // The largest 4-byte length, fed for real: skipped bytes are only counted, so the same 1 MiB
    // buffer is pushed 4096 times without the framer storing more than its maximum.
    constexpr qsizetype Max = 16;
    constexpr qsizetype Chunk = 1024 * 1024;
    Framer framer(specOf(QStringLiteral("len:4be"), Max));
    std::vector<KeptMessage> got;
    const auto sink = [&got](FramedMessage &&m) { got.push_back(kept(m)); };
    framer.push(QByteArray::fromHex("ffffffff"), 0, sink);
    const QByteArray chunk(Chunk, 'q');
    quint64 left = 0xFFFFFFFFu;
    while (left > 0) {
        const qsizetype n = qsizetype(std::min<quint64>(left, Chunk));
        framer.push(QByteArrayView(chunk).first(n), 0, sink);
        left -= quint64(n);
        QVERIFY(framer.pendingBytes() <= Max);
        QCOMPARE(got.size(), size_t(left == 0 ? 1 : 0));
    }
    QCOMPARE(got[0].payload, QByteArray(Max, 'q'));
    QCOMPARE(got[0].cutBytes, quint64(0xFFFFFFFFu) - Max);
    framer.push(QByteArray::fromHex("0000000161"), 0, sink);
    QCOMPARE(got.size(), size_t(2));
    QCOMPARE(got[1].payload, QByteArray("a"));
}

void TestFraming::flushPartial_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<int>("max");
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<QByteArrayList>("payloads");
    QTest::addColumn<QList<bool>>("unterminated");
    QTest::addColumn<quint64>("lastCut");
    constexpr int Big = int(DefaultMaxMessageBytes);
    QTest::newRow("raw") << "raw" << Big << QByteArray("ab") << QByteArrayList{"ab"} << QList<bool>{false}
                         << quint64(0);
    QTest::newRow("line") << "line" << Big << QByteArray("a\nbc") << QByteArrayList{"a", "bc"}
                          << QList<bool>{false, true} << quint64(0);
    QTest::newRow("line ends with delimiter")
        << "line" << Big << QByteArray("a\n") << QByteArrayList{"a"} << QList<bool>{false} << quint64(0);
    QTest::newRow("crlf half delimiter") << "line:crlf" << Big << QByteArray("ab\r") << QByteArrayList{"ab\r"}
                                         << QList<bool>{true} << quint64(0);
    QTest::newRow("line cut") << "line" << 2 << QByteArray("abcde") << QByteArrayList{"ab"}
                              << QList<bool>{true} << quint64(3);
    QTest::newRow("fixed") << "fixed:4" << Big << QByteArray("abcdef") << QByteArrayList{"abcd", "ef"}
                           << QList<bool>{false, true} << quint64(0);
    QTest::newRow("len half header") << "len:2be" << Big << QByteArray::fromHex("000161 00")
                                     << QByteArrayList{"a", QByteArray::fromHex("00")}
                                     << QList<bool>{false, true} << quint64(0);
    QTest::newRow("len header only") << "len:2be" << Big << QByteArray::fromHex("0005") << QByteArrayList{""}
                                     << QList<bool>{true} << quint64(0);
    QTest::newRow("len partial payload") << "len:4le" << Big << QByteArray::fromHex("05000000 6162")
                                         << QByteArrayList{"ab"} << QList<bool>{true} << quint64(0);
    QTest::newRow("len partial cut") << "len:1" << 1 << QByteArray::fromHex("05 616263")
                                     << QByteArrayList{"a"} << QList<bool>{true} << quint64(2);
    QTest::newRow("idle") << "idle:10" << Big << QByteArray("abc") << QByteArrayList{"abc"}
                          << QList<bool>{true} << quint64(0);
    QTest::newRow("nothing") << "line" << Big << QByteArray() << QByteArrayList{} << QList<bool>{}
                             << quint64(0);
}

void TestFraming::flushPartial() {
    QFETCH(QString, spec);
    QFETCH(int, max);
    QFETCH(QByteArray, stream);
    QFETCH(QByteArrayList, payloads);
    QFETCH(QList<bool>, unterminated);
    QFETCH(quint64, lastCut);
    Framer framer(specOf(spec, max));
    std::vector<KeptMessage> got;
    const auto sink = [&got](FramedMessage &&m) { got.push_back(kept(m)); };
    framer.push(stream, 0, sink);
    framer.flush(sink);
    QCOMPARE(framer.pendingBytes(), 0);
    QByteArrayList gotPayloads;
    QList<bool> gotUnterminated;
    for (const KeptMessage &m : got) {
        gotPayloads.append(m.payload);
        gotUnterminated.append(m.unterminated);
    }
    QCOMPARE(gotPayloads, payloads);
    QCOMPARE(gotUnterminated, unterminated);
    if (!got.empty())
        QCOMPARE(got.back().cutBytes, lastCut);
    // A second flush has nothing left, and the framer starts afresh.
    framer.flush(sink);
    QCOMPARE(got.size(), size_t(payloads.size()));
}

void TestFraming::idleTimes() {
    Framer framer(specOf(QStringLiteral("idle:100")));
    std::vector<KeptMessage> got;
    const auto sink = [&got](FramedMessage &&m) { got.push_back(kept(m)); };
    QCOMPARE(framer.idleDeadlineMs(), -1);
    framer.push("ab", 1000, sink);
    QCOMPARE(framer.idleDeadlineMs(), 1100);
    framer.push("cd", 1050, sink); // within the gap: same message, later deadline
    QCOMPARE(framer.idleDeadlineMs(), 1150);
    framer.expire(1149, sink);
    QVERIFY(got.empty());
    framer.expire(1150, sink);
    QCOMPARE(got.size(), size_t(1));
    QCOMPARE(got[0].payload, QByteArray("abcd"));
    QVERIFY(!got[0].unterminated);
    QCOMPARE(framer.idleDeadlineMs(), -1);
    framer.expire(5000, sink); // nothing pending
    QCOMPARE(got.size(), size_t(1));

    // A push at the deadline first ends the pending message, then starts the next.
    framer.push("x", 2000, sink);
    framer.push("y", 2100, sink);
    QCOMPARE(got.size(), size_t(2));
    QCOMPARE(got[1].payload, QByteArray("x"));
    QCOMPARE(framer.idleDeadlineMs(), 2200);
    framer.push("z", 2199, sink);
    QCOMPARE(got.size(), size_t(2));
    // An empty push after the gap ends the message as expire() would.
    framer.push({}, 2299, sink);
    QCOMPARE(got.size(), size_t(3));
    QCOMPARE(got[2].payload, QByteArray("yz"));
    QCOMPARE(framer.idleDeadlineMs(), -1);

    framer.push("w", 3000, sink);
    QCOMPARE(framer.pendingBytes(), 1);
    framer.flush(sink);
    QCOMPARE(got.size(), size_t(4));
    QCOMPARE(got[3].payload, QByteArray("w"));
    QVERIFY(got[3].unterminated);
    QCOMPARE(framer.idleDeadlineMs(), -1);
}

void TestFraming::idleCut() {
    Framer framer(specOf(QStringLiteral("idle:100"), 3));
    std::vector<KeptMessage> got;
    const auto sink = [&got](FramedMessage &&m) { got.push_back(kept(m)); };
    framer.push("abcdef", 0, sink);
    framer.push("gh", 10, sink);
    QCOMPARE(framer.pendingBytes(), 3);
    QCOMPARE(framer.idleDeadlineMs(), 110);
    framer.expire(110, sink);
    QCOMPARE(got.size(), size_t(1));
    QCOMPARE(got[0].payload, QByteArray("abc"));
    QCOMPARE(got[0].cutBytes, quint64(5));
}

void TestFraming::onlyIdleHasDeadlines() {
    for (const char *text : {"raw", "line", "fixed:4", "len:2be"}) {
        Framer framer(specOf(QString::fromLatin1(text)));
        int messages = 0;
        const auto sink = [&messages](FramedMessage &&) { ++messages; };
        framer.push(QByteArray::fromHex("00"), 0, sink);
        QCOMPARE(framer.idleDeadlineMs(), -1);
        const int before = messages;
        framer.expire(qint64(1) << 40, sink);
        QCOMPARE(messages, before);
    }
}

void TestFraming::unusableSpecFramesAsRaw() {
    FrameSpec spec;
    spec.kind = FrameSpec::Kind::Delimiter; // without a delimiter
    spec.maxMessageBytes = 0;
    Framer framer(spec);
    QCOMPARE(framer.spec().kind, FrameSpec::Kind::Delimiter);
    std::vector<KeptMessage> got;
    framer.push("ab\n", 0, [&got](FramedMessage &&m) { got.push_back(kept(m)); });
    QCOMPARE(got.size(), size_t(1));
    QCOMPARE(got[0].payload, QByteArray("a"));
    QCOMPARE(got[0].cutBytes, quint64(2));
}

void TestFraming::parseGood_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("canonical");
    QTest::addColumn<int>("kind");
    QTest::newRow("raw") << "raw"
                         << "raw" << int(FrameSpec::Kind::Raw);
    QTest::newRow("RAW spaced") << "  RAW "
                                << "raw" << int(FrameSpec::Kind::Raw);
    QTest::newRow("line") << "line"
                          << "line" << int(FrameSpec::Kind::Delimiter);
    QTest::newRow("line:lf") << "Line:LF"
                             << "line" << int(FrameSpec::Kind::Delimiter);
    QTest::newRow("line:crlf") << "LINE:CRLF"
                               << "line:crlf" << int(FrameSpec::Kind::Delimiter);
    QTest::newRow("delim spaced") << "delim:0d 0A 03"
                                  << "delim:0d0a03" << int(FrameSpec::Kind::Delimiter);
    QTest::newRow("delim is a line") << "delim:0a"
                                     << "line" << int(FrameSpec::Kind::Delimiter);
    QTest::newRow("delim nul") << "DELIM:00"
                               << "delim:00" << int(FrameSpec::Kind::Delimiter);
    QTest::newRow("fixed:1") << "fixed:1"
                             << "fixed:1" << int(FrameSpec::Kind::Fixed);
    QTest::newRow("fixed max") << "fixed:16777216"
                               << "fixed:16777216" << int(FrameSpec::Kind::Fixed);
    QTest::newRow("len:1") << "len:1"
                           << "len:1" << int(FrameSpec::Kind::LengthPrefix);
    QTest::newRow("len:2be") << "len:2be"
                             << "len:2be" << int(FrameSpec::Kind::LengthPrefix);
    QTest::newRow("len:2le+incl") << "LEN:2LE+INCL"
                                  << "len:2le+incl" << int(FrameSpec::Kind::LengthPrefix);
    QTest::newRow("len:4be") << "len:4be"
                             << "len:4be" << int(FrameSpec::Kind::LengthPrefix);
    QTest::newRow("len:4le+incl") << "len:4le+incl"
                                  << "len:4le+incl" << int(FrameSpec::Kind::LengthPrefix);
    QTest::newRow("len:1+incl") << "len:1+incl"
                                << "len:1+incl" << int(FrameSpec::Kind::LengthPrefix);
    QTest::newRow("idle:1") << "idle:1"
                            << "idle:1" << int(FrameSpec::Kind::Idle);
    QTest::newRow("idle max") << "idle:3600000"
                              << "idle:3600000" << int(FrameSpec::Kind::Idle);
}

void TestFraming::parseGood() {
    QFETCH(QString, text);
    QFETCH(QString, canonical);
    QFETCH(int, kind);
    QString error;
    const auto spec = parseFrameSpec(text, &error);
    QVERIFY2(spec, qPrintable(error));
    QVERIFY(error.isEmpty());
    QCOMPARE(int(spec->kind), kind);
    QCOMPARE(spec->maxMessageBytes, DefaultMaxMessageBytes);
    QCOMPARE(toString(*spec), canonical);
    const auto back = parseFrameSpec(canonical);
    QVERIFY(back);
    QVERIFY(*back == *spec);
}

void TestFraming::parseErrors_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("empty") << ""
                           << "raw";
    QTest::newRow("blank") << "   "
                           << "raw";
    QTest::newRow("unknown") << "frames"
                             << "line:crlf";
    QTest::newRow("raw with argument") << "raw:1"
                                       << "raw";
    QTest::newRow("line:cr") << "line:cr"
                             << "crlf";
    QTest::newRow("line:") << "line:"
                           << "crlf";
    QTest::newRow("delim without colon") << "delim"
                                         << "delim:HEX";
    QTest::newRow("delim empty") << "delim:"
                                 << "at least one byte";
    QTest::newRow("delim spaces only") << "delim:  "
                                       << "at least one byte";
    QTest::newRow("delim odd") << "delim:0d0"
                               << "two hex digits";
    QTest::newRow("delim not hex") << "delim:0g"
                                   << "'g'";
    QTest::newRow("delim prefix") << "delim:0x0a"
                                  << "'x'";
    QTest::newRow("fixed:0") << "fixed:0"
                             << "at least 1";
    QTest::newRow("fixed:") << "fixed:"
                            << "number";
    QTest::newRow("fixed negative") << "fixed:-1"
                                    << "number";
    QTest::newRow("fixed too large") << "fixed:16777217"
                                     << "at most";
    QTest::newRow("fixed huge") << "fixed:99999999999999999999999"
                                << "at most";
    QTest::newRow("fixed word") << "fixed:ten"
                                << "number";
    QTest::newRow("len:3") << "len:3"
                           << "2be";
    QTest::newRow("len:2") << "len:2"
                           << "2be";
    QTest::newRow("len:1be") << "len:1be"
                             << "2be";
    QTest::newRow("len:2be+inc") << "len:2be+inc"
                                 << "+incl";
    QTest::newRow("len:+incl") << "len:+incl"
                               << "+incl";
    QTest::newRow("idle:0") << "idle:0"
                            << "3600000";
    QTest::newRow("idle too long") << "idle:3600001"
                                   << "3600000";
    QTest::newRow("idle word") << "idle:x"
                               << "milliseconds";
}

void TestFraming::parseErrors() {
    QFETCH(QString, text);
    QFETCH(QString, mentions);
    QString error;
    QVERIFY(!parseFrameSpec(text, &error));
    QVERIFY2(error.contains(mentions), qPrintable(error));
    if (!text.trimmed().isEmpty())
        QVERIFY2(error.startsWith(text.trimmed() + QStringLiteral(": ")), qPrintable(error));
    QVERIFY(!parseFrameSpec(text)); // no error pointer: must not crash
}

void TestFraming::toStringRoundTrip() {
    // Specs built by hand, not parsed: toString() must write what parses back to them.
    std::vector<FrameSpec> specs;
    specs.push_back(FrameSpec{});
    for (const QByteArray &delimiter :
         {QByteArray("\n"), QByteArray("\r\n"), QByteArray("\0", 1), QByteArray::fromHex("ff00ff")}) {
        FrameSpec s;
        s.kind = FrameSpec::Kind::Delimiter;
        s.delimiter = delimiter;
        specs.push_back(s);
    }
    for (const qsizetype size : {qsizetype(1), qsizetype(1500), qsizetype(16 * 1024 * 1024)}) {
        FrameSpec s;
        s.kind = FrameSpec::Kind::Fixed;
        s.fixedSize = size;
        specs.push_back(s);
    }
    for (const int bytes : {1, 2, 4}) {
        for (const bool big : {true, false}) {
            for (const bool incl : {false, true}) {
                if (bytes == 1 && !big)
                    continue; // one byte has no order; it parses as the default
                FrameSpec s;
                s.kind = FrameSpec::Kind::LengthPrefix;
                s.prefixBytes = bytes;
                s.bigEndian = big;
                s.includesHeader = incl;
                specs.push_back(s);
            }
        }
    }
    for (const int ms : {1, 250, 3'600'000}) {
        FrameSpec s;
        s.kind = FrameSpec::Kind::Idle;
        s.idleMs = ms;
        specs.push_back(s);
    }
    for (const FrameSpec &spec : specs) {
        const QString text = toString(spec);
        QString error;
        const auto back = parseFrameSpec(text, &error);
        QVERIFY2(back, qPrintable(text + u' ' + error));
        QVERIFY2(*back == spec, qPrintable(text));
    }
}

void TestFraming::lengthPrefix_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<QByteArray>("header");
    QTest::newRow("len:1") << "len:1" << qint64(3) << QByteArray::fromHex("03");
    QTest::newRow("len:1 empty") << "len:1" << qint64(0) << QByteArray::fromHex("00");
    QTest::newRow("len:1 largest") << "len:1" << qint64(255) << QByteArray::fromHex("ff");
    QTest::newRow("len:1 too large") << "len:1" << qint64(256) << QByteArray();
    QTest::newRow("len:1+incl largest") << "len:1+incl" << qint64(254) << QByteArray::fromHex("ff");
    QTest::newRow("len:1+incl too large") << "len:1+incl" << qint64(255) << QByteArray();
    QTest::newRow("len:2be") << "len:2be" << qint64(0x1234) << QByteArray::fromHex("1234");
    QTest::newRow("len:2le") << "len:2le" << qint64(0x1234) << QByteArray::fromHex("3412");
    QTest::newRow("len:2be+incl") << "len:2be+incl" << qint64(3) << QByteArray::fromHex("0005");
    QTest::newRow("len:2le largest") << "len:2le" << qint64(65535) << QByteArray::fromHex("ffff");
    QTest::newRow("len:2le too large") << "len:2le" << qint64(65536) << QByteArray();
    QTest::newRow("len:4be") << "len:4be" << qint64(0x01020304) << QByteArray::fromHex("01020304");
    QTest::newRow("len:4le") << "len:4le" << qint64(0x01020304) << QByteArray::fromHex("04030201");
    QTest::newRow("len:4le+incl") << "len:4le+incl" << qint64(1) << QByteArray::fromHex("05000000");
    QTest::newRow("len:4be largest") << "len:4be" << qint64(0xFFFFFFFF) << QByteArray::fromHex("ffffffff");
    QTest::newRow("len:4be too large") << "len:4be" << qint64(0x100000000) << QByteArray();
    QTest::newRow("len:4be+incl largest")
        << "len:4be+incl" << qint64(0xFFFFFFFB) << QByteArray::fromHex("ffffffff");
    QTest::newRow("len:4be+incl too large") << "len:4be+incl" << qint64(0xFFFFFFFC) << QByteArray();
    QTest::newRow("negative") << "len:2be" << qint64(-1) << QByteArray();
    QTest::newRow("line") << "line" << qint64(3) << QByteArray();
    QTest::newRow("raw") << "raw" << qint64(3) << QByteArray();
    QTest::newRow("fixed") << "fixed:3" << qint64(3) << QByteArray();
}

void TestFraming::lengthPrefix() {
    QFETCH(QString, spec);
    QFETCH(qint64, size);
    QFETCH(QByteArray, header);
    const FrameSpec frame = specOf(spec);
    QCOMPARE(lengthPrefixFor(frame, qsizetype(size)), header);
    // A small payload behind its header is exactly one message of the spec.
    if (!header.isEmpty() && size <= 300) {
        const QByteArray payload(qsizetype(size), 'p');
        const Collected got = feed(frame, {header + payload});
        QCOMPARE(got.payloads(), QByteArrayList{payload});
        QVERIFY(!got.anyUnterminated());
    }
}

SOCKBENCH_TEST_MAIN(TestFraming)
#include "tst_framing.moc"
