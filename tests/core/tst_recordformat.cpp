// Every form recordformat.h writes, checked against exact text: the command line's log line (which
// scripts parse), CSV and JSON Lines read back by independent readers, and hex dumps against what
// `hexdump -C` prints for the same bytes.

#include "csvreader.h"
#include "journal/recordformat.h"
#include "language/payload.h"
#include "testmain.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <ctime>

using namespace sockbench;
using namespace sockbench::test;

namespace {

// 2026-11-23T03:43:31.507609 UTC, plus 321 ns that no form may round up.
constexpr qint64 When = 1795405411507609321;
constexpr const char *Stamp = "2026-11-23T03:43:31.507609";

// The time zone is the process's: pin it, so that expected local times hold on any machine.
void setTimeZone(const char *tz) {
    qputenv("TZ", tz);
    tzset();
}

// A literal with its NUL bytes: QByteArray's const char * constructor would stop at the first one.
template <qsizetype N> QByteArray bytes(const char (&text)[N]) {
    return QByteArray(text, N - 1);
}

Record data(quint64 seq, EndpointId endpoint, RecordKind kind, const QByteArray &payload) {
    Record r;
    r.seq = seq;
    r.timeNs = When;
    r.endpoint = endpoint;
    r.kind = kind;
    r.length = quint32(payload.size());
    r.originalLength = quint32(payload.size());
    r.payload = payload;
    return r;
}

Record datagram(quint64 seq, EndpointId endpoint, const NetAddress &peer, const QByteArray &payload,
                quint32 originalLength) {
    Record r = data(seq, endpoint, RecordKind::DataIn, payload);
    r.peer = peer;
    r.originalLength = originalLength;
    if (originalLength > r.length)
        r.flags |= Truncated;
    return r;
}

Record evicted(Record r) {
    r.flags |= Evicted;
    r.payload.clear();
    return r;
}

// The event a test can least afford to get wrong: quotes, a comma, a line feed and a byte that is
// not UTF-8.
QByteArray awkwardText() {
    return QByteArray("said \"hi, there\"\nbye\xff");
}

// The namer a front-end gives: endpoint 3 is a connection, 7 and 8 carry labels that CSV must
// quote, anything else is unknown (empty).
QString nameOf(EndpointId endpoint) {
    if (endpoint == 3)
        return QStringLiteral("127.0.0.1:41208");
    if (endpoint == 7)
        return QStringLiteral("Client \"A\",\r\nsecond line");
    if (endpoint == 8)
        return QStringLiteral("two\nlines");
    return {};
}

const EndpointNamer Namer = nameOf;

QByteArray allBytes() {
    QByteArray all;
    for (int b = 0; b < 256; ++b)
        all.append(char(b));
    return all;
}

QJsonObject parseJsonLine(const QByteArray &line) {
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return {};
    return doc.object();
}

} // namespace

class TestRecordFormat final : public QObject {
    Q_OBJECT

public:
    TestRecordFormat() = default;
    Q_DISABLE_COPY_MOVE(TestRecordFormat)

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void timestamps();
    void timestampsAreLocalTime();
    void peerLabels();
    void raw();
    void hexDumpMatchesHexdump();
    void hexDumpWidensPastFourGiB();
    void hexDumpIsTheOneBytesToDumpUses();
    void logLines();
    void csv();
    void csvReadsBack();
    void jsonLines();
    void jsonLinesReadBack();
};

void TestRecordFormat::initTestCase() {
    setTimeZone("UTC0");
}

void TestRecordFormat::cleanup() {
    setTimeZone("UTC0");
}

