#include "capture/captureimport.h"

#include "engine/workbench.h"

#include <atomic>

namespace sockbench {

QList<EndpointId> importCapture(Workbench &workbench, const CaptureFile &capture) {
    QList<EndpointId> ids;
    ids.reserve(capture.streams.size());
    Journal &journal = workbench.journal();
    // Numbers each opening, so that a file opened twice reads as two captures.
    static std::atomic<quint64> openings{0};
    const quint64 opening = ++openings;
    for (const CaptureStream &stream : capture.streams) {
        EndpointInfo info;
        info.kind =
            stream.protocol == CaptureProtocol::Tcp ? EndpointKind::TcpConnection : EndpointKind::UdpSocket;
        info.state = stream.endState;
        info.error = stream.endDetail;
        info.outgoing = true;
        info.local = stream.client;
        info.peer = stream.server;
        info.requestedHost = stream.server.ip;
        info.requestedPort = stream.server.port;
        // The reader says who reset: "Reset by <client>" means the client (our side here) did.
        info.resetByUs = stream.endState == EndpointState::Reset &&
                         stream.endDetail.endsWith(QLatin1Char(' ') + stream.client.toString());
        info.captureFile = capture.path.isEmpty() ? QStringLiteral("capture") : capture.path;
        info.captureStream = stream.number;
        info.captureBytesMissing = stream.bytesMissing;
        info.captureOpening = opening;
        const EndpointId id = workbench.addCaptureEndpoint(info);
        journal.describeEndpoint(id, {info.kind, true, 0, stream.client, stream.server});
        ids.append(id);
    }
    if (!capture.file) {
        workbench.announceJournal();
        return ids;
    }
    const quint32 source = journal.addSource(capture.file);
    for (const CaptureRecord &r : capture.records) {
        if (r.stream < 0 || r.stream >= ids.size())
            continue;
        const EndpointId id = ids[r.stream];
        if (r.kind == RecordKind::Event) {
            journal.appendImportedEvent(id, r.timeNs, r.text, r.marker);
            continue;
        }
        const CaptureStream &stream = capture.streams[r.stream];
        // UDP records carry the other end as the journal records datagrams: the destination of
        // what the client sent, the sender of what it received. Seen from the client both are the server.
        const NetAddress *peer = stream.protocol == CaptureProtocol::Udp ? &stream.server : nullptr;
        journal.appendImported(id, r.kind, r.timeNs, source, r.offset, r.length, r.originalLength, peer);
    }
    workbench.announceJournal();
    return ids;
}

} // namespace sockbench
