#include "cli/connectcommand.h"

#include "capture/replay.h"
#include "cli/clisession.h"
#include "cli/clitls.h"
#include "engine/workbench.h"
#include "language/numbers.h"

#include <QSocketNotifier>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace sockbench {

namespace {

// Enough in flight to keep the kernel busy, little enough that a huge stdin or --repeat does not
// end up in our memory.
constexpr quint64 MaxOutstandingBytes = 4 * 1024 * 1024;
constexpr quint64 MaxOutstandingDatagrams = 512;
constexpr qsizetype StdinChunk = 64 * 1024;

QByteArray convertLineEndings(const QByteArray &chunk, LineEnding ending) {
    if (ending == LineEnding::None || ending == LineEnding::LF)
        return chunk;
    QByteArray out = chunk;
    out.replace("\n", lineEndingBytes(ending));
    return out;
}

} // namespace

ConnectCommand::ConnectCommand(const ConnectArgs &args, QObject *parent)
    : QObject(parent)
    , m_args(args)
    , m_session(new CliSession(CliVerb::Connect, args.output, this))
    , m_remaining(args.source == ConnectArgs::Source::Payload ? args.repeat : 0) {
    Workbench &wb = m_session->workbench();
    connect(&wb, &Workbench::connected, this,
            [this](EndpointId id, const NetAddress &, const NetAddress &) { onReady(id); });
    connect(&wb, &Workbench::udpBound, this, [this](EndpointId id, const NetAddress &) { onReady(id); });
    connect(&wb, &Workbench::connectFailed, this, &ConnectCommand::onFailed);
    connect(&wb, &Workbench::udpFailed, this, &ConnectCommand::onFailed);
    connect(&wb, &Workbench::stateChanged, this, &ConnectCommand::onStateChanged);
    connect(&wb, &Workbench::bytesWritten, this, &ConnectCommand::onBytesWritten);
    connect(&wb, &Workbench::sendFailed, this, &ConnectCommand::onSendFailed);
    connect(&wb, &Workbench::optionsApplied, m_session, &CliSession::reportRefusedOptions);
    connect(&wb, &Workbench::tlsChanged, this, &ConnectCommand::onTlsChanged);
    connect(m_session, &CliSession::stopRequested, this, [this] { m_session->finish(0); });

    m_interval.setTimerType(Qt::PreciseTimer);
    m_interval.setInterval(m_args.intervalMs);
    connect(&m_interval, &QTimer::timeout, this, &ConnectCommand::pump);
    m_wait.setSingleShot(true);
    m_wait.setTimerType(Qt::PreciseTimer);
    connect(&m_wait, &QTimer::timeout, this, [this] {
        if (m_args.udp)
            m_session->finish(0);
        else
            m_session->workbench().close(m_id);
    });
    // UDP has no bytesWritten(): the journal's datagram counter tells what left.
    m_udpDrain.setInterval(2);
    connect(&m_udpDrain, &QTimer::timeout, this, &ConnectCommand::pump);
}

ConnectCommand::~ConnectCommand() = default;

int ConnectCommand::exec() {
    // Nothing starts when --pcap could not be opened (CliSession said why).
    if (m_session->isFinishing())
        return m_session->exec();
    start();
    return m_session->exec();
}

QString ConnectCommand::target() const {
    return formatHostPort(m_args.where.host, m_args.where.port);
}

void ConnectCommand::start() {
    if (m_args.replay) {
        startReplay();
        return;
    }
    Workbench &wb = m_session->workbench();
    m_session->setStatsRules(m_args.messages.rules);
    if (!m_args.udp) {
        ConnectOptions options;
        options.socket = m_args.socket;
        options.rules = m_args.messages.rules;
        options.frame = m_args.messages.frame;
        // The handshake is part of connecting: connected(), and so the first send, waits for it.
        options.tls = m_args.tls;
        m_id = wb.connectTcp(m_args.where.host, m_args.where.port, options);
        m_session->setStatsConnection(m_id);
        return;
    }
    // The engine looks the name up off this thread and binds in the destination's family; the
    // datagrams then go to the address it found (info().peer), so the name is looked up once.
    UdpOptions options;
    options.multicastInterface = m_args.multicastInterface;
    options.socket = m_args.socket;
    options.rules = m_args.messages.rules;
    m_id = wb.openUdpTo(m_args.where.host, m_args.where.port, options);
}

void ConnectCommand::onReady(EndpointId id) {
    if (id != m_id || m_ready)
        return;
    m_ready = true;
    if (m_args.udp)
        m_udpTo = m_session->workbench().info(id).peer;
    else
        m_session->countConnection();
    if (m_args.source == ConnectArgs::Source::Stdin) {
        if (::fcntl(STDIN_FILENO, F_GETFL) < 0) {
            allSent();
            return;
        }
        m_stdin = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
        connect(m_stdin, &QSocketNotifier::activated, this, &ConnectCommand::onStdinReadable);
        return;
    }
    if (m_args.intervalMs > 0)
        m_interval.start();
    if (m_args.udp)
        m_udpDrain.start();
    pump();
}