void TestRecordFormat::timestamps() {
    QCOMPARE(formatTimestamp(When, TimestampStyle::Iso), QString::fromLatin1(Stamp));
    QCOMPARE(formatTimestamp(When, TimestampStyle::Display), QStringLiteral("2026-11-23 03:43:31.507609"));
    QByteArray out("x");
    appendTimestamp(&out, When, TimestampStyle::Iso);
    QCOMPARE(out, QByteArray("x") + Stamp);
    // Microseconds are cut, never rounded: .999999999 must not become the next second.
    QCOMPARE(formatTimestamp(1795405411999999999, TimestampStyle::Iso),
             QStringLiteral("2026-11-23T03:43:31.999999"));
    QCOMPARE(formatTimestamp(0, TimestampStyle::Iso), QStringLiteral("1970-01-01T00:00:00.000000"));
    // Before the epoch the fraction still counts forward from the whole second.
    QCOMPARE(formatTimestamp(-1, TimestampStyle::Iso), QStringLiteral("1969-12-31T23:59:59.999999"));
    QCOMPARE(formatTimestamp(When, TimestampStyle::IsoOffset),
             QString::fromLatin1(Stamp) + QStringLiteral("+00:00"));
    QCOMPARE(formatTimestamp(-1500000000, TimestampStyle::Display),
             QStringLiteral("1969-12-31 23:59:58.500000"));
}

void TestRecordFormat::timestampsAreLocalTime() {
    // POSIX TZ: "<+0530>-05:30" is 5 h 30 min east of UTC.
    setTimeZone("<+0530>-05:30");
    QCOMPARE(formatTimestamp(When, TimestampStyle::Iso), QStringLiteral("2026-11-23T09:13:31.507609"));
    QCOMPARE(formatTimestamp(When, TimestampStyle::IsoOffset),
             QStringLiteral("2026-11-23T09:13:31.507609+05:30"));
    setTimeZone("<-10>10");
    QCOMPARE(formatTimestamp(When, TimestampStyle::Display), QStringLiteral("2026-11-22 17:43:31.507609"));
    QCOMPARE(formatTimestamp(When, TimestampStyle::IsoOffset),
             QStringLiteral("2026-11-22T17:43:31.507609-10:00"));
    // The offset in force at that instant: Central European summer time in July, winter time in November.
    setTimeZone("CET-1CEST,M3.5.0,M10.5.0/3");
    QCOMPARE(formatTimestamp(When, TimestampStyle::IsoOffset),
             QStringLiteral("2026-11-23T04:43:31.507609+01:00"));
    QCOMPARE(formatTimestamp(1784725200000000000, TimestampStyle::IsoOffset),
             QStringLiteral("2026-07-22T15:00:00.000000+02:00"));
}

void TestRecordFormat::peerLabels() {
    const Record tcp = data(0, 3, RecordKind::DataIn, "x");
    QCOMPARE(peerLabel(tcp, Namer), QStringLiteral("127.0.0.1:41208"));
    QCOMPARE(peerLabel(tcp), QStringLiteral("#3"));
    QCOMPARE(peerLabel(data(0, 42, RecordKind::DataIn, "x"), Namer), QStringLiteral("#42"));
    // A datagram names its own peer, whatever the endpoint is called.
    const Record v6 = datagram(0, 3, NetAddress{QStringLiteral("::1"), 5353}, "x", 1);
    QCOMPARE(peerLabel(v6, Namer), QStringLiteral("[::1]:5353"));
    const Record v4 = datagram(0, 3, NetAddress{QStringLiteral("10.0.0.2"), 9}, "x", 1);
    QCOMPARE(peerLabel(v4), QStringLiteral("10.0.0.2:9"));
    QCOMPARE(kindName(RecordKind::DataIn), QStringLiteral("in"));
    QCOMPARE(kindName(RecordKind::DataOut), QStringLiteral("out"));
    QCOMPARE(kindName(RecordKind::Event), QStringLiteral("event"));
}

void TestRecordFormat::raw() {
    QByteArray out("<");
    appendRaw(&out, data(0, 3, RecordKind::DataIn, allBytes()));
    QCOMPARE(out, "<" + allBytes());
    out.clear();
    appendRaw(&out, evicted(data(0, 3, RecordKind::DataIn, "gone")));
    QCOMPARE(out, QByteArray());
}

