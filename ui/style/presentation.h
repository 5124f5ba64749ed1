#pragma once

#include "engine/endpoint.h"

#include <QColor>
#include <QIcon>
#include <QString>

namespace sockbench {

// How the window shows states, sizes and times, kept in one place so that the connections panel,
// the log and the status bar always agree.

/// Colour a state is drawn in: green for working, amber for in progress, grey for done, red for trouble.
QColor stateColor(EndpointState state);
/// A small filled dot in stateColor(); cached, cheap to call from data().
QIcon stateIcon(EndpointState state);
/// Translated state name; Failed carries its reason ("Failed: Connection refused").
QString stateText(EndpointState state, const QString &error = {});
/// Short translated endpoint kind for the name column ("Listener", "Client", "Accepted", "UDP").
QString kindText(EndpointKind kind, bool accepted = false);

/// "1,234" exact byte counts for the tables.
QString formatCount(quint64 count);
/// "1 byte", "14 bytes": exact, with English plurals even when no translation is loaded.
QString formatByteCount(quint64 bytes);
/// "12.3 MiB" for the status bar.
QString formatSize(double bytes);
/// "2026-11-23 03:36:07.123456" in local time.
QString formatTimestamp(qint64 timeNs);
/// "+0.000123 s" between two records.
QString formatDelta(qint64 deltaNs);

/// Colours of the two directions of traffic, shared by the log and the conversation view.
QColor inboundColor();
QColor outboundColor();

} // namespace sockbench
