// ExportJob: a real session over loopback exported in every format and read back by independent
// readers (a CSV reader of this test's own, QJsonDocument, the log lines, the exact bytes), the
// selection and endpoint filters, progress and Cancel off the GUI thread, files that are never
// left half-written, clear messages for bad paths, and a 100,000-record journal.

#include "capture/exporter.h"
#include "csvreader.h"
#include "engine/workbench.h"
#include "language/payload.h"
#include "testfiles.h"
#include "testmain.h"
#include "testutil.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace sockbench;
using namespace sockbench::test;

namespace {

QByteArray unescape(const QByteArray &escaped) {
    PayloadSpec spec;
    const PayloadResult back = parsePayload(QString::fromUtf8(escaped), spec);
    return back.ok() ? back.bytes : QByteArray("<unparsable: ") + escaped + '>';
}

// A journal of `n` records filled directly: 10 to 99 bytes both ways on three endpoints, and an
// event every 100 records.
void fill(Journal *journal, quint64 n) {
    for (EndpointId id = 1; id <= 3; ++id) {
        EndpointMeta meta;
        meta.outgoing = true;
        meta.local = NetAddress{QStringLiteral("127.0.0.1"), quint16(40000 + id)};
        meta.peer = NetAddress{QStringLiteral("127.0.0.1"), 5000};
        journal->describeEndpoint(id, meta);
    }
    const QByteArray bytes = pattern(100);
    for (quint64 i = 0; i < n; ++i) {
        const EndpointId id = 1 + i % 3;
        if (i % 100 == 99)
            journal->appendEvent(id, QStringLiteral("event %1").arg(i));
        else
            journal->appendData(id, i % 2 ? RecordKind::DataIn : RecordKind::DataOut, bytes.constData(),
                                quint32(10 + i % 90));
    }
}

} // namespace