void TestRecordFormat::hexDumpMatchesHexdump() {
    // Expected lines are `hexdump -C` (and `hexdump -C -s 4660`) of the same bytes, without the
    // closing offset line hexdump adds at the end of a file.
    const Record first = data(0, 3, RecordKind::DataIn, bytes("Hello, hex\x00\x01\x02\x03\x04\x05\x06!"));
    QByteArray out;
    appendHexDump(&out, first, 0);
    QCOMPARE(out,
             QByteArray("00000000  48 65 6c 6c 6f 2c 20 68  65 78 00 01 02 03 04 05  |Hello, hex......|\n"
                        "00000010  06 21                                             |.!|\n"));

    const Record second =
        data(1, 3, RecordKind::DataIn, QByteArray("ABCDEFGHIJKLMNOPQRSTUVWXYZ\x7f\x80\xff~ "));
    out = "previous\n";
    appendHexDump(&out, second, 0x1234);
    QCOMPARE(out,
             QByteArray("previous\n"
                        "00001234  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n"
                        "00001244  51 52 53 54 55 56 57 58  59 5a 7f 80 ff 7e 20     |QRSTUVWXYZ...~ |\n"));

    // Nothing to show, nothing written.
    out.clear();
    appendHexDump(&out, data(2, 3, RecordKind::DataIn, QByteArray()), 5);
    appendHexDump(&out, evicted(data(3, 3, RecordKind::DataIn, "gone")), 5);
    QCOMPARE(out, QByteArray());
}

void TestRecordFormat::hexDumpWidensPastFourGiB() {
    // `hexdump -C -s 4294967290`: each line's offset takes as many digits as it needs, at least 8.
    QByteArray out;
    appendDump(&out, QByteArray("ABCDEFGHIJKLMNOPQRSTUVWXYZ\x7f\x80\xff~ "), 0xfffffffaULL);
    QCOMPARE(out,
             QByteArray("fffffffa  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n"
                        "10000000a  51 52 53 54 55 56 57 58  59 5a 7f 80 ff 7e 20     |QRSTUVWXYZ...~ |\n"));
}

void TestRecordFormat::hexDumpIsTheOneBytesToDumpUses() {
    // The window's dump is the same text, lines separated rather than terminated.
    for (const qsizetype size : {1, 15, 16, 17, 256, 1000}) {
        QByteArray payload;
        for (qsizetype i = 0; i < size; ++i)
            payload.append(char(i * 7 + 3));
        QByteArray lines;
        appendDump(&lines, payload);
        QVERIFY(lines.endsWith('\n'));
        lines.chop(1);
        QCOMPARE(bytesToDump(payload), QString::fromLatin1(lines));
    }
}

void TestRecordFormat::logLines() {
    const QByteArray prefix = QByteArray(Stamp);
    QCOMPARE(formatLogLine(data(0, 3, RecordKind::DataIn, "hello\n"), Namer),
             prefix + " <- 127.0.0.1:41208 6 B: hello\\n\n");
    QCOMPARE(formatLogLine(data(1, 3, RecordKind::DataOut, bytes("\x00\x01\xfe\xff\xc3\xa9")), Namer),
             QByteArray("2026-11-23T03:43:31.507609 -> 127.0.0.1:41208 6 B: \\0\\x01\\xfe\\xff\xc3\xa9\n"));
    // An empty chunk still says how long it was.
    QCOMPARE(formatLogLine(data(2, 3, RecordKind::DataIn, QByteArray()), Namer),
             prefix + " <- 127.0.0.1:41208 0 B: \n");
    QCOMPARE(formatLogLine(datagram(3, 5, NetAddress{QStringLiteral("::1"), 5353}, "marco", 9), Namer),
             prefix + " <- [::1]:5353 9 B (truncated to 5 B): marco\n");
    QCOMPARE(formatLogLine(evicted(data(4, 3, RecordKind::DataIn, QByteArray(4096, 'x'))), Namer),
             prefix + " <- 127.0.0.1:41208 4096 B (payload dropped by the memory budget)\n");
    QCOMPARE(formatLogLine(evicted(datagram(5, 5, NetAddress{QStringLiteral("10.0.0.2"), 9}, "abc", 70000))),
             prefix + " <- 10.0.0.2:9 70000 B (payload dropped by the memory budget)\n");
    // An event is written as it is, bytes and line feeds included.
    QCOMPARE(formatLogLine(data(6, 9, RecordKind::Event, awkwardText()), Namer),
             prefix + " -- #9 " + awkwardText() + '\n');
    QCOMPARE(formatLogLine(data(7, 3, RecordKind::Event, "Connection refused")),
             prefix + " -- #3 Connection refused\n");

    QByteArray out("earlier\n");
    appendLogLine(&out, data(0, 3, RecordKind::DataIn, "hi"), Namer);
    QCOMPARE(out, "earlier\n" + prefix + " <- 127.0.0.1:41208 2 B: hi\n");
}

