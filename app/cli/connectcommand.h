#pragma once

#include "cli/cliargs.h"
#include "engine/endpoint.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

class QSocketNotifier;

namespace sockbench {

class CliSession;
class ReplayClient;

/// `sockbench connect`: one TCP connection or UDP socket that sends a payload (or stdin) and
/// prints what comes back.
class ConnectCommand final : public QObject {
    Q_OBJECT

public:
    explicit ConnectCommand(const ConnectArgs &args, QObject *parent = nullptr);
    ~ConnectCommand() override;
    Q_DISABLE_COPY_MOVE(ConnectCommand)

    /// Runs to the end; returns the exit code.
    int exec();

private:
    void start();
    void onReady(EndpointId id);
    void onFailed(EndpointId id, const QString &reason);
    void onTlsChanged(EndpointId id);
    void onStateChanged(EndpointId id, EndpointState state, const QString &detail);
    void onBytesWritten(EndpointId id, quint64 written, quint64 queued);
    void onSendFailed(EndpointId id, const QString &reason);
    void pump();
    void sendOne(const QByteArray &bytes);
    void onStdinReadable();
    void sendStdinChunk(const QByteArray &chunk, bool atEnd);
    void allSent();
    quint64 outstanding() const;
    QString target() const;
    /// --replay: a ReplayClient does the sending instead of pump(); m_id stays 0.
    void startReplay();

    ConnectArgs m_args;
    CliSession *m_session;
    QSocketNotifier *m_stdin = nullptr;
    QTimer m_interval;
    QTimer m_wait;
    QTimer m_udpDrain;
    NetAddress m_udpTo;     ///< where the datagrams go: the address the engine looked up
    QByteArray m_stdinLine; ///< UDP: a line not yet ended
    EndpointId m_id = 0;
    qint64 m_remaining = 0;        ///< payload repeats still to send
    quint64 m_handedBytes = 0;     ///< TCP bytes given to send()
    quint64 m_writtenBytes = 0;    ///< as of the last bytesWritten()
    quint64 m_handedDatagrams = 0; ///< UDP datagrams given to sendDatagram()
    quint64 m_failedDatagrams = 0;
    bool m_ready = false;
    bool m_inputDone = false;
    bool m_tlsReported = false; ///< the line after the handshake is printed
    ReplayClient *m_replay = nullptr;
    QElapsedTimer m_replayPrinted; ///< since the last progress line
};

} // namespace sockbench