class TestExporter final : public QObject {
    Q_OBJECT

public:
    TestExporter() = default;
    Q_DISABLE_COPY_MOVE(TestExporter)

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void csvReadsBack();
    void jsonLinesReadBack();
    void textIsTheLogLines();
    void rawIsOneDirection();
    void rawNeedsAnEndpoint();
    void rawRefusesDroppedBytes();
    void pcapngIsWritten();
    void selectionKeepsItsOrder();
    void endpointFilter();
    void badPathIsExplained();
    void progressArrivesOnTheGuiThread();
    void cancelLeavesNoFile();
    void cancelKeepsTheOldFile();
    void hundredThousandRecords();

private:
    QString path(const QString &name) const { return m_dir.filePath(name); }
    bool exportTo(const ExportRequest &request) {
        QString error;
        const bool ok = ExportJob::run(m_wb->journal(), request, &error);
        if (!ok)
            qWarning() << error;
        return ok;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<Workbench> m_wb;
    EndpointId m_listener = 0;
    EndpointId m_client = 0;
    EndpointId m_server = 0;
    QByteArray m_sent;  ///< client -> server
    QByteArray m_reply; ///< server -> client
    QHash<EndpointId, QString> m_names;
};

void TestExporter::initTestCase() {
    QVERIFY(m_dir.isValid());
    m_wb = std::make_unique<Workbench>();
    QSignalSpy accepted(m_wb.get(), &Workbench::connectionAccepted);
    const NetAddress at = startListener(*m_wb, &m_listener);
    QVERIFY(at.isValid());
    m_client = connectAndWait(*m_wb, at);
    QVERIFY(m_client != 0);
    m_server = waitAccepted(accepted, m_wb->info(m_client).local);
    QVERIFY(m_server != 0);
    // Text, every byte value, quotes and commas for CSV, line breaks for JSON and the log.
    m_sent = QByteArray("hello, \"world\"\r\n") + pattern(3000);
    for (int b = 0; b < 256; ++b)
        m_sent.append(char(b));
    m_reply = QByteArray("ok\n") + pattern(500, 7);
    QVERIFY(m_wb->send(m_client, m_sent.left(100)));
    QVERIFY(m_wb->send(m_client, m_sent.mid(100)));
    QTRY_COMPARE(streamOf(m_wb->journal(), m_server, RecordKind::DataIn), m_sent);
    QVERIFY(m_wb->send(m_server, m_reply));
    QTRY_COMPARE(streamOf(m_wb->journal(), m_client, RecordKind::DataIn), m_reply);
    m_wb->close(m_client);
    QTRY_VERIFY(isFinal(m_wb->info(m_server).state));
    QTRY_VERIFY(isFinal(m_wb->info(m_client).state));
    m_names = {{m_listener, QStringLiteral("#%1 listener").arg(m_listener)},
               {m_client, QStringLiteral("#%1 client, \"A\"").arg(m_client)},
               {m_server, QStringLiteral("#%1 accepted").arg(m_server)}};
}

void TestExporter::cleanupTestCase() {
    m_wb.reset();
}

void TestExporter::csvReadsBack() {
    const Journal &journal = m_wb->journal();
    const ExportRequest request{ExportFormat::Csv,  path("all.csv"), {}, 0, UINT64_MAX, {},
                                RecordKind::DataIn, m_names};
    QVERIFY(exportTo(request));
    bool ok = false;
    const QList<QList<QByteArray>> rows = readCsv(readFileBytes(request.path), &ok);
    QVERIFY(ok);
    QCOMPARE(quint64(rows.size()), journal.count() + 1);
    QCOMPARE(rows[0].join(','), QByteArray("seq,time,time_us,endpoint,endpoint_name,local,peer,kind,length,"
                                           "original_length,flags,payload,hex"));
    QByteArray sent;
    QByteArray received;
    for (quint64 seq = 0; seq < journal.count(); ++seq) {
        Record r;
        QVERIFY(journal.record(seq, &r, true));
        const QList<QByteArray> &row = rows[qsizetype(seq) + 1];
        QCOMPARE(row.size(), qsizetype(13));
        QCOMPARE(row[0], QByteArray::number(seq));
        QCOMPARE(row[2], QByteArray::number(r.timeNs / 1000));
        QCOMPARE(row[3], QByteArray::number(r.endpoint));
        QCOMPARE(QString::fromUtf8(row[4]), m_names.value(r.endpoint));
        const std::optional<EndpointMeta> meta = journal.describedEndpoint(r.endpoint);
        if (meta && meta->local.isValid())
            QCOMPARE(QString::fromUtf8(row[5]), meta->local.toString());
        if (meta && meta->peer.isValid())
            QCOMPARE(QString::fromUtf8(row[6]), meta->peer.toString());
        // The listener's events (listening, accepted, closed) have no peer: the column is empty,
        // never the listener's name.
        if (r.endpoint == m_listener)
            QCOMPARE(row[6], QByteArray());
        QCOMPARE(unescape(row[11]), r.payload);
        QCOMPARE(QByteArray::fromHex(row[12]), r.payload);
        QCOMPARE(row[12], r.payload.toHex());
        if (r.endpoint == m_client && r.kind == RecordKind::DataOut)
            sent += unescape(row[11]);
        if (r.endpoint == m_client && r.kind == RecordKind::DataIn)
            received += unescape(row[11]);
    }
    QCOMPARE(sent, m_sent);
    QCOMPARE(received, m_reply);
    // The client's row names its own port and the listener's.
    QCOMPARE(rows.last()[3].isEmpty(), false);
}

void TestExporter::jsonLinesReadBack() {
    const Journal &journal = m_wb->journal();
    const ExportRequest request{
        ExportFormat::JsonLines, path("all.jsonl"), {}, 0, UINT64_MAX, {}, RecordKind::DataIn, m_names};
    QVERIFY(exportTo(request));
    const QList<QByteArray> lines = readFileBytes(request.path).split('\n');
    QCOMPARE(quint64(lines.size()), journal.count() + 1);
    QVERIFY(lines.last().isEmpty());
    QByteArray sent;
    int events = 0;
    for (quint64 seq = 0; seq < journal.count(); ++seq) {
        Record r;
        QVERIFY(journal.record(seq, &r, true));
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(lines[qsizetype(seq)], &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(o.value(u"seq").toInteger(), qint64(seq));
        QCOMPARE(o.value(u"endpoint").toInteger(), qint64(r.endpoint));
        QCOMPARE(o.value(u"endpoint_name").toString(), m_names.value(r.endpoint));
        QCOMPARE(o.value(u"direction").toString(), kindName(r.kind));
        QCOMPARE(o.value(u"length").toInteger(), qint64(r.length));
        // ISO 8601 with microseconds and the offset: "2026-11-30T18:02:03.123456+01:00".
        const QString time = o.value(u"time").toString();
        QCOMPARE(time.size(), qsizetype(32));
        QVERIFY2(time[26] == u'+' || time[26] == u'-', qPrintable(time));
        const std::optional<EndpointMeta> meta = journal.describedEndpoint(r.endpoint);
        if (meta && meta->local.isValid())
            QCOMPARE(o.value(u"local").toString(), meta->local.toString());
        if (r.endpoint == m_listener)
            QCOMPARE(o.value(u"peer").toString(), QString());
        if (r.endpoint == m_client) {
            QCOMPARE(o.value(u"local").toString(), m_wb->info(m_client).local.toString());
            QCOMPARE(o.value(u"peer").toString(), m_wb->info(m_client).peer.toString());
        }
        QCOMPARE(QByteArray::fromHex(o.value(u"hex").toString().toLatin1()), r.payload);
        QCOMPARE(unescape(o.value(u"text").toString().toUtf8()), r.payload);
        if (r.kind == RecordKind::Event) {
            ++events;
            QCOMPARE(o.value(u"event").toString(), QString::fromUtf8(r.payload));
        }
        if (r.endpoint == m_client && r.kind == RecordKind::DataOut)
            sent += QByteArray::fromHex(o.value(u"hex").toString().toLatin1());
    }
    QCOMPARE(sent, m_sent);
    QVERIFY(events > 0);
}

void TestExporter::textIsTheLogLines() {
    const Journal &journal = m_wb->journal();
    const ExportRequest request{
        ExportFormat::Text, path("all.txt"), {}, 0, UINT64_MAX, {}, RecordKind::DataIn, {}};
    QVERIFY(exportTo(request));
    // The log as the command line writes it: a connection by its peer's address.
    const Workbench *wb = m_wb.get();
    const EndpointNamer namer = [wb](EndpointId id) {
        const NetAddress peer = wb->info(id).peer;
        return peer.isValid() ? peer.toString() : QString();
    };
    QByteArray expected;
    for (quint64 seq = 0; seq < journal.count(); ++seq) {
        Record r;
        QVERIFY(journal.record(seq, &r, true));
        appendLogLine(&expected, r, namer);
    }
    QCOMPARE(readFileBytes(request.path), expected);
}

void TestExporter::rawIsOneDirection() {
    ExportRequest request{ExportFormat::Raw, path("client-out.bin"), {}, 0, UINT64_MAX,
                          {m_client},        RecordKind::DataOut,    {}};
    QVERIFY(exportTo(request));
    QCOMPARE(readFileBytes(request.path), m_sent);
    request.rawDirection = RecordKind::DataIn;
    request.path = path("client-in.bin");
    QVERIFY(exportTo(request));
    QCOMPARE(readFileBytes(request.path), m_reply);
    request.endpoints = {m_server};
    request.path = path("server-in.bin");
    QVERIFY(exportTo(request));
    QCOMPARE(readFileBytes(request.path), m_sent);
}

void TestExporter::rawNeedsAnEndpoint() {
    const ExportRequest request{
        ExportFormat::Raw, path("none.bin"), {}, 0, UINT64_MAX, {}, RecordKind::DataIn, {}};
    QString error;
    QVERIFY(!ExportJob::run(m_wb->journal(), request, &error));
    QVERIFY2(error.contains(QStringLiteral("connection")), qPrintable(error));
    QVERIFY(!QFile::exists(request.path));
}

void TestExporter::rawRefusesDroppedBytes() {
    // A 2 MiB budget and 3 MiB through it: the first megabytes are gone, and a raw file of them
    // would silently miss bytes.
    Journal journal(2 * 1024 * 1024);
    const QByteArray block = pattern(64 * 1024);
    for (int i = 0; i < 48; ++i)
        journal.appendData(1, RecordKind::DataIn, block);
    QVERIFY(journal.oldestSeq() > 0);
    const ExportRequest request{
        ExportFormat::Raw, path("evicted.bin"), {}, 0, UINT64_MAX, {1}, RecordKind::DataIn, {}};
    QString error;
    QVERIFY(!ExportJob::run(journal, request, &error));
    QVERIFY2(error.contains(QStringLiteral("memory budget")), qPrintable(error));
    QVERIFY(!QFile::exists(request.path));
    // The other formats write the records held, and succeed.
    const ExportRequest csv{
        ExportFormat::Csv, path("evicted.csv"), {}, 0, UINT64_MAX, {}, RecordKind::DataIn, {}};
    QVERIFY(ExportJob::run(journal, csv, &error));
    QCOMPARE(quint64(readFileBytes(csv.path).count("\r\n")), 1 + journal.count() - journal.oldestSeq());
    // A connection that began after the dropped records exports raw whole.
    const quint64 later = journal.count();
    for (int i = 0; i < 3; ++i)
        journal.appendData(2, RecordKind::DataIn, block);
    const ExportRequest whole{
        ExportFormat::Raw, path("whole.bin"), {}, 0, UINT64_MAX, {2}, RecordKind::DataIn, {}};
    QVERIFY2(ExportJob::run(journal, whole, &error), qPrintable(error));
    QCOMPARE(readFileBytes(whole.path), block + block + block);
    QVERIFY(journal.oldestSeq() <= later);
}

void TestExporter::pcapngIsWritten() {
    const ExportRequest request{
        ExportFormat::Pcapng, path("all.pcapng"), {}, 0, UINT64_MAX, {}, RecordKind::DataIn, m_names};
    QVERIFY(exportTo(request));
    const QByteArray file = readFileBytes(request.path);
    // A Section Header Block first (block type 0x0A0D0D0A), then the traffic.
    QVERIFY(file.startsWith(QByteArray("\x0a\x0d\x0d\x0a", 4)));
    QVERIFY(file.size() > m_sent.size() + m_reply.size());

    // A selection in any order goes to the writer in journal order, which it needs.
    const std::vector<Record> out = recordsOf(m_wb->journal(), m_client, RecordKind::DataOut);
    ExportRequest selected = request;
    selected.path = path("selected.pcapng");
    for (auto it = out.rbegin(); it != out.rend(); ++it)
        selected.seqs.push_back(it->seq);
    QVERIFY(exportTo(selected));
    QVERIFY(readFileBytes(selected.path).startsWith(QByteArray("\x0a\x0d\x0d\x0a", 4)));

    // Wireshark's reader follows the one TCP stream and gets every byte, both ways.
    if (QStandardPaths::findExecutable(QStringLiteral("tshark")).isEmpty())
        QSKIP("tshark is not installed (scripts/deps installs it)");
    QProcess tshark;
    tshark.start(QStringLiteral("tshark"), {QStringLiteral("-r"), request.path, QStringLiteral("-qz"),
                                            QStringLiteral("follow,tcp,raw,0")});
    QVERIFY(tshark.waitForFinished(30000));
    QVERIFY2(tshark.exitStatus() == QProcess::NormalExit && tshark.exitCode() == 0,
             tshark.readAllStandardError().constData());
    QByteArray fromClient;
    QByteArray fromServer;
    bool inBody = false;
    for (const QByteArray &line : tshark.readAllStandardOutput().split('\n')) {
        if (line.startsWith("Node 1:")) {
            inBody = true;
            continue;
        }
        if (!inBody || line.startsWith("===") || line.trimmed().isEmpty())
            continue;
        if (line.startsWith('\t'))
            fromServer += QByteArray::fromHex(line.trimmed());
        else
            fromClient += QByteArray::fromHex(line.trimmed());
    }
    QCOMPARE(fromClient, m_sent);
    QCOMPARE(fromServer, m_reply);
}

void TestExporter::selectionKeepsItsOrder() {
    const std::vector<Record> out = recordsOf(m_wb->journal(), m_client, RecordKind::DataOut);
    QVERIFY(out.size() >= 2);
    ExportRequest request{
        ExportFormat::Csv, path("selected.csv"), {}, 0, UINT64_MAX, {}, RecordKind::DataIn, {}};
    request.seqs = {out[1].seq, out[0].seq, 0};
    QVERIFY(exportTo(request));
    bool ok = false;
    const QList<QList<QByteArray>> rows = readCsv(readFileBytes(request.path), &ok);
    QVERIFY(ok);
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows[1][0], QByteArray::number(out[1].seq));
    QCOMPARE(rows[2][0], QByteArray::number(out[0].seq));
    QCOMPARE(rows[3][0], QByteArray("0"));
    QCOMPARE(unescape(rows[1][11]) + unescape(rows[2][11]), out[1].payload + out[0].payload);

    // A range, and a seq past the end of the journal is refused in words.
    request.seqs.clear();
    request.first = 1;
    request.last = 3;
    QVERIFY(exportTo(request));
    QCOMPARE(readCsv(readFileBytes(request.path), &ok).size(), 3);
    request.seqs = {m_wb->journal().count() + 5};
    QString error;
    QVERIFY(!ExportJob::run(m_wb->journal(), request, &error));
    QVERIFY2(error.contains(QString::number(m_wb->journal().count() + 5)), qPrintable(error));
}

void TestExporter::endpointFilter() {
    const ExportRequest request{
        ExportFormat::JsonLines, path("server.jsonl"), {}, 0, UINT64_MAX, {m_server}, RecordKind::DataIn, {}};
    QVERIFY(exportTo(request));
    const QList<QByteArray> lines = readFileBytes(request.path).split('\n');
    qsizetype expected = 0;
    for (quint64 seq = 0; seq < m_wb->journal().count(); ++seq) {
        Record r;
        QVERIFY(m_wb->journal().record(seq, &r, false));
        expected += r.endpoint == m_server;
    }
    QCOMPARE(lines.size(), expected + 1);
    QByteArray received;
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
        const QJsonObject o = QJsonDocument::fromJson(lines[i]).object();
        QCOMPARE(o.value(u"endpoint").toInteger(), qint64(m_server));
        if (o.value(u"direction").toString() == u"in")
            received += QByteArray::fromHex(o.value(u"hex").toString().toLatin1());
    }
    QCOMPARE(received, m_sent);
}

