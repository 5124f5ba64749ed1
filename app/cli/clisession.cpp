#include "cli/clisession.h"

#include "protocol/rules.h"

#include "capture/capturerecorder.h"
#include "cli/clitls.h"
#include "cli/signalwatcher.h"
#include "cli/trafficprinter.h"
#include "engine/workbench.h"
#include "journal/recordformat.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtGlobal>

#include <cstdio>
#include <sys/resource.h>

namespace sockbench {

namespace {

// Payloads only need to outlive the trip to stdout; with --quiet nobody reads them at all.
constexpr qint64 QuietBudget = 8LL * 1024 * 1024;
constexpr qint64 PrintingBudget = 64LL * 1024 * 1024;

} // namespace

CliSession::CliSession(CliVerb verb, const OutputArgs &output, QObject *parent)
    : QObject(parent)
    , m_verb(verb)
    , m_output(output) {
    WorkbenchConfig config;
    config.journalBudgetBytes = output.journalBudgetBytes > 0 ? output.journalBudgetBytes
                                : output.quiet                ? QuietBudget
                                                              : PrintingBudget;
    config.sampleRates = false; // nothing here shows rates; --stats has the exact counters
    m_budgetBytes = config.journalBudgetBytes;
    m_workbench = std::make_unique<Workbench>(config);
    m_printer = std::make_unique<TrafficPrinter>(*m_workbench, output);
    m_signals = new SignalWatcher(this);
    connect(m_signals, &SignalWatcher::stopRequested, this, &CliSession::stopRequested);
    connect(m_workbench.get(), &Workbench::journalGrew, this, &CliSession::printTraffic);
    m_clock.start();
    if (!output.pcapFile.isEmpty()) {
        // --pcap: opened before anything starts, so that a bad path stops the run before any socket.
        m_recorder = std::make_unique<CaptureRecorder>(m_workbench->journal(), output.pcapFile);
        connect(m_recorder.get(), &CaptureRecorder::failed, this,
                [this](const QString &reason) { finish(1, QStringLiteral("--pcap: %1").arg(reason)); });
        QString error;
        if (!m_recorder->start(&error, 0))
            finish(1, QStringLiteral("--pcap: %1").arg(error));
    }
}

CliSession::~CliSession() = default;

void CliSession::printTraffic() {
    if (m_printer->drain())
        return;
    // The reader of stdout went away: nobody can see what we receive any more.
    finish(1, m_printer->errorText());
}

void CliSession::endTraffic(EndpointId id) {
    if (!m_printer->flushMessages(id))
        finish(1, m_printer->errorText());
}

void CliSession::reportRefusedOptions(EndpointId id) {
    for (const AppliedOption &option : m_workbench->info(id).options) {
        if (!option.isRefused())
            continue;
        const QString text =
            QStringLiteral("%1 %2 refused: %3").arg(option.name, option.requested, option.error);
        if (!m_refusalsPrinted.contains(text)) {
            m_refusalsPrinted.insert(text);
            printMessage(text);
        }
    }
}

void CliSession::finish(int code, const QString &message) {
    if (m_finished)
        return;
    m_finished = true;
    m_code = code;
    printTraffic();
    if (!message.isEmpty())
        printMessage(message);
    m_loop.exit(code);
}

void CliSession::printMessage(const QString &message) {
    const QByteArray line = "sockbench: " + message.toLocal8Bit() + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

bool CliSession::printServedCertificate(const std::optional<TlsInfo> &tls, const QString &certificateFile) {
    if (!tls || tls->phase != TlsInfo::Phase::Serving)
        return false;
    const QStringList lines = listenerCertificateLines(*tls, certificateFile);
    if (lines.isEmpty())
        return false;
    const QByteArray text = (lines.join(u'\n') + u'\n').toLocal8Bit();
    std::fwrite(text.constData(), 1, size_t(text.size()), stderr);
    std::fflush(stderr);
    if (const QString warning = listenerCertificateWarning(*tls); !warning.isEmpty())
        printMessage(warning);
    return true;
}

int CliSession::exec() {
    if (!m_finished)
        m_loop.exec();
    m_printer->flushMessages();
    const Counters totals = m_workbench->journal().totals();
    m_totals = {totals.bytesIn, totals.bytesOut, totals.datagramsIn, totals.datagramsOut};
    m_seconds = double(m_clock.nsecsElapsed()) / 1e9;
    const quint64 dropped = m_printer->droppedBytes();
    m_journalDropped = m_workbench->journal().dropped();
    if (m_statsConnection != 0)
        m_tcpInfo = m_workbench->info(m_statsConnection).lastTcpInfo;
    // What the journal holds goes to the --pcap file before the journal goes.
    if (m_recorder) {
        m_recorder->stop();
        if (const quint64 missed = m_recorder->payloadBytesMissed())
            printMessage(
                QStringLiteral("--pcap: %1 bytes of payload fell more than %2 MiB behind the traffic "
                               "and are missing from %3")
                    .arg(missed)
                    .arg(
                        (m_workbench->journal().budgetBytes() + m_workbench->journal().holdAllowanceBytes()) /
                        (1024 * 1024))
                    .arg(m_output.pcapFile));
    }
    // Closing thousands of sockets and joining the reactors happens here, before the summary.
    m_workbench.reset();
    if (dropped > 0)
        printMessage(
            QStringLiteral("%1 received bytes were not printed: the journal's memory budget (%2 MiB, "
                           "--journal-budget) dropped them before stdout took them, among the "
                           "%3 oldest records, up to %4")
                .arg(dropped)
                .arg(m_budgetBytes >> 20)
                .arg(m_journalDropped.records)
                .arg(formatTimestamp(m_journalDropped.lastTimeNs, TimestampStyle::Display)));
    if (m_output.stats)
        printStatsLine(statsJson());
    return m_code;
}

void CliSession::printStatsLine(const QByteArray &json) {
    // Nothing may follow the summary on stderr, not even a late Qt warning.
    qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
    const QByteArray line = json + '\n';
    std::fflush(stderr);
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

qint64 CliSession::peakRssKib() {
    rusage usage = {};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

QByteArray CliSession::statsJson() const {
    char text[512];
    const int n = std::snprintf(
        text, sizeof text,
        "{\"command\":\"%s\",\"exit_code\":%d,\"connections\":%llu,\"bytes_in\":%llu,\"bytes_out\":%llu,"
        "\"datagrams_in\":%llu,\"datagrams_out\":%llu,\"seconds\":%.6f,\"peak_rss_kib\":%lld,"
        "\"journal_records_dropped\":%llu}",
        qPrintable(verbName(m_verb)), m_code, static_cast<unsigned long long>(m_connections),
        static_cast<unsigned long long>(m_totals.bytesIn), static_cast<unsigned long long>(m_totals.bytesOut),
        static_cast<unsigned long long>(m_totals.datagramsIn),
        static_cast<unsigned long long>(m_totals.datagramsOut), m_seconds,
        static_cast<long long>(peakRssKib()), static_cast<unsigned long long>(m_journalDropped.records));
    QByteArray json(text, n);
    if (m_tcpInfo) {
        // The kernel's figures as of the close, under the names ss and tcp_info(7) readers know.
        const TcpInfo &t = *m_tcpInfo;
        char info[768];
        const int m = std::snprintf(
            info, sizeof info,
            ",\"tcp_info\":{\"state\":\"%s\",\"rtt_us\":%u,\"rttvar_us\":%u,\"retransmits\":%u,\"cwnd\":%u,"
            "\"ssthresh\":%u,\"unacked\":%u,\"lost\":%u,\"mss\":%u,\"peer_window\":%u,\"pacing_rate\":%llu,"
            "\"delivery_rate\":%llu,\"bytes_acked\":%llu,\"bytes_received\":%llu,\"send_queue\":%u,"
            "\"receive_queue\":%u}",
            qPrintable(t.state), t.rttUs, t.rttVarUs, t.totalRetransmits, t.cwndSegments, t.ssthreshSegments,
            t.unackedSegments, t.lostSegments, t.mssBytes, t.peerWindowBytes,
            static_cast<unsigned long long>(t.pacingRateBps),
            static_cast<unsigned long long>(t.deliveryRateBps), static_cast<unsigned long long>(t.bytesAcked),
            static_cast<unsigned long long>(t.bytesReceived), t.sendQueueBytes, t.receiveQueueBytes);
        json.insert(json.size() - 1, QByteArray(info, m));
    }
    if (m_statsTls) {
        // The byte counters above are the plain text; this says what carried it.
        const QJsonObject tls{
            {QStringLiteral("protocol"), m_statsTls->protocol},
            {QStringLiteral("cipher"), m_statsTls->cipher},
            {QStringLiteral("alpn"), m_statsTls->alpn},
            {QStringLiteral("verified"), m_statsTls->verified},
            {QStringLiteral("insecure"), m_statsTls->insecure},
        };
        json.insert(json.size() - 1, ",\"tls\":" + QJsonDocument(tls).toJson(QJsonDocument::Compact));
    }
    if (m_statsRules) {
        QByteArray hits = ",\"rule_hits\":[";
        const std::vector<quint64> counts = m_statsRules->allHits();
        for (size_t i = 0; i < counts.size(); ++i)
            hits.append(i == 0 ? "" : ",").append(QByteArray::number(counts[i]));
        json.insert(json.size() - 1, hits + ']');
    }
    return json;
}

} // namespace sockbench
