#pragma once

#include "capture/capturefile.h"

#include <QByteArray>
#include <QList>

namespace sockbench::test {

/// The bytes of one direction of a capture's stream `index`, in record order.
inline QByteArray streamBytes(const CaptureFile &capture, int index, RecordKind kind) {
    QByteArray out;
    for (const CaptureRecord &r : capture.records) {
        if (r.stream == index && r.kind == kind)
            out.append(capture.file->bytes() + r.offset, r.length);
    }
    return out;
}

/// The same records one by one: a UDP stream's datagrams, a TCP stream's segments.
inline QList<QByteArray> datagrams(const CaptureFile &capture, int index, RecordKind kind) {
    QList<QByteArray> out;
    for (const CaptureRecord &r : capture.records) {
        if (r.stream == index && r.kind == kind)
            out.append(QByteArray(capture.file->bytes() + r.offset, r.length));
    }
    return out;
}

} // namespace sockbench::test
