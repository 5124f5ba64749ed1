#include "capture/capturerecorder.h"

#include "capture/pcapngwriter.h"
#include "engine/sockaddr.h"
#include "journal/journalcursor.h"

#include <QElapsedTimer>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <optional>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace sockbench {

namespace {
/// Records taken from the journal per lock: up to 64, but no more payload than 128 KiB (at least
/// one record). The payload copies then come and go in the same few hundred KiB of heap: a batch
/// of many MiB would be handed back to the kernel after each round and page-faulted in again at
/// the next.
constexpr ReadLimits RecordBatch{64, 128 * 1024, true};
/// Bytes gathered before one write(2) while the recorder is behind the traffic: large enough that
/// the system call costs nothing next to the copy, small enough to stay in the caches' reach.
constexpr qsizetype WriteBytes = 4 * 1024 * 1024;
/// How often the thread looks at the journal when it has caught up.
constexpr auto PollInterval = std::chrono::milliseconds(10);
/// Whatever happens, what is gathered goes to the kernel at least this often.
constexpr qint64 FlushIntervalMs = 250;
/// How much nicer than the process the recorder's thread is. On a machine whose cores the traffic
/// keeps busy, copying to the page cache (slower than loopback on some disks) would otherwise take
/// its share from the reactors; nice 10 still gets about a tenth of a busy core, so it never stops.
constexpr int RecorderNiceness = 10;
} // namespace

struct CaptureRecorder::Impl {
    CaptureRecorder *q = nullptr;
    Journal &journal;
    QString path;
    EndpointNamer names;

    std::thread thread;
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false; ///< under mutex

    std::atomic<bool> recording{false};
    std::atomic<quint64> packets{0};
    std::atomic<quint64> bytes{0};
    std::atomic<quint64> missed{0};

    // Owned by the thread while it runs.
    int fd = -1;
    /// Where the recording is: it holds the journal, so eviction waits for the file.
    std::optional<JournalCursor> cursor;

    Impl(CaptureRecorder *owner, Journal &j, QString p, EndpointNamer n)
        : q(owner)
        , journal(j)
        , path(std::move(p))
        , names(std::move(n)) {}

    /// Writes all of `out` to the file and empties it (keeping its capacity). False on an error,
    /// with *error set.
    bool writeAll(QByteArray *out, QString *error) {
        const char *data = out->constData();
        qsizetype left = out->size();
        while (left > 0) {
            const ssize_t n = ::write(fd, data, size_t(left));
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                *error = QStringLiteral("%1: %2").arg(path, errnoText(errno));
                return false;
            }
            data += n;
            left -= n;
            bytes.fetch_add(quint64(n), std::memory_order_relaxed);
        }
        out->resize(0);
        return true;
    }

    void run() {
        // Per thread on Linux: PRIO_PROCESS with a thread id. Failing to lower it is harmless.
        const auto tid = id_t(::gettid());
        errno = 0;
        const int nice = ::getpriority(PRIO_PROCESS, tid);
        if (errno == 0)
            ::setpriority(PRIO_PROCESS, tid, std::min(nice + RecorderNiceness, 19));
        PcapngWriter writer(journal, names);
        QByteArray out;
        out.reserve(WriteBytes + 512 * 1024);
        writer.begin(&out);
        std::vector<Record> batch; // kept: its capacity serves every batch
        QElapsedTimer sinceWrite;
        sinceWrite.start();
        QString error;
        bool ok = writeAll(&out, &error);
        while (ok) {
            bool stop = false;
            {
                std::unique_lock lock(mutex);
                stop = stopping;
            }
            // Everything appended before stop() was asked for is in count() by now.
            const quint64 end = journal.count();
            while (ok && cursor->read(&batch, end)) {
                for (const Record &record : batch) {
                    // A capture opened meanwhile is not traffic of this recording.
                    if (!record.isImported())
                        writer.add(record, &out);
                }
                missed.store(cursor->evictedBytes(RecordKind::DataIn) +
                                 cursor->evictedBytes(RecordKind::DataOut),
                             std::memory_order_relaxed);
                packets.store(writer.packetsWritten(), std::memory_order_relaxed);
                if (out.size() >= WriteBytes || sinceWrite.elapsed() >= FlushIntervalMs) {
                    ok = writeAll(&out, &error);
                    sinceWrite.restart();
                }
            }
            if (!ok)
                break;
            if (stop) {
                writer.finish(&out);
                packets.store(writer.packetsWritten(), std::memory_order_relaxed);
                ok = writeAll(&out, &error);
                break;
            }
            // Caught up: what was gathered goes to the kernel now, so that a reader of the growing
            // file (or a kill -9) sees the traffic within one poll.
            if (!out.isEmpty()) {
                ok = writeAll(&out, &error);
                sinceWrite.restart();
                if (!ok)
                    break;
            }
            std::unique_lock lock(mutex);
            wake.wait_for(lock, PollInterval, [this] { return stopping; });
        }
        ::close(fd);
        fd = -1;
        cursor.reset(); // releases the hold
        recording.store(false);
        if (!ok) {
            // Delivered in the recorder's own thread, where its users live; dropped if it is gone.
            CaptureRecorder *owner = q;
            QMetaObject::invokeMethod(
                owner, [owner, error] { Q_EMIT owner->failed(error); }, Qt::QueuedConnection);
        }
    }
};

