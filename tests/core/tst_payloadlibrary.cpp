// The payload library: the documented JSON reads, a saved library reads back equal, every malformed
// file is refused with a message naming the entry and key, an entry's bytes end with its checksum,
// Packet Sender's saved packets import with a warning for what cannot be taken as is, and the file
// is saved privately and atomically.

#include "language/address.h"
#include "library/payloadlibrary.h"
#include "platform/privatefile.h"
#include "testfiles.h"
#include "testmain.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace sockbench;

namespace {

// The example of the file format in payloadlibrary.h, as a user would write it.
const QByteArray DocumentedLibrary = R"({"sockbench_library": 1,
 "entries": [{"name": "Read holding registers", "folder": "Modbus/Unit 1",
              "payload": "01 03 00 00 00 0a", "mode": "hex", "line_ending": "none",
              "escapes": true, "encoding": "utf-8", "append": "crc16-modbus",
              "target": {"kind": "tcp", "host": "192.168.1.10", "port": 502},
              "notes": "..."}]}
)";

QByteArray withEntry(const QByteArray &entryJson) {
    return R"({"sockbench_library": 1, "entries": [{"name": "ok", "payload": ""}, )" + entryJson + "]}";
}

LibraryEntry everyFieldSet() {
    LibraryEntry e;
    e.name = QStringLiteral("Grüße \u20ac");
    e.folder = QStringLiteral("Lab/Bench 2");
    e.payload = QStringLiteral("caf\\xe9\\n");
    e.spec.mode = PayloadMode::Text;
    e.spec.encoding = TextEncoding::Latin1;
    e.spec.escapes = false;
    e.spec.lineEnding = LineEnding::CRLF;
    e.append = ChecksumSpec{ChecksumKind::Crc32, ChecksumOrder::Little};
    e.target = LibraryTarget{LibraryTarget::Kind::Udp, QStringLiteral("::1"), 65535};
    e.notes = QStringLiteral("line one\nline two");
    return e;
}

QString fixturePath() {
    return testFile(QStringLiteral("core/data/packetsender-packets.ini"));
}

/// Packet Sender 8.1's file of every kind of packet: TCP, UDP, SSL, DTLS, HTTP and HTTPS GET and
/// POST, macros, and hex that is not hex.
QString version8FixturePath() {
    return testFile(QStringLiteral("core/data/packetsender-8.1-packets.ini"));
}

const LibraryEntry *entryNamed(const QList<LibraryEntry> &entries, const QString &name) {
    for (const LibraryEntry &e : entries) {
        if (e.name == name)
            return &e;
    }
    return nullptr;
}

} // namespace

class TestPayloadLibrary final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void documentedExampleReads();
    void libraryReadsBackEqual();
    void defaultsAreLeftOut();
    void malformedFilesAreRefused_data();
    void malformedFilesAreRefused();
    void bytesEndWithTheChecksum_data();
    void bytesEndWithTheChecksum();
    void unparsablePayloadGivesNoBytes();
    void packetSenderPacketsImport();
    void packetSenderVersion8File();
    void packetSenderFolderIsTheFirstThatExists();
    void packetSenderGarbageIsRefused_data();
    void packetSenderGarbageIsRefused();
    void packetSenderValuesStayText();
    void savedFileIsPrivateAndReplacedWhole();
    void saveCreatesTheFolderAndNamesThePathOnFailure();
    void missingFileIsAnEmptyLibrary();
    void brokenFileNamesThePath();
    void defaultPathIsInTheConfigFolder();
};

void TestPayloadLibrary::initTestCase() {
    QVERIFY2(!fixturePath().isEmpty(), "tests/core/data/packetsender-packets.ini not found");
    QVERIFY2(!version8FixturePath().isEmpty(), "tests/core/data/packetsender-8.1-packets.ini not found");
}

