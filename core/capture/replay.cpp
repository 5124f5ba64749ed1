#include "capture/replay.h"

#include "engine/workbench.h"
#include "language/numbers.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace sockbench {

namespace {

constexpr int DefaultCloseGraceMs = 2000;
/// Record headers read from the journal at a time while looking for one endpoint's records.
constexpr quint64 JournalScanChunk = 8192;

QString plural(quint64 n, const char *one, const char *many) {
    return QStringLiteral("%1 %2").arg(grouped(n), QLatin1StringView(n == 1 ? one : many));
}

} // namespace

// ---- ReplayScript --------------------------------------------------------------------------------

int ReplayScript::clientMessageCount() const {
    return int(std::count_if(messages.cbegin(), messages.cend(),
                             [](const ReplayMessage &m) { return m.fromClient; }));
}

int ReplayScript::serverMessageCount() const {
    return int(messages.size()) - clientMessageCount();
}

quint64 ReplayScript::clientByteCount() const {
    quint64 n = 0;
    for (const ReplayMessage &m : messages)
        n += m.fromClient ? quint64(m.bytes.size()) : 0;
    return n;
}

quint64 ReplayScript::serverByteCount() const {
    quint64 n = 0;
    for (const ReplayMessage &m : messages)
        n += m.fromClient ? 0 : quint64(m.bytes.size());
    return n;
}

QString ReplayScript::missingBytesError(const QString &source, quint64 missing) {
    return QStringLiteral("%1 cannot be replayed whole: the capture does not have %2 of it (lost or cut by "
                          "its snap length; see the stream's events)")
        .arg(source, plural(missing, "byte", "bytes"));
}

bool ReplayScript::fromJournal(const Journal &journal, const EndpointInfo &endpoint, ReplayScript *out,
                               QString *error) {
    if (endpoint.kind == EndpointKind::TcpListener) {
        *error = QStringLiteral("A listener has no conversation of its own: choose one of its connections");
        return false;
    }
    ReplayScript script;
    script.udp = endpoint.kind == EndpointKind::UdpSocket;
    if (endpoint.isFromCapture())
        script.source = QStringLiteral("%1#%2")
                            .arg(QFileInfo(endpoint.captureFile).fileName())
                            .arg(endpoint.captureStream);
    else
        script.source = QStringLiteral("%1 #%2")
                            .arg(script.udp ? QStringLiteral("UDP socket") : QStringLiteral("TCP connection"))
                            .arg(endpoint.id);
    // Who the client is: the side that connected. A capture's stream is seen from its client (local),
    // an outgoing connection's client is us, an accepted one's is the peer; a UDP socket's is us.
    if (endpoint.captureBytesMissing > 0) {
        *error = missingBytesError(script.source, endpoint.captureBytesMissing);
        return false;
    }
    const bool weAreClient = script.udp || endpoint.outgoing || endpoint.isFromCapture();
    const RecordKind clientKind = weAreClient ? RecordKind::DataOut : RecordKind::DataIn;
    const Marker serverFin = weAreClient ? Marker::FinReceived : Marker::FinSent;
    const Marker serverReset = weAreClient ? Marker::ResetReceived : Marker::ResetSent;

    const quint64 count = journal.count();
    quint64 held = 0; // payload bytes of the endpoint's records the journal still holds
    for (quint64 first = journal.oldestSeq(); first < count; first += JournalScanChunk) {
        const std::vector<Record> headers = journal.records(first, std::min(JournalScanChunk, count - first));
        for (const Record &header : headers) {
            if (header.endpoint != endpoint.id)
                continue;
            if (header.kind == RecordKind::Event) {
                if (header.marker == serverFin || header.marker == serverReset ||
                    header.marker == Marker::Closed)
                    script.serverClosed = !script.udp;
                continue;
            }
            if (header.isTruncated()) {
                *error =
                    QStringLiteral("%1 cannot be replayed whole: a datagram of %2 was cut to %3 (record %4)")
                        .arg(script.source, plural(header.originalLength, "byte", "bytes"),
                             grouped(header.length), grouped(header.seq));
                return false;
            }
            Record full;
            if (!journal.record(header.seq, &full, true))
                break; // dropped while we read: the count below says so
            held += full.length;
            ReplayMessage message;
            message.fromClient = full.kind == clientKind;
            message.timeNs = full.timeNs;
            message.bytes = full.payload;
            script.messages.append(message);
        }
    }
    // The counters saw every byte: what they have beyond the records held, the budget dropped.
    const Counters counted = journal.counters(endpoint.id);
    if (const quint64 wire = counted.bytesIn + counted.bytesOut; wire > held) {
        *error = QStringLiteral("%1 cannot be replayed whole: the journal's memory budget dropped %2 of it "
                                "(its oldest records)")
                     .arg(script.source, plural(wire - held, "byte", "bytes"));
        return false;
    }
    if (script.messages.isEmpty()) {
        *error = QStringLiteral("%1 has no payload to replay").arg(script.source);
        return false;
    }
    // Markers seen before the last data do not end the server's side (a FIN is always last).
    script.computeGates();
    *out = std::move(script);
    return true;
}