void ConnectCommand::onTlsChanged(EndpointId id) {
    if (id != m_id || m_tlsReported)
        return;
    const std::optional<TlsInfo> tls = m_session->workbench().info(id).tls;
    if (!tls || tls->phase != TlsInfo::Phase::Established)
        return;
    // Once, before anything is sent: what was agreed on, and whom we are talking to.
    m_tlsReported = true;
    m_session->setStatsTls(*tls);
    const QByteArray line = tlsSummaryLine(*tls, m_args.tls && !m_args.tls->alpn.isEmpty()).toLocal8Bit();
    std::fprintf(stderr, "%s\n", line.constData());
    std::fflush(stderr);
    if (const QString warning = insecureWarning(*tls); !warning.isEmpty())
        CliSession::printMessage(warning);
}

void ConnectCommand::onFailed(EndpointId id, const QString &reason) {
    if (id == m_id)
        m_session->finish(1, QStringLiteral("connect %1: %2").arg(target(), reason));
}

void ConnectCommand::onStateChanged(EndpointId id, EndpointState state, const QString &detail) {
    if (id != m_id || m_args.udp)
        return;
    switch (state) {
    case EndpointState::PeerClosed:
        // The peer is done; what it sent is in the journal. Close our side in order.
        m_session->workbench().close(m_id);
        break;
    case EndpointState::Closed:
        m_session->finish(0);
        break;
    case EndpointState::Reset:
        m_session->finish(1, QStringLiteral("connection to %1 reset by peer").arg(target()));
        break;
    case EndpointState::Failed:
        // Before the connection: connectFailed() reports it. After: this is the only word.
        if (m_ready)
            m_session->finish(1, QStringLiteral("connection to %1: %2").arg(target(), detail));
        break;
    default:
        break;
    }
}

void ConnectCommand::onBytesWritten(EndpointId id, quint64 written, quint64) {
    if (id != m_id)
        return;
    m_writtenBytes = written;
    if (m_stdin && !m_inputDone && outstanding() < MaxOutstandingBytes)
        m_stdin->setEnabled(true);
    if (m_args.intervalMs == 0)
        pump();
}

void ConnectCommand::onSendFailed(EndpointId id, const QString &reason) {
    if (id != m_id)
        return;
    if (m_args.udp) {
        ++m_failedDatagrams;
        CliSession::printMessage(QStringLiteral("send to %1: %2").arg(target(), reason));
        m_session->finish(1);
        return;
    }
    m_session->finish(1, QStringLiteral("send to %1: %2").arg(target(), reason));
}

quint64 ConnectCommand::outstanding() const {
    if (m_args.udp) {
        const quint64 out = m_session->workbench().journal().totals().datagramsOut + m_failedDatagrams;
        return m_handedDatagrams > out ? m_handedDatagrams - out : 0;
    }
    // Plaintext both sides: the journal's DataOut counts what left in the bytes we handed over
    // (for TLS, plaintext once its records left; bytesWritten()'s count is wire bytes, which
    // include the handshake and record overhead). The journal has it before bytesWritten() comes.
    const quint64 out = m_session->workbench().journal().counters(m_id).bytesOut;
    return m_handedBytes > out ? m_handedBytes - out : 0;
}

void ConnectCommand::sendOne(const QByteArray &bytes) {
    Workbench &wb = m_session->workbench();
    if (m_args.udp) {
        ++m_handedDatagrams;
        wb.sendDatagram(m_id, m_udpTo.ip, m_udpTo.port, bytes);
    } else {
        m_handedBytes += quint64(bytes.size());
        wb.send(m_id, bytes);
    }
}

void ConnectCommand::pump() {
    if (!m_ready || m_session->isFinishing())
        return;
    const quint64 limit = m_args.udp ? MaxOutstandingDatagrams : MaxOutstandingBytes;
    if (m_args.intervalMs > 0) {
        if (m_remaining > 0 && m_interval.isActive()) {
            sendOne(m_args.payload);
            --m_remaining;
        }
    } else {
        while (m_remaining > 0 && outstanding() < limit) {
            sendOne(m_args.payload);
            --m_remaining;
        }
    }
    if (m_stdin && !m_stdin->isEnabled() && outstanding() < limit)
        m_stdin->setEnabled(true);
    if (m_remaining == 0 && m_args.source == ConnectArgs::Source::Payload && !m_inputDone) {
        m_interval.stop();
        allSent();
    }
    // UDP is done when every datagram handed over has left.
    if (m_args.udp && m_inputDone && outstanding() == 0 && !m_wait.isActive()) {
        m_udpDrain.stop();
        if (m_args.waitMs >= 0)
            m_wait.start(m_args.waitMs);
        else
            m_session->finish(0);
    }
}