void TestPayloadLibrary::documentedExampleReads() {
    const LibraryParseResult r = parseLibrary(DocumentedLibrary);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.entries.size(), 1);
    const LibraryEntry &e = r.entries.first();
    QCOMPARE(e.name, QStringLiteral("Read holding registers"));
    QCOMPARE(e.folder, QStringLiteral("Modbus/Unit 1"));
    QCOMPARE(e.payload, QStringLiteral("01 03 00 00 00 0a"));
    QCOMPARE(toString(e.spec.mode), QStringLiteral("hex"));
    QCOMPARE(toString(e.spec.lineEnding), QStringLiteral("none"));
    QVERIFY(e.spec.escapes);
    QVERIFY(e.spec.encoding == TextEncoding::Utf8);
    QVERIFY(e.append.has_value());
    QCOMPARE(toString(*e.append), QStringLiteral("crc16-modbus"));
    QVERIFY(e.target.has_value());
    QCOMPARE(*e.target, (LibraryTarget{LibraryTarget::Kind::Tcp, QStringLiteral("192.168.1.10"), 502}));
    QCOMPARE(e.notes, QStringLiteral("..."));
}

void TestPayloadLibrary::libraryReadsBackEqual() {
    LibraryEntry minimal;
    minimal.name = QStringLiteral("ping");
    LibraryEntry hex;
    hex.name = QStringLiteral("Read holding registers");
    hex.payload = QStringLiteral("01 03 00 00 00 0a");
    hex.spec.mode = PayloadMode::Hex;
    hex.spec.lineEnding = LineEnding::LF;
    hex.append = ChecksumSpec{ChecksumKind::Lrc, ChecksumOrder::Natural};
    hex.target = LibraryTarget{LibraryTarget::Kind::Tcp, QStringLiteral("localhost"), 0};
    const QList<LibraryEntry> entries{minimal, everyFieldSet(), hex};

    const QByteArray json = serializeLibrary(entries);
    const LibraryParseResult back = parseLibrary(json);
    QVERIFY2(back.ok(), qPrintable(back.error + u'\n' + QString::fromUtf8(json)));
    QCOMPARE(back.entries, entries);
    QVERIFY(back.warnings.isEmpty());
    // An empty library is a file too.
    const LibraryParseResult empty = parseLibrary(serializeLibrary({}));
    QVERIFY2(empty.ok(), qPrintable(empty.error));
    QVERIFY(empty.entries.isEmpty());
}

void TestPayloadLibrary::defaultsAreLeftOut() {
    LibraryEntry minimal;
    minimal.name = QStringLiteral("ping");
    minimal.payload = QStringLiteral("ping\\n");
    const QByteArray json = serializeLibrary({minimal});
    const QByteArray compact = QByteArray(json).replace(' ', "").replace('\n', "");
    QCOMPARE(compact,
             QByteArray(R"({"entries":[{"name":"ping","payload":"ping\\n"}],"sockbench_library":1})"));
}

