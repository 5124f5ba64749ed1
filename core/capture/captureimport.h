#pragma once

#include "capture/capturefile.h"
#include "engine/endpoint.h"

#include <QList>

namespace sockbench {

class Workbench;

/// Shows a capture read-only in the window's views: each stream becomes an endpoint of the
/// workbench (Workbench::addCaptureEndpoint: a TcpConnection or UdpSocket, "from capture", with its
/// tcp.stream / udp.stream number, its end state and the number of this opening, captureOpening),
/// described in the journal (EndpointMeta: local = client, peer = server, outgoing) and with its
/// records appended with Journal::appendImported*() (pointing into the mapped file, never copied),
/// markers included, so that exporting it again as pcapng draws the same handshakes and ends.
/// Announces the journal once at the end. Returns the new endpoints, in the order of capture.streams.
QList<EndpointId> importCapture(Workbench &workbench, const CaptureFile &capture);

} // namespace sockbench
