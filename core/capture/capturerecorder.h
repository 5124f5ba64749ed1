#pragma once

#include "journal/journal.h"
#include "journal/recordformat.h"

#include <QObject>
#include <QString>

#include <memory>

namespace sockbench {

/// Records the journal to a pcapng file as traffic happens ("Record to file…", --pcap FILE).
///
/// A thread of its own follows the journal from the record after start() on, turns records into
/// packets with PcapngWriter, and writes them to the file, flushed to the kernel at least every
/// second: a process killed at any moment leaves a file that holds every packet up to the last
/// flush. It holds the journal (Journal::addHold) so that eviction never drops a payload it has
/// not written yet, within the journal's hold allowance. The thread runs at a lower CPU priority
/// than the reactors and the GUI: under a flood the traffic comes first, and the recorder catches
/// up once the flood eases. The file is a plain one, not a QSaveFile: it must be readable while it
/// grows.
class CaptureRecorder final : public QObject {
    Q_OBJECT
public:
    /// Non-const journal: the recorder holds it (Journal::addHold). Stop it before the journal goes.
    CaptureRecorder(Journal &journal, QString path, EndpointNamer names = {}, QObject *parent = nullptr);
    ~CaptureRecorder() override; ///< stop()
    Q_DISABLE_COPY_MOVE(CaptureRecorder)

    /// Opens the file (replacing it) and starts after the journal's current last record (or from
    /// `fromSeq` when given). False, and *error ("/x/y.pcapng: Permission denied"), when it cannot.
    bool start(QString *error, quint64 fromSeq = UINT64_MAX);
    /// Writes what the journal holds up to now, flushes, closes. Idempotent.
    void stop();
    bool isRecording() const;
    QString path() const;
    quint64 packetsWritten() const;
    quint64 bytesWritten() const;
    /// Payload bytes written as evicted (captured length 0, with a comment): the journal let them go
    /// before the recorder reached them, which only happens when it fell further behind the traffic
    /// than Journal::holdAllowanceBytes() (or start() was asked for records already evicted).
    quint64 payloadBytesMissed() const;

Q_SIGNALS:
    /// The file cannot be written any more (disk full...): recording stopped.
    void failed(const QString &reason);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace sockbench