void TestRecordFormat::csv() {
    QCOMPARE(csvHeader(), QByteArray("seq,time,time_us,endpoint,endpoint_name,local,peer,kind,length,"
                                     "original_length,flags,payload,hex\r\n"));
    const QByteArray at = QByteArray(",") + Stamp + ",1795405411507609,";
    // Endpoint 3 is a connection: its peer's address is in the peer column.
    const EndpointDetails connection{{}, {}, QStringLiteral("127.0.0.1:41208")};
    QCOMPARE(formatCsvRow(data(0, 3, RecordKind::DataIn, "hello\n"), &connection),
             "0" + at + "3,,,127.0.0.1:41208,in,6,6,,hello\\n,68656c6c6f0a\r\n");
    QCOMPARE(formatCsvRow(data(1, 3, RecordKind::DataOut, bytes("\x00\x01\xfe\xff\xc3\xa9")), &connection),
             "1" + at + "3,,,127.0.0.1:41208,out,6,6,,\\0\\x01\\xfe\\xff\xc3\xa9,0001feffc3a9\r\n");
    QCOMPARE(formatCsvRow(datagram(2, 5, NetAddress{QStringLiteral("::1"), 5353}, "marco", 9)),
             "2" + at + "5,,,[::1]:5353,in,5,9,truncated,marco,6d6172636f\r\n");
    QCOMPARE(formatCsvRow(evicted(data(3, 3, RecordKind::DataIn, QByteArray(4096, 'x'))), &connection),
             "3" + at + "3,,,127.0.0.1:41208,in,4096,4096,evicted,,\r\n");
    QCOMPARE(formatCsvRow(evicted(datagram(4, 5, NetAddress{QStringLiteral("::1"), 5353}, "abc", 70000))),
             "4" + at + "5,,,[::1]:5353,in,3,70000,truncated|evicted,,\r\n");
    // Quotes and the comma force quoting; the line feed and the stray byte are escaped in the payload.
    // An endpoint with no peer (a listener's event) has an empty peer, not its name.
    const EndpointDetails listener{QStringLiteral("#9 TCP listener"), QStringLiteral("127.0.0.1:5000"), {}};
    QCOMPARE(formatCsvRow(data(5, 9, RecordKind::Event, awkwardText()), &listener),
             "5" + at +
                 "9,#9 TCP listener,127.0.0.1:5000,,event,21,21,,\"said \"\"hi, there\"\"\\nbye\\xff\","
                 "73616964202268692c207468657265220a627965ff\r\n");
    QCOMPARE(formatCsvRow(data(5, 9, RecordKind::Event, "closed")),
             "5" + at + "9,,,,event,6,6,,closed,636c6f736564\r\n");
    // A name with CR LF is quoted whole, line break and all.
    const EndpointDetails client{
        QStringLiteral("Client \"A\",\r\nsecond line"), {}, QStringLiteral("[::1]:7")};
    QCOMPARE(formatCsvRow(data(6, 7, RecordKind::DataOut, "ok"), &client),
             "6" + at + "7,\"Client \"\"A\"\",\r\nsecond line\",,[::1]:7,out,2,2,,ok,6f6b\r\n");
    // A line feed alone forces quoting too.
    const EndpointDetails twoLines{QStringLiteral("two\nlines"), {}, {}};
    QCOMPARE(formatCsvRow(data(6, 8, RecordKind::DataOut, "ok"), &twoLines),
             "6" + at + "8,\"two\nlines\",,,out,2,2,,ok,6f6b\r\n");
    // A payload with a comma and a quote but nothing to escape.
    QCOMPARE(formatCsvRow(data(7, 3, RecordKind::DataIn, "a,\"b\""), &connection),
             "7" + at + "3,,,127.0.0.1:41208,in,5,5,,\"a,\"\"b\"\"\",612c226222\r\n");

    // Before 1970 time_us is floored like the time column: -1.5 us is in the microsecond -2.
    Record early = data(7, 3, RecordKind::DataIn, "x");
    early.timeNs = -1500;
    QCOMPARE(formatCsvRow(early, &connection),
             "7,1969-12-31T23:59:59.999998,-2,3,,,127.0.0.1:41208,in,1,1,,x,78\r\n");
    QCOMPARE(recordToJson(early).value(u"time_us").toInteger(), qint64(-2));

    // With details: the endpoint's name (quoted when it must be), its own address and its peer's.
    const EndpointDetails details{QStringLiteral("#3 client, TLS"), QStringLiteral("[::1]:40000"),
                                  QStringLiteral("127.0.0.1:41208")};
    QCOMPARE(formatCsvRow(data(9, 3, RecordKind::DataIn, "x"), &details),
             "9" + at + "3,\"#3 client, TLS\",[::1]:40000,127.0.0.1:41208,in,1,1,,x,78\r\n");

    QByteArray out = csvHeader();
    appendCsvRow(&out, data(8, 3, RecordKind::DataIn, "x"), &connection);
    QCOMPARE(out, csvHeader() + "8" + at + "3,,,127.0.0.1:41208,in,1,1,,x,78\r\n");
}

