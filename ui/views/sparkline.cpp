#include "views/sparkline.h"
#include "engine/ratemeter.h"
#include "engine/workbench.h"
#include "style/presentation.h"

#include <QPainter>

#include <algorithm>

namespace sockbench {

namespace {

constexpr int BucketCount = RateMeter::HistoryMs / RateMeter::IntervalMs;
constexpr int NowBuckets = 10;      ///< "now" is the last second
constexpr double MinimumTop = 1024; ///< an idle line lies flat at the bottom, not at mid-height noise

} // namespace

Sparkline::Sparkline(const Workbench *workbench, QWidget *parent)
    : QWidget(parent)
    , m_workbench(workbench)
    , m_rates(BucketCount) {
    setObjectName(QStringLiteral("rateSparkline"));
    setAccessibleName(tr("Traffic over the last minute"));
    setAttribute(Qt::WA_OpaquePaintEvent);
    // A fixed size: a changing figure must never make the status bar, or the window, move.
    setFixedSize(sizeHint());
    refresh();
}

Sparkline::~Sparkline() = default;

QSize Sparkline::sizeHint() const {
    return {90, fontMetrics().height()};
}

void Sparkline::onSampled(qint64 endMs) {
    m_nowMs = endMs;
    refresh();
}

void Sparkline::refresh() {
    std::fill(m_rates.begin(), m_rates.end(), 0.0);
    const std::vector<RateSample> history = m_workbench->rates().totalHistory();
    if (!history.empty())
        m_nowMs = std::max(m_nowMs, history.back().endMs);
    for (const RateSample &s : history) {
        const qint64 age = (m_nowMs - s.endMs + RateMeter::IntervalMs / 2) / RateMeter::IntervalMs;
        const qint64 index = BucketCount - 1 - age;
        if (index >= 0 && index < BucketCount)
            m_rates[size_t(index)] += s.perSecond(s.delta.bytesIn + s.delta.bytesOut);
    }
    m_current = 0;
    for (int i = BucketCount - NowBuckets; i < BucketCount; ++i)
        m_current += m_rates[size_t(i)];
    m_current /= NowBuckets;
    m_peak = *std::max_element(m_rates.begin(), m_rates.end());
    const QString text = tr("In and out: %1/s now, peak %2/s over the last 60 s")
                             .arg(formatSize(m_current), formatSize(m_peak));
    setToolTip(text);
    setAccessibleDescription(text);
    buildPolyline();
    update();
}

void Sparkline::buildPolyline() {
    const double top = std::max(MinimumTop, m_peak);
    const QRectF r = QRectF(rect()).adjusted(1, 2, -1, -1);
    const double dx = r.width() / (BucketCount - 1);
    m_area.clear();
    m_area.reserve(BucketCount + 2);
    for (int i = 0; i < BucketCount; ++i)
        m_area.append(QPointF(r.left() + i * dx, r.bottom() - m_rates[size_t(i)] / top * r.height()));
    m_area.append(r.bottomRight());
    m_area.append(r.bottomLeft());
}

void Sparkline::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    buildPolyline();
}

void Sparkline::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    if (!m_meterConnection)
        m_meterConnection = connect(&m_workbench->rates(), &RateMeter::sampled, this, &Sparkline::onSampled);
    refresh();
}

void Sparkline::hideEvent(QHideEvent *event) {
    disconnect(m_meterConnection);
    m_meterConnection = {};
    QWidget::hideEvent(event);
}

void Sparkline::paintEvent(QPaintEvent *) {
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Window));
    p.setPen(palette().color(QPalette::Mid));
    p.drawLine(0, height() - 1, width() - 1, height() - 1);
    QColor fill = inboundColor();
    fill.setAlpha(110);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(QPen(inboundColor(), 1));
    p.setBrush(fill);
    p.drawPolygon(m_area);
}

} // namespace sockbench