void TestExporter::badPathIsExplained() {
    const ExportRequest request{ExportFormat::Csv,
                                QStringLiteral("/nonexistent/x.csv"),
                                {},
                                0,
                                UINT64_MAX,
                                {},
                                RecordKind::DataIn,
                                {}};
    QString error;
    QVERIFY(!ExportJob::run(m_wb->journal(), request, &error));
    QVERIFY2(error.startsWith(QStringLiteral("/nonexistent/x.csv: ")), qPrintable(error));
    QVERIFY2(error.size() > 20, qPrintable(error)); // the reason in words follows

    ExportJob job(m_wb->journal(), request);
    QSignalSpy finished(&job, &ExportJob::finished);
    job.start();
    QVERIFY(finished.wait(5000));
    QCOMPARE(finished.constFirst().at(0).toBool(), false);
    QCOMPARE(finished.constFirst().at(1).toString(), error);
}

void TestExporter::progressArrivesOnTheGuiThread() {
    Journal journal;
    fill(&journal, 200000);
    const ExportRequest request{
        ExportFormat::JsonLines, path("progress.jsonl"), {}, 0, UINT64_MAX, {}, RecordKind::DataIn, {}};
    ExportJob job(journal, request);
    QSignalSpy progress(&job, &ExportJob::progress);
    QSignalSpy finished(&job, &ExportJob::finished);
    QThread *const gui = QThread::currentThread();
    bool onGui = true;
    connect(&job, &ExportJob::progress, this, [&] { onGui = onGui && QThread::currentThread() == gui; });
    QElapsedTimer timer;
    timer.start();
    job.start();
    QVERIFY(finished.wait(60000));
    const qint64 elapsed = timer.elapsed();
    QVERIFY(onGui);
    QCOMPARE(finished.constFirst().at(0).toBool(), true);
    QVERIFY2(finished.constFirst().at(1).toString().startsWith(QStringLiteral("200")),
             qPrintable(finished.constFirst().at(1).toString()));
    QVERIFY(progress.size() >= 2); // the start and the end at least
    // At most about every 50 ms (plus the first and the last).
    QVERIFY2(progress.size() <= elapsed / 50 + 3, qPrintable(QString::number(progress.size())));
    QCOMPARE(progress.constLast().at(0).value<quint64>(), quint64(200000));
    QCOMPARE(progress.constLast().at(1).value<quint64>(), quint64(200000));
    quint64 previous = 0;
    for (const QList<QVariant> &args : std::as_const(progress)) {
        QVERIFY(args.at(0).value<quint64>() >= previous);
        previous = args.at(0).value<quint64>();
    }
    QCOMPARE(quint64(readFileBytes(request.path).count('\n')), quint64(200000));
}

