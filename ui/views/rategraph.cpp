#include "views/rategraph.h"
#include "engine/workbench.h"
#include "style/presentation.h"

#include <QDateTime>
#include <QEvent>
#include <QLocale>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace sockbench {

namespace {

constexpr int MinimumBytesTop = 1024; ///< an idle graph still reads "1 KiB/s", not "0 B/s"
constexpr int AveragedBuckets = 10;   ///< the legend's "now" is the last second, not one jumpy tick
constexpr int TcpHistoryMs = RateMeter::HistoryMs;

/// The smallest 1, 2 or 5 times a power of ten that is at least v.
double niceCeiling(double v) {
    if (v <= 0)
        return 1;
    const double base = std::pow(10.0, std::floor(std::log10(v)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (m * base >= v * (1 - 1e-9))
            return m * base;
    }
    return 10 * base;
}

QString number(double v) {
    return QLocale().toString(v, 'g', 4);
}

struct Unit {
    double size;
    const char *name;
};

/// Byte rates scale in binary units so that the axis reads like the status bar's sizes.
void scaleBytes(double max, double *top, QString *topText, QString *midText) {
    static const Unit units[] = {{1.0, QT_TRANSLATE_NOOP("sockbench::RateGraph", "B/s")},
                                 {1024.0, QT_TRANSLATE_NOOP("sockbench::RateGraph", "KiB/s")},
                                 {1024.0 * 1024, QT_TRANSLATE_NOOP("sockbench::RateGraph", "MiB/s")},
                                 {1024.0 * 1024 * 1024, QT_TRANSLATE_NOOP("sockbench::RateGraph", "GiB/s")}};
    max = std::max(max, double(MinimumBytesTop));
    const Unit *unit = &units[0];
    for (const Unit &u : units) {
        if (max >= u.size)
            unit = &u;
    }
    double nice = niceCeiling(max / unit->size);
    if (nice >= 1024 && unit != &units[3]) {
        ++unit;
        nice = niceCeiling(max / unit->size);
    }
    *top = nice * unit->size;
    const QString name = RateGraph::tr(unit->name);
    *topText = RateGraph::tr("%1 %2").arg(number(nice), name);
    *midText = RateGraph::tr("%1 %2").arg(number(nice / 2), name);
}

} // namespace

RateGraph::RateGraph(const Workbench *workbench, QWidget *parent)
    : QWidget(parent)
    , m_workbench(workbench)
    , m_bytesIn(BucketCount)
    , m_bytesOut(BucketCount)
    , m_messagesIn(BucketCount)
    , m_messagesOut(BucketCount) {
    setObjectName(QStringLiteral("rateGraph"));
    setAccessibleName(tr("Rate graph"));
    setToolTip(tr("Bytes per second received (filled) and sent (line) by the selected endpoints over the "
                  "last 60 s; RTT and congestion window of a selected TCP connection on their own scales"));
    setAttribute(Qt::WA_OpaquePaintEvent);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(false);
    layoutPanes();
    buildPolylines();
}

RateGraph::~RateGraph() = default;

QSize RateGraph::sizeHint() const {
    return {480, 200};
}

QSize RateGraph::minimumSizeHint() const {
    return {160, 80};
}

void RateGraph::setEndpoints(const QSet<EndpointId> &endpoints) {
    if (endpoints == m_endpoints)
        return;
    m_endpoints = endpoints;
    m_tcpSamples.clear();
    refresh();
}

void RateGraph::setShowMessages(bool show) {
    if (show == m_showMessages)
        return;
    m_showMessages = show;
    layoutPanes();
    buildPolylines();
    update();
}

void RateGraph::setShowTcp(bool show) {
    if (show == m_showTcp)
        return;
    m_showTcp = show;
    layoutPanes();
    buildPolylines();
    update();
}

void RateGraph::addTcpSample(const TcpInfo &info) {
    m_tcpSamples.push_back({info.sampledAtMs, double(info.rttUs) / 1000.0, double(info.cwndSegments)});
    while (!m_tcpSamples.empty() && m_tcpSamples.front().atMs < info.sampledAtMs - TcpHistoryMs)
        m_tcpSamples.pop_front();
    if (m_showTcp && isVisible()) {
        // The first sample makes room for the right-hand axis; later ones only redraw.
        if (m_tcpSamples.size() == 1)
            layoutPanes();
        buildPolylines();
        update();
    }
}

void RateGraph::onSampled(qint64 endMs) {
    m_nowMs = endMs;
    refresh();
}

void RateGraph::refresh() {
    const RateMeter &meter = m_workbench->rates();
    // Shown again after a while without a tick: the meter's newest interval is "now".
    m_nowMs = std::max(m_nowMs, meter.lastSampleMs());
    // One history at a time: a listener with thousands of busy clients is not copied whole.
    clearSums();
    for (EndpointId id : m_endpoints)
        addToSums(meter.history(id));
    finishSums();
}

void RateGraph::setHistory(const std::vector<RateSample> &samples, qint64 nowMs) {
    m_nowMs = nowMs;
    clearSums();
    addToSums(samples);
    finishSums();
}

void RateGraph::clearSums() {
    std::fill(m_bytesIn.begin(), m_bytesIn.end(), 0.0);
    std::fill(m_bytesOut.begin(), m_bytesOut.end(), 0.0);
    std::fill(m_messagesIn.begin(), m_messagesIn.end(), 0.0);
    std::fill(m_messagesOut.begin(), m_messagesOut.end(), 0.0);
    m_total = RateDelta{};
}

void RateGraph::addToSums(const std::vector<RateSample> &history) {
    for (const RateSample &s : history) {
        m_total.bytesIn += s.delta.bytesIn;
        m_total.bytesOut += s.delta.bytesOut;
        m_total.messagesIn += s.delta.messagesIn;
        m_total.messagesOut += s.delta.messagesOut;
        const qint64 age = (m_nowMs - s.endMs + RateMeter::IntervalMs / 2) / RateMeter::IntervalMs;
        const qint64 index = BucketCount - 1 - age;
        if (index < 0 || index >= BucketCount)
            continue;
        const auto i = size_t(index);
        m_bytesIn[i] += s.perSecond(s.delta.bytesIn);
        m_bytesOut[i] += s.perSecond(s.delta.bytesOut);
        m_messagesIn[i] += s.perSecond(s.delta.messagesIn);
        m_messagesOut[i] += s.perSecond(s.delta.messagesOut);
    }
}

void RateGraph::finishSums() {
    double in = 0;
    double out = 0;
    for (int i = BucketCount - AveragedBuckets; i < BucketCount; ++i) {
        in += m_bytesIn[size_t(i)];
        out += m_bytesOut[size_t(i)];
    }
    m_inText = tr("in %1/s").arg(formatSize(in / AveragedBuckets));
    m_outText = tr("out %1/s").arg(formatSize(out / AveragedBuckets));
    m_legend = tr("%1, %2").arg(m_inText, m_outText);
    buildPolylines();
    updateAccessibleText();
    update();
}

void RateGraph::updateAccessibleText() {
    setAccessibleDescription(m_endpoints.isEmpty() ? tr("Nothing selected") : m_legend);
}

void RateGraph::layoutPanes() {
    const QFontMetrics fm = fontMetrics();
    const int line = fm.height();
    const int left = fm.horizontalAdvance(QStringLiteral("888.8 KiB/s")) + 8;
    const bool tcpAxis = m_showTcp && !m_tcpSamples.empty();
    const int right = tcpAxis ? fm.horizontalAdvance(QStringLiteral("8888 ms")) + 8 : 8;
    const QRect area = rect().adjusted(left, line + 4, -right, -(line + 4));
    if (!m_showMessages) {
        m_bytesRect = area;
        m_messagesRect = {};
        return;
    }
    const int bytesHeight = std::max(1, (area.height() - line) * 2 / 3);
    m_bytesRect = QRect(area.left(), area.top(), area.width(), bytesHeight);
    m_messagesRect = QRect(area.left(), m_bytesRect.bottom() + line + 1, area.width(),
                           std::max(1, area.bottom() - m_bytesRect.bottom() - line));
}

QPolygonF RateGraph::line(const std::vector<double> &values, const QRect &pane, double top) const {
    QPolygonF points;
    points.reserve(qsizetype(values.size()));
    const double x0 = pane.left();
    const double dx = double(pane.width()) / double(BucketCount - 1);
    const double bottom = pane.bottom() + 1;
    const double scale = double(pane.height()) / top;
    for (size_t i = 0; i < values.size(); ++i)
        points.append(QPointF(x0 + double(i) * dx, bottom - std::min(values[i], top) * scale));
    return points;
}

void RateGraph::buildPolylines() {
    double maxBytes = 0;
    for (size_t i = 0; i < m_bytesIn.size(); ++i)
        maxBytes = std::max({maxBytes, m_bytesIn[i], m_bytesOut[i]});
    scaleBytes(maxBytes, &m_bytesAxis.top, &m_bytesAxis.topText, &m_bytesAxis.midText);
    m_inLine = line(m_bytesIn, m_bytesRect, m_bytesAxis.top);
    m_outLine = line(m_bytesOut, m_bytesRect, m_bytesAxis.top);
    m_inArea = m_inLine;
    m_inArea.append(QPointF(m_bytesRect.right() + 1, m_bytesRect.bottom() + 1));
    m_inArea.append(QPointF(m_bytesRect.left(), m_bytesRect.bottom() + 1));

    if (m_showMessages) {
        double maxMessages = 0;
        for (size_t i = 0; i < m_messagesIn.size(); ++i)
            maxMessages = std::max({maxMessages, m_messagesIn[i], m_messagesOut[i]});
        m_messagesAxis.top = niceCeiling(std::max(1.0, maxMessages));
        m_messagesAxis.topText = tr("%1 msg/s").arg(number(m_messagesAxis.top));
        m_messagesAxis.midText = tr("%1 msg/s").arg(number(m_messagesAxis.top / 2));
        m_messagesInLine = line(m_messagesIn, m_messagesRect, m_messagesAxis.top);
        m_messagesOutLine = line(m_messagesOut, m_messagesRect, m_messagesAxis.top);
    }

    m_rttLine.clear();
    m_cwndLine.clear();
    m_tcpLegend.clear();
    if (m_showTcp && !m_tcpSamples.empty()) {
        double maxRtt = 0;
        double maxCwnd = 0;
        for (const TcpPoint &p : m_tcpSamples) {
            maxRtt = std::max(maxRtt, p.rttMs);
            maxCwnd = std::max(maxCwnd, p.cwnd);
        }
        m_rttAxis.top = niceCeiling(std::max(0.01, maxRtt));
        m_rttAxis.topText = tr("%1 ms").arg(number(m_rttAxis.top));
        m_cwndAxis.top = niceCeiling(std::max(1.0, maxCwnd));
        m_cwndAxis.topText = tr("%1 seg").arg(number(m_cwndAxis.top));
        // TCP samples carry wall-clock times; the newest one is at the right edge.
        const qint64 now = std::max(m_tcpSamples.back().atMs, QDateTime::currentMSecsSinceEpoch());
        const QRect &pane = m_bytesRect;
        const double bottom = pane.bottom() + 1;
        for (const TcpPoint &p : m_tcpSamples) {
            const double x = pane.right() + 1 - double(now - p.atMs) / TcpHistoryMs * pane.width();
            if (x < pane.left())
                continue;
            m_rttLine.append(QPointF(x, bottom - p.rttMs / m_rttAxis.top * pane.height()));
            m_cwndLine.append(QPointF(x, bottom - p.cwnd / m_cwndAxis.top * pane.height()));
        }
        const TcpPoint &last = m_tcpSamples.back();
        m_tcpLegend = tr("RTT %1 ms   cwnd %2").arg(number(last.rttMs)).arg(last.cwnd);
    }
}

void RateGraph::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    layoutPanes();
    buildPolylines();
}

