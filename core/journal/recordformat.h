#pragma once

#include "journal/journal.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <functional>

namespace sockbench {

// Every textual form of a journal record, in one place, so that the command line, the window's
// copy commands and exports agree to the byte. Nothing here knows the Workbench: who an endpoint
// is comes from the caller through an EndpointNamer.
//
// Forms:
//   raw        the payload bytes as they came.
//   hex dump   `hexdump -C` lines (payload.h, appendDump), with a running offset.
//   log line   2026-11-23T03:43:31.507609 <- 127.0.0.1:41208 6 B: hello\n
//              ("<-" in, "->" out, "--" event; the payload in the escape language, an event's text
//              as is). The command line's --log; its tests pin it byte for byte.
//   CSV        RFC 4180: comma-separated, CRLF-terminated, a field quoted when it holds a comma, a
//              quote, CR or LF, quotes doubled; UTF-8. Columns (csvHeader()):
//                seq,time,time_us,endpoint,endpoint_name,local,peer,kind,length,original_length,flags,payload,hex
//              payload is bytesToEscapedText() (UTF-8 escape language), which parsePayload() turns
//              back into the exact bytes, binary included (an event's text for events); hex is the
//              same bytes as lowercase hex digits; both empty when evicted. flags is "",
//              "truncated", "evicted" or "truncated|evicted". A spreadsheet may evaluate a field
//              that starts with '=', '+', '-' or '@': this is data for tools, not a spreadsheet guard.
//   JSON Lines one compact object per line, keys in QJsonObject's (alphabetical) order:
//                seq, time, time_us, endpoint, endpoint_name, local, peer, kind, direction, length,
//                original_length, truncated, evicted (always present, true or false),
//                payload_base64   the exact bytes (RFC 4648 base64 with padding); absent when evicted,
//                hex              the same bytes as lowercase hex digits; absent when evicted,
//                text             the same bytes in the escape language; absent when evicted,
//                event            events only: the event text (UTF-8 decoded) for people and jq.
//              time here carries its UTC offset ("2026-11-30T18:02:03.123456+01:00"), so that a
//              line means one instant wherever it is read.
// Shared columns/keys: time is local time as the log line writes it; time_us is microseconds since
// the Unix epoch, unambiguous across time zones and exact in any JSON reader (below 2^53);
// endpoint is the numeric id and endpoint_name what EndpointDetails::name says (empty when the
// caller gives none); local is the endpoint's own address (EndpointDetails::local, empty when
// unknown); peer is peerAddress(): an address or empty, never a name (a listener's events have no
// peer); kind and direction are "in", "out" or "event"; length is the bytes recorded and
// original_length the bytes on the wire (larger only when truncated).

/// Names an endpoint for people, e.g. its connection's peer "127.0.0.1:41208". An empty result
/// (or no namer at all) falls back to "#<id>".
using EndpointNamer = std::function<QString(EndpointId)>;

enum class TimestampStyle : quint8 {
    Iso,       ///< "2026-11-23T03:43:31.507609": the log line and CSV
    Display,   ///< "2026-11-23 03:36:07.123456": the window
    IsoOffset, ///< "2026-11-23T03:43:31.507609+01:00": JSON Lines (local time and its UTC offset)
};

/// What CSV and JSON Lines say about a record's endpoint: its name for people, its own address and
/// its peer's (Journal::describedEndpoint()'s local and peer). Callers that know none pass nothing.
struct EndpointDetails {
    QString name;  ///< e.g. "#3 client"; empty: none
    QString local; ///< the endpoint's own address as NetAddress::toString() writes it; empty: unknown
    QString peer;  ///< the other end's address, the same way; empty: none (a listener) or unknown
};

/// Local time with microseconds; timeNs is nanoseconds since the Unix epoch, as in Record.
QString formatTimestamp(qint64 timeNs, TimestampStyle style);
/// The same characters appended to *out (ASCII), for writers that produce bytes.
void appendTimestamp(QByteArray *out, qint64 timeNs, TimestampStyle style);

/// Who the record is with: a datagram's own peer, else what `name` says about its endpoint,
/// else "#<id>".
QString peerLabel(const Record &record, const EndpointNamer &name = {});
/// The peer column of CSV and JSON Lines: a datagram's own peer, else details' peer, else empty.
QString peerAddress(const Record &record, const EndpointDetails *details);
/// "in", "out" or "event".
QString kindName(RecordKind kind);

/// The payload as it came (empty when evicted).
void appendRaw(QByteArray *out, const Record &record);

/// `hexdump -C` lines of the payload, numbered from startOffset (the stream's running offset);
/// nothing when the payload is empty or evicted.
void appendHexDump(QByteArray *out, const Record &record, quint64 startOffset = 0);

/// One log line, '\n' included.
void appendLogLine(QByteArray *out, const Record &record, const EndpointNamer &name = {});
QByteArray formatLogLine(const Record &record, const EndpointNamer &name = {});

/// The CSV header row, CRLF included.
QByteArray csvHeader();
/// One CSV row, CRLF included.
void appendCsvRow(QByteArray *out, const Record &record, const EndpointDetails *details = nullptr);
QByteArray formatCsvRow(const Record &record, const EndpointDetails *details = nullptr);

/// The record as the JSON Lines object.
QJsonObject recordToJson(const Record &record, const EndpointDetails *details = nullptr);
/// One JSON Lines line: the compact object and '\n', byte for byte what QJsonDocument writes for
/// recordToJson() (written directly: exports write a million of them).
void appendJsonLine(QByteArray *out, const Record &record, const EndpointDetails *details = nullptr);
QByteArray formatJsonLine(const Record &record, const EndpointDetails *details = nullptr);

} // namespace sockbench
