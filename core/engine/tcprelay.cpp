#include "engine/tcprelay.h"

#include "engine/reactor.h"
#include "engine/tcpstream.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <tuple>
#include <utility>

namespace sockbench {

namespace {

QString targetText(const RelayOptions &options) {
    return NetAddress{options.targetHost, options.targetPort}.toString();
}

} // namespace

// --- TcpRelayHub ---

TcpRelayHub::TcpRelayHub(EndpointId relay, const RelayOptions &options)
    : m_relay(relay)
    , m_options(options)
    , m_faults(std::make_shared<RelayFaultsCell>(options.faults)) {}

std::unique_ptr<StreamHandler> TcpRelayHub::make(EndpointId accepted, const NetAddress &) {
    // The order of arrival, counted here on the listener's thread, seeds the connection's faults.
    auto pair = std::make_shared<RelayPair>(m_relay, accepted, m_arrivals++, m_options, m_faults);
    return std::make_unique<RelayLeg>(std::move(pair), RelaySide::Client);
}

// --- RelayLeg ---

RelayLeg::RelayLeg(std::shared_ptr<RelayPair> pair, RelaySide side)
    : m_pair(std::move(pair))
    , m_side(side)
    , m_recorder(AutoReply::None) {}

RelayLeg::~RelayLeg() {
    m_pair->legGone(m_side);
}

void RelayLeg::opened(TcpStream &stream) {
    m_pair->opened(m_side, stream);
}

bool RelayLeg::received(TcpStream &stream, const char *data, qsizetype size) {
    m_recorder.received(stream, data, size); // DataIn; never pauses (no auto-reply, no rules)
    return m_pair->received(m_side, stream, data, size);
}

void RelayLeg::sent(TcpStream &stream, const char *data, qsizetype size) {
    m_recorder.sent(stream, data, size); // DataOut: what the kernel took
}

void RelayLeg::peerFinished(TcpStream &stream) {
    m_pair->peerFinished(m_side, stream);
}

void RelayLeg::drained(TcpStream &stream) {
    m_pair->drained(m_side, stream);
}

void RelayLeg::faultTimer(TcpStream &stream) {
    m_pair->faultTimer(m_side, stream);
}

// --- RelayPair ---

RelayPair::RelayPair(EndpointId relay, EndpointId clientLeg, quint64 arrival, const RelayOptions &options,
                     std::shared_ptr<RelayFaultsCell> relayFaults)
    : m_relay(relay)
    , m_ids{clientLeg, 0}
    , m_arrival(arrival)
    , m_options(options)
    , m_relayFaults(std::move(relayFaults)) {}

RelayPair::~RelayPair() = default;

void RelayPair::legGone(RelaySide side) {
    m_streams[size_t(index(side))] = nullptr;
}

void RelayPair::attach(RelaySide side, TcpStream &stream) {
    m_streams[size_t(index(side))] = &stream;
    stream.setRelayPair(shared_from_this());
    std::weak_ptr<RelayPair> weak = weak_from_this();
    stream.setFinishHook(
        [weak, side](TcpStream &leg, EndpointState before, EndpointState state, const QString &detail) {
            if (auto pair = weak.lock())
                pair->legFinished(side, leg, before, state, detail);
        });
}

void RelayPair::opened(RelaySide side, TcpStream &stream) {
    if (side == RelaySide::Target) {
        m_targetOpened = true;
        resumeIfCaughtUp(RelaySide::Client);
        return;
    }
    attach(RelaySide::Client, stream);
    std::tie(m_options.faults, m_faultsSequence) = m_relayFaults->get();
    const qint64 now = monotonicNs();
    applyFaults(RelaySide::Client, now);
    applyFaults(RelaySide::Target, now);
    if (!m_options.faults.isEmpty())
        stream.reactor().recordEvent(stream.id(), m_options.faults.journalText());
    openTarget(stream);
}

void RelayPair::openTarget(TcpStream &client) {
    Reactor &reactor = client.reactor();
    const EndpointId target = reactor.shared().nextId.fetch_add(1);
    m_ids[1] = target;
    m_targetStarted = true;
    reactor.recordEvent(
        client.id(), QStringLiteral("Relaying to %1 (connection %2)").arg(targetText(m_options)).arg(target));
    // Before the target leg reports anything: the Workbench must know it is a relay leg first.
    reactor.report(outcome::RelayLegOpened{
        target, m_relay, client.id(), reactor.index(), EndpointKind::TcpConnection, EndpointState::Resolving,
        m_options.targetHost, m_options.targetPort, NetAddress{}, m_options.faults});
    ConnectOptions connect;
    connect.timeoutMs = m_options.connectTimeoutMs;
    connect.tls = m_options.targetTls;
    auto self = shared_from_this();
    m_inConnect = true;
    TcpStream::connectTo(reactor, target, m_options.targetHost, m_options.targetPort, connect,
                         std::make_unique<RelayLeg>(self, RelaySide::Target),
                         [self](TcpStream &stream) { self->attach(RelaySide::Target, stream); });
    m_inConnect = false;
}

bool RelayPair::usesFaults(const Way &way) const {
    return way.faults && !way.faults->isPassThrough();
}

quint64 RelayPair::backlog(RelaySide sender) const {
    const TcpStream *receiver = stream(otherSide(sender));
    quint64 waiting = receiver ? receiver->queuedBytes() : 0;
    const Way &way = m_ways[size_t(index(sender))];
    if (way.faults)
        waiting += way.faults->heldBytes();
    return waiting;
}

bool RelayPair::received(RelaySide side, TcpStream &stream, const char *data, qsizetype size) {
    TcpStream *receiver = this->stream(otherSide(side));
    if (!receiver || receiver->isFinished()) {
        // The other leg is gone: what arrives is recorded, and dropped.
        stream.reactor().recordEvent(stream.id(),
                                     QStringLiteral("%1 bytes not relayed: connection %2 has ended")
                                         .arg(size)
                                         .arg(m_ids[size_t(index(otherSide(side)))]));
        return !stream.isFinished();
    }
    if (receiver->isWriteShut() || (receiver->isFinPending() && !wayFrom(side).finRelayed)) {
        stream.reactor().recordEvent(
            stream.id(),
            QStringLiteral("%1 bytes not relayed: connection %2 is closing").arg(size).arg(receiver->id()));
        return !stream.isFinished();
    }
    Way &way = wayFrom(side);
    if (usesFaults(way)) {
        way.faults->push(data, size, monotonicNs());
        pump(side);
    } else {
        // A plain leg takes the bytes straight from the reactor's read buffer, copied only when
        // the kernel does not take them all at once; a TLS leg encrypts them.
        if (speaksTls(otherSide(side)))
            receiver->write(QByteArray(data, size));
        else
            receiver->writeRawFrom(data, size);
    }
    if (stream.isFinished())
        return false;
    if (backlog(side) >= HighWater) {
        stream.pauseReading();
        return false;
    }
    return true;
}

void RelayPair::peerFinished(RelaySide side, TcpStream &) {
    relayFin(side, false);
}

void RelayPair::relayFin(RelaySide sender, bool close) {
    Way &way = wayFrom(sender);
    if (way.finRelayed) {
        if (!close)
            return;
        // The FIN has gone (half-close) or waits in the faults: close now, or when it leaves. A
        // direction that still has faults once its FIN went must not wait for a step to come.
        if (way.finDelivered || !usesFaults(way)) {
            if (TcpStream *receiver = stream(otherSide(sender)); receiver && !receiver->isFinished())
                receiver->close();
        } else {
            way.closeAfterFin = true;
        }
        return;
    }
    way.finRelayed = true;
    way.closeAfterFin = close;
    if (usesFaults(way)) {
        way.faults->pushFin(monotonicNs());
        pump(sender);
        return;
    }
    TcpStream *receiver = stream(otherSide(sender));
    if (!receiver || receiver->isFinished())
        return;
    way.finDelivered = true;
    if (close)
        receiver->close();
    else
        receiver->shutdownWrite();
}

void RelayPair::drained(RelaySide side, TcpStream &) {
    if (wayFrom(otherSide(side)).resetPending)
        pump(otherSide(side)); // a limit's reset may go now
    else
        resumeIfCaughtUp(otherSide(side));
}

void RelayPair::resumeIfCaughtUp(RelaySide sender) {
    TcpStream *from = stream(sender);
    if (from && !from->isFinished() && from->isReadingPaused() && backlog(sender) <= LowWater)
        from->resumeReading();
}

void RelayPair::faultTimer(RelaySide side, TcpStream &) {
    pump(otherSide(side)); // the timer of a leg is the one of the direction it receives
}

void RelayPair::pump(RelaySide sender) {
    Way &way = wayFrom(sender);
    TcpStream *receiver = stream(otherSide(sender));
    if (!way.faults || !receiver || receiver->isFinished())
        return;
    Reactor &reactor = receiver->reactor();
    if (way.resetPending) {
        // "Exactly N bytes, then RST": an abort drops what we queued and SO_LINGER 0 what the
        // kernel has not sent, so the reset waits until the peer has taken (acknowledged) them all.
        if (hasUnsentBytes(*receiver)) {
            receiver->armTimer(TimerKind::Fault, ResetRecheckMs);
            return;
        }
        way.resetPending = false;
        endLeg(*receiver, RelayEnd::Reset);
        return;
    }
    const qint64 now = monotonicNs();
    int steps = 0;
    while (std::optional<StreamFaults::Step> step = way.faults->takeDue(now)) {
        if (!step->event.isEmpty())
            reactor.recordEvent(receiver->id(), step->event);
        switch (step->kind) {
        case StreamFaults::Step::Kind::Bytes:
            if (!receiver->isWriteShut())
                receiver->write(std::move(step->bytes));
            else if (!step->bytes.isEmpty())
                reactor.recordEvent(receiver->id(),
                                    QStringLiteral("%1 bytes not relayed: this connection has sent its FIN")
                                        .arg(step->bytes.size()));
            break;
        case StreamFaults::Step::Kind::Fin:
            way.finDelivered = true;
            if (way.closeAfterFin)
                receiver->close();
            else
                receiver->shutdownWrite();
            break;
        case StreamFaults::Step::Kind::End:
            m_endedByUs[size_t(index(otherSide(sender)))] = true;
            if (step->end == RelayEnd::Reset && hasUnsentBytes(*receiver)) {
                way.resetPending = true;
                receiver->armTimer(TimerKind::Fault, ResetRecheckMs);
                return;
            }
            endLeg(*receiver, step->end);
            break;
        }
        if (receiver->isFinished() || this->stream(otherSide(sender)) != receiver)
            return;
        if (++steps == MaxStepsPerPump) {
            // The rest on the next loop iteration: other sockets get their turn in between.
            receiver->armTimer(TimerKind::Fault, 0);
            resumeIfCaughtUp(sender);
            return;
        }
    }
    const qint64 due = way.faults->nextDueNs();
    if (due < 0)
        receiver->cancelTimer(TimerKind::Fault);
    else
        receiver->armTimer(TimerKind::Fault, std::max<qint64>(0, (due - now + 999'999) / 1'000'000));
    resumeIfCaughtUp(sender);
}

void RelayPair::applyFaults(RelaySide sender, qint64 now) {
    const RelayDirection direction = directionFrom(sender);
    const FaultSet &set = m_options.faults.of(direction);
    Way &way = wayFrom(sender);
    if (way.faults)
        way.faults->setFaults(set, now);
    else if (!set.isEmpty())
        way.faults =
            std::make_unique<StreamFaults>(set, faultSeed(m_options.faults.seed, m_arrival, direction), now);
}

bool RelayPair::setFaults(const RelayFaults &faults, quint64 sequence) {
    if (sequence < m_faultsSequence || m_broken)
        return false;
    m_faultsSequence = sequence;
    m_options.faults = faults;
    const qint64 now = monotonicNs();
    applyFaults(RelaySide::Client, now);
    applyFaults(RelaySide::Target, now);
    for (TcpStream *leg : m_streams) {
        if (leg && !leg->isFinished())
            leg->reactor().recordEvent(leg->id(), faults.journalText());
    }
    pump(RelaySide::Client);
    pump(RelaySide::Target);
    return true;
}

bool RelayPair::hasUnsentBytes(const TcpStream &receiver) {
    if (receiver.queuedBytes() > 0)
        return true;
    int unacknowledged = 0;
    return receiver.fd() >= 0 && ::ioctl(receiver.fd(), SIOCOUTQ, &unacknowledged) == 0 && unacknowledged > 0;
}

void RelayPair::dropHeld(RelaySide sender, const QString &why) {
    Way &way = wayFrom(sender);
    if (!way.faults)
        return;
    const quint64 held = way.faults->heldPayloadBytes();
    const EndpointId receiverId = m_ids[size_t(index(otherSide(sender)))];
    const TcpStream *from = stream(sender);
    const TcpStream *to = stream(otherSide(sender));
    Reactor *reactor = to ? &to->reactor() : from ? &from->reactor() : nullptr;
    if (held > 0 && reactor)
        reactor->recordEvent(receiverId, QStringLiteral("%1 bytes not relayed: %2").arg(held).arg(why));
    way.faults.reset(); // nothing more leaves in this direction
    way.resetPending = false;
}

void RelayPair::endLeg(TcpStream &stream, RelayEnd end) {
    if (end == RelayEnd::Reset)
        stream.abort();
    else
        stream.close();
}

void RelayPair::breakPair(RelayEnd end) {
    if (m_broken)
        return; // a relay-wide break finds a pair through both its legs
    m_broken = true;
    const QString text = end == RelayEnd::Reset ? QStringLiteral("Relay broken: reset both legs")
                                                : QStringLiteral("Relay broken: close both legs");
    for (TcpStream *leg : m_streams) {
        if (leg && !leg->isFinished()) {
            leg->reactor().recordEvent(leg->id(), text);
            leg->cancelTimer(TimerKind::Fault); // nothing held is due any more
        }
    }
    dropHeld(RelaySide::Client, QStringLiteral("the relay was broken"));
    dropHeld(RelaySide::Target, QStringLiteral("the relay was broken"));
    // A copy: ending a leg clears its pointer (and, m_broken set, does nothing to the other, which
    // stays a valid object until the end of this loop iteration).
    const std::array<TcpStream *, 2> legs = m_streams;
    for (TcpStream *leg : legs) {
        if (leg && !leg->isFinished())
            endLeg(*leg, end);
    }
}

void RelayPair::legFinished(RelaySide side, TcpStream &leg, EndpointState before, EndpointState state,
                            const QString &detail) {
    m_streams[size_t(index(side))] = nullptr;
    if (m_broken)
        return;
    // What the faults still held for the gone leg never reaches it.
    dropHeld(otherSide(side), QStringLiteral("connection %1 has ended").arg(m_ids[size_t(index(side))]));
    const bool endedByUs = m_endedByUs[size_t(index(side))];
    if (side == RelaySide::Target && !m_targetOpened && !endedByUs) {
        targetFailed(leg, before, detail);
        return;
    }
    TcpStream *other = stream(otherSide(side));
    if (!other || other->isFinished())
        return;
    if (state == EndpointState::Reset || state == EndpointState::Failed) {
        const bool reset = m_options.relayResets;
        QString what = QStringLiteral("failed");
        if (state == EndpointState::Reset)
            what =
                endedByUs ? QStringLiteral("was reset by this relay's limit") : QStringLiteral("was reset");
        other->reactor().recordEvent(other->id(), QStringLiteral("Connection %1 %2: %3")
                                                      .arg(m_ids[size_t(index(side))])
                                                      .arg(what, reset ? QStringLiteral("resetting this one")
                                                                       : QStringLiteral("closing this one")));
        if (reset)
            other->abort();
        else
            relayFin(side, true);
        return;
    }
    // Closed: whatever the gone leg's peer sent has been relayed; its FIN (which a stream that had
    // sent its own FIN takes without telling its handler) goes on, and the other leg closes.
    relayFin(side, true);
}

void RelayPair::targetFailed(TcpStream &target, EndpointState before, const QString &detail) {
    TcpStream *client = stream(RelaySide::Client);
    if (!client || client->isFinished())
        return;
    // Worded by what really happened, not by matching the detail's text.
    QString what = QStringLiteral("failed");
    if (m_inConnect)
        what = QStringLiteral("could not be set up"); // e.g. the TLS context, before any lookup
    else if (target.connectTimedOut())
        what = QStringLiteral("timed out");
    else if (before == EndpointState::Resolving)
        what = QStringLiteral("could not be resolved");
    else if (before == EndpointState::Handshaking)
        what = QStringLiteral("failed its TLS handshake");
    else if (before == EndpointState::Connecting) {
        switch (target.connectErrno()) {
        case ECONNREFUSED:
            what = QStringLiteral("refused");
            break;
        case ENETUNREACH:
        case EHOSTUNREACH:
        case ENETDOWN:
        case EHOSTDOWN:
            what = QStringLiteral("is unreachable");
            break;
        case ETIMEDOUT:
            what = QStringLiteral("timed out");
            break;
        default:
            what = QStringLiteral("could not be connected");
            break;
        }
    }
    const bool reset = m_options.onTargetFailure == RelayEnd::Reset;
    client->reactor().recordEvent(client->id(),
                                  QStringLiteral("target %1 %2: %3 (%4 the client)")
                                      .arg(targetText(m_options), what, detail,
                                           reset ? QStringLiteral("resetting") : QStringLiteral("closing")));
    endLeg(*client, m_options.onTargetFailure);
}

} // namespace sockbench