void ReplayScript::computeGates() {
    quint64 clientBytes = 0;
    for (ReplayMessage &m : messages) {
        m.clientBytesBefore = clientBytes;
        if (m.fromClient)
            clientBytes += quint64(m.bytes.size());
    }
}

// ---- ReplayClient --------------------------------------------------------------------------------

struct ReplayClient::Impl {
    ReplayClient *q;
    Workbench &wb;
    ReplayScript script;
    QString host;
    quint16 port;
    double speed;
    SocketOptions socket;
    int graceMs = DefaultCloseGraceMs;

    QList<int> clientIndex; ///< indices into script.messages of the client's messages
    quint64 bytesTotal = 0;
    EndpointId id = 0;
    NetAddress udpTo;
    int next = 0; ///< into clientIndex
    quint64 bytesSent = 0;
    QElapsedTimer clock; ///< since the first message went out
    QTimer pace;         ///< until the next message is due
    QTimer grace;        ///< after the last message: until the server closes, or it is over
    QTimer udpDrain;     ///< UDP: until every datagram handed over has left
    quint64 bytesInAtGrace = 0;
    bool ready = false;
    bool allHanded = false;
    bool done = false;

    Impl(ReplayClient *owner, Workbench &workbench, ReplayScript s, QString h, quint16 p, double sp)
        : q(owner)
        , wb(workbench)
        , script(std::move(s))
        , host(std::move(h))
        , port(p)
        , speed(sp > 0 && std::isfinite(sp) ? sp : 0) {
        for (int i = 0; i < script.messages.size(); ++i) {
            if (script.messages.at(i).fromClient) {
                clientIndex.append(i);
                bytesTotal += quint64(script.messages.at(i).bytes.size());
            }
        }
        pace.setSingleShot(true);
        pace.setTimerType(Qt::PreciseTimer);
        grace.setSingleShot(true);
        grace.setTimerType(Qt::PreciseTimer);
        udpDrain.setInterval(2);
    }

    QString target() const { return formatHostPort(host, port); }

    QString sentSoFar() const {
        return QStringLiteral("%1/%2 messages, %3")
            .arg(grouped(quint64(next)), grouped(quint64(clientIndex.size())),
                 plural(bytesSent, "byte", "bytes"));
    }

    void finish(bool ok, const QString &summary) {
        if (done)
            return;
        done = true;
        pace.stop();
        grace.stop();
        udpDrain.stop();
        Q_EMIT q->finished(ok, summary);
    }

    void finishOk() {
        const quint64 back = wb.journal().counters(id).bytesIn;
        finish(true, QStringLiteral("Replayed %1 to %2; %3 came back")
                         .arg(sentSoFar(), target(), plural(back, "byte", "bytes")));
    }

    void onReady() {
        if (ready || done)
            return;
        ready = true;
        if (script.udp)
            udpTo = wb.info(id).peer;
        clock.start();
        sendDue();
    }