void TestExporter::cancelLeavesNoFile() {
    Journal journal;
    fill(&journal, 200000);
    QTemporaryDir dir;
    const ExportRequest request{ExportFormat::JsonLines,
                                dir.filePath(QStringLiteral("cancelled.jsonl")),
                                {},
                                0,
                                UINT64_MAX,
                                {},
                                RecordKind::DataIn,
                                {}};
    ExportJob job(journal, request);
    QSignalSpy finished(&job, &ExportJob::finished);
    // Cancel at the first progress report, long before 200,000 records are written.
    connect(&job, &ExportJob::progress, &job, [&job] { job.cancel(); });
    job.start();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.constFirst().at(0).toBool(), false);
    QCOMPARE(finished.constFirst().at(1).toString(), QStringLiteral("Cancelled"));
    // Neither the file nor QSaveFile's temporary is left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
             QStringList());

    // run(): the progress callback says stop.
    QString error;
    QVERIFY(!ExportJob::run(journal, request, &error, [](quint64 done, quint64) { return done == 0; }));
    QCOMPARE(error, QStringLiteral("Cancelled"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
             QStringList());
}

void TestExporter::cancelKeepsTheOldFile() {
    Journal journal;
    fill(&journal, 100000);
    const ExportRequest request{
        ExportFormat::Csv, path("kept.csv"), {}, 0, UINT64_MAX, {}, RecordKind::DataIn, {}};
    {
        QFile old(request.path);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("the previous export\n");
    }
    {
        // Destroyed while running: the destructor cancels and joins.
        ExportJob job(journal, request);
        job.start();
    }
    QString error;
    QVERIFY(!ExportJob::run(journal, request, &error, [](quint64 done, quint64) { return done == 0; }));
    QCOMPARE(readFileBytes(request.path), QByteArray("the previous export\n"));
}

void TestExporter::hundredThousandRecords() {
    Journal journal;
    fill(&journal, 100000);
    const ExportRequest request{
        ExportFormat::Csv, path("big.csv"), {}, 0, UINT64_MAX, {}, RecordKind::DataIn, {}};
    QVERIFY(ExportJob::run(journal, request, nullptr));
    const QByteArray csv = readFileBytes(request.path);
    QCOMPARE(csv.count("\r\n"), qsizetype(100001));
    QVERIFY(csv.endsWith("event 99999," + QByteArray("event 99999").toHex() + "\r\n"));

    ExportRequest raw{ExportFormat::Raw, path("big.bin"), {}, 0, UINT64_MAX, {2}, RecordKind::DataOut, {}};
    QVERIFY(ExportJob::run(journal, raw, nullptr));
    QCOMPARE(readFileBytes(raw.path), streamOf(journal, 2, RecordKind::DataOut));
}

SOCKBENCH_TEST_MAIN(TestExporter)
#include "tst_exporter.moc"
