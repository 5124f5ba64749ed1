// exportbench: how long ExportJob takes to write 1,000,000 journal records (the goals: JSON Lines
// at most 2.5 s, the other formats at most 10 s).
//
// The journal is filled directly, the way the engine fills it: eight TCP connections described
// with describeEndpoint() (local and peer addresses, Established marker) trading 100 to 1,000 byte
// chunks both ways, and an event every 100 records. The budget holds every payload, so every
// format writes every byte. Each format is then exported with ExportJob::run (the code the
// window's thread runs) into a temporary directory, and timed from the call to the committed file.
// Beside each format, the floor: the same number of bytes written to the same directory through
// QSaveFile in 4 MiB writes and committed, as `dd` would, so that a slow disk shows as the disk.
//
// Usage: exportbench [records=1000000] [directory for the files=a temporary one] [formats=all,
// comma-separated: pcapng,csv,jsonl,text].
// Prints one JSON object: seconds and bytes per format, the goal, the fill time.

#include "capture/exporter.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

using namespace sockbench;

namespace {

constexpr double GoalSeconds = 10;
constexpr double JsonLinesGoalSeconds = 2.5;

/// Seconds to write `bytes` bytes to `path` and commit them, with nothing to format.
double floorSeconds(const QString &path, qint64 bytes) {
    const QByteArray block(4 * 1024 * 1024, 'x');
    QElapsedTimer timer;
    timer.start();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return -1;
    for (qint64 left = bytes; left > 0; left -= block.size()) {
        if (file.write(block.constData(), std::min<qint64>(left, block.size())) < 0)
            return -1;
    }
    if (!file.commit())
        return -1;
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    QFile::remove(path);
    return seconds;
}
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
    const QString dir = args.size() > 2 && !args[2].isEmpty() ? args[2] : temporary.path();
    const QStringList only = args.size() > 3 ? args[3].split(u',') : QStringList();

    Journal journal(8LL * 1024 * 1024 * 1024);
    QElapsedTimer timer;
    timer.start();
    fill(&journal, records);
    const double fillSeconds = double(timer.nsecsElapsed()) / 1e9;

    QJsonObject result{{QStringLiteral("records"), qint64(journal.count())},
                       {QStringLiteral("payload_bytes"), journal.payloadBytesHeld()},
                       {QStringLiteral("fill_s"), fillSeconds},
                       {QStringLiteral("goal_s"), GoalSeconds},
                       {QStringLiteral("jsonl_goal_s"), JsonLinesGoalSeconds}};
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
        if (!only.isEmpty() && !only.contains(QLatin1String(f.name)))
            continue;
        ExportRequest request;
        request.format = f.format;
        request.path = dir + u'/' + QLatin1String(f.file);
        QString error;
        timer.restart();
        const bool ok = ExportJob::run(journal, request, &error);
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        const qint64 bytes = QFileInfo(request.path).size();
        if (dir == temporary.path())
            QFile::remove(request.path); // the temporary directory is not worth gigabytes of files
        const double floor = ok ? floorSeconds(dir + QStringLiteral("/floor.bin"), bytes) : -1;
        QJsonObject one{{QStringLiteral("seconds"), seconds},
                        {QStringLiteral("bytes"), bytes},
                        {QStringLiteral("floor_s"), floor},
                        {QStringLiteral("ok"), ok}};
        if (!ok) {
            one.insert(QStringLiteral("error"), error);
            allOk = false;
        }
        std::fprintf(stderr, "exportbench: %-6s %.2f s, %lld bytes (writing them alone: %.2f s)%s%s\n",
                     f.name, seconds, static_cast<long long>(bytes), floor,
                     ok ? "" : ", failed: ", qPrintable(error));
        result.insert(QLatin1String(f.name), one);
    }
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    return allOk ? 0 : 1;
}
