#pragma once

#include "cli/cliargs.h"
#include "engine/tcpinfo.h"
#include "journal/journal.h"
#include "tls/tlstypes.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QObject>

#include <QSet>

#include <memory>
#include <optional>

namespace sockbench {

class CaptureRecorder;
class SignalWatcher;
class TrafficPrinter;
class Workbench;

/// What both verbs share: the Workbench, stdout printing, SIGINT/SIGTERM, the exit code and the
/// --stats line, which must be the very last thing on stderr.
class CliSession final : public QObject {
    Q_OBJECT

public:
    CliSession(CliVerb verb, const OutputArgs &output, QObject *parent = nullptr);
    ~CliSession() override;
    Q_DISABLE_COPY_MOVE(CliSession)

    Workbench &workbench() { return *m_workbench; }

    /// Starts the clock that --stats reports as "seconds".
    void startClock() { m_clock.start(); }
    void countConnection() { ++m_connections; }
    /// The connection whose TCP_INFO as of its close goes into --stats.
    void setStatsConnection(EndpointId id) { m_statsConnection = id; }
    /// --stats reports these rules' hits ("rule_hits", one count per rule, in order).
    void setStatsRules(std::shared_ptr<RuleBook> rules) { m_statsRules = std::move(rules); }
    /// --stats reports this TLS session ("tls": protocol, cipher, ALPN, verified, insecure).
    void setStatsTls(const TlsInfo &tls) { m_statsTls = tls; }
    /// Prints the options the kernel refused on this endpoint, each refusal once per run (a
    /// listener's clients would otherwise repeat the same words for every connection).
    void reportRefusedOptions(EndpointId id);
    /// Writes what the journal holds to stdout; on a stdout failure, finishes with code 1.
    void printTraffic();
    /// The endpoint's streams ended: prints what is recorded, and a message still being framed.
    void endTraffic(EndpointId id);
    /// Ends the run with this exit code; message (if any) goes to stderr as "sockbench: message".
    /// Only the first call counts.
    void finish(int code, const QString &message = {});
    bool isFinishing() const { return m_finished; }

    /// Runs until finish(), tears the Workbench down, prints --stats, returns the exit code.
    int exec();

    /// Writes one line to stderr, prefixed with "sockbench: ".
    static void printMessage(const QString &message);
    /// Once a TLS listener or relay serves (Phase::Serving in `tls`): prints its certificate and
    /// SHA-256 fingerprint on stderr, unprefixed like the "listening on" / "relaying" line before
    /// them (a client pins the fingerprint from there), and a warning if it expired or soon will.
    /// certificateFile is the --cert given, or empty. True when printed.
    static bool printServedCertificate(const std::optional<TlsInfo> &tls, const QString &certificateFile);

    /// Writes the --stats line (JSON) to stderr as the very last thing there: Qt's later warnings
    /// are dropped from then on.
    static void printStatsLine(const QByteArray &json);
    /// The process's peak resident memory, as --stats reports it ("peak_rss_kib").
    static qint64 peakRssKib();

Q_SIGNALS:
    /// Emitted when SIGINT or SIGTERM arrived.
    void stopRequested();

private:
    QByteArray statsJson() const;

    CliVerb m_verb;
    OutputArgs m_output;
    std::unique_ptr<Workbench> m_workbench;
    std::unique_ptr<TrafficPrinter> m_printer;
    std::unique_ptr<CaptureRecorder> m_recorder; ///< --pcap; stopped before the Workbench goes
    SignalWatcher *m_signals = nullptr;
    QEventLoop m_loop;
    QElapsedTimer m_clock;
    quint64 m_connections = 0;
    EndpointId m_statsConnection = 0;
    std::optional<TcpInfo> m_tcpInfo; ///< of m_statsConnection, taken before the Workbench goes
    std::shared_ptr<RuleBook> m_statsRules;
    std::optional<TlsInfo> m_statsTls;
    QSet<QString> m_refusalsPrinted;
    double m_seconds = 0;
    qint64 m_budgetBytes = 0;
    DroppedRecords m_journalDropped; ///< as the run ended
    int m_code = 0;
    bool m_finished = false;
    bool m_countersTaken = false;
    struct Totals {
        quint64 bytesIn = 0, bytesOut = 0, datagramsIn = 0, datagramsOut = 0;
    } m_totals;
};

} // namespace sockbench
