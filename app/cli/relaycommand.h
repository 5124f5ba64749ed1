#pragma once

#include "cli/cliargs.h"
#include "engine/endpoint.h"
#include "journal/journal.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

namespace sockbench {

class CliSession;

/// `sockbench relay`: one relay (TCP or UDP) that forwards between its clients and the target,
/// through the faults asked for, until SIGINT, SIGTERM or --duration.
class RelayCommand final : public QObject {
    Q_OBJECT

public:
    explicit RelayCommand(const RelayArgs &args, QObject *parent = nullptr);
    ~RelayCommand() override;
    Q_DISABLE_COPY_MOVE(RelayCommand)

    /// Runs to the end; returns the exit code.
    int exec();

private:
    /// Which side of the relay an endpoint is on, for --stats.
    enum class Leg : quint8 { Client, Target };

    void onStarted(EndpointId id, const NetAddress &local);
    void onSetupFailed(EndpointId id, const QString &reason);
    void onLegOpened(EndpointId id, EndpointId relay, EndpointId clientLeg);
    void onStateChanged(EndpointId id, EndpointState state, const QString &detail);
    void onTlsChanged(EndpointId id);
    void printCertificate();
    /// Adds the counters of every leg still open to the totals, once, before the Workbench goes.
    void takeStats();
    void stop(int code, const QString &message = {});
    QByteArray statsJson(int code) const;

    RelayArgs m_args;
    CliSession *m_session;
    QTimer m_duration;
    QElapsedTimer m_clock;
    EndpointId m_id = 0;
    bool m_started = false;
    bool m_certificatePrinted = false;
    bool m_statsTaken = false;
    /// Legs whose traffic is not yet in the totals (they are added when they end).
    QHash<EndpointId, Leg> m_openLegs;
    Counters m_client;
    Counters m_target;
    quint64 m_connections = 0; ///< clients relayed (TCP connections, or UDP client addresses)
    quint64 m_failures = 0;    ///< target legs that could not be opened or failed
    double m_seconds = 0;
};

} // namespace sockbench