    /// Sends every message that is due: all of them at speed 0, else those whose original time,
    /// counted from the first message and divided by the speed, has come.
    void sendDue() {
        if (!ready || done)
            return;
        const qint64 firstNs = clientIndex.isEmpty() ? 0 : script.messages.at(clientIndex.first()).timeNs;
        while (next < clientIndex.size()) {
            const ReplayMessage &m = script.messages.at(clientIndex.at(next));
            if (speed > 0) {
                const double dueMs = double(std::max<qint64>(0, m.timeNs - firstNs)) / 1e6 / speed;
                const double nowMs = double(clock.nsecsElapsed()) / 1e6;
                if (dueMs > nowMs) {
                    pace.start(int(std::min(std::ceil(dueMs - nowMs), 2e9)));
                    return;
                }
            }
            if (script.udp) {
                if (!wb.sendDatagram(id, udpTo.ip, udpTo.port, m.bytes))
                    return; // sendFailed() ends it
            } else if (!wb.send(id, m.bytes)) {
                return;
            }
            ++next;
            bytesSent += quint64(m.bytes.size());
            Q_EMIT q->progress(next, int(clientIndex.size()), bytesSent, bytesTotal);
            if (done)
                return; // a slot cancelled us
        }
        allSent();
    }

    void allSent() {
        if (allHanded)
            return;
        allHanded = true;
        if (script.udp) {
            udpDrain.start();
            checkUdpDrained();
            return;
        }
        // Our side is said: FIN after the queued bytes, then read until the server closes.
        wb.shutdownWrite(id);
        startGrace();
    }

    void checkUdpDrained() {
        if (done || wb.journal().counters(id).datagramsOut < quint64(clientIndex.size()))
            return;
        udpDrain.stop();
        startGrace();
    }

    void startGrace() {
        bytesInAtGrace = wb.journal().counters(id).bytesIn;
        grace.start(graceMs);
    }

    void onGrace() {
        if (done)
            return;
        // Everything is sent and the server stays silent (TCP: and open): close in order, and
        // that is the end of the replay; the close goes on by itself.
        wb.close(id);
        finishOk();
    }

    void onJournalGrew() {
        if (done || !allHanded || !grace.isActive())
            return;
        // Replies still arriving keep the grace going: it counts from the last bytes received.
        const quint64 in = wb.journal().counters(id).bytesIn;
        if (in != bytesInAtGrace)
            startGrace();
    }

    void onState(EndpointState state, const QString &detail) {
        if (done || script.udp)
            return;
        switch (state) {
        case EndpointState::PeerClosed:
            if (allHanded)
                wb.close(id);
            break;
        case EndpointState::Closed:
            if (next == clientIndex.size())
                finishOk();
            else
                finish(false,
                       QStringLiteral("The connection to %1 closed after %2").arg(target(), sentSoFar()));
            break;
        case EndpointState::Reset:
            finish(false, wb.info(id).resetByUs
                              ? QStringLiteral("Reset by us after %1").arg(sentSoFar())
                              : QStringLiteral("Connection reset by %1 after %2").arg(target(), sentSoFar()));
            break;
        case EndpointState::Failed:
            if (ready)
                finish(false, QStringLiteral("The connection to %1 failed after %2: %3")
                                  .arg(target(), sentSoFar(), detail));
            break;
        default:
            break;
        }
    }
};

ReplayClient::ReplayClient(Workbench &workbench, ReplayScript script, QString host, quint16 port,
                           double speed, QObject *parent)
    : QObject(parent)
    , m_impl(std::make_unique<Impl>(this, workbench, std::move(script), std::move(host), port, speed)) {
    Impl *d = m_impl.get();
    connect(&workbench, &Workbench::connected, this,
            [d](EndpointId id, const NetAddress &, const NetAddress &) {
                if (id == d->id && d->id != 0)
                    d->onReady();
            });
    connect(&workbench, &Workbench::udpBound, this, [d](EndpointId id, const NetAddress &) {
        if (id == d->id && d->id != 0)
            d->onReady();
    });
    const auto failed = [d](EndpointId id, const QString &reason) {
        if (id == d->id && d->id != 0)
            d->finish(false, reason);
    };
    connect(&workbench, &Workbench::connectFailed, this, failed);
    connect(&workbench, &Workbench::udpFailed, this, failed);
    connect(&workbench, &Workbench::sendFailed, this, [d](EndpointId id, const QString &reason) {
        if (id == d->id && d->id != 0)
            d->finish(
                false,
                QStringLiteral("Sending to %1 failed after %2: %3").arg(d->target(), d->sentSoFar(), reason));
    });
    connect(&workbench, &Workbench::stateChanged, this,
            [d](EndpointId id, EndpointState state, const QString &detail) {
                if (id == d->id && d->id != 0)
                    d->onState(state, detail);
            });
    connect(&workbench, &Workbench::journalGrew, this, [d](quint64) {
        d->onJournalGrew();
        if (d->udpDrain.isActive())
            d->checkUdpDrained();
    });
    connect(&d->pace, &QTimer::timeout, this, [d] { d->sendDue(); });
    connect(&d->grace, &QTimer::timeout, this, [d] { d->onGrace(); });
    connect(&d->udpDrain, &QTimer::timeout, this, [d] { d->checkUdpDrained(); });
}