void TestPayloadLibrary::malformedFilesAreRefused_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::newRow("syntax") << QByteArray("{\n  \"sockbench_library\": 1,\n  ]")
                            << "line 3, column 3: unterminated object";
    QTest::newRow("array") << QByteArray("[]")
                           << R"(line 1: a library is a JSON object with "sockbench_library" and "entries")";
    QTest::newRow("no version") << QByteArray(R"({"entries": []})")
                                << "sockbench_library: missing; this is not a Sockbench library file";
    QTest::newRow("version 0") << QByteArray(R"({"sockbench_library": 0, "entries": []})")
                               << "sockbench_library: missing; this is not a Sockbench library file";
    QTest::newRow("newer") << QByteArray(R"({"sockbench_library": 2, "entries": []})")
                           << "sockbench_library: format 2 is newer than this Sockbench reads (1)";
    QTest::newRow("root key") << QByteArray(R"({"sockbench_library": 1, "entries": [], "theme": "dark"})")
                              << "theme: unknown key (written by a newer Sockbench?)";
    QTest::newRow("no entries") << QByteArray(R"({"sockbench_library": 1})")
                                << "entries: missing; a list of entries";
    QTest::newRow("entry not object") << withEntry("42") << "entries[1]: an entry is a JSON object";
    QTest::newRow("unknown key") << withEntry(R"({"name": "a", "payload": "", "colour": "red"})")
                                 << "entries[1].colour: unknown key (written by a newer Sockbench?)";
    QTest::newRow("no name") << withEntry(R"({"payload": "x"})")
                             << "entries[1].name: missing; the name the library shows";
    QTest::newRow("empty name") << withEntry(R"({"name": "  ", "payload": "x"})")
                                << "entries[1].name: is empty; every entry needs a name";
    QTest::newRow("no payload") << withEntry(R"({"name": "a"})")
                                << "entries[1].payload: missing; the payload as typed";
    QTest::newRow("folder type") << withEntry(R"({"name": "a", "payload": "", "folder": 3})")
                                 << "entries[1].folder: must be a string";
    QTest::newRow("folder empty part")
        << withEntry(R"({"name": "a", "payload": "", "folder": "Modbus//Unit 1"})")
        << R"(entries[1].folder: "Modbus//Unit 1" has an empty folder name; folders are separated by one '/')";
    QTest::newRow("lone surrogate") << withEntry(R"({"name": "a", "payload": "\ud800"})")
                                    << "entries[1].payload: is not valid Unicode (a lone surrogate)";
    QTest::newRow("mode") << withEntry(R"({"name": "a", "payload": "", "mode": "binary"})")
                          << R"(entries[1].mode: "binary" is not one of "text", "hex")";
    QTest::newRow("line ending")
        << withEntry(R"({"name": "a", "payload": "", "line_ending": "CRLF"})")
        << R"(entries[1].line_ending: "CRLF" is not one of "none", "lf", "cr", "crlf")";
    QTest::newRow("encoding") << withEntry(R"({"name": "a", "payload": "", "encoding": "utf8"})")
                              << R"(entries[1].encoding: "utf8" is not one of "utf-8", "latin-1")";
    QTest::newRow("encoding type") << withEntry(R"({"name": "a", "payload": "", "encoding": 8})")
                                   << R"(entries[1].encoding: one of "utf-8", "latin-1")";
    QTest::newRow("escapes") << withEntry(R"({"name": "a", "payload": "", "escapes": "yes"})")
                             << "entries[1].escapes: true or false";
    QString notAChecksum;
    parseChecksumSpec(u"md5", &notAChecksum);
    QTest::newRow("append") << withEntry(R"({"name": "a", "payload": "", "append": "md5"})")
                            << "entries[1].append: " + notAChecksum;
    QTest::newRow("append type") << withEntry(R"({"name": "a", "payload": "", "append": true})")
                                 << R"(entries[1].append: a checksum name such as "crc16-modbus")";
    QTest::newRow("target type") << withEntry(R"({"name": "a", "payload": "", "target": "10.0.0.1:80"})")
                                 << R"(entries[1].target: an object with "kind", "host" and "port")";
    QTest::newRow("target key")
        << withEntry(
               R"({"name": "a", "payload": "", "target": {"kind": "tcp", "host": "h", "port": 1, "tls": 1}})")
        << "entries[1].target.tls: unknown key (written by a newer Sockbench?)";
    QTest::newRow("target no kind")
        << withEntry(R"({"name": "a", "payload": "", "target": {"host": "h", "port": 1}})")
        << R"(entries[1].target.kind: missing; one of "tcp", "udp", "tls")";
    QTest::newRow("target kind")
        << withEntry(R"({"name": "a", "payload": "", "target": {"kind": "sctp", "host": "h", "port": 1}})")
        << R"(entries[1].target.kind: "sctp" is not one of "tcp", "udp", "tls")";
    QTest::newRow("target no host")
        << withEntry(R"({"name": "a", "payload": "", "target": {"kind": "udp", "port": 1}})")
        << "entries[1].target.host: missing; a host name or a numeric address";
    QTest::newRow("target bad host")
        << withEntry(
               R"({"name": "a", "payload": "", "target": {"kind": "udp", "host": "127.0.0.256", "port": 1}})")
        << "entries[1].target.host: " + parseHostPort(u"127.0.0.256:1").error;
    QTest::newRow("target no port")
        << withEntry(R"({"name": "a", "payload": "", "target": {"kind": "udp", "host": "h"}})")
        << "entries[1].target.port: missing; a whole number from 0 to 65535";
    QTest::newRow("target port fraction")
        << withEntry(R"({"name": "a", "payload": "", "target": {"kind": "udp", "host": "h", "port": 80.5}})")
        << "entries[1].target.port: missing; a whole number from 0 to 65535";
    QTest::newRow("target port range")
        << withEntry(R"({"name": "a", "payload": "", "target": {"kind": "tcp", "host": "h", "port": 70000}})")
        << "entries[1].target.port: 70000 is out of range (0-65535)";
    QTest::newRow("target port huge")
        << withEntry(R"({"name": "a", "payload": "", "target": {"kind": "tcp", "host": "h", "port": 1e20}})")
        << "entries[1].target.port: 100000000000000000000 is out of range (0-65535)";
    QTest::newRow("target port negative")
        << withEntry(R"({"name": "a", "payload": "", "target": {"kind": "tcp", "host": "h", "port": -1}})")
        << "entries[1].target.port: -1 is out of range (0-65535)";
    QTest::newRow("notes type") << withEntry(R"({"name": "a", "payload": "", "notes": ["x"]})")
                                << "entries[1].notes: must be a string";
}

