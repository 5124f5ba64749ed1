#pragma once

#include "cli/cliargs.h"
#include "engine/endpoint.h"
#include "journal/recordformat.h"

#include <QByteArray>
#include <QHash>

namespace sockbench {

class Workbench;

/// Writes what the journal recorded to stdout in the command line's format (raw, hex dump or
/// log lines, as recordformat.h writes them). It follows the journal by sequence number, so nothing is
/// skipped or repeated however the journalGrew() signals were coalesced.
class TrafficPrinter final {
public:
    TrafficPrinter(const Workbench &workbench, const OutputArgs &args, int fd = 1);
    Q_DISABLE_COPY_MOVE(TrafficPrinter)

    /// Writes every record appended since the last call. Returns false once stdout fails
    /// (e.g. the reader went away); errorText() says why.
    bool drain();
    const QString &errorText() const { return m_error; }
    /// Received payload bytes that the journal's memory budget dropped before we could print them.
    quint64 droppedBytes() const { return m_droppedBytes; }

private:
    void format(const Record &record);
    void formatHex(const Record &record);
    void formatLog(const Record &record);
    QString nameOf(EndpointId endpoint) const;
    bool flush();

    const Workbench &m_workbench;
    OutputArgs m_args;
    int m_fd;
    EndpointNamer m_namer;
    quint64 m_next = 0;
    quint64 m_droppedBytes = 0;
    EndpointId m_lastHexEndpoint = 0;
    QHash<EndpointId, quint64> m_hexOffsets;
    QByteArray m_out;
    QString m_error;
};

} // namespace sockbench
