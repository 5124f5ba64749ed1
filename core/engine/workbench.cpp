#include "engine/workbench.h"

#include "engine/faulttable.h"
#include "engine/outboxevent.h"
#include "engine/ratemeter.h"
#include "engine/reactor.h"
#include "engine/sockopt.h"
#include "engine/tcplistener.h"
#include "engine/tcprelay.h"
#include "engine/tcpstream.h"
#include "engine/tlstransform.h"
#include "engine/udprelay.h"
#include "engine/udpsocket.h"
#include "engine/workbenchdetail.h"
#include "protocol/rules.h"
#include "tls/tlscontext.h"

#include <QPointer>
#include <QThread>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <tuple>
#include <unordered_set>
#include <variant>

namespace sockbench {

using namespace workbench_detail;

namespace {

/// The journal's event for an auto-reply change.
QString autoReplyText(AutoReply reply, const QByteArray &greeting) {
    switch (reply) {
    case AutoReply::Echo:
        return QStringLiteral("Auto-reply: echo");
    case AutoReply::Greeting:
        return QStringLiteral("Auto-reply: greeting (%1 bytes)").arg(greeting.size());
    case AutoReply::None:
        break;
    }
    return QStringLiteral("Auto-reply: none");
}

} // namespace

Workbench::Workbench(const WorkbenchConfig &config, QObject *parent)
    : QObject(parent)
    , m_shared(std::make_shared<ReactorShared>(config.journalBudgetBytes))
    , m_rates(std::make_unique<RateMeter>(m_shared->journal)) {
    if (!config.sampleRates) {
        m_rates->stop();
        m_shared->journal.stopCounterDeltas();
    }
    qRegisterMetaType<EndpointId>("sockbench::EndpointId");
    qRegisterMetaType<EndpointKind>();
    qRegisterMetaType<EndpointState>();
    qRegisterMetaType<NetAddress>();
    qRegisterMetaType<SocketOptions>();
    qRegisterMetaType<AppliedOption>();
    qRegisterMetaType<TcpInfo>();
    qRegisterMetaType<TlsInfo>();

    m_shared->resolver = config.resolver ? config.resolver : systemResolver();
    m_shared->receiver = this;
    const int count =
        config.reactorThreads > 0 ? config.reactorThreads : std::clamp(QThread::idealThreadCount(), 1, 2);
    for (int i = 0; i < count; ++i)
        m_reactors.push_back(std::make_unique<Reactor>(m_shared, i));
    std::lock_guard lock(m_shared->mailboxMutex);
    for (auto &r : m_reactors)
        m_shared->reactors.push_back(r.get());
}

Workbench::~Workbench() {
    // Stop every loop first: a reactor may hand an accepted socket to another until it stops.
    for (auto &r : m_reactors)
        r->requestStop();
    for (auto &r : m_reactors)
        r->join();
    {
        std::lock_guard lock(m_shared->mailboxMutex);
        m_shared->reactors.clear(); // late resolver results are dropped from now on
    }
    m_reactors.clear(); // closes every descriptor
}

int Workbench::reactorCount() const {
    return int(m_reactors.size());
}

const Journal &Workbench::journal() const {
    return m_shared->journal;
}

Journal &Workbench::journal() {
    return m_shared->journal;
}

const RateMeter &Workbench::rates() const {
    return *m_rates;
}

EndpointId Workbench::newId() {
    return m_shared->nextId.fetch_add(1);
}

Reactor *Workbench::nextReactor() {
    return m_reactors[m_nextReactor++ % m_reactors.size()].get();
}

Reactor *Workbench::reactorForDatagrams() const {
    // Sockets never move, so a UDP socket starts where bulk streams are least likely to be: with
    // the fewest open TCP connections, then next to a listener (whose accepted connections go to
    // the other reactors, TcpListener::reactorForAccepted), then with the fewest UDP sockets. A
    // stream's reads would take turns with the datagrams, which the kernel drops when read late.
    struct Load {
        int streams = 0;
        int noListener = 1;
        int datagramSockets = 0;
        bool operator<(const Load &o) const {
            return std::tie(streams, noListener, datagramSockets) <
                   std::tie(o.streams, o.noListener, o.datagramSockets);
        }
    };
    std::vector<Load> load(m_reactors.size());
    for (auto it = m_reactorOf.constBegin(); it != m_reactorOf.constEnd(); ++it) {
        const auto endpoint = m_endpoints.constFind(it.key());
        if (endpoint == m_endpoints.constEnd() || isFinal(endpoint->state))
            continue;
        Load &l = load[size_t(it.value())];
        if (endpoint->kind == EndpointKind::TcpConnection)
            ++l.streams;
        else if (endpoint->kind == EndpointKind::TcpListener)
            l.noListener = 0;
        else if (endpoint->kind == EndpointKind::UdpSocket)
            ++l.datagramSockets;
    }
    return m_reactors[size_t(std::min_element(load.begin(), load.end()) - load.begin())].get();
}

Reactor *Workbench::reactorFor(EndpointId id) const {
    auto it = m_reactorOf.constFind(id);
    return it == m_reactorOf.constEnd() ? nullptr : m_reactors[size_t(it.value())].get();
}

EndpointInfo &Workbench::addEndpoint(EndpointId id, EndpointKind kind, EndpointState state) {
    EndpointInfo &info = m_endpoints[id];
    info.id = id;
    info.kind = kind;
    info.state = state;
    return info;
}

EndpointId Workbench::startTcpListener(const QString &address, quint16 port, const ListenerOptions &options) {
    const EndpointId id = newId();
    EndpointInfo &info = addEndpoint(id, EndpointKind::TcpListener, EndpointState::Resolving);
    info.requestedHost = address;
    info.requestedPort = port;
    info.autoReply = options.autoReply;
    info.greeting = options.autoReply == AutoReply::Greeting ? options.greeting : QByteArray();
    m_setFrames.insert(id, options.frame);
    setEndpointRules(info, options.rules);
    Reactor *r = nextReactor();
    m_reactorOf.insert(id, r->index());
    r->post([r, id, address, port, options] { TcpListener::start(*r, id, address, port, options); });
    return id;
}

void Workbench::stopListener(EndpointId listener) {
    if (info(listener).kind == EndpointKind::TcpListener)
        close(listener);
}

EndpointId Workbench::connectTcp(const QString &host, quint16 port, const ConnectOptions &options) {
    const EndpointId id = newId();
    EndpointInfo &info = addEndpoint(id, EndpointKind::TcpConnection, EndpointState::Resolving);
    info.outgoing = true;
    info.requestedHost = host;
    info.requestedPort = port;
    m_setFrames.insert(id, options.frame);
    setEndpointRules(info, options.rules);
    Reactor *r = nextReactor();
    m_reactorOf.insert(id, r->index());
    r->post([r, id, host, port, options] { TcpStream::connectTo(*r, id, host, port, options); });
    return id;
}

EndpointId Workbench::bindUdp(const QString &address, quint16 port, const UdpOptions &options) {
    const EndpointId id = newId();
    EndpointInfo &info = addEndpoint(id, EndpointKind::UdpSocket, EndpointState::Resolving);
    info.requestedHost = address;
    info.requestedPort = port;
    info.autoReply = options.echo ? AutoReply::Echo : AutoReply::None;
    setEndpointRules(info, options.rules);
    Reactor *r = reactorForDatagrams();
    m_reactorOf.insert(id, r->index());
    r->post([r, id, address, port, options] { UdpSocket::open(*r, id, address, port, options); });
    return id;
}

EndpointId Workbench::openUdpTo(const QString &host, quint16 port, const UdpOptions &options) {
    const EndpointId id = newId();
    EndpointInfo &info = addEndpoint(id, EndpointKind::UdpSocket, EndpointState::Resolving);
    info.requestedHost = host;
    info.requestedPort = port;
    info.autoReply = options.echo ? AutoReply::Echo : AutoReply::None;
    setEndpointRules(info, options.rules);
    Reactor *r = reactorForDatagrams();
    m_reactorOf.insert(id, r->index());
    r->post([r, id, host, port, options] { UdpSocket::openTo(*r, id, host, port, options); });
    return id;
}

void Workbench::close(EndpointId id) {
    postToSocket<Socket>(reactorFor(id), id, {}, [](Socket &s) { s.close(); });
}

void Workbench::shutdownWrite(EndpointId id) {
    postToSocket<TcpStream>(reactorFor(id), id, {}, [](TcpStream &s) { s.shutdownWrite(); });
}

void Workbench::abort(EndpointId id) {
    postToSocket<Socket>(reactorFor(id), id, {}, [](Socket &s) { s.abort(); });
}

void Workbench::joinMulticast(EndpointId udp, const QString &group, const QString &interfaceName) {
    if (Reactor *r = reactorFor(udp))
        postToSocket<UdpSocket>(r, udp, UdpSocket::notOpenText(), [group, interfaceName](UdpSocket &s) {
            s.multicast(group, interfaceName, true);
        });
    else
        Q_EMIT sendFailed(udp, tr("No such UDP socket"));
}

void Workbench::leaveMulticast(EndpointId udp, const QString &group, const QString &interfaceName) {
    if (Reactor *r = reactorFor(udp))
        postToSocket<UdpSocket>(r, udp, UdpSocket::notOpenText(), [group, interfaceName](UdpSocket &s) {
            s.multicast(group, interfaceName, false);
        });
    else
        Q_EMIT sendFailed(udp, tr("No such UDP socket"));
}

Workbench::SendResult Workbench::send(EndpointId connection, const QByteArray &bytes) {
    const auto it = m_endpoints.constFind(connection);
    QString reason;
    if (it == m_endpoints.constEnd() || it->kind != EndpointKind::TcpConnection)
        reason = tr("No such TCP connection");
    else if (isFinal(it->state))
        reason = tr("Connection is %1").arg(toString(it->state));
    if (!reason.isEmpty()) {
        Q_EMIT sendFailed(connection, reason);
        return {reason};
    }
    if (bytes.isEmpty())
        return {};
    postToSocket<TcpStream>(reactorFor(connection), connection, QStringLiteral("Not connected"),
                            [bytes](TcpStream &s) { s.send(bytes); });
    return {};
}

Workbench::SendResult Workbench::sendDatagram(EndpointId udp, const QString &host, quint16 port,
                                              const QByteArray &bytes) {
    const auto it = m_endpoints.constFind(udp);
    QString reason;
    if (it == m_endpoints.constEnd() || it->kind != EndpointKind::UdpSocket)
        reason = tr("No such UDP socket");
    else if (isFinal(it->state))
        reason = tr("UDP socket is %1").arg(toString(it->state));
    else
        reason = datagramSizeError(bytes.size());
    if (!reason.isEmpty()) {
        Q_EMIT sendFailed(udp, reason);
        return {reason};
    }
    postToSocket<UdpSocket>(reactorFor(udp), udp, UdpSocket::notOpenText(),
                            [host, port, bytes](UdpSocket &s) { s.sendDatagram(host, port, bytes); });
    return {};
}

QList<EndpointId> Workbench::clientsOf(EndpointId listener) const {
    QList<EndpointId> ids = connectionsOf(listener);
    ids.removeIf([this](EndpointId id) {
        const EndpointInfo &info = m_endpoints[id];
        // A relay's target legs (outgoing) and UDP sockets to the target are not its clients.
        return isFinal(info.state) || info.outgoing || info.kind != EndpointKind::TcpConnection;
    });
    return ids;
}

QList<EndpointId> Workbench::connectionsOf(EndpointId listener) const {
    QList<EndpointId> ids;
    if (listener == 0)
        return ids;
    for (const EndpointInfo &i : m_endpoints) {
        if (i.listener == listener)
            ids.append(i.id);
    }
    std::sort(ids.begin(), ids.end()); // ids grow with time: accept order
    return ids;
}

int Workbench::sendToAllClients(EndpointId listener, const QByteArray &bytes) {
    int sent = 0;
    for (EndpointId id : clientsOf(listener))
        sent += send(id, bytes) ? 1 : 0;
    return sent;
}

bool Workbench::setAutoReply(EndpointId id, AutoReply reply, const QByteArray &greeting) {
    const auto it = m_endpoints.constFind(id);
    if (it == m_endpoints.constEnd() || isFinal(it->state) || isRelayEndpoint(*it))
        return false;
    if (it->kind == EndpointKind::UdpSocket) {
        const AutoReply echo = reply == AutoReply::Echo ? AutoReply::Echo : AutoReply::None;
        postToSocket<UdpSocket>(reactorFor(id), id, {}, [id, echo](UdpSocket &s) {
            s.setEcho(echo == AutoReply::Echo);
            s.reactor().recordEvent(id, autoReplyText(echo, {}));
            s.reactor().report(outcome::AutoReplyChanged{id, echo, {}});
        });
        return true;
    }
    if (it->kind != EndpointKind::TcpListener)
        return false;
    const QByteArray kept = reply == AutoReply::Greeting ? greeting : QByteArray();
    postToSocket<TcpListener>(reactorFor(id), id, {}, [id, reply, kept](TcpListener &listener) {
        // The listener first, so that what it accepts from now on is covered; then each reactor
        // for the connections it owns. A connection accepted before this point was handed over
        // before the commands below are posted, and reactors adopt before they run commands.
        listener.setAutoReply(reply, kept);
        ReactorShared &shared = listener.reactor().shared();
        auto pending = std::make_shared<std::atomic<size_t>>(shared.reactors.size());
        for (Reactor *r : shared.reactors) {
            r->post([r, id, reply, kept, pending] {
                for (TcpStream *stream : r->socketsOf<TcpStream>()) {
                    if (stream->listener() == id)
                        stream->setAutoReply(reply);
                }
                if (pending->fetch_sub(1) == 1) {
                    r->recordEvent(id, autoReplyText(reply, kept));
                    r->report(outcome::AutoReplyChanged{id, reply, kept});
                }
            });
        }
    });
    return true;
}

void Workbench::setEndpointRules(EndpointInfo &info, std::shared_ptr<RuleBook> rules) {
    info.rules = std::move(rules);
    info.frame = info.rules ? info.rules->rules().frame : m_setFrames.value(info.id);
}

bool Workbench::setRules(EndpointId id, std::shared_ptr<RuleBook> rules) {
    const auto it = m_endpoints.constFind(id);
    if (it == m_endpoints.constEnd() || isFinal(it->state) || isRelayEndpoint(*it))
        return false;
    const auto text = [](const std::shared_ptr<RuleBook> &book) {
        return book ? QStringLiteral("Rules: %1 %2, frame %3")
                          .arg(book->rules().rules.size())
                          .arg(book->rules().rules.size() == 1 ? QStringLiteral("rule")
                                                               : QStringLiteral("rules"),
                               toString(book->rules().frame))
                    : QStringLiteral("Rules: none");
    };
    switch (it->kind) {
    case EndpointKind::UdpSocket:
        postToSocket<UdpSocket>(reactorFor(id), id, {}, [id, rules, text](UdpSocket &s) {
            s.setRules(rules);
            s.reactor().recordEvent(id, text(rules));
            s.reactor().report(outcome::RulesChanged{id, rules});
        });
        return true;
    case EndpointKind::TcpConnection:
        // Rules of its own stay when its listener's change; cleared, it follows the listener again.
        if (rules)
            m_ownRules.insert(id);
        else
            m_ownRules.remove(id);
        postToSocket<TcpStream>(reactorFor(id), id, {}, [id, rules, text](TcpStream &stream) {
            stream.setRules(rules, true);
            stream.reactor().recordEvent(id, text(rules));
            stream.reactor().report(outcome::RulesChanged{id, rules});
        });
        return true;
    case EndpointKind::TcpListener:
        break;
    }
    postToSocket<TcpListener>(reactorFor(id), id, {}, [id, rules, text](TcpListener &listener) {
        // As for setAutoReply(): the listener first, then each reactor for the connections it owns.
        listener.setRules(rules);
        ReactorShared &shared = listener.reactor().shared();
        auto pending = std::make_shared<std::atomic<size_t>>(shared.reactors.size());
        for (Reactor *r : shared.reactors) {
            r->post([r, id, rules, text, pending] {
                for (TcpStream *stream : r->socketsOf<TcpStream>()) {
                    if (stream->listener() == id)
                        stream->setRules(rules, false);
                }
                if (pending->fetch_sub(1) == 1) {
                    r->recordEvent(id, text(rules));
                    r->report(outcome::RulesChanged{id, rules});
                }
            });
        }
    });
    return true;
}

void Workbench::on(const outcome::RulesChanged &o) {
    auto it = m_endpoints.find(o.id);
    if (it == m_endpoints.end())
        return;
    if (it->kind == EndpointKind::TcpListener) {
        for (const EndpointId connection : connectionsOf(o.id)) {
            auto c = m_endpoints.find(connection);
            if (c != m_endpoints.end() && !m_ownRules.contains(connection) && !isFinal(c->state)) {
                setEndpointRules(*c, o.rules);
                Q_EMIT rulesChanged(connection);
            }
        }
    }
    setEndpointRules(*it, o.rules);
    Q_EMIT rulesChanged(o.id);
}

bool Workbench::setFraming(EndpointId id, const FrameSpec &frame) {
    const auto it = m_endpoints.find(id);
    if (it == m_endpoints.end() || isFinal(it->state) || it->kind == EndpointKind::UdpSocket)
        return false;
    // Display only: nothing on the reactors changes, so the signal comes at once.
    const auto apply = [this, &frame](EndpointInfo &info) {
        m_setFrames.insert(info.id, frame);
        setEndpointRules(info, info.rules);
        Q_EMIT rulesChanged(info.id);
    };
    if (it->kind == EndpointKind::TcpListener) {
        for (const EndpointId connection : connectionsOf(id)) {
            auto c = m_endpoints.find(connection);
            if (c != m_endpoints.end() && !m_ownRules.contains(connection))
                apply(*c);
        }
    }
    apply(*m_endpoints.find(id));
    return true;
}

bool Workbench::setSocketOptions(EndpointId id, const SocketOptions &options) {
    const auto it = m_endpoints.constFind(id);
    if (it == m_endpoints.constEnd() || isFinal(it->state))
        return false;
    const auto report = [id](Reactor &r, const QList<AppliedOption> &applied) {
        r.recordEvent(id, applied.isEmpty()
                              ? QStringLiteral("Socket options: nothing to apply to the socket now")
                              : describeApplied(applied));
        r.report(outcome::OptionsApplied{id, applied});
    };
    switch (it->kind) {
    case EndpointKind::TcpListener:
        postToSocket<TcpListener>(reactorFor(id), id, {}, [options, report](TcpListener &listener) {
            report(listener.reactor(), listener.setSocketOptions(options));
        });
        break;
    case EndpointKind::TcpConnection:
        postToSocket<TcpStream>(reactorFor(id), id, {}, [options, report](TcpStream &stream) {
            report(stream.reactor(), stream.setSocketOptions(options));
        });
        break;
    case EndpointKind::UdpSocket:
        postToSocket<UdpSocket>(reactorFor(id), id, {}, [options, report](UdpSocket &s) {
            report(s.reactor(), s.setSocketOptions(options));
        });
        break;
    }
    return true;
}

bool Workbench::requestTcpInfo(EndpointId id) {
    const auto it = m_endpoints.constFind(id);
    if (it == m_endpoints.constEnd() || it->kind != EndpointKind::TcpConnection ||
        (it->state != EndpointState::Connected && it->state != EndpointState::PeerClosed))
        return false;
    postToSocket<TcpStream>(reactorFor(id), id, {}, [id](TcpStream &s) {
        QString error;
        if (const auto info = s.readTcpInfo(&error))
            s.reactor().report(outcome::TcpInfoRead{id, *info});
        else
            s.reactor().recordEvent(id, QStringLiteral("TCP_INFO: %1").arg(error));
    });
    return true;
}

void Workbench::forget(EndpointId id) {
    auto it = m_endpoints.find(id);
    if (it == m_endpoints.end() || !isFinal(it->state))
        return;
    m_endpoints.erase(it);
    m_reactorOf.remove(id);
    m_setFrames.remove(id);
    m_ownRules.remove(id);
    m_rates->forget(id);
    m_shared->journal.forgetEndpoint(id);
}

EndpointId Workbench::addCaptureEndpoint(const EndpointInfo &info) {
    const EndpointId id = newId();
    EndpointInfo &added = m_endpoints[id];
    added = info;
    added.id = id;
    Q_EMIT captureEndpointAdded(id);
    return id;
}

void Workbench::announceJournal() {
    Q_EMIT journalGrew(m_shared->journal.count());
}

void Workbench::updateState(EndpointId id, EndpointState state, const QString &detail) {
    auto it = m_endpoints.find(id);
    if (it == m_endpoints.end())
        return;
    it->state = state;
    if (!detail.isEmpty())
        it->error = detail;
    Q_EMIT stateChanged(id, state, state == EndpointState::Failed ? detail : QString());
}

void Workbench::setUpOptions(EndpointId id, const QList<AppliedOption> &options) {
    auto it = m_endpoints.find(id);
    if (it == m_endpoints.end() || options.isEmpty())
        return;
    it->options = options;
    Q_EMIT optionsApplied(id);
}

void Workbench::on(const outcome::ListenerStarted &o) {
    m_endpoints[o.id].local = o.local;
    setUpOptions(o.id, o.options);
    updateState(o.id, EndpointState::Listening, {});
    Q_EMIT listenerStarted(o.id, o.local);
}

void Workbench::on(const outcome::Accepted &o) {
    EndpointInfo &info = addEndpoint(o.id, EndpointKind::TcpConnection, o.state);
    info.listener = o.listener;
    info.local = o.local;
    info.peer = o.peer;
    info.options = o.options;
    m_setFrames.insert(o.id, m_setFrames.value(o.listener));
    setEndpointRules(info, o.rules);
    m_reactorOf.insert(o.id, o.reactorIndex);
    Q_EMIT stateChanged(o.id, o.state, {});
    Q_EMIT connectionAccepted(o.id, o.listener, o.local, o.peer);
    // After the acceptance: a receiver must know the connection before it hears about its options.
    if (!o.options.isEmpty())
        Q_EMIT optionsApplied(o.id);
}

void Workbench::on(const outcome::Resolving &o) {
    updateState(o.id, EndpointState::Resolving, {});
    Q_EMIT resolving(o.id, o.host);
}

void Workbench::on(const outcome::Connecting &o) {
    m_endpoints[o.id].peer = o.peer;
    updateState(o.id, EndpointState::Connecting, {});
    Q_EMIT connecting(o.id, o.peer);
}

void Workbench::on(const outcome::Connected &o) {
    EndpointInfo &info = m_endpoints[o.id];
    info.local = o.local;
    info.peer = o.peer;
    setUpOptions(o.id, o.options);
    updateState(o.id, o.state, {});
    if (o.state == EndpointState::Connected)
        Q_EMIT connected(o.id, o.local, o.peer); // a TLS one: once its handshake completes
}

void Workbench::on(const outcome::UdpBound &o) {
    EndpointInfo &info = m_endpoints[o.id];
    info.local = o.local;
    if (o.destination.isValid())
        info.peer = o.destination;
    setUpOptions(o.id, o.options);
    updateState(o.id, EndpointState::Bound, {});
    Q_EMIT udpBound(o.id, o.local);
}

void Workbench::on(const outcome::PeerClosed &o) {
    updateState(o.id, EndpointState::PeerClosed, {});
    Q_EMIT peerClosed(o.id);
}

void Workbench::on(const outcome::Final &o) {
    auto it = m_endpoints.find(o.id);
    if (it == m_endpoints.end())
        return;
    it->resetByUs = o.resetByUs;
    if (o.tcpInfo)
        it->lastTcpInfo = o.tcpInfo;
    const EndpointKind kind = it->kind;
    const EndpointState before = it->state;
    // An outgoing TLS connection whose handshake fails never connected; one that upgraded with
    // Start TLS did.
    const bool connecting =
        before == EndpointState::Resolving || before == EndpointState::Connecting ||
        (before == EndpointState::Handshaking && it->outgoing && !(it->tls && it->tls->startTls));
    updateState(o.id, o.state, o.detail);
    switch (kind) {
    case EndpointKind::TcpListener:
        if (o.state == EndpointState::Failed)
            Q_EMIT listenerFailed(o.id, o.detail);
        else
            Q_EMIT listenerStopped(o.id);
        break;
    case EndpointKind::TcpConnection:
        if (o.state == EndpointState::Reset)
            Q_EMIT reset(o.id);
        else if (o.state == EndpointState::Failed && connecting)
            Q_EMIT connectFailed(o.id, o.detail);
        else if (o.state == EndpointState::Failed)
            Q_EMIT connectionFailed(o.id, o.detail);
        else
            Q_EMIT closed(o.id);
        break;
    case EndpointKind::UdpSocket:
        if (o.state == EndpointState::Failed)
            Q_EMIT udpFailed(o.id, o.detail);
        else
            Q_EMIT closed(o.id);
        break;
    }
}

void Workbench::on(const outcome::ListenerWarning &o) {
    if (auto it = m_endpoints.find(o.id); it != m_endpoints.end())
        it->error = o.message;
    Q_EMIT listenerWarning(o.id, o.message);
}

void Workbench::on(const outcome::SendFailed &o) {
    Q_EMIT sendFailed(o.id, o.reason);
}

void Workbench::on(const outcome::BytesWritten &o) {
    if (auto it = m_endpoints.find(o.id); it != m_endpoints.end())
        it->queuedBytes = o.queued;
    Q_EMIT bytesWritten(o.id, o.written, o.queued);
}

void Workbench::on(const outcome::JournalGrew &) {
    // Clear before reading the count: an append racing with us then either is counted here or
    // posts a new announcement.
    m_shared->growPosted.store(false);
    Q_EMIT journalGrew(m_shared->journal.count());
}

void Workbench::on(const outcome::AutoReplyChanged &o) {
    auto it = m_endpoints.find(o.id);
    if (it == m_endpoints.end())
        return;
    it->autoReply = o.reply;
    it->greeting = o.greeting;
    Q_EMIT autoReplyChanged(o.id);
}

void Workbench::on(const outcome::OptionsApplied &o) {
    auto it = m_endpoints.find(o.id);
    if (it == m_endpoints.end())
        return;
    mergeApplied(it->options, o.options);
    Q_EMIT optionsApplied(o.id);
}

void Workbench::on(const outcome::TcpInfoRead &o) {
    auto it = m_endpoints.find(o.id);
    if (it == m_endpoints.end())
        return;
    it->lastTcpInfo = o.info;
    Q_EMIT tcpInfoRead(o.id, o.info);
}

bool Workbench::event(QEvent *event) {
    if (event->type() != OutboxEvent::eventType())
        return QObject::event(event);
    const QPointer<Workbench> alive(this); // a receiver of our signals may destroy us mid-batch
    for (const Outcome &outcome : static_cast<OutboxEvent *>(event)->outcomes()) {
        if (!alive)
            break;
        std::visit([this](const auto &o) { on(o); }, outcome);
    }
    return true;
}

qint64 raiseOpenFileLimit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
        return -1;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
        getrlimit(RLIMIT_NOFILE, &lim);
    }
    return qint64(lim.rlim_cur);
}

} // namespace sockbench