void TestPayloadLibrary::malformedFilesAreRefused() {
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const LibraryParseResult r = parseLibrary(json);
    QCOMPARE(r.error, error);
    QVERIFY(!r.ok());
    // Nothing of a refused file is taken, not even its valid entries.
    QVERIFY(r.entries.isEmpty());
}

void TestPayloadLibrary::bytesEndWithTheChecksum_data() {
    QTest::addColumn<QString>("payload");
    QTest::addColumn<PayloadSpec>("spec");
    QTest::addColumn<QString>("append");
    QTest::addColumn<QByteArray>("bytes");
    const PayloadSpec hex{PayloadMode::Hex, TextEncoding::Utf8, true, LineEnding::None};
    const PayloadSpec textLf{PayloadMode::Text, TextEncoding::Utf8, true, LineEnding::LF};
    // The Modbus RTU request every Modbus tool shows: read 10 registers from unit 1.
    QTest::newRow("modbus") << "01 03 00 00 00 0a" << hex << "crc16-modbus"
                            << QByteArray::fromHex("01030000000ac5cd");
    QTest::newRow("modbus big endian")
        << "01 03 00 00 00 0a" << hex << "crc16-modbus:be" << QByteArray::fromHex("01030000000acdc5");
    // The checksum covers the line ending and comes last: 'A' 'B' '\n' sum to 0x8d.
    QTest::newRow("line ending then sum8") << "AB" << textLf << "sum8" << QByteArray("AB\n\x8d");
    QTest::newRow("no checksum") << "AB" << textLf << "" << QByteArray("AB\n");
}

void TestPayloadLibrary::bytesEndWithTheChecksum() {
    QFETCH(QString, payload);
    QFETCH(PayloadSpec, spec);
    QFETCH(QString, append);
    QFETCH(QByteArray, bytes);
    LibraryEntry e;
    e.name = QStringLiteral("x");
    e.payload = payload;
    e.spec = spec;
    if (!append.isEmpty()) {
        e.append = parseChecksumSpec(append);
        QVERIFY(e.append);
    }
    QString error = QStringLiteral("not cleared");
    QCOMPARE(e.bytes(&error).toHex(' '), bytes.toHex(' '));
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestPayloadLibrary::unparsablePayloadGivesNoBytes() {
    LibraryEntry e;
    e.name = QStringLiteral("x");
    e.payload = QStringLiteral("01 0g");
    e.spec.mode = PayloadMode::Hex;
    e.append = ChecksumSpec{};
    QString error;
    QVERIFY(e.bytes(&error).isEmpty());
    const PayloadResult parsed = parsePayload(e.payload, e.spec);
    QCOMPARE(error, QStringLiteral("character %1: %2").arg(parsed.errorPosition + 1).arg(parsed.error));
    QVERIFY(e.bytes().isEmpty()); // without an error pointer too
}

void TestPayloadLibrary::packetSenderPacketsImport() {
    QFile file(fixturePath());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const LibraryParseResult r = importPacketSenderIni(file.readAll());
    QVERIFY2(r.ok(), qPrintable(r.error));

    QStringList names;
    for (const LibraryEntry &e : r.entries)
        names.append(e.name);
    QCOMPARE(names, (QStringList{QStringLiteral("Café € ping"), QStringLiteral("Modbus read"),
                                 QStringLiteral("Secure hello"), QStringLiteral("Status, query"),
                                 QStringLiteral("Web check")}));
    QCOMPARE(r.packets, 6); // "Broken bytes" too
    using Kind = LibraryTarget::Kind;
    struct Expected {
        QString payload;
        Kind kind;
        QString host;
        quint16 port;
        QByteArray bytes;
    };
    const QList<Expected> expected{
        {QStringLiteral("70 69 6e 67 0d 0a"), Kind::Udp, QStringLiteral("10.0.0.7"), 5005, "ping\r\n"},
        {QStringLiteral("01 03 00 00 00 0a"), Kind::Tcp, QStringLiteral("192.168.1.10"), 502,
         QByteArray::fromHex("01030000000a")},
        // SSL is TLS: Sockbench speaks it.
        {QStringLiteral("48 45 4c 4c 4f 0d 0a"), Kind::Tls, QStringLiteral("example.com"), 443, "HELLO\r\n"},
        {QStringLiteral("aa 55"), Kind::Udp, QStringLiteral("::1"), 9000, QByteArray::fromHex("aa55")},
    };
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const LibraryEntry &e = r.entries.at(i);
        QCOMPARE(e.payload, expected.at(i).payload);
        QCOMPARE(toString(e.spec.mode), QStringLiteral("hex"));
        QCOMPARE(e.folder, QStringLiteral("Packet Sender"));
        QCOMPARE(e.notes, QStringLiteral("Imported from Packet Sender"));
        QVERIFY(!e.append);
        QVERIFY(e.target);
        QCOMPARE(*e.target, (LibraryTarget{expected.at(i).kind, expected.at(i).host, expected.at(i).port}));
        QCOMPARE(e.bytes(), expected.at(i).bytes);
    }
    // An HTTP GET is the request it sends, as text.
    const LibraryEntry &web = r.entries.at(4);
    QCOMPARE(
        web.payload,
        QStringLiteral("GET /status HTTP/1.1\\r\\nHost: example.com\\r\\nConnection: close\\r\\n\\r\\n"));
    QCOMPARE(toString(web.spec.mode), QStringLiteral("text"));
    QCOMPARE(web.bytes(),
             QByteArray("GET /status HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"));
    QCOMPARE(*web.target, (LibraryTarget{Kind::Tcp, QStringLiteral("example.com"), 80}));
    QCOMPARE(r.warnings.size(), 1);
    QVERIFY2(r.warnings.at(0).startsWith(QStringLiteral("\"Broken bytes\": skipped, its hex is not valid (")),
             qPrintable(r.warnings.at(0)));

    // What was imported is a valid library.
    const LibraryParseResult back = parseLibrary(serializeLibrary(r.entries));
    QVERIFY2(back.ok(), qPrintable(back.error));
    QCOMPARE(back.entries, r.entries);
}

