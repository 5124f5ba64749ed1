// The message index the log's Messages view and the conversation read: the messages it lists, and
// the payloads it reads back from the journal, must be what one Framer over the whole stream gives,
// whatever the split into records and whatever other traffic is recorded in between.

#include "journal/journal.h"
#include "models/messageindex.h"
#include "protocol/framing.h"
#include "testmain.h"

#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

using namespace sockbench;

class TestMessageIndex final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void matchesOneFramerOverTheWholeStream_data();
    void matchesOneFramerOverTheWholeStream();
    void cutMessageSaysSoAndFramingGoesOn();
    void eventsAndDirectionsAreChosen();
    void droppedRecordsTakeTheirMessagesAlong();
    void stopsAtItsMaximumAndSaysSo();
};

namespace {

constexpr EndpointId Framed = 7;
constexpr EndpointId Other = 9;

/// A stream of messages for the spec: each message's encoding is appended to `stream`.
QByteArray encode(const FrameSpec &spec, const QByteArray &payload) {
    switch (spec.kind) {
    case FrameSpec::Kind::Delimiter:
        return payload + spec.delimiter;
    case FrameSpec::Kind::LengthPrefix:
        return lengthPrefixFor(spec, payload.size()) + payload;
    case FrameSpec::Kind::Fixed:
        return payload.leftJustified(spec.fixedSize, '.', true);
    case FrameSpec::Kind::Raw:
    case FrameSpec::Kind::Idle:
        break;
    }
    return payload;
}

} // namespace

void TestMessageIndex::matchesOneFramerOverTheWholeStream_data() {
    QTest::addColumn<QString>("spec");
    for (const char *spec : {"line", "line:crlf", "delim:0d0a03", "fixed:5", "len:1", "len:2be", "len:2le",
                             "len:4be", "len:2be+incl", "raw"})
        QTest::newRow(spec) << QString::fromLatin1(spec);
}

void TestMessageIndex::matchesOneFramerOverTheWholeStream() {
    QFETCH(QString, spec);
    const std::optional<FrameSpec> frame = parseFrameSpec(spec);
    QVERIFY(frame);
    auto *random = QRandomGenerator::global();
    QByteArray stream;
    for (int i = 0; i < 200; ++i) {
        QByteArray payload;
        const int size = int(random->bounded(0, 12));
        for (int k = 0; k < size; ++k)
            payload.append(char('a' + random->bounded(26)));
        payload.prepend(QByteArray::number(i) + ':');
        stream += encode(*frame, payload);
    }
    Journal journal;
    Framer reference(*frame);
    QList<QByteArray> expected;
    qsizetype at = 0;
    while (at < stream.size()) {
        // Reads of 1 to 17 bytes, with other traffic in between.
        const qsizetype n = std::min<qsizetype>(stream.size() - at, random->bounded(1, 18));
        const QByteArray chunk = stream.mid(at, n);
        at += n;
        journal.appendData(Framed, RecordKind::DataIn, chunk);
        reference.push(chunk, 0,
                       [&expected](FramedMessage &&m) { expected.append(m.payload.toByteArray()); });
        if (random->bounded(3) == 0)
            journal.appendData(Other, RecordKind::DataIn, QByteArray("noise\n"));
        if (random->bounded(4) == 0)
            journal.appendData(Framed, RecordKind::DataOut, QByteArray("reply\n"));
    }
    MessageIndex index(&journal);
    index.setFrameLookup([&frame](EndpointId id) { return id == Framed ? *frame : FrameSpec{}; });
    index.setKinds(true, false, false);
    index.setEndpoints({Framed});
    index.appendUpTo(journal.count());
    QTRY_VERIFY(!index.isIndexing());
    QCOMPARE(index.size(), expected.size());
    for (qsizetype i = 0; i < index.size(); ++i) {
        QCOMPARE(index.streamEndpoint(index.at(i).stream), Framed);
        QCOMPARE(index.at(i).length, quint32(expected[i].size()));
        QCOMPARE(index.payload(index.at(i)), expected[i]);
    }
}

void TestMessageIndex::cutMessageSaysSoAndFramingGoesOn() {
    FrameSpec frame = *parseFrameSpec(u"line");
    frame.maxMessageBytes = 4;
    Journal journal;
    journal.appendData(Framed, RecordKind::DataIn, QByteArray("abcdefg"));
    journal.appendData(Framed, RecordKind::DataIn, QByteArray("hij\nok\n"));
    MessageIndex index(&journal);
    index.setFrameLookup([&frame](EndpointId) { return frame; });
    index.setEndpoints({Framed});
    index.appendUpTo(journal.count());
    QTRY_VERIFY(!index.isIndexing());
    QCOMPARE(index.size(), 2);
    QCOMPARE(index.at(0).cutBytes, 6u);
    QCOMPARE(index.payload(index.at(0)), QByteArray("abcd"));
    QCOMPARE(index.payload(index.at(1)), QByteArray("ok"));
}

