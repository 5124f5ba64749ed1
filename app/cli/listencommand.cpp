#include "cli/listencommand.h"

#include "capture/replay.h"
#include "cli/clisession.h"
#include "cli/clitls.h"
#include "cli/trafficprinter.h"
#include "engine/workbench.h"
#include "language/numbers.h"

#include <cmath>
#include <cstdio>

namespace sockbench {

ListenCommand::ListenCommand(const ListenArgs &args, QObject *parent)
    : QObject(parent)
    , m_args(args)
    , m_session(new CliSession(CliVerb::Listen, args.output, this)) {
    Workbench &wb = m_session->workbench();
    connect(&wb, &Workbench::listenerStarted, this, &ListenCommand::onStarted);
    connect(&wb, &Workbench::udpBound, this, &ListenCommand::onStarted);
    connect(&wb, &Workbench::listenerFailed, this, &ListenCommand::onSetupFailed);
    connect(&wb, &Workbench::udpFailed, this, &ListenCommand::onSetupFailed);
    connect(&wb, &Workbench::connectionAccepted, this,
            [this](EndpointId id, EndpointId listener, const NetAddress &, const NetAddress &) {
                onAccepted(id, listener);
            });
    connect(&wb, &Workbench::stateChanged, this, &ListenCommand::onStateChanged);
    connect(&wb, &Workbench::listenerWarning, this, &ListenCommand::onWarning);
    connect(&wb, &Workbench::tlsChanged, this, &ListenCommand::onTlsChanged);
    // The listener's own refusals wait for "listening on", which scripts expect as the first line.
    connect(&wb, &Workbench::optionsApplied, this, [this](EndpointId id) {
        if (id != m_id || m_started)
            m_session->reportRefusedOptions(id);
    });
    // A multicast join that fails leaves the socket deaf to what the user asked for: stop and say why.
    connect(&wb, &Workbench::sendFailed, this, [this](EndpointId id, const QString &reason) {
        if (id == m_id)
            m_session->finish(1, reason);
    });
    connect(m_session, &CliSession::stopRequested, this, &ListenCommand::stop);
    m_duration.setSingleShot(true);
    m_duration.setTimerType(Qt::PreciseTimer);
    connect(&m_duration, &QTimer::timeout, this, &ListenCommand::stop);
}

ListenCommand::~ListenCommand() = default;

int ListenCommand::exec() {
    // Nothing starts when --pcap could not be opened (CliSession said why).
    if (m_session->isFinishing())
        return m_session->exec();
    start();
    return m_session->exec();
}

void ListenCommand::start() {
    if (m_args.replay) {
        startReplay();
        return;
    }
    Workbench &wb = m_session->workbench();
    m_session->setStatsRules(m_args.messages.rules);
    if (m_args.udp) {
        UdpOptions options;
        options.echo = m_args.reply == AutoReply::Echo;
        options.joinGroups = m_args.joins;
        options.socket = m_args.socket;
        options.rules = m_args.messages.rules;
        m_id = wb.bindUdp(m_args.where.host, m_args.where.port, options);
    } else {
        ListenerOptions options;
        options.autoReply = m_args.reply;
        options.greeting = m_args.greeting;
        options.socket = m_args.socket;
        options.rules = m_args.messages.rules;
        options.frame = m_args.messages.frame;
        options.tls = m_args.tls;
        m_id = wb.startTcpListener(m_args.where.host, m_args.where.port, options);
    }
}

void ListenCommand::onStarted(EndpointId id, const NetAddress &local) {
    if (id != m_id)
        return;
    m_started = true;
    // Scripts wait for this line to learn the port: it comes first and is flushed at once.
    std::fprintf(stderr, "listening on %s\n", qPrintable(local.toString()));
    std::fflush(stderr);
    if (isWildcardAddress(local.ip))
        CliSession::printMessage(
            QStringLiteral("note: bound to every interface; other machines can reach it"));
    // The certificate may have been reported before the listener started: it comes second anyway.
    printCertificate();
    m_session->reportRefusedOptions(id);
    m_session->startClock();
    if (m_args.durationSeconds > 0)
        m_duration.start(int(std::min(std::ceil(m_args.durationSeconds * 1000), 2e9)));
}

void ListenCommand::onTlsChanged(EndpointId id) {
    if (id == m_id) {
        if (m_started)
            printCertificate();
        return;
    }
    const EndpointInfo info = m_session->workbench().info(id);
    if (info.listener != m_id || !info.tls || info.tls->phase != TlsInfo::Phase::Failed)
        return;
    // The client is gone, the listener goes on; the reason is what the user came for.
    CliSession::printMessage(QStringLiteral("client %1: %2").arg(info.peer.toString(), info.tls->failure));
}

void ListenCommand::printCertificate() {
    if (m_certificatePrinted || !m_args.tls)
        return;
    m_certificatePrinted = CliSession::printServedCertificate(m_session->workbench().info(m_id).tls,
                                                              m_args.tls->certificateFile);
}

void ListenCommand::onSetupFailed(EndpointId id, const QString &reason) {
    if (id != m_id)
        return;
    m_session->finish(1, QStringLiteral("listen %1%2: %3")
                             .arg(m_args.udp ? QStringLiteral("udp ") : QString(),
                                  formatHostPort(m_args.where.host, m_args.where.port), reason));
}

void ListenCommand::onAccepted(EndpointId, EndpointId listener) {
    if (listener == m_id)
        m_session->countConnection();
}

void ListenCommand::onStateChanged(EndpointId id, EndpointState state, const QString &detail) {
    // A client that is done talking is closed by the engine itself (ListenerOptions::keepHalfOpen
    // stays off here), as ncat and socat do.
    if (!isFinal(state))
        return;
    if (id == m_id) {
        // The listener itself died after it had started (setup failures have their own signal).
        if (m_started && state == EndpointState::Failed)
            m_session->finish(1, QStringLiteral("listen %1: %2")
                                     .arg(formatHostPort(m_args.where.host, m_args.where.port), detail));
        return;
    }
    // A client left: print what it sent while its address is still known, then let it go so
    // that a long-running listener does not grow with every client it ever had.
    m_session->endTraffic(id);
    m_session->workbench().forget(id);
}

void ListenCommand::onWarning(EndpointId id, const QString &message) {
    if (id == m_id)
        CliSession::printMessage(QStringLiteral("warning: %1").arg(message));
}

void ListenCommand::stop() {
    m_session->finish(0);
}

void ListenCommand::startReplay() {
    Workbench &wb = m_session->workbench();
    const ReplayScript &script = *m_args.replay;
    m_replay = new ReplayServer(wb, script, m_args.where.host, m_args.where.port, this);
    m_replay->setSocketOptions(m_args.socket);
    // Bytes given to a client after each server message, for the progress lines.
    QList<quint64> bytesAfter;
    quint64 bytes = 0;
    for (const ReplayMessage &m : script.messages) {
        if (!m.fromClient)
            bytesAfter.append(bytes += quint64(m.bytes.size()));
    }
    // After "listening on", which scripts wait for as the first line.
    const auto announce = [this, source = script.source, count = script.serverMessageCount(),
                           total = bytes](EndpointId id) {
        if (id == m_id)
            CliSession::printMessage(QStringLiteral("replaying %1 as its server: %2, %3 bytes to each client")
                                         .arg(source, counted(quint64(count), "message"), grouped(total)));
    };
    connect(&wb, &Workbench::listenerStarted, this,
            [announce](EndpointId id, const NetAddress &) { announce(id); });
    connect(&wb, &Workbench::udpBound, this, [announce](EndpointId id, const NetAddress &) { announce(id); });
    connect(
        m_replay, &ReplayServer::progress, this, [this, bytesAfter](EndpointId client, int sent, int total) {
            const QString who = m_args.udp ? QStringLiteral("replayed")
                                           : QStringLiteral("client %1: replayed")
                                                 .arg(m_session->workbench().info(client).peer.toString());
            CliSession::printMessage(QStringLiteral("%1 %2/%3 messages, %4 bytes")
                                         .arg(who, grouped(quint64(sent)), grouped(quint64(total)),
                                              grouped(bytesAfter.value(sent - 1))));
        });
    m_id = m_replay->start();
}

} // namespace sockbench
