#pragma once

// Shared by the fault tests (tests/core/tst_fault*.cpp): where the helper programs are, and the
// process figures (CPU time, heap in use) that show a fault did not make us spin or leak.

#include <QCoreApplication>
#include <QFile>
#include <QString>

#include <malloc.h>
#include <unistd.h>

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SOCKBENCH_SANITIZED 1
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace sockbench::test {

/// A helper program built from tests/helpers/, next to the test executables.
inline QString helperPath(const QString &name) {
    return QCoreApplication::applicationDirPath() + QStringLiteral("/helpers/sockbench_") + name;
}

/// User + system CPU time of a process in milliseconds, from /proc/<pid>/stat; -1 if unreadable.
inline qint64 cpuTimeMs(qint64 pid) {
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = file.readAll();
    // The command name (field 2) may contain spaces; the fields we want follow its closing ')'.
    const qsizetype close = stat.lastIndexOf(')');
    if (close < 0)
        return -1;
    const QList<QByteArray> fields = stat.mid(close + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    if (fields.size() < 13)
        return -1;
    const qint64 ticks = fields.at(11).toLongLong() + fields.at(12).toLongLong();
    return ticks * 1000 / sysconf(_SC_CLK_TCK);
}

/// Heap bytes the program has allocated and not freed. Under a sanitizer the sanitizer's own
/// allocator answers (its quarantine would make RSS meaningless); otherwise glibc's.
inline qint64 heapInUse() {
#ifdef SOCKBENCH_SANITIZED
    return qint64(__sanitizer_get_current_allocated_bytes());
#else
    const struct mallinfo2 info = mallinfo2();
    return qint64(info.uordblks + info.hblkhd);
#endif
}

} // namespace sockbench::test
