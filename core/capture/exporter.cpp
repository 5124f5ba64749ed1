#include "capture/exporter.h"

#include "capture/pcapngwriter.h"
#include "journal/journalcursor.h"

#include <QLocale>
#include <QSaveFile>
#include <QSet>

#include <algorithm>
#include <chrono>
#include <optional>
#include <unordered_map>

namespace sockbench {

namespace {

/// Records read from the journal at a time: enough to amortise its lock, few enough that the
/// payloads in hand stay small.
constexpr ReadLimits ExportBatch{256, 16 * 1024 * 1024, true};
/// Output gathered before one write(): large writes, bounded memory.
constexpr qsizetype ChunkBytes = 4 * 1024 * 1024;
/// How often progress is reported at most.
constexpr auto ProgressInterval = std::chrono::milliseconds(50);

QString humanBytes(qint64 bytes) {
    return QLocale::c().formattedDataSize(bytes, 1, QLocale::DataSizeSIFormat);
}

/// Who each endpoint is, looked up once per endpoint rather than once per record.
class EndpointCache final {
public:
    EndpointCache(const Journal &journal, const QHash<EndpointId, QString> &names)
        : m_journal(journal)
        , m_names(names) {}

    const EndpointDetails &details(EndpointId id) { return entry(id).details; }

    /// A connection by its peer's address when the journal knows it, else by the caller's name
    /// (the log lines' label; CSV and JSON Lines give the peer's address alone).
    QString peerName(EndpointId id) {
        const Entry &e = entry(id);
        return e.details.peer.isEmpty() ? e.details.name : e.details.peer;
    }

private:
    struct Entry {
        EndpointDetails details;
    };

    const Entry &entry(EndpointId id) {
        if (id == m_lastId && m_last)
            return *m_last;
        auto it = m_entries.find(id);
        if (it == m_entries.end()) {
            Entry e;
            e.details.name = m_names.value(id);
            if (const std::optional<EndpointMeta> meta = m_journal.describedEndpoint(id)) {
                if (meta->local.isValid())
                    e.details.local = meta->local.toString();
                if (meta->peer.isValid())
                    e.details.peer = meta->peer.toString();
            }
            it = m_entries.emplace(id, std::move(e)).first;
        }
        m_lastId = id;
        m_last = &it->second;
        return it->second;
    }

    const Journal &m_journal;
    const QHash<EndpointId, QString> &m_names;
    std::unordered_map<EndpointId, Entry> m_entries; // never erased: m_last stays valid
    EndpointId m_lastId = 0;
    const Entry *m_last = nullptr;
};

/// What a record means to each format: what it adds to the file.
class RecordWriter final {
public:
    RecordWriter(const Journal &journal, const ExportRequest &request, QByteArray *chunk)
        : m_request(request)
        , m_only(request.endpoints.cbegin(), request.endpoints.cend())
        , m_rawEndpoint(request.endpoints.isEmpty() ? 0 : request.endpoints.first())
        , m_endpoints(journal, request.names)
        , m_namer([this](EndpointId id) { return m_endpoints.peerName(id); })
        , m_chunk(chunk) {
        if (request.format == ExportFormat::Pcapng) {
            // Comments name endpoints as the caller does, falling back to what the journal knows.
            m_pcapng.emplace(journal, [this](EndpointId id) { return m_endpoints.details(id).name; });
            m_pcapng->begin(chunk);
        } else if (request.format == ExportFormat::Csv) {
            chunk->append(csvHeader());
        }
    }
    Q_DISABLE_COPY_MOVE(RecordWriter)

    /// Records written (after the endpoint filter).
    quint64 written() const { return m_written; }

    /// Payload bytes a raw file has taken so far.
    quint64 rawBytes() const { return m_rawBytes; }