void TestPayloadLibrary::packetSenderVersion8File() {
    QFile file(version8FixturePath());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const LibraryParseResult r = importPacketSenderIni(file.readAll());
    QVERIFY2(r.ok(), qPrintable(r.error));
    // Every packet of the file counts; one is skipped, and says why.
    QCOMPARE(r.packets, 14);
    QCOMPARE(r.entries.size(), 13);
    QVERIFY(!entryNamed(r.entries, QStringLiteral("Broken hex")));
    QVERIFY2(r.warnings.at(0).startsWith(QStringLiteral("\"Broken hex\": skipped, its hex is not valid (")),
             qPrintable(r.warnings.join(u'\n')));

    using Kind = LibraryTarget::Kind;
    struct Expected {
        const char *name;
        LibraryTarget target;
        QByteArray bytes;
    };
    const QByteArray form = "Content-Type: application/x-www-form-urlencoded\r\n";
    const QList<Expected> expected{
        {"Modbus read",
         {Kind::Tcp, QStringLiteral("192.168.1.10"), 502},
         QByteArray::fromHex("01030000000a")},
        {"Heartbeat", {Kind::Udp, QStringLiteral("::1"), 9000}, QByteArray::fromHex("aa550001")},
        // SSL packets are TLS entries, not plain TCP.
        {"SMTPS banner check", {Kind::Tls, QStringLiteral("mail.example.com"), 465}, "EHLO sockbench\r\n"},
        {"Secure echo", {Kind::Tls, QStringLiteral("127.0.0.1"), 7000}, "hello\n"},
        {"Camera DTLS", {Kind::Udp, QStringLiteral("10.0.0.9"), 5684}, QByteArray::fromHex("01020304")},
        // HTTP and HTTPS packets are the requests they send: method, path, Host, and a POST's body.
        {"Web status",
         {Kind::Tcp, QStringLiteral("example.com"), 80},
         "GET /status HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"},
        {"API post",
         {Kind::Tcp, QStringLiteral("192.168.1.20"), 8080},
         "POST /api/v1/items HTTP/1.1\r\nHost: 192.168.1.20:8080\r\n" + form +
             "Content-Length: 17\r\nConnection: close\r\n\r\nname=widget&qty=2"},
        {"Secure API health",
         {Kind::Tls, QStringLiteral("api.example.com"), 8443},
         "GET /health?full=1 HTTP/1.1\r\nHost: api.example.com:8443\r\nConnection: close\r\n\r\n"},
        {"Secure post",
         {Kind::Tls, QStringLiteral("10.0.0.5"), 443},
         "POST /login HTTP/1.1\r\nHost: 10.0.0.5\r\n" + form +
             "Content-Length: 14\r\nConnection: close\r\n\r\n{\"user\":\"ada\"}"},
        // Macros have no equivalent: kept as written, and named.
        {"Syslog dated", {Kind::Udp, QStringLiteral("192.168.1.1"), 514}, "<13>{{DATE}} {{TIME}} host test"},
        {"Random probe", {Kind::Udp, QStringLiteral("127.0.0.1"), 9999}, "probe {{RANDOM}} {{UNIQUE}}\n"},
    };
    for (const Expected &x : expected) {
        const LibraryEntry *e = entryNamed(r.entries, QString::fromUtf8(x.name));
        QVERIFY2(e, x.name);
        QVERIFY2(e->target, x.name);
        QCOMPARE(*e->target, x.target);
        QCOMPARE(e->bytes(), x.bytes);
        QCOMPARE(e->folder, QStringLiteral("Packet Sender"));
    }
    QCOMPARE(toString(entryNamed(r.entries, QStringLiteral("Web status"))->spec.mode),
             QStringLiteral("text"));

    const QStringList expectedWarnings{
        QStringLiteral("\"Camera DTLS\": DTLS imported as plain UDP (Sockbench does not speak DTLS)"),
        QStringLiteral("\"Random probe\": Packet Sender's macros {{RANDOM}}, {{UNIQUE}} have no equivalent "
                       "in Sockbench; sent as written"),
        QStringLiteral("\"Syslog dated\": Packet Sender's macros {{DATE}}, {{TIME}} have no equivalent in "
                       "Sockbench; sent as written"),
        QStringLiteral("\"Unix time post\": Packet Sender's macros {{UNIXTIME}} have no equivalent in "
                       "Sockbench; sent as written"),
    };
    QCOMPARE(r.warnings.mid(1), expectedWarnings);
    for (const QString &warning : r.warnings)
        QVERIFY2(!warning.contains(QStringLiteral("TLS yet")), qPrintable(warning));
    QVERIFY(
        entryNamed(r.entries, QStringLiteral("Syslog dated"))->notes.contains(QStringLiteral("{{DATE}}")));

    // TLS targets read back from the library file.
    const LibraryParseResult back = parseLibrary(serializeLibrary(r.entries));
    QVERIFY2(back.ok(), qPrintable(back.error));
    QCOMPARE(back.entries, r.entries);
    QVERIFY(serializeLibrary(r.entries).contains("\"kind\": \"tls\""));
}

