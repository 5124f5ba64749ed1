// exportbench: how long ExportJob takes to write 1,000,000 journal records (the goal: at most 10 s).
//
// The journal is filled directly, the way the engine fills it: eight TCP connections described
// with describeEndpoint() (local and peer addresses, Established marker) trading 100 to 1,000 byte
// chunks both ways, and an event every 100 records. The budget holds every payload, so every
// format writes every byte. Each format is then exported with ExportJob::run (the code the
// window's thread runs) into a temporary directory, and timed from the call to the committed file.
//
// Usage: exportbench [records=1000000] [directory for the files=a temporary one].
// Prints one JSON object: seconds and bytes per format, the goal, the fill time.

#include "capture/exporter.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cstdio>

using namespace sockbench;

namespace {

constexpr double GoalSeconds = 10;
constexpr EndpointId Connections = 8;

void fill(Journal *journal, quint64 records) {
    for (EndpointId id = 1; id <= Connections; ++id) {
        EndpointMeta meta;
        meta.kind = EndpointKind::TcpConnection;
        meta.outgoing = true;
        meta.local = NetAddress{QStringLiteral("127.0.0.1"), quint16(41000 + id)};
        meta.peer = NetAddress{QStringLiteral("127.0.0.1"), 5000};
        journal->describeEndpoint(id, meta);
        journal->appendEvent(id, QStringLiteral("Connected to 127.0.0.1:5000"), Marker::Established);
    }
    // Printable text with line breaks and some binary: what the escaping paths see in real traffic.
    QByteArray bytes;
    for (int i = 0; i < 1000; ++i)
        bytes.append(i % 61 == 60 ? '\n' : i % 97 == 96 ? char(i & 0xff) : char('a' + i % 26));
    quint64 state = 0x9E3779B97F4A7C15ULL;
    for (quint64 i = Connections; i < records; ++i) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        const EndpointId id = 1 + state % Connections;
        if (i % 100 == 99) {
            journal->appendEvent(id, QStringLiteral("Send queue above 1 MiB"));
            continue;
        }
        const quint32 length = 100 + quint32((state >> 8) % 901);
        journal->appendData(id, (state >> 20) & 1 ? RecordKind::DataIn : RecordKind::DataOut,
                            bytes.constData(), length);
    }
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const quint64 records = args.size() > 1 ? args[1].toULongLong() : 1000000;
    QTemporaryDir temporary;
    const QString dir = args.size() > 2 ? args[2] : temporary.path();

    Journal journal(8LL * 1024 * 1024 * 1024);
    QElapsedTimer timer;
    timer.start();
    fill(&journal, records);
    const double fillSeconds = double(timer.nsecsElapsed()) / 1e9;

    QJsonObject result{{QStringLiteral("records"), qint64(journal.count())},
                       {QStringLiteral("payload_bytes"), journal.payloadBytesHeld()},
                       {QStringLiteral("fill_s"), fillSeconds},
                       {QStringLiteral("goal_s"), GoalSeconds}};
    const struct {
        ExportFormat format;
        const char *name;
        const char *file;
    } formats[] = {
        {ExportFormat::Pcapng, "pcapng", "export.pcapng"},
        {ExportFormat::Csv, "csv", "export.csv"},
        {ExportFormat::JsonLines, "jsonl", "export.jsonl"},
        {ExportFormat::Text, "text", "export.txt"},
    };
    bool allOk = true;
    for (const auto &f : formats) {
        ExportRequest request;
        request.format = f.format;
        request.path = dir + u'/' + QLatin1String(f.file);
        QString error;
        timer.restart();
        const bool ok = ExportJob::run(journal, request, &error);
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        QJsonObject one{{QStringLiteral("seconds"), seconds},
                        {QStringLiteral("bytes"), QFileInfo(request.path).size()},
                        {QStringLiteral("ok"), ok}};
        if (!ok) {
            one.insert(QStringLiteral("error"), error);
            allOk = false;
        }
        std::fprintf(stderr, "exportbench: %-6s %.2f s, %lld bytes%s%s\n", f.name, seconds,
                     static_cast<long long>(QFileInfo(request.path).size()),
                     ok ? "" : ", failed: ", qPrintable(error));
        result.insert(QLatin1String(f.name), one);
        if (args.size() <= 2)
            QFile::remove(request.path); // the temporary directory is not worth gigabytes of files
    }
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    return allOk ? 0 : 1;
}