ReplayClient::~ReplayClient() = default;

EndpointId ReplayClient::start() {
    Impl *d = m_impl.get();
    if (d->id != 0)
        return d->id;
    if (d->script.udp) {
        UdpOptions options;
        options.socket = d->socket;
        d->id = d->wb.openUdpTo(d->host, d->port, options);
    } else {
        ConnectOptions options;
        options.socket = d->socket;
        d->id = d->wb.connectTcp(d->host, d->port, options);
    }
    return d->id;
}

void ReplayClient::cancel() {
    Impl *d = m_impl.get();
    if (d->done)
        return;
    if (d->id != 0)
        d->wb.close(d->id);
    d->finish(false, QStringLiteral("Cancelled after %1").arg(d->sentSoFar()));
}

EndpointId ReplayClient::endpoint() const {
    return m_impl->id;
}

void ReplayClient::setCloseGrace(int ms) {
    m_impl->graceMs = std::max(0, ms);
}

void ReplayClient::setSocketOptions(const SocketOptions &options) {
    m_impl->socket = options;
}

// ---- ReplayServer --------------------------------------------------------------------------------

struct ReplayServer::Impl {
    ReplayServer *q;
    Workbench &wb;
    ReplayScript script;
    QString address;
    quint16 port;
    SocketOptions socket;
    EndpointId id = 0;

    QList<int> serverIndex; ///< indices into script.messages of the server's messages
    /// UDP: per server message, how many client datagrams came before it in the recording.
    QList<quint64> datagramsBefore;

    struct Client {
        EndpointId id = 0; ///< TCP: the connection; UDP: the socket
        NetAddress peer;   ///< UDP: where its datagrams come from
        int next = 0;      ///< into serverIndex
        quint64 datagrams = 0;
        bool peerClosed = false;
        bool done = false;
    };
    QHash<EndpointId, Client> tcpClients;
    QHash<QString, Client> udpClients;
    quint64 scanned = 0; ///< UDP: journal records looked at for datagrams in

    Impl(ReplayServer *owner, Workbench &workbench, ReplayScript s, QString a, quint16 p)
        : q(owner)
        , wb(workbench)
        , script(std::move(s))
        , address(std::move(a))
        , port(p) {
        quint64 clientDatagrams = 0;
        for (int i = 0; i < script.messages.size(); ++i) {
            if (script.messages.at(i).fromClient) {
                ++clientDatagrams;
                continue;
            }
            serverIndex.append(i);
            datagramsBefore.append(clientDatagrams);
        }
    }

    /// Gives the client every server message whose turn has come; returns true when it has all.
    bool pump(Client &c, quint64 clientBytes) {
        while (c.next < serverIndex.size()) {
            const ReplayMessage &m = script.messages.at(serverIndex.at(c.next));
            const bool due =
                script.udp ? datagramsBefore.at(c.next) <= clientBytes : m.clientBytesBefore <= clientBytes;
            if (!due)
                break;
            const bool sent = bool(script.udp ? wb.sendDatagram(id, c.peer.ip, c.peer.port, m.bytes)
                                              : wb.send(c.id, m.bytes));
            if (!sent)
                return false;
            ++c.next;
            Q_EMIT q->progress(c.id, c.next, int(serverIndex.size()));
        }
        if (c.next < serverIndex.size() || c.done)
            return false;
        c.done = true;
        // TCP: as the recorded server did, end our side after its last message.
        if (!script.udp && script.serverClosed)
            wb.shutdownWrite(c.id);
        Q_EMIT q->clientDone(c.id);
        return true;
    }