void TestPayloadLibrary::packetSenderFolderIsTheFirstThatExists() {
    QTemporaryDir home;
    QVERIFY(home.isValid());
    const QByteArray dataWas = qgetenv("XDG_DATA_HOME");
    const QByteArray configWas = qgetenv("XDG_CONFIG_HOME");
    const auto restore = qScopeGuard([&] {
        for (const auto &[name, was] :
             {std::pair{"XDG_DATA_HOME", &dataWas}, std::pair{"XDG_CONFIG_HOME", &configWas}}) {
            if (was->isNull())
                qunsetenv(name);
            else
                qputenv(name, *was);
        }
    });
    qputenv("XDG_DATA_HOME", QFile::encodeName(home.filePath(QStringLiteral("share"))));
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(home.filePath(QStringLiteral("config"))));
    QCOMPARE(packetSenderFolder(), QString());
    // Before version 8: ~/.config/PacketSender.
    QVERIFY(QDir().mkpath(home.filePath(QStringLiteral("config/PacketSender"))));
    QCOMPARE(packetSenderFolder(), home.filePath(QStringLiteral("config/PacketSender")));
    // 8.1: ~/.local/share/PacketSender, first when both exist.
    QVERIFY(QDir().mkpath(home.filePath(QStringLiteral("share/PacketSender"))));
    QCOMPARE(packetSenderFolder(), home.filePath(QStringLiteral("share/PacketSender")));
}

