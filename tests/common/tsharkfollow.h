#pragma once

// What tshark makes of one TCP stream of a capture file (`-qz follow,tcp,raw,N`): the bytes each
// side sent, in order. The recorder's tests judge a growing or killed file by it.

#include "tshark.h"

#include <QList>

namespace sockbench::test {

struct Followed {
    bool ok = false;
    QString error;         ///< why not ok: tshark's own words
    QByteArray fromFirst;  ///< sent by the side that opened the stream (the client)
    QByteArray fromSecond; ///< sent by the other side
};

/// True when tshark's standard error holds more than its note about running as root.
inline bool tsharkComplained(const QByteArray &error) {
    for (const QByteArray &line : error.split('\n')) {
        if (!line.trimmed().isEmpty() && !line.startsWith("Running as user"))
            return true;
    }
    return false;
}

/// Client lines start in column 0, server lines with a tab. A file that tshark finds damaged or
/// cut in the middle of a packet is not ok.
inline Followed followTcp(const QString &file, int stream = 0) {
    Followed out;
    const TsharkRun run = runTshark(
        {QStringLiteral("-r"), file, QStringLiteral("-qz"), QStringLiteral("follow,tcp,raw,%1").arg(stream)});
    if (!run.ok || tsharkComplained(run.error)) {
        out.error = QStringLiteral("tshark: %1").arg(QString::fromLocal8Bit(run.error.trimmed()));
        return out;
    }
    bool inBody = false;
    for (const QByteArray &line : run.out.split('\n')) {
        if (line.startsWith("=====")) {
            if (inBody)
                break;
            continue;
        }
        if (line.startsWith("Follow:") || line.startsWith("Filter:") || line.startsWith("Node ")) {
            inBody = true;
            continue;
        }
        if (!inBody || line.trimmed().isEmpty())
            continue;
        (line.startsWith('\t') ? out.fromSecond : out.fromFirst) += QByteArray::fromHex(line.trimmed());
    }
    out.ok = true;
    return out;
}

} // namespace sockbench::test
