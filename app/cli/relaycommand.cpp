#include "cli/relaycommand.h"

#include "cli/clisession.h"
#include "cli/clitls.h"
#include "engine/workbench.h"

#include <cmath>
#include <cstdio>

namespace sockbench {

namespace {

void add(Counters *to, const Counters &from) {
    to->bytesIn += from.bytesIn;
    to->bytesOut += from.bytesOut;
    to->datagramsIn += from.datagramsIn;
    to->datagramsOut += from.datagramsOut;
    to->chunksIn += from.chunksIn;
    to->chunksOut += from.chunksOut;
}

QByteArray countersJson(const Counters &c) {
    return QByteArrayLiteral("{\"bytes_in\":") + QByteArray::number(c.bytesIn) +
           ",\"bytes_out\":" + QByteArray::number(c.bytesOut) +
           ",\"datagrams_in\":" + QByteArray::number(c.datagramsIn) +
           ",\"datagrams_out\":" + QByteArray::number(c.datagramsOut) + '}';
}

/// The session's own --stats would count both legs as one: the relay prints its own summary.
OutputArgs withoutStats(OutputArgs output) {
    output.stats = false;
    return output;
}

} // namespace

RelayCommand::RelayCommand(const RelayArgs &args, QObject *parent)
    : QObject(parent)
    , m_args(args)
    , m_session(new CliSession(CliVerb::Relay, withoutStats(args.output), this)) {
    Workbench &wb = m_session->workbench();
    connect(&wb, &Workbench::listenerStarted, this, &RelayCommand::onStarted);
    connect(&wb, &Workbench::udpBound, this, &RelayCommand::onStarted);
    connect(&wb, &Workbench::listenerFailed, this, &RelayCommand::onSetupFailed);
    connect(&wb, &Workbench::udpFailed, this, &RelayCommand::onSetupFailed);
    connect(&wb, &Workbench::connectionAccepted, this,
            [this](EndpointId id, EndpointId listener, const NetAddress &, const NetAddress &) {
                if (listener != m_id)
                    return;
                m_openLegs.insert(id, Leg::Client);
                ++m_connections;
            });
    connect(&wb, &Workbench::relayLegOpened, this, &RelayCommand::onLegOpened);
    connect(&wb, &Workbench::stateChanged, this, &RelayCommand::onStateChanged);
    connect(&wb, &Workbench::tlsChanged, this, &RelayCommand::onTlsChanged);
    connect(&wb, &Workbench::listenerWarning, this, [](EndpointId, const QString &message) {
        CliSession::printMessage(QStringLiteral("warning: %1").arg(message));
    });
    connect(&wb, &Workbench::optionsApplied, this, [this](EndpointId id) {
        if (id != m_id || m_started)
            m_session->reportRefusedOptions(id);
    });
    connect(m_session, &CliSession::stopRequested, this, [this] { stop(0); });
    m_duration.setSingleShot(true);
    m_duration.setTimerType(Qt::PreciseTimer);
    connect(&m_duration, &QTimer::timeout, this, [this] { stop(0); });
}

RelayCommand::~RelayCommand() = default;

int RelayCommand::exec() {
    // Nothing starts when --pcap could not be opened (CliSession said why).
    if (m_session->isFinishing())
        return m_session->exec();
    m_clock.start();
    m_id = m_session->workbench().startRelay(m_args.where.host, m_args.where.port, m_args.options);
    // A UDP relay's own socket is the client leg of every client: what they send, what they get.
    if (m_args.options.udp)
        m_openLegs.insert(m_id, Leg::Client);
    const int code = m_session->exec();
    if (m_args.output.stats)
        CliSession::printStatsLine(statsJson(code));
    return code;
}

void RelayCommand::onStarted(EndpointId id, const NetAddress &local) {
    if (id != m_id)
        return;
    m_started = true;
    // Scripts wait for this line to learn the port: it comes first and is flushed at once.
    QByteArray lines = QStringLiteral("relaying %1 -> %2\n")
                           .arg(local.toString(), formatHostPort(m_args.target.host, m_args.target.port))
                           .toLocal8Bit();
    if (!m_args.options.faults.isEmpty())
        lines += QStringLiteral("faults: %1\n").arg(m_args.options.faults.describe()).toLocal8Bit();
    std::fwrite(lines.constData(), 1, size_t(lines.size()), stderr);
    std::fflush(stderr);
    if (isWildcardAddress(local.ip))
        CliSession::printMessage(
            QStringLiteral("note: bound to every interface; other machines can reach the target through it"));
    printCertificate();
    m_session->reportRefusedOptions(id);
    m_session->startClock();
    m_clock.start();
    if (m_args.durationSeconds > 0)
        m_duration.start(int(std::min(std::ceil(m_args.durationSeconds * 1000), 2e9)));
}

void RelayCommand::onSetupFailed(EndpointId id, const QString &reason) {
    if (id != m_id)
        return;
    stop(1, QStringLiteral("relay %1%2: %3")
                .arg(m_args.options.udp ? QStringLiteral("udp ") : QString(),
                     formatHostPort(m_args.where.host, m_args.where.port), reason));
}

void RelayCommand::onLegOpened(EndpointId id, EndpointId relay, EndpointId clientLeg) {
    if (relay != m_id)
        return;
    m_openLegs.insert(id, Leg::Target);
    // A UDP client is known by the socket the relay opens for it.
    if (clientLeg == 0)
        ++m_connections;
}

void RelayCommand::onStateChanged(EndpointId id, EndpointState state, const QString &detail) {
    if (!isFinal(state))
        return;
    if (id == m_id) {
        if (m_started && state == EndpointState::Failed)
            stop(1, QStringLiteral("relay %1: %2")
                        .arg(formatHostPort(m_args.where.host, m_args.where.port), detail));
        return;
    }
    const auto leg = m_openLegs.constFind(id);
    if (leg == m_openLegs.cend())
        return;
    Workbench &wb = m_session->workbench();
    if (state == EndpointState::Failed) {
        ++m_failures;
        const EndpointInfo info = wb.info(id);
        if (*leg == Leg::Target) {
            // What the client got instead is the user's setting; say it with the reason.
            const EndpointInfo client = wb.info(info.relayPeer);
            const QString end = m_args.options.udp ? QString()
                                : m_args.options.onTargetFailure == RelayEnd::Reset
                                    ? QStringLiteral(" (client %1 reset)").arg(client.peer.toString())
                                    : QStringLiteral(" (client %1 closed)").arg(client.peer.toString());
            CliSession::printMessage(
                QStringLiteral("target %1: %2%3")
                    .arg(formatHostPort(m_args.target.host, m_args.target.port), detail, end));
        } else {
            CliSession::printMessage(QStringLiteral("client %1: %2").arg(info.peer.toString(), detail));
        }
    }
    add(*leg == Leg::Client ? &m_client : &m_target, wb.journal().counters(id));
    m_openLegs.erase(leg);
    // Print what the leg carried while its address is still known, then let it go so that a
    // long-running relay does not grow with every connection it ever relayed.
    m_session->endTraffic(id);
    wb.forget(id);
}

void RelayCommand::onTlsChanged(EndpointId id) {
    if (id == m_id) {
        if (m_started)
            printCertificate();
        return;
    }
    const auto leg = m_openLegs.constFind(id);
    if (leg == m_openLegs.cend())
        return;
    const EndpointInfo info = m_session->workbench().info(id);
    if (!info.tls)
        return;
    if (info.tls->phase == TlsInfo::Phase::Failed) {
        CliSession::printMessage(
            *leg == Leg::Client
                ? QStringLiteral("client %1: %2").arg(info.peer.toString(), info.tls->failure)
                : QStringLiteral("target %1: %2")
                      .arg(formatHostPort(m_args.target.host, m_args.target.port), info.tls->failure));
        return;
    }
    // --insecure is said once, with what verification would have found, not once per client.
    if (*leg == Leg::Target && info.tls->phase == TlsInfo::Phase::Established && info.tls->insecure &&
        !m_certificatePrinted) {
        if (const QString warning = insecureWarning(*info.tls); !warning.isEmpty())
            CliSession::printMessage(warning);
        if (!m_args.options.clientTls)
            m_certificatePrinted = true;
    }
}

void RelayCommand::printCertificate() {
    if (m_certificatePrinted || !m_args.options.clientTls)
        return;
    m_certificatePrinted = CliSession::printServedCertificate(m_session->workbench().info(m_id).tls,
                                                              m_args.options.clientTls->certificateFile);
}

void RelayCommand::takeStats() {
    if (m_statsTaken)
        return;
    m_statsTaken = true;
    m_seconds = double(m_clock.nsecsElapsed()) / 1e9;
    const Journal &journal = m_session->workbench().journal();
    for (auto it = m_openLegs.cbegin(); it != m_openLegs.cend(); ++it)
        add(it.value() == Leg::Client ? &m_client : &m_target, journal.counters(it.key()));
    m_openLegs.clear();
}

void RelayCommand::stop(int code, const QString &message) {
    if (m_session->isFinishing())
        return;
    takeStats();
    m_session->finish(code, message);
}

QByteArray RelayCommand::statsJson(int code) const {
    Counters all = m_client;
    add(&all, m_target);
    const double seconds = m_statsTaken ? m_seconds : double(m_clock.nsecsElapsed()) / 1e9;
    char text[512];
    const int n = std::snprintf(
        text, sizeof text,
        "{\"command\":\"relay\",\"exit_code\":%d,\"connections\":%llu,\"failures\":%llu,\"bytes_in\":%llu,"
        "\"bytes_out\":%llu,\"datagrams_in\":%llu,\"datagrams_out\":%llu,",
        code, static_cast<unsigned long long>(m_connections), static_cast<unsigned long long>(m_failures),
        static_cast<unsigned long long>(all.bytesIn), static_cast<unsigned long long>(all.bytesOut),
        static_cast<unsigned long long>(all.datagramsIn), static_cast<unsigned long long>(all.datagramsOut));
    QByteArray json(text, n);
    json += "\"client\":" + countersJson(m_client) + ",\"target\":" + countersJson(m_target);
    const int m = std::snprintf(text, sizeof text, ",\"seconds\":%.6f,\"peak_rss_kib\":%lld}", seconds,
                                static_cast<long long>(CliSession::peakRssKib()));
    json += QByteArray(text, m);
    return json;
}

} // namespace sockbench