void RateGraph::changeEvent(QEvent *event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange) {
        layoutPanes();
        buildPolylines();
    }
}

void RateGraph::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    if (!m_meterConnection)
        m_meterConnection = connect(&m_workbench->rates(), &RateMeter::sampled, this, &RateGraph::onSampled);
    layoutPanes();
    refresh();
}

void RateGraph::hideEvent(QHideEvent *event) {
    // Nobody looks at a hidden graph: no reason to sum histories ten times a second for it.
    disconnect(m_meterConnection);
    m_meterConnection = {};
    QWidget::hideEvent(event);
}

void RateGraph::paintEvent(QPaintEvent *) {
    QPainter p(this);
    const QPalette &pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    p.setPen(pal.color(QPalette::Text));
    if (m_endpoints.isEmpty()) {
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("Select a connection, listener or UDP socket to graph its rates."));
        return;
    }
    const QFontMetrics fm = fontMetrics();
    const QColor frame = pal.color(QPalette::Mid);
    const QColor grid = pal.color(QPalette::Midlight);
    const QColor text = pal.color(QPalette::Text);

    auto drawPane = [&](const QRect &pane, const Axis &axis) {
        p.setPen(QPen(grid, 1, Qt::DotLine));
        const int midY = pane.top() + pane.height() / 2;
        p.drawLine(pane.left(), midY, pane.right(), midY);
        p.setPen(frame);
        p.drawRect(pane.adjusted(0, 0, -1, -1));
        p.setPen(text);
        const int labelRight = pane.left() - 4;
        const int labelWidth = labelRight;
        p.drawText(QRect(0, pane.top() - fm.ascent() / 2, labelWidth, fm.height()), Qt::AlignRight,
                   axis.topText);
        p.drawText(QRect(0, midY - fm.height() / 2, labelWidth, fm.height()), Qt::AlignRight, axis.midText);
        p.drawText(QRect(0, pane.bottom() - fm.height() + 2, labelWidth, fm.height()), Qt::AlignRight,
                   QStringLiteral("0"));
    };

    drawPane(m_bytesRect, m_bytesAxis);
    // One-pixel lines take the rasterizer's fast path, antialiased or not; wider ones and an
    // antialiased fill go through the stroker and cost ten times as much. The fill's edge lies under
    // the antialiased line, so it needs no smoothing of its own.
    QColor inFill = inboundColor();
    inFill.setAlpha(70);
    p.setPen(Qt::NoPen);
    p.setBrush(inFill);
    p.drawPolygon(m_inArea);
    p.setBrush(Qt::NoBrush);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(QPen(inboundColor(), 1));
    p.drawPolyline(m_inLine);
    p.setPen(QPen(outboundColor(), 1));
    p.drawPolyline(m_outLine);

    const QColor rttColor(0xd9, 0x7a, 0x00);
    const QColor cwndColor(0x7b, 0x3f, 0xa0);
    if (!m_rttLine.isEmpty()) {
        p.setPen(QPen(rttColor, 1));
        p.drawPolyline(m_rttLine);
        p.setPen(QPen(cwndColor, 1, Qt::DashLine));
        p.drawPolyline(m_cwndLine);
    }
    p.setRenderHint(QPainter::Antialiasing, false);
    if (!m_rttLine.isEmpty()) {
        const int x = m_bytesRect.right() + 4;
        const int w = width() - x;
        p.setPen(rttColor);
        p.drawText(QRect(x, m_bytesRect.top() - fm.ascent() / 2, w, fm.height()), Qt::AlignLeft,
                   m_rttAxis.topText);
        p.setPen(cwndColor);
        p.drawText(QRect(x, m_bytesRect.top() - fm.ascent() / 2 + fm.height(), w, fm.height()), Qt::AlignLeft,
                   m_cwndAxis.topText);
    }

    if (m_showMessages && m_messagesRect.isValid()) {
        drawPane(m_messagesRect, m_messagesAxis);
        p.setRenderHint(QPainter::Antialiasing, true);
        p.setPen(QPen(inboundColor(), 1));
        p.drawPolyline(m_messagesInLine);
        p.setPen(QPen(outboundColor(), 1));
        p.drawPolyline(m_messagesOutLine);
        p.setRenderHint(QPainter::Antialiasing, false);
    }

    // Legend above the plot, time below it.
    const QRect &plot = m_bytesRect;
    const int legendY = plot.top() - fm.height() - 2;
    p.setPen(inboundColor());
    p.drawText(QPoint(plot.left(), legendY + fm.ascent()), m_inText);
    p.setPen(outboundColor());
    p.drawText(QPoint(plot.left() + fm.horizontalAdvance(m_inText) + 2 * fm.averageCharWidth(),
                      legendY + fm.ascent()),
               m_outText);
    if (!m_tcpLegend.isEmpty()) {
        p.setPen(rttColor);
        p.drawText(QRect(plot.left(), legendY, plot.width(), fm.height()), Qt::AlignRight, m_tcpLegend);
    }
    const QRect &lowest = m_showMessages && m_messagesRect.isValid() ? m_messagesRect : m_bytesRect;
    const int timeY = lowest.bottom() + 2;
    p.setPen(text);
    p.drawText(QRect(lowest.left(), timeY, lowest.width(), fm.height()), Qt::AlignLeft, tr("60 s ago"));
    p.drawText(QRect(lowest.left(), timeY, lowest.width(), fm.height()), Qt::AlignHCenter, tr("30 s"));
    p.drawText(QRect(lowest.left(), timeY, lowest.width(), fm.height()), Qt::AlignRight, tr("now"));
}

} // namespace sockbench