    /// False to stop, with *error: an evicted payload that a raw file cannot hold.
    bool add(const Record &record, QString *error) {
        if (!m_only.isEmpty() && !m_only.contains(record.endpoint))
            return true;
        switch (m_request.format) {
        case ExportFormat::Pcapng:
            m_pcapng->add(record, m_chunk);
            break;
        case ExportFormat::Csv:
            appendCsvRow(m_chunk, record, &m_endpoints.details(record.endpoint));
            break;
        case ExportFormat::JsonLines:
            appendJsonLine(m_chunk, record, &m_endpoints.details(record.endpoint));
            break;
        case ExportFormat::Text:
            appendLogLine(m_chunk, record, m_namer);
            break;
        case ExportFormat::Raw:
            if (record.endpoint != m_rawEndpoint || record.kind != m_request.rawDirection)
                return true;
            if (record.isEvicted()) {
                *error = ExportJob::tr("Record %1's %2 bytes were dropped by the memory budget: the raw "
                                       "bytes are no longer complete")
                             .arg(record.seq)
                             .arg(record.length);
                return false;
            }
            appendRaw(m_chunk, record);
            m_rawBytes += record.length;
            break;
        }
        ++m_written;
        return true;
    }

    void finish() {
        if (m_pcapng)
            m_pcapng->finish(m_chunk);
    }

private:
    const ExportRequest &m_request;
    const QSet<EndpointId> m_only;
    const EndpointId m_rawEndpoint;
    EndpointCache m_endpoints;
    const EndpointNamer m_namer;
    std::optional<PcapngWriter> m_pcapng;
    QByteArray *m_chunk;
    quint64 m_written = 0;
    quint64 m_rawBytes = 0;
};

/// The selection to read: the pcapng writer draws each connection's packets in journal order, so a
/// selection goes in that order there; the other formats keep the caller's.
std::vector<quint64> selectionOf(const ExportRequest &request) {
    std::vector<quint64> seqs = request.seqs;
    if (request.format == ExportFormat::Pcapng) {
        std::sort(seqs.begin(), seqs.end());
        seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
    }
    return seqs;
}

} // namespace

struct ExportJob::Outcome {
    quint64 records = 0; ///< records written (after the endpoint filter)
    qint64 bytes = 0;    ///< bytes in the file
    QString error;
};

ExportJob::ExportJob(const Journal &journal, ExportRequest request, QObject *parent)
    : QObject(parent)
    , m_journal(journal)
    , m_request(std::move(request)) {}

ExportJob::~ExportJob() {
    cancel();
    if (m_thread.joinable())
        m_thread.join();
}

void ExportJob::start() {
    if (m_thread.joinable())
        return; // once per job
    m_thread = std::thread([this] {
        auto lastReport = std::chrono::steady_clock::time_point{};
        // Progress goes to the job's own thread (the GUI's) as queued calls; the destructor joins
        // this thread before QObject's drops any call still queued, so `this` is alive in each.
        const auto report = [this, &lastReport](quint64 done, quint64 total) {
            const auto now = std::chrono::steady_clock::now();
            if (done < total && now - lastReport < ProgressInterval)
                return;
            lastReport = now;
            QMetaObject::invokeMethod(
                this, [this, done, total] { Q_EMIT progress(done, total); }, Qt::QueuedConnection);
        };
        Outcome outcome;
        const bool ok = runImpl(m_journal, m_request, &m_cancel, report, &outcome);
        QString summary;
        if (ok) {
            summary = tr("%1 records, %2")
                          .arg(QLocale::system().toString(outcome.records), humanBytes(outcome.bytes));
        } else {
            summary = outcome.error;
        }
        QMetaObject::invokeMethod(
            this, [this, ok, summary] { Q_EMIT finished(ok, summary); }, Qt::QueuedConnection);
    });
}

void ExportJob::cancel() {
    m_cancel.store(true, std::memory_order_relaxed);
}

bool ExportJob::run(const Journal &journal, const ExportRequest &request, QString *error,
                    const std::function<bool(quint64 done, quint64 total)> &progress) {
    std::atomic<bool> cancel{false};
    auto lastReport = std::chrono::steady_clock::time_point{};
    const auto report = [&](quint64 done, quint64 total) {
        if (!progress)
            return;
        const auto now = std::chrono::steady_clock::now();
        if (done < total && now - lastReport < ProgressInterval)
            return;
        lastReport = now;
        if (!progress(done, total))
            cancel.store(true, std::memory_order_relaxed);
    };
    Outcome outcome;
    const bool ok = runImpl(journal, request, &cancel, report, &outcome);
    if (!ok && error)
        *error = outcome.error;
    return ok;
}

bool ExportJob::runImpl(const Journal &journal, const ExportRequest &request, const std::atomic<bool> *cancel,
                        const std::function<void(quint64 done, quint64 total)> &progress, Outcome *outcome) {
    const auto fail = [outcome](const QString &why) {
        outcome->error = why;
        return false;
    };
    if (request.path.isEmpty())
        return fail(tr("No file name given"));
    if (request.format == ExportFormat::Raw) {
        if (request.endpoints.isEmpty())
            return fail(tr("Raw export needs the connection whose bytes it writes"));
        if (request.rawDirection == RecordKind::Event)
            return fail(tr("Raw export writes received or sent bytes, not events"));
    }

    // Which records: the selection as given, else the range clipped to what the journal holds (its
    // budget may have dropped the oldest, and may drop more while this runs: the cursor skips them).
    const quint64 count = journal.count();
    const bool bySeqs = !request.seqs.empty();
    const quint64 first = std::min(std::max(request.first, journal.oldestSeq()), count);
    const quint64 last = std::max(first, std::min(request.last, count));
    std::vector<quint64> selection = bySeqs ? selectionOf(request) : std::vector<quint64>{};
    const quint64 total = bySeqs ? quint64(selection.size()) : last - first;
    std::optional<JournalCursor> cursor;
    if (bySeqs)
        cursor.emplace(journal, std::move(selection), ExportBatch);
    else
        cursor.emplace(journal, first, ExportBatch);
    const quint64 end = bySeqs ? count : last;

    QSaveFile file(request.path);
    // Without a directory of its own, QSaveFile writes in place and a failure would leave half a file.
    file.setDirectWriteFallback(false);
    if (!file.open(QIODevice::WriteOnly))
        return fail(QStringLiteral("%1: %2").arg(request.path, file.errorString()));

    QByteArray chunk;
    chunk.reserve(ChunkBytes + 256 * 1024);
    const auto flush = [&]() {
        if (chunk.isEmpty())
            return true;
        if (file.write(chunk) != chunk.size())
            return false;
        outcome->bytes += chunk.size();
        chunk.resize(0); // keeps the capacity
        return true;
    };
    RecordWriter writer(journal, request, &chunk);
    progress(0, total);
    std::vector<Record> batch;
    while (cursor->taken() + cursor->skipped() < total) {
        if (cancel->load(std::memory_order_relaxed))
            return fail(tr("Cancelled"));
        if (!cursor->read(&batch, end)) {
            if (bySeqs)
                return fail(
                    tr("Record %1 is not in the journal (it holds %2)").arg(cursor->missing()).arg(count));
            return fail(tr("The journal ended at record %1").arg(cursor->position()));
        }
        for (const Record &record : batch) {
            if (!writer.add(record, &outcome->error))
                return false;
        }
        outcome->records = writer.written();
        if (chunk.size() >= ChunkBytes && !flush())
            return fail(QStringLiteral("%1: %2").arg(request.path, file.errorString()));
        progress(cursor->taken(), total);
    }
    writer.finish();
    if (cancel->load(std::memory_order_relaxed))
        return fail(tr("Cancelled"));
    // A raw file must have every byte the connection moved that way: the counters saw them all.
    if (request.format == ExportFormat::Raw && (first > request.first || cursor->skipped() > 0)) {
        const Counters counted = journal.counters(request.endpoints.first());
        const quint64 moved =
            request.rawDirection == RecordKind::DataOut ? counted.bytesOut : counted.bytesIn;
        if (last < count || moved > writer.rawBytes())
            return fail(tr("The journal's memory budget dropped the oldest records, %1 bytes of them this "
                           "connection's: the raw bytes are no longer complete")
                            .arg(moved - std::min(moved, writer.rawBytes())));
    }
    if (!flush() || !file.commit())
        return fail(QStringLiteral("%1: %2").arg(request.path, file.errorString()));
    return true;
}

} // namespace sockbench
