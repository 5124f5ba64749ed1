#pragma once

#include <QByteArray>
#include <QFile>

namespace sockbench::bench {

/// This process's resident set size in MiB, from /proc/self/status (0 when it cannot be read).
inline double rssMiB() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    }
    return 0;
}

} // namespace sockbench::bench
