#pragma once

#include "cli/cliargs.h"
#include "engine/endpoint.h"

#include <QObject>
#include <QTimer>

namespace sockbench {

class CliSession;
class ReplayServer;

/// `sockbench listen`: one TCP listener or UDP socket that records (and echoes or greets) until
/// SIGINT, SIGTERM or --duration.
class ListenCommand final : public QObject {
    Q_OBJECT

public:
    explicit ListenCommand(const ListenArgs &args, QObject *parent = nullptr);
    ~ListenCommand() override;
    Q_DISABLE_COPY_MOVE(ListenCommand)

    /// Runs to the end; returns the exit code.
    int exec();

private:
    void start();
    void onStarted(EndpointId id, const NetAddress &local);
    void onSetupFailed(EndpointId id, const QString &reason);
    void onAccepted(EndpointId id, EndpointId listener);
    void onStateChanged(EndpointId id, EndpointState state, const QString &detail);
    void onWarning(EndpointId id, const QString &message);
    void onTlsChanged(EndpointId id);
    /// A TLS listener's certificate and fingerprint, once it serves and "listening on" is out.
    void printCertificate();
    void stop();
    /// --replay: a ReplayServer opens the listener (or UDP socket) and answers the clients.
    void startReplay();

    ListenArgs m_args;
    CliSession *m_session;
    QTimer m_duration;
    EndpointId m_id = 0;
    bool m_started = false;
    bool m_certificatePrinted = false;
    ReplayServer *m_replay = nullptr;
};

} // namespace sockbench
