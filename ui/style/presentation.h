#pragma once

#include "engine/endpoint.h"
#include "journal/journal.h"

#include <QByteArrayView>
#include <QColor>
#include <QFontMetrics>
#include <QIcon>
#include <QString>
#include <QStyle>

namespace sockbench {

class Workbench;
struct EndpointInfo;

// How the window shows states, sizes and times, kept in one place so that the connections panel,
// the log and the status bar always agree.

/// How long a message stays in the status bar.
constexpr int StatusMessageMs = 10000;

/// How much of a payload a row of a log shows, and its tooltip; the rest is said to be cut.
constexpr qsizetype LogRowPreviewBytes = 200;
constexpr qsizetype LogToolTipBytes = 2000;

/// Colour a state is drawn in: green for working, amber for in progress, grey for done, red for trouble.
/// An icon of the window's resources (":/icons/NAME.png"), or the style's `fallback` without it.
QIcon resourceIcon(const char *name, QStyle::StandardPixmap fallback);

QColor stateColor(EndpointState state);
/// A small filled dot in stateColor(); cached, cheap to call from data().
QIcon stateIcon(EndpointState state);
/// Translated state name; Failed carries its reason ("Failed: Connection refused").
QString stateText(EndpointState state, const QString &error = {});

/// How a connection ended or stands, as far as the user must tell it apart.
enum class StateCause : quint8 {
    Plain,     ///< nothing beyond the state itself
    PeerFin,   ///< PeerClosed: the peer sent its FIN
    PeerReset, ///< Reset: the peer sent an RST
    OurAbort,  ///< Reset: we aborted, sending an RST
};
/// The one place that tells our abort from the peer's reset. Until the engine records who reset a
/// connection, it reads the error text the engine writes ("Aborted (RST sent...)" for ours).
StateCause stateCause(const EndpointInfo &info);
/// The state in words, told apart by cause: "Reset by peer", "Aborted (RST sent)",
/// "Peer closed (FIN)", "Failed: <reason>".
QString stateText(const EndpointInfo &info);
/// Width of the widest state word (a Failed reason aside, which its tooltip carries), for columns
/// that must show any state whole without measuring their rows.
int widestStateText(const QFontMetrics &metrics);
/// The state's icon, with its own shape for each cause.
QIcon stateIcon(const EndpointInfo &info);
/// The full state text with its reason, for a tooltip where the column cuts it.
QString stateToolTip(const EndpointInfo &info);
/// Short translated endpoint kind for the name column ("Listener", "Client", "Accepted", "UDP").
QString kindText(EndpointKind kind, bool accepted = false);

/// What a relay endpoint is, for the name column: "TCP relay", "UDP relay", "Client leg" (accepted
/// from a client), "Target leg" (opened to the target), "Relay socket" (a UDP relay's socket to the
/// target); empty for endpoints that have nothing to do with a relay.
QString relayKindText(const Workbench &workbench, const EndpointInfo &info);
/// The relay an endpoint is or belongs to (itself, or its listener when that is a relay); 0: none.
EndpointId relayOf(const Workbench &workbench, const EndpointInfo &info);

/// "1,234" exact byte counts for the tables.
QString formatCount(quint64 count);
/// "1 byte", "14 bytes": exact, with English plurals even when no translation is loaded.
QString formatByteCount(quint64 bytes);
/// "12.3 MiB" for the status bar.
QString formatSize(double bytes);
/// "2026-11-23 03:36:07.123456" in local time.
QString formatTimestamp(qint64 timeNs);
/// The time of day of formatTimestamp() ("14:03:07.123456"): the log's compact Time column.
QString formatTimeOfDay(qint64 timeNs);
/// Payload bytes as the log, the messages and the conversation show them: bytesToEscapedText()
/// for UTF-8 text; bytes that are not UTF-8 text (binary data) one character per byte, Latin-1
/// with \xHH escapes, so that sequences that happen to be valid in them are not drawn as letters
/// of scripts the fonts may not shape (Qt's "OpenType support missing" on every paint). `bytes`
/// may be a slice of a payload: a character cut at either end does not make it binary.
QString payloadDisplayText(QByteArrayView bytes);
/// The same for the first `shown` bytes of `whole`, judged by the whole payload.
QString payloadDisplayText(QByteArrayView shown, QByteArrayView whole);
/// "+0.000123 s" between two records.
QString formatDelta(qint64 deltaNs);
/// What the journal's budget dropped, in one sentence ("1,234 older records dropped, up to
/// 13:05:02.123 (64 MB)"), or empty when it dropped nothing.
QString droppedRecordsText(const DroppedRecords &dropped);

/// Colours of the two directions of traffic, shared by the log and the conversation view.
QColor inboundColor();
QColor outboundColor();

/// "← in", "→ out", "• event": a record's direction as the log's direction column shows it.
QString directionText(RecordKind kind);
/// What a record is, as a word inside a sentence: "received", "sent", "event".
QString recordKindWord(RecordKind kind);
/// Colour of event records, which belong to neither direction.
QColor eventColor();
/// Colour of the rows of sockets that are gone; their state column keeps stateColor().
QColor finishedColor();
/// The word a sentence uses for a final state: "failed" for Failed, "closed" for the others.
QString finalStateWord(EndpointState state);
/// How the log and the detail pane name an endpoint: "#3 listener", "#4 accepted", "#5 client",
/// "#6 UDP"; just "#7" once the Workbench has forgotten it.
QString endpointLabel(const Workbench &workbench, EndpointId id);
/// Who an endpoint is in a copied or exported record, as the command line says it: a connection
/// by its peer, a listener or unbound socket by its own address; empty when neither is known.
QString endpointAddress(const Workbench &workbench, EndpointId id);

/// Colour of error text (a parse error, a form's reasons, a failed send) and of the Failed and
/// Reset states, so that trouble looks the same wherever it shows.
QColor errorColor();
/// Background of the characters at fault and of a field whose content is wrong.
QColor errorBackgroundColor();
/// Colour of a warning that is allowed to stand, e.g. a bind to every interface.
QColor warningColor();
/// Style sheets built from the colours above, for widgets that are styled by sheet.
QString errorTextStyle();
QString errorFieldStyle();
QString warningTextStyle();

} // namespace sockbench