void TestMessageIndex::stopsAtItsMaximumAndSaysSo() {
    // fixed:1 makes a message of every byte: the index stops at its maximum rather than cost 32
    // bytes for each byte of traffic.
    const FrameSpec frame = *parseFrameSpec(u"fixed:1");
    Journal journal;
    const QByteArray chunk(64 * 1024, 'z');
    for (qsizetype sent = 0; sent <= MessageIndex::MaxMessages; sent += chunk.size())
        journal.appendData(Framed, RecordKind::DataIn, chunk);
    MessageIndex index(&journal);
    QSignalSpy full(&index, &MessageIndex::filledUp);
    index.setFrameLookup([&frame](EndpointId) { return frame; });
    index.setEndpoints({Framed});
    index.appendUpTo(journal.count());
    QTRY_VERIFY_WITH_TIMEOUT(!index.isIndexing(), 60000);
    QCOMPARE(index.size(), MessageIndex::MaxMessages);
    QVERIFY(index.isFull());
    QCOMPARE(full.size(), 1);
    index.restart();
    QVERIFY(!index.isFull());
}

void TestMessageIndex::eventsAndDirectionsAreChosen() {
    Journal journal;
    journal.appendEvent(Framed, QStringLiteral("Accepted"));
    journal.appendData(Framed, RecordKind::DataIn, QByteArray("a\nb"));
    journal.appendData(Framed, RecordKind::DataOut, QByteArray("x\n"));
    journal.appendData(Framed, RecordKind::DataIn, QByteArray("\n"));
    MessageIndex index(&journal);
    index.setFrameLookup([](EndpointId) { return *parseFrameSpec(u"line"); });
    index.setKinds(true, true, true);
    index.setEndpoints({Framed});
    QSignalSpy appended(&index, &MessageIndex::appended);
    index.appendUpTo(journal.count());
    QTRY_VERIFY(!index.isIndexing());
    QVERIFY(!appended.isEmpty());
    QCOMPARE(index.size(), 4);
    QCOMPARE(index.at(0).kind, RecordKind::Event);
    QCOMPARE(index.payload(index.at(0)), QByteArray("Accepted"));
    QCOMPARE(index.payload(index.at(1)), QByteArray("a"));
    QCOMPARE(index.at(2).kind, RecordKind::DataOut);
    QCOMPARE(index.payload(index.at(3)), QByteArray("b"));
    QCOMPARE(index.at(3).startSeq, 1u);
    QCOMPARE(index.at(3).endSeq, 3u);

    index.setKinds(false, true, false);
    QTRY_VERIFY(!index.isIndexing());
    QCOMPARE(index.size(), 1);
    QCOMPARE(index.payload(index.at(0)), QByteArray("x"));

    index.setKinds(true, true, false);
    index.setFilter([](QByteArrayView payload) { return payload == "b"; });
    QTRY_VERIFY(!index.isIndexing());
    QCOMPARE(index.size(), 1);
    QCOMPARE(index.payload(index.at(0)), QByteArray("b"));
}

void TestMessageIndex::droppedRecordsTakeTheirMessagesAlong() {
    Journal journal(8 * 1024 * 1024);
    MessageIndex index(&journal);
    index.setFrameLookup([](EndpointId) { return *parseFrameSpec(u"line"); });
    index.setEndpoints({Framed});
    QSignalSpy dropping(&index, &MessageIndex::aboutToDropFront);
    const QByteArray filler(64 * 1024, 'z');
    for (int i = 0; i < 400; ++i) { // 25 MiB through 8 MiB
        journal.appendData(Framed, RecordKind::DataIn, QByteArray::number(i) + '\n');
        journal.appendData(Other, RecordKind::DataIn, filler);
        index.appendUpTo(journal.count());
        if (i % 50 == 49) // let the index catch up now and then, as the window's event loop does
            QTRY_VERIFY(!index.isIndexing());
    }
    QTRY_VERIFY(!index.isIndexing());
    QVERIFY(journal.oldestSeq() > 0);
    QVERIFY(!dropping.isEmpty());
    // What is left is every message whose records are held, the newest last, each readable.
    QVERIFY(index.size() > 0 && index.size() < 400);
    QVERIFY(index.at(0).startSeq >= journal.oldestSeq());
    QCOMPARE(index.payload(index.at(index.size() - 1)), QByteArray("399"));
    QCOMPARE(index.payload(index.at(0)), QByteArray::number(400 - index.size()));
}

SOCKBENCH_TEST_MAIN(TestMessageIndex)
#include "tst_messageindex.moc"