void TestRecordFormat::csvReadsBack() {
    const QList<Record> records = {
        data(0, 3, RecordKind::DataIn, allBytes()),
        data(1, 7, RecordKind::DataOut, QByteArray("\r\n,\"\\ \xe2\x82\xac \xed\xa0\x80")),
        data(2, 9, RecordKind::Event, awkwardText()),
        evicted(data(3, 3, RecordKind::DataIn, "gone")),
    };
    const EndpointDetails details{
        QStringLiteral("Client \"A\",\r\nsecond line"), {}, QStringLiteral("127.0.0.1:41208")};
    QByteArray text = csvHeader();
    for (const Record &r : records)
        appendCsvRow(&text, r, &details);
    bool ok = false;
    const QList<QList<QByteArray>> rows = readCsv(text, &ok);
    QVERIFY2(ok, text.constData());
    QCOMPARE(rows.size(), records.size() + 1);
    QCOMPARE(rows[0].size(), qsizetype(13));
    QCOMPARE(rows[0].join(','), QByteArray("seq,time,time_us,endpoint,endpoint_name,local,peer,kind,length,"
                                           "original_length,flags,payload,hex"));
    for (qsizetype i = 0; i < records.size(); ++i) {
        const Record &r = records[i];
        const QList<QByteArray> &row = rows[i + 1];
        QCOMPARE(row.size(), qsizetype(13));
        QCOMPARE(row[0], QByteArray::number(r.seq));
        QCOMPARE(row[3], QByteArray::number(r.endpoint));
        QCOMPARE(QString::fromUtf8(row[4]), details.name);
        QCOMPARE(QString::fromUtf8(row[6]), details.peer);
        // The hex column is the same bytes.
        QCOMPARE(QByteArray::fromHex(row[12]), r.isEvicted() ? QByteArray() : r.payload);
        QCOMPARE(row[8], QByteArray::number(r.length));
        // The payload column is the escape language: parsing it gives the exact bytes back.
        PayloadSpec spec;
        const PayloadResult back = parsePayload(QString::fromUtf8(row[11]), spec);
        QVERIFY2(back.ok(), qPrintable(back.error));
        QCOMPARE(back.bytes, r.payload);
    }
    QCOMPARE(rows[2][4], QByteArray("Client \"A\",\r\nsecond line"));
    QCOMPARE(rows[4][12], QByteArray());
    QCOMPARE(rows[4][10], QByteArray("evicted"));
}

