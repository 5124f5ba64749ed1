#pragma once

#include "journal/journal.h"
#include "journal/recordformat.h"

#include <QHash>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace sockbench {

enum class ExportFormat : quint8 {
    Pcapng,    ///< PcapngWriter
    Csv,       ///< recordformat.h's CSV
    JsonLines, ///< recordformat.h's JSON Lines
    Text,      ///< the log lines (recordformat.h's log line)
    Raw,       ///< the payload bytes of one endpoint in one direction, nothing else
};

/// What to export and where.
struct ExportRequest {
    ExportFormat format = ExportFormat::Pcapng;
    QString path;
    /// The records: these sequence numbers in this order when not empty (pcapng: in journal order,
    /// as its writer needs), else [first, last).
    std::vector<quint64> seqs;
    quint64 first = 0;
    quint64 last = UINT64_MAX;
    /// Only these endpoints' records (empty: all).
    QList<EndpointId> endpoints;
    /// Raw: the direction written (DataIn or DataOut); the endpoint is endpoints.first().
    RecordKind rawDirection = RecordKind::DataIn;
    /// Names of endpoints for comments and labels, taken on the GUI thread before the export starts.
    QHash<EndpointId, QString> names;
};

/// Exports journal records to a file on a thread of its own, with progress and cancel.
/// The file is written through QSaveFile: a cancelled or failed export leaves no partial file,
/// and an existing file is replaced only by a complete one.
class ExportJob final : public QObject {
    Q_OBJECT
public:
    ExportJob(const Journal &journal, ExportRequest request, QObject *parent = nullptr);
    ~ExportJob() override; ///< cancels and joins
    Q_DISABLE_COPY_MOVE(ExportJob)

    void start();
    void cancel();
    /// Runs on the calling thread (the command line, benchmarks, tests): true, or false and *error.
    static bool run(const Journal &journal, const ExportRequest &request, QString *error,
                    const std::function<bool(quint64 done, quint64 total)> &progress = {});

Q_SIGNALS:
    /// At most about every 50 ms: records written so far, and of how many.
    void progress(quint64 done, quint64 total);
    /// Once: ok, or why not ("Cancelled", "/x/y.pcapng: Permission denied"); summary says what was
    /// written ("1,000,000 records, 812 MB").
    void finished(bool ok, const QString &summary);

private:
    struct Outcome;
    static bool runImpl(const Journal &journal, const ExportRequest &request, const std::atomic<bool> *cancel,
                        const std::function<void(quint64 done, quint64 total)> &progress, Outcome *outcome);

    const Journal &m_journal;
    ExportRequest m_request;
    std::atomic<bool> m_cancel{false};
    std::thread m_thread;
};

} // namespace sockbench
