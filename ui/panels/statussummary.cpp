#include "panels/statussummary.h"
#include "engine/workbench.h"
#include "style/presentation.h"
#include "views/sparkline.h"

#include <QHBoxLayout>
#include <QLabel>

namespace sockbench {

StatusSummary::StatusSummary(const Workbench *workbench, QWidget *parent)
    : QWidget(parent)
    , m_workbench(workbench)
    , m_inLabel(new QLabel(this))
    , m_outLabel(new QLabel(this))
    , m_journalLabel(new QLabel(this))
    , m_openLabel(new QLabel(this)) {
    setObjectName(QStringLiteral("statusSummary"));
    m_inLabel->setObjectName(QStringLiteral("inLabel"));
    m_inLabel->setToolTip(tr("Bytes received in total, and the current rate"));
    m_outLabel->setObjectName(QStringLiteral("outLabel"));
    m_outLabel->setToolTip(tr("Bytes sent in total, and the current rate"));
    m_journalLabel->setObjectName(QStringLiteral("journalLabel"));

    m_openLabel->setObjectName(QStringLiteral("openLabel"));
    m_openLabel->setToolTip(tr("TCP connections that are Connected, of every open listener, connection and "
                               "socket (half-closed and connecting ones are open but not connected)"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(12);
    for (QLabel *label : {m_inLabel, m_outLabel, m_journalLabel, m_openLabel})
        layout->addWidget(label);
    // The last minute's traffic at a glance, next to the figures; it follows the meter itself.
    layout->addWidget(new Sparkline(workbench, this));

    m_refreshTimer.setInterval(RefreshIntervalMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &StatusSummary::onRefreshTimerTimeout);
    m_rateClock.start();
    refresh();
}

StatusSummary::~StatusSummary() = default;

void StatusSummary::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    refresh();
    m_refreshTimer.start();
}

void StatusSummary::hideEvent(QHideEvent *event) {
    // Nobody reads a hidden status bar (a closed or minimised window): no reason to wake up for it.
    m_refreshTimer.stop();
    QWidget::hideEvent(event);
}

void StatusSummary::onRefreshTimerTimeout() {
    refresh();
}

void StatusSummary::refresh() {
    const Journal &journal = m_workbench->journal();
    const Counters totals = journal.totals();
    const double seconds = double(std::max<qint64>(1, m_rateClock.restart())) / 1000.0;
    const double rateIn = double(totals.bytesIn - m_lastBytesIn) / seconds;
    const double rateOut = double(totals.bytesOut - m_lastBytesOut) / seconds;
    m_lastBytesIn = totals.bytesIn;
    m_lastBytesOut = totals.bytesOut;
    m_inLabel->setText(tr("In: %1 (%2/s)").arg(formatSize(double(totals.bytesIn)), formatSize(rateIn)));
    m_outLabel->setText(tr("Out: %1 (%2/s)").arg(formatSize(double(totals.bytesOut)), formatSize(rateOut)));
    // One budget covers payloads and headers: past it the oldest records go whole.
    const DroppedRecords dropped = journal.dropped();
    m_journalLabel->setText(
        tr("Journal: %1 of %2%3")
            .arg(formatSize(double(journal.memoryBytes())), formatSize(double(journal.budgetBytes())),
                 dropped.records > 0 ? tr(", %1 dropped").arg(formatCount(dropped.records)) : QString()));
    QString tip =
        tr("Memory the journal holds (payloads %1, record headers and connections %2), of its "
           "budget (File → Preferences); past it the oldest records go whole")
            .arg(formatSize(double(journal.payloadBytesHeld())), formatSize(double(journal.headerBytes())));
    if (dropped.records > 0)
        tip += QStringLiteral("\n") + droppedRecordsText(dropped);
    m_journalLabel->setToolTip(tip);
    const auto &endpoints = m_workbench->endpoints();
    qsizetype open = 0;
    qsizetype connected = 0;
    for (const EndpointInfo &e : endpoints) {
        open += isFinal(e.state) ? 0 : 1;
        // A half-closed connection (the peer sent its FIN) is open, but no longer connected.
        connected += e.state == EndpointState::Connected ? 1 : 0;
    }
    m_openLabel->setText(
        tr("%1 connected, %2 open").arg(formatCount(quint64(connected)), formatCount(quint64(open))));
}

} // namespace sockbench