void TestRecordFormat::jsonLines() {
    const QByteArray at = QByteArray("\"time\":\"") + Stamp + "+00:00\",\"time_us\":1795405411507609,";
    const EndpointDetails connection{{}, {}, QStringLiteral("127.0.0.1:41208")};
    QCOMPARE(
        formatJsonLine(data(0, 3, RecordKind::DataIn, "hello\n"), &connection),
        "{\"direction\":\"in\",\"endpoint\":3,\"endpoint_name\":\"\",\"evicted\":false,\"hex\":"
        "\"68656c6c6f0a\","
        "\"kind\":\"in\",\"length\":6,\"local\":\"\",\"original_length\":6,\"payload_base64\":\"aGVsbG8K\","
        "\"peer\":\"127.0.0.1:41208\",\"seq\":0,\"text\":\"hello\\\\n\"," +
            at + "\"truncated\":false}\n");
    QCOMPARE(
        formatJsonLine(data(1, 3, RecordKind::DataOut, bytes("\x00\x01\xfe\xff\xc3\xa9")), &connection),
        "{\"direction\":\"out\",\"endpoint\":3,\"endpoint_name\":\"\",\"evicted\":false,\"hex\":"
        "\"0001feffc3a9\","
        "\"kind\":\"out\",\"length\":6,\"local\":\"\",\"original_length\":6,\"payload_base64\":\"AAH+/8Op\","
        "\"peer\":\"127.0.0.1:41208\",\"seq\":1,\"text\":\"\\\\0\\\\x01\\\\xfe\\\\xff\xc3\xa9\"," +
            at + "\"truncated\":false}\n");
    // With details: the endpoint's name and its own address.
    const EndpointDetails details{QStringLiteral("#5 UDP"), QStringLiteral("[::]:5000"), {}};
    QCOMPARE(
        formatJsonLine(datagram(2, 5, NetAddress{QStringLiteral("::1"), 5353}, "marco", 9), &details),
        "{\"direction\":\"in\",\"endpoint\":5,\"endpoint_name\":\"#5 UDP\",\"evicted\":false,"
        "\"hex\":\"6d6172636f\",\"kind\":\"in\",\"length\":5,\"local\":\"[::]:5000\",\"original_length\":9,"
        "\"payload_base64\":\"bWFyY28=\",\"peer\":\"[::1]:5353\",\"seq\":2,\"text\":\"marco\"," +
            at + "\"truncated\":true}\n");
    // Evicted: the flag says so and there are no payload keys at all (an empty one would be a lie).
    QCOMPARE(
        formatJsonLine(evicted(data(3, 3, RecordKind::DataIn, QByteArray(4096, 'x'))), &connection),
        "{\"direction\":\"in\",\"endpoint\":3,\"endpoint_name\":\"\",\"evicted\":true,\"kind\":\"in\","
        "\"length\":4096,\"local\":\"\",\"original_length\":4096,\"peer\":\"127.0.0.1:41208\",\"seq\":3," +
            at + "\"truncated\":false}\n");
    // Quotes, the line feed and the non-UTF-8 byte are JSON's business in "event"; "text" is the
    // escape language and base64 keeps the bytes.
    // An event of an endpoint without a peer: no peer, not its name.
    QCOMPARE(formatJsonLine(data(4, 9, RecordKind::Event, awkwardText())),
             "{\"direction\":\"event\",\"endpoint\":9,\"endpoint_name\":\"\","
             "\"event\":\"said \\\"hi, there\\\"\\nbye\xef\xbf\xbd\",\"evicted\":false,"
             "\"hex\":\"73616964202268692c207468657265220a627965ff\",\"kind\":\"event\",\"length\":21,"
             "\"local\":\"\","
             "\"original_length\":21,\"payload_base64\":\"c2FpZCAiaGksIHRoZXJlIgpieWX/"
             "\",\"peer\":\"\",\"seq\":4,"
             "\"text\":\"said \\\"hi, there\\\"\\\\nbye\\\\xff\"," +
                 at + "\"truncated\":false}\n");
    // A name with quotes and CR LF stays on its one line.
    const EndpointDetails client{QStringLiteral("Client \"A\",\r\nsecond line"), {}, {}};
    const QByteArray labelled = formatJsonLine(data(5, 7, RecordKind::DataOut, "ok"), &client);
    QVERIFY2(labelled.contains("\"endpoint_name\":\"Client \\\"A\\\",\\r\\nsecond line\""),
             labelled.constData());
    QCOMPARE(labelled.count('\n'), 1);
}