void TestPayloadLibrary::packetSenderGarbageIsRefused_data() {
    QTest::addColumn<QByteArray>("ini");
    QTest::addColumn<QString>("error");
    QTest::addColumn<QStringList>("warnings");
    const QString none = QStringLiteral("no packets found (is this Packet Sender's packets.ini?)");
    QTest::newRow("empty") << QByteArray() << none << QStringList();
    QTest::newRow("names only") << QByteArray("[NAMES]\n1\\name=a\nsize=1\n") << none << QStringList();
    QTest::newRow("binary") << QByteArrayLiteral("\x00\xff[\x01=\n\n==[[]]\\") << none << QStringList();
    QTest::newRow("json") << DocumentedLibrary << none << QStringList();
    QTest::newRow("bad port")
        << QByteArray("[a]\nhexString=41\ntoIP=10.0.0.1\nport=99999\n") << QString()
        << QStringList{QStringLiteral(
               "\"a\": port \"99999\" is not a port (0-65535); imported without a destination")};
    QTest::newRow("bad host") << QByteArray("[a]\nhexString=41\ntoIP=1.2.3.999\nport=1\n") << QString()
                              << QStringList{QStringLiteral("\"a\": destination \"1.2.3.999\": ") +
                                             parseHostPort(u"1.2.3.999:1").error +
                                             QStringLiteral("; imported without a destination")};
    QTest::newRow("protocol") << QByteArray("[a]\nhexString=41\ntcpOrUdp=SCTP\n") << QString()
                              << QStringList{QStringLiteral(
                                     "\"a\": skipped, protocol \"SCTP\" is neither TCP, UDP, SSL nor HTTP")};
    QTest::newRow("dtls") << QByteArray("[a]\nhexString=41\ntcpOrUdp=DTLS\n") << QString()
                          << QStringList{QStringLiteral(
                                 "\"a\": DTLS imported as plain UDP (Sockbench does not speak DTLS)")};
    QTest::newRow("http without a host")
        << QByteArray("[a]\nhexString=\ntcpOrUdp=HTTP GET\nrequestPath=/x\n") << QString()
        << QStringList{QStringLiteral("\"a\": skipped, HTTP GET request without a host to send it to")};
    QTest::newRow("no name") << QByteArray("[%20]\nhexString=41\n") << QString()
                             << QStringList{QStringLiteral("group \" \": skipped, the packet has no name")};
}

void TestPayloadLibrary::packetSenderGarbageIsRefused() {
    QFETCH(QByteArray, ini);
    QFETCH(QString, error);
    QFETCH(QStringList, warnings);
    const LibraryParseResult r = importPacketSenderIni(ini);
    QCOMPARE(r.error, error);
    QCOMPARE(r.warnings, warnings);
    for (const LibraryEntry &e : r.entries) {
        QString why;
        e.bytes(&why);
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }
}

void TestPayloadLibrary::packetSenderValuesStayText() {
    // QSettings reads "@Variant(...)" as serialised data; here a list of 0x74747474 items, gigabytes.
    // Packet Sender writes its repeat interval that way, and "\x40" is an '@' too.
    const QByteArray hostile(
        "[a]\nhexString=41\nrepeat=@Variant(\\0\\0\\0\\ttttttttt)\n"
        "name=\\x40Variant(\\0\\0\\0\\ttttttttt)\ntoIP=\"@Variant(\\0\\0\\0\\ttttttttt)\", 1\n");
    const LibraryParseResult r = importPacketSenderIni(hostile);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(r.entries.size(), 1);
    QCOMPARE(r.entries.first().name, QString::fromLatin1(QByteArray("@Variant(\0\0\0\ttttttttt)", 22)));
    QCOMPARE(r.entries.first().bytes(), QByteArray("A"));
    QCOMPARE(r.warnings.size(), 1);
    QVERIFY2(r.warnings.first().startsWith(QStringLiteral("\"@Variant(")), qPrintable(r.warnings.first()));
    // Commas and quotes read as Packet Sender wrote them.
    const LibraryParseResult quoted =
        importPacketSenderIni("[b]\nhexString=42\nname=\"Status, query\" \nport= 7\ntoIP=  \"10.0.0.1\"  \n");
    QCOMPARE(quoted.entries.size(), 1);
    QCOMPARE(quoted.entries.first().name, QStringLiteral("Status, query"));
    QVERIFY(quoted.entries.first().target);
    QCOMPARE(*quoted.entries.first().target,
             (LibraryTarget{LibraryTarget::Kind::Tcp, QStringLiteral("10.0.0.1"), 7}));
}