void ConnectCommand::allSent() {
    if (m_inputDone)
        return;
    m_inputDone = true;
    if (m_args.messages.rules && m_args.waitMs < 0)
        return; // the rules go on answering: until the peer closes (TCP), or SIGINT
    if (m_args.udp) {
        m_udpDrain.start();
        pump();
        return;
    }
    if (m_args.waitMs >= 0) {
        m_wait.start(m_args.waitMs);
        return;
    }
    // The end of our input is the end of what we say: FIN, then read until the peer closes.
    m_session->workbench().shutdownWrite(m_id);
}

void ConnectCommand::onStdinReadable() {
    QByteArray buffer(StdinChunk, Qt::Uninitialized);
    const ssize_t n = ::read(STDIN_FILENO, buffer.data(), size_t(buffer.size()));
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        if (n < 0)
            CliSession::printMessage(
                QStringLiteral("stdin: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
        m_stdin->setEnabled(false);
        m_stdin->deleteLater();
        m_stdin = nullptr;
        sendStdinChunk({}, true);
        allSent();
        return;
    }
    buffer.truncate(n);
    sendStdinChunk(buffer, false);
    if (m_stdin && outstanding() >= (m_args.udp ? MaxOutstandingDatagrams : MaxOutstandingBytes)) {
        // Wait for the kernel to take what we have before reading more.
        m_stdin->setEnabled(false);
        if (m_args.udp)
            m_udpDrain.start();
    }
}

void ConnectCommand::sendStdinChunk(const QByteArray &chunk, bool atEnd) {
    if (!m_args.udp) {
        if (!chunk.isEmpty())
            sendOne(convertLineEndings(chunk, m_args.stdinEnding));
        return;
    }
    // Datagrams: one per line, so that typing or piping lines gives one message per line.
    m_stdinLine += chunk;
    qsizetype start = 0;
    for (;;) {
        const qsizetype nl = m_stdinLine.indexOf('\n', start);
        if (nl < 0)
            break;
        QByteArray line = convertLineEndings(m_stdinLine.mid(start, nl + 1 - start), m_args.stdinEnding);
        for (qsizetype i = 0; i < line.size(); i += MaxDatagramPayloadBytes)
            sendOne(line.mid(i, MaxDatagramPayloadBytes));
        start = nl + 1;
    }
    m_stdinLine.remove(0, start);
    while (m_stdinLine.size() >= MaxDatagramPayloadBytes || (atEnd && !m_stdinLine.isEmpty())) {
        sendOne(m_stdinLine.left(MaxDatagramPayloadBytes));
        m_stdinLine.remove(0, std::min(MaxDatagramPayloadBytes, m_stdinLine.size()));
    }
}

namespace {

/// At most this often a progress line while replaying (the first and the last always).
constexpr qint64 ReplayProgressEveryMs = 250;

} // namespace

void ConnectCommand::startReplay() {
    Workbench &wb = m_session->workbench();
    const ReplayScript &script = *m_args.replay;
    m_replay = new ReplayClient(wb, script, m_args.where.host, m_args.where.port, m_args.replaySpeed, this);
    m_replay->setSocketOptions(m_args.socket);
    if (m_args.waitMs >= 0)
        m_replay->setCloseGrace(m_args.waitMs);
    CliSession::printMessage(
        QStringLiteral("replaying %1 to %2: %3, %4 bytes%5")
            .arg(script.source, target(), counted(quint64(script.clientMessageCount()), "message"),
                 grouped(script.clientByteCount()),
                 m_args.replaySpeed == 0   ? QStringLiteral(", back to back")
                 : m_args.replaySpeed == 1 ? QString()
                                           : QStringLiteral(", %1x as fast").arg(m_args.replaySpeed)));
    connect(m_replay, &ReplayClient::progress, this, [this](int sent, int total, quint64 bytes, quint64) {
        if (sent != 1 && sent != total && m_replayPrinted.isValid() &&
            m_replayPrinted.elapsed() < ReplayProgressEveryMs)
            return;
        m_replayPrinted.start();
        CliSession::printMessage(QStringLiteral("replayed %1/%2 messages, %3 bytes")
                                     .arg(grouped(quint64(sent)), grouped(quint64(total)), grouped(bytes)));
    });
    connect(m_replay, &ReplayClient::finished, this, [this](bool ok, const QString &summary) {
        if (ok)
            m_session->finish(0);
        else
            m_session->finish(1, QStringLiteral("connect %1: %2").arg(target(), summary));
    });
    const EndpointId id = m_replay->start();
    if (!m_args.udp) {
        m_session->setStatsConnection(id);
        connect(&wb, &Workbench::connected, this,
                [this, id](EndpointId connected, const NetAddress &, const NetAddress &) {
                    if (connected == id)
                        m_session->countConnection();
                });
    }
}

} // namespace sockbench