CaptureRecorder::CaptureRecorder(Journal &journal, QString path, EndpointNamer names, QObject *parent)
    : QObject(parent)
    , m_impl(std::make_unique<Impl>(this, journal, std::move(path), std::move(names))) {}

CaptureRecorder::~CaptureRecorder() {
    stop();
}

bool CaptureRecorder::start(QString *error, quint64 fromSeq) {
    Impl &d = *m_impl;
    if (d.thread.joinable()) {
        if (d.recording.load()) {
            if (error)
                *error = QStringLiteral("%1: already recording").arg(d.path);
            return false;
        }
        d.thread.join(); // a recording that failed
    }
    // A plain file, written in place: a reader may open it while it grows. A regular file already
    // there is unlinked first rather than truncated: it may be a capture this process has mapped
    // (opened in the window), whose pages must not vanish under it (SIGBUS). Anything else (a FIFO,
    // /dev/stdout) is opened as it is.
    const QByteArray name = d.path.toLocal8Bit();
    struct stat existing {};
    if (::lstat(name.constData(), &existing) == 0 && S_ISREG(existing.st_mode) &&
        ::unlink(name.constData()) != 0) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(d.path, errnoText(errno));
        return false;
    }
    const int fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(d.path, errnoText(errno));
        return false;
    }
    d.fd = fd;
    d.cursor.emplace(d.journal, std::min(fromSeq, d.journal.count()), RecordBatch,
                     JournalCursor::Hold::Payloads);
    d.packets.store(0);
    d.bytes.store(0);
    d.missed.store(0);
    {
        std::lock_guard lock(d.mutex);
        d.stopping = false;
    }
    d.recording.store(true);
    d.thread = std::thread([&d] { d.run(); });
    return true;
}

void CaptureRecorder::stop() {
    Impl &d = *m_impl;
    if (!d.thread.joinable())
        return;
    {
        std::lock_guard lock(d.mutex);
        d.stopping = true;
    }
    d.wake.notify_all();
    d.thread.join();
}

bool CaptureRecorder::isRecording() const {
    return m_impl->recording.load();
}

QString CaptureRecorder::path() const {
    return m_impl->path;
}

quint64 CaptureRecorder::packetsWritten() const {
    return m_impl->packets.load(std::memory_order_relaxed);
}

quint64 CaptureRecorder::bytesWritten() const {
    return m_impl->bytes.load(std::memory_order_relaxed);
}

quint64 CaptureRecorder::payloadBytesMissed() const {
    return m_impl->missed.load(std::memory_order_relaxed);
}

} // namespace sockbench
