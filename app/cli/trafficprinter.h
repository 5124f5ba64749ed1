#pragma once

#include "cli/cliargs.h"
#include "engine/endpoint.h"
#include "journal/journalcursor.h"
#include "journal/recordformat.h"
#include "protocol/framing.h"

#include <QByteArray>
#include <QHash>

#include <unordered_map>
#include <vector>

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
    /// After everything recorded so far, writes the messages still being collected for this
    /// endpoint's stream (--log of a framed connection), as they are: the stream has ended. 0: for
    /// every endpoint (the run is over). Returns false once stdout fails.
    bool flushMessages(EndpointId endpoint = 0);
    const QString &errorText() const { return m_error; }
    /// Received payload bytes that the journal's memory budget dropped before we could print them.
    quint64 droppedBytes() const;

private:
    void format(const Record &record);
    void formatHex(const Record &record);
    void formatLog(const Record &record);
    /// --log of a framed TCP connection: one line per message instead of per read. Returns false
    /// when the record is not framed (the caller writes it as it is).
    bool formatMessages(const Record &record);
    /// Writes what a framer delivered as one log line, dated by the record that completed it.
    void writeMessage(const Record &completing, FramedMessage &&message);
    QString nameOf(EndpointId endpoint) const;
    /// The peer of a record as the output names it: with OutputArgs::namesLegs, after the relay
    /// leg it came through ("client 127.0.0.1:40000", "target 127.0.0.1:9000").
    QString labelOf(const Record &record);
    /// "client", "target" or "relay" for a relay's endpoints; empty for anything else.
    QString legOf(EndpointId endpoint);
    bool flush();

    const Workbench &m_workbench;
    OutputArgs m_args;
    int m_fd;
    EndpointNamer m_namer;
    JournalCursor m_cursor;
    std::vector<Record> m_batch; ///< kept: its capacity serves every batch
    EndpointId m_lastHexEndpoint = 0;
    QHash<EndpointId, quint64> m_hexOffsets;
    QHash<EndpointId, QString> m_legs; ///< legOf(), kept until the endpoint's streams end
    /// One framer per framed connection and direction (key endpoint * 2 + (outbound ? 1 : 0)),
    /// with the time of the last bytes it took.
    struct Framed {
        Framer framer;
        qint64 lastTimeNs = 0;
    };
    std::unordered_map<quint64, Framed> m_framers;
    QByteArray m_out;
    QString m_error;
};

} // namespace sockbench
