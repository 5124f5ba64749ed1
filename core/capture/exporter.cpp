#include "capture/exporter.h"

#include "capture/pcapngwriter.h"

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
/// payloads in hand stay small (a batch of 64 KiB chunks is 16 MiB at most).
constexpr quint64 BatchRecords = 256;
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

    /// A connection by its peer's address when the journal knows it, else by the caller's name.
    QString peerName(EndpointId id) {
        const Entry &e = entry(id);
        return e.peer.isEmpty() ? e.details.name : e.peer;
    }

private:
    struct Entry {
        EndpointDetails details;
        QString peer;
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
                    e.peer = meta->peer.toString();
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

/// Writes records in the requested format: its header, each record that passes the endpoint
/// filter, and its end.
class RecordWriter final {
public:
    RecordWriter(const Journal &journal, const ExportRequest &request)
        : m_request(request)
        , m_only(request.endpoints.cbegin(), request.endpoints.cend())
        , m_rawEndpoint(request.endpoints.isEmpty() ? 0 : request.endpoints.first())
        , m_endpoints(journal, request.names) {
        if (request.format == ExportFormat::Pcapng) {
            // Comments name endpoints as the caller does, falling back to what the journal knows.
            m_pcapng.emplace(journal, [this](EndpointId id) { return m_endpoints.details(id).name; });
        }
    }
    Q_DISABLE_COPY_MOVE(RecordWriter)

    void begin(QByteArray *chunk) {
        switch (m_request.format) {
        case ExportFormat::Pcapng:
            m_pcapng->begin(chunk);
            break;
        case ExportFormat::Csv:
            chunk->append(csvHeader());
            break;
        case ExportFormat::JsonLines:
        case ExportFormat::Text:
        case ExportFormat::Raw:
            break;
        }
    }

    /// Adds one record, counting it in *written; false with *error to stop: an evicted payload
    /// that a raw file cannot hold.
    bool write(const Record &record, QByteArray *chunk, quint64 *written, QString *error) {
        if (!m_only.isEmpty() && !m_only.contains(record.endpoint))
            return true;
        switch (m_request.format) {
        case ExportFormat::Pcapng:
            m_pcapng->add(record, chunk);
            break;
        case ExportFormat::Csv:
            appendCsvRow(chunk, record, m_namer, &m_endpoints.details(record.endpoint));
            break;
        case ExportFormat::JsonLines:
            appendJsonLine(chunk, record, m_namer, &m_endpoints.details(record.endpoint));
            break;
        case ExportFormat::Text:
            appendLogLine(chunk, record, m_namer);
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
            appendRaw(chunk, record);
            break;
        }
        ++*written;
        return true;
    }

    void finish(QByteArray *chunk) {
        if (m_pcapng)
            m_pcapng->finish(chunk);
    }

private:
    const ExportRequest &m_request;
    const QSet<EndpointId> m_only;
    const EndpointId m_rawEndpoint;
    EndpointCache m_endpoints;
    const EndpointNamer m_namer = [this](EndpointId id) { return m_endpoints.peerName(id); };
    std::optional<PcapngWriter> m_pcapng;
};

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

    // Which records: the selection as given, else the range clipped to what the journal holds.
    const quint64 count = journal.count();
    const bool bySeqs = !request.seqs.empty();
    // The pcapng writer draws each connection's packets in journal order; a selection goes in that
    // order there. The other formats keep the caller's.
    std::vector<quint64> sortedSeqs;
    if (bySeqs && request.format == ExportFormat::Pcapng) {
        sortedSeqs = request.seqs;
        std::sort(sortedSeqs.begin(), sortedSeqs.end());
        sortedSeqs.erase(std::unique(sortedSeqs.begin(), sortedSeqs.end()), sortedSeqs.end());
    }
    const std::vector<quint64> &seqs = sortedSeqs.empty() ? request.seqs : sortedSeqs;
    const quint64 first = std::min(request.first, count);
    const quint64 last = std::max(first, std::min(request.last, count));
    const quint64 total = bySeqs ? quint64(seqs.size()) : last - first;
    QSaveFile file(request.path);
    // Without a directory of its own, QSaveFile writes in place and a failure would leave half a file.
    file.setDirectWriteFallback(false);
    if (!file.open(QIODevice::WriteOnly))
        return fail(QStringLiteral("%1: %2").arg(request.path, file.errorString()));

    RecordWriter writer(journal, request);
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

    writer.begin(&chunk);

    quint64 done = 0;
    progress(0, total);
    std::vector<Record> batch;
    while (done < total) {
        if (cancel->load(std::memory_order_relaxed))
            return fail(tr("Cancelled"));
        const quint64 n = std::min(BatchRecords, total - done);
        if (bySeqs) {
            batch.resize(n);
            for (quint64 i = 0; i < n; ++i) {
                const quint64 seq = seqs[done + i];
                if (!journal.record(seq, &batch[i], true))
                    return fail(tr("Record %1 is not in the journal (it holds %2)").arg(seq).arg(count));
            }
        } else {
            batch = journal.records(first + done, n, true);
            if (batch.size() != n)
                return fail(tr("The journal ended at record %1").arg(first + done + batch.size()));
        }
        for (const Record &record : batch) {
            if (!writer.write(record, &chunk, &outcome->records, &outcome->error))
                return false;
        }
        done += n;
        if (chunk.size() >= ChunkBytes && !flush())
            return fail(QStringLiteral("%1: %2").arg(request.path, file.errorString()));
        progress(done, total);
    }
    writer.finish(&chunk);
    if (cancel->load(std::memory_order_relaxed))
        return fail(tr("Cancelled"));
    if (!flush() || !file.commit())
        return fail(QStringLiteral("%1: %2").arg(request.path, file.errorString()));
    return true;
}

} // namespace sockbench