void TestPayloadLibrary::savedFileIsPrivateAndReplacedWhole() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("library.json"));
    // An existing, world-readable file, with a second name (a hard link) kept to see what becomes
    // of it: written in place, the link would show the new library too.
    {
        QFile old(path);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("old");
        QVERIFY(old.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                                   QFileDevice::ReadOther));
    }
    const QString link = dir.filePath(QStringLiteral("old-library.json"));
    QCOMPARE(::link(QFile::encodeName(path).constData(), QFile::encodeName(link).constData()), 0);
    QVERIFY(!isPrivateToOwner(path));

    const QList<LibraryEntry> entries{everyFieldSet()};
    QString error;
    QVERIFY2(saveLibrary(path, entries, &error), qPrintable(error));
    QVERIFY(isPrivateToOwner(path));
    QCOMPARE(QFile::permissions(path), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                           QFileDevice::ReadUser | QFileDevice::WriteUser);
    QFile replaced(link);
    QVERIFY(replaced.open(QIODevice::ReadOnly));
    QCOMPARE(replaced.readAll(), QByteArray("old"));
    // No temporary file is left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
             (QStringList{QStringLiteral("library.json"), QStringLiteral("old-library.json")}));

    const LibraryParseResult back = loadLibrary(path);
    QVERIFY2(back.ok(), qPrintable(back.error));
    QCOMPARE(back.entries, entries);
}

void TestPayloadLibrary::saveCreatesTheFolderAndNamesThePathOnFailure() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString nested = dir.filePath(QStringLiteral("config/Sockbench/library.json"));
    QString error;
    QVERIFY2(saveLibrary(nested, {everyFieldSet()}, &error), qPrintable(error));
    QVERIFY(isPrivateToOwner(nested));
    QCOMPARE(loadLibrary(nested).entries, QList<LibraryEntry>{everyFieldSet()});

    // A folder that is a file cannot be made: the error names the path.
    const QString underFile = nested + QStringLiteral("/library.json");
    QVERIFY(!saveLibrary(underFile, {}, &error));
    QVERIFY2(error.startsWith(underFile + QStringLiteral(": ")), qPrintable(error));
}

void TestPayloadLibrary::missingFileIsAnEmptyLibrary() {
    QTemporaryDir dir;
    const LibraryParseResult r = loadLibrary(dir.filePath(QStringLiteral("library.json")));
    QVERIFY2(r.ok(), qPrintable(r.error));
    QVERIFY(r.entries.isEmpty());
}

void TestPayloadLibrary::brokenFileNamesThePath() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("library.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"sockbench_library": 9, "entries": []})");
    file.close();
    QCOMPARE(loadLibrary(path).error,
             path + QStringLiteral(": sockbench_library: format 9 is newer than this Sockbench reads (1)"));
    // A folder where the file should be cannot be read.
    const LibraryParseResult folder = loadLibrary(dir.path());
    QVERIFY(!folder.ok());
    QVERIFY2(folder.error.startsWith(dir.path() + QStringLiteral(": ")), qPrintable(folder.error));
}

void TestPayloadLibrary::defaultPathIsInTheConfigFolder() {
    QStandardPaths::setTestModeEnabled(true);
    const QString config = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    QCoreApplication::setOrganizationName(QStringLiteral("Sockbench"));
    QCoreApplication::setApplicationName(QStringLiteral("Sockbench"));
    QCOMPARE(defaultLibraryPath(), config + QStringLiteral("/Sockbench/library.json"));
    // The demo keeps its own organisation, and so its own library.
    QCoreApplication::setOrganizationName(QStringLiteral("SockbenchDemo"));
    QCOMPARE(defaultLibraryPath(), config + QStringLiteral("/SockbenchDemo/library.json"));
    // The command line names only the application.
    QCoreApplication::setOrganizationName(QString());
    QCOMPARE(defaultLibraryPath(), config + QStringLiteral("/Sockbench/library.json"));
}

SOCKBENCH_TEST_MAIN(TestPayloadLibrary)
#include "tst_payloadlibrary.moc"