    void pumpTcp(EndpointId client) {
        auto it = tcpClients.find(client);
        if (it == tcpClients.end())
            return;
        pump(*it, wb.journal().counters(client).bytesIn);
        if (it->peerClosed) {
            // The client has said all it will: what it earned is queued; close in order.
            wb.close(client);
            tcpClients.erase(it);
        }
    }

    void onJournalGrew() {
        if (!script.udp) {
            const QList<EndpointId> ids = tcpClients.keys();
            for (EndpointId client : ids)
                pumpTcp(client);
            return;
        }
        const Journal &journal = wb.journal();
        const quint64 count = journal.count();
        QList<QString> touched;
        while (scanned < count) {
            const quint64 n = std::min(JournalScanChunk, count - scanned);
            for (const Record &r : journal.records(scanned, n)) {
                if (r.endpoint != id || r.kind != RecordKind::DataIn || !r.peer.isValid())
                    continue;
                const QString key = r.peer.toString();
                Client &c = udpClients[key];
                if (c.id == 0) {
                    c.id = id;
                    c.peer = r.peer;
                }
                ++c.datagrams;
                if (!touched.contains(key))
                    touched.append(key);
            }
            scanned += n;
        }
        for (const QString &key : touched) {
            Client &c = udpClients[key];
            pump(c, c.datagrams);
        }
    }
};

ReplayServer::ReplayServer(Workbench &workbench, ReplayScript script, QString address, quint16 port,
                           QObject *parent)
    : QObject(parent)
    , m_impl(std::make_unique<Impl>(this, workbench, std::move(script), std::move(address), port)) {
    Impl *d = m_impl.get();
    connect(&workbench, &Workbench::connectionAccepted, this,
            [d](EndpointId client, EndpointId listener, const NetAddress &, const NetAddress &peer) {
                if (listener != d->id || d->id == 0)
                    return;
                Impl::Client c;
                c.id = client;
                c.peer = peer;
                d->tcpClients.insert(client, c);
                // A server message at the very start (a greeting) goes at accept.
                d->pumpTcp(client);
            });
    connect(&workbench, &Workbench::journalGrew, this, [d](quint64) { d->onJournalGrew(); });
    connect(&workbench, &Workbench::stateChanged, this,
            [d](EndpointId id, EndpointState state, const QString &) {
                auto it = d->tcpClients.find(id);
                if (it == d->tcpClients.end())
                    return;
                if (state == EndpointState::PeerClosed) {
                    it->peerClosed = true;
                    d->pumpTcp(id);
                } else if (isFinal(state)) {
                    d->tcpClients.erase(it);
                }
            });
}

ReplayServer::~ReplayServer() = default;

EndpointId ReplayServer::start() {
    Impl *d = m_impl.get();
    if (d->id != 0)
        return d->id;
    if (d->script.udp) {
        UdpOptions options;
        options.socket = d->socket;
        d->scanned = d->wb.journal().count();
        d->id = d->wb.bindUdp(d->address, d->port, options);
    } else {
        ListenerOptions options;
        options.socket = d->socket;
        // A client's FIN must not close the connection before the turns it earned are sent.
        options.keepHalfOpen = true;
        d->id = d->wb.startTcpListener(d->address, d->port, options);
    }
    return d->id;
}

void ReplayServer::stop() {
    Impl *d = m_impl.get();
    if (d->id == 0)
        return;
    if (d->script.udp) {
        d->wb.close(d->id);
        return;
    }
    d->wb.stopListener(d->id);
    const QList<EndpointId> clients = d->tcpClients.keys();
    for (EndpointId client : clients)
        d->wb.close(client);
    d->tcpClients.clear();
}

EndpointId ReplayServer::endpoint() const {
    return m_impl->id;
}

void ReplayServer::setSocketOptions(const SocketOptions &options) {
    m_impl->socket = options;
}

} // namespace sockbench