void TestRecordFormat::jsonLinesReadBack() {
    const QList<Record> records = {
        data(0, 3, RecordKind::DataIn, allBytes()),
        data(1, 3, RecordKind::DataOut, QByteArray()),
        datagram(2, 5, NetAddress{QStringLiteral("::1"), 5353}, allBytes().left(100), 1000),
        data(3, 9, RecordKind::Event, awkwardText()),
        data(4, 7, RecordKind::DataOut, QByteArray("\0\0\0", 3)),
        evicted(datagram(5, 5, NetAddress{QStringLiteral("::1"), 5353}, "abc", 70000)),
        data(6, 7, RecordKind::Event, QByteArray("tab\tdel\x7f bell\x07 \xf0\x9f\x98\x80")),
    };
    const EndpointDetails details{QStringLiteral("Client \"A\"\t\x01 \u00e9"),
                                  QStringLiteral("127.0.0.1:41208"), QStringLiteral("[::1]:7")};
    QByteArray text;
    for (const Record &r : records)
        appendJsonLine(&text, r, &details);
    const QList<QByteArray> lines = text.split('\n');
    QCOMPARE(lines.size(), records.size() + 1); // one line each, then the empty rest after the last '\n'
    QVERIFY(lines.last().isEmpty());
    for (qsizetype i = 0; i < records.size(); ++i) {
        const Record &r = records[i];
        const QJsonObject o = parseJsonLine(lines[i]);
        QVERIFY2(!o.isEmpty(), lines[i].constData());
        QCOMPARE(o, recordToJson(r, &details));
        // Written directly, yet byte for byte what QJsonDocument writes for the same object.
        QCOMPARE(lines[i] + '\n',
                 QJsonDocument(recordToJson(r, &details)).toJson(QJsonDocument::Compact) + '\n');
        QCOMPARE(o.value(u"seq").toInteger(), qint64(r.seq));
        QCOMPARE(o.value(u"time").toString(), formatTimestamp(r.timeNs, TimestampStyle::IsoOffset));
        // Another reader puts the line at the same instant (QDateTime rounds to the millisecond).
        const QDateTime parsed = QDateTime::fromString(o.value(u"time").toString(), Qt::ISODateWithMs);
        QVERIFY(parsed.isValid());
        QVERIFY(qAbs(parsed.toMSecsSinceEpoch() - r.timeNs / 1000000) <= 1);
        QCOMPARE(o.value(u"endpoint_name").toString(), details.name);
        QCOMPARE(o.value(u"local").toString(), QStringLiteral("127.0.0.1:41208"));
        QCOMPARE(o.value(u"direction").toString(), kindName(r.kind));
        QCOMPARE(o.value(u"time_us").toInteger(), When / 1000);
        QCOMPARE(o.value(u"endpoint").toInteger(), qint64(r.endpoint));
        QCOMPARE(o.value(u"peer").toString(),
                 r.peer.isValid() ? QStringLiteral("[::1]:5353") : QStringLiteral("[::1]:7"));
        QCOMPARE(o.value(u"kind").toString(), kindName(r.kind));
        QCOMPARE(o.value(u"length").toInteger(), qint64(r.length));
        QCOMPARE(o.value(u"original_length").toInteger(), qint64(r.originalLength));
        QCOMPARE(o.value(u"truncated").toBool(true), r.isTruncated());
        QCOMPARE(o.value(u"evicted").toBool(!r.isEvicted()), r.isEvicted());
        QCOMPARE(o.contains(u"payload_base64"), !r.isEvicted());
        QCOMPARE(o.contains(u"text"), !r.isEvicted());
        QCOMPARE(o.contains(u"hex"), !r.isEvicted());
        QCOMPARE(o.contains(u"event"), r.kind == RecordKind::Event);
        QCOMPARE(QByteArray::fromHex(o.value(u"hex").toString().toLatin1()), r.payload);
        PayloadSpec spec;
        const PayloadResult back = parsePayload(o.value(u"text").toString(), spec);
        QVERIFY2(back.ok(), qPrintable(back.error));
        QCOMPARE(back.bytes, r.payload);
        const auto decoded = QByteArray::fromBase64Encoding(o.value(u"payload_base64").toString().toLatin1(),
                                                            QByteArray::AbortOnBase64DecodingErrors);
        QVERIFY(decoded);
        QCOMPARE(*decoded, r.payload);
    }
    QCOMPARE(parseJsonLine(lines[3]).value(u"event").toString(),
             QStringLiteral("said \"hi, there\"\nbye\uFFFD"));
}

SOCKBENCH_TEST_MAIN(TestRecordFormat)
#include "tst_recordformat.moc"
