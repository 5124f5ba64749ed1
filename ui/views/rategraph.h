#pragma once

#include "engine/endpoint.h"
#include "engine/ratemeter.h"
#include "engine/tcpinfo.h"

#include <QPolygonF>
#include <QSet>
#include <QString>
#include <QWidget>

#include <deque>
#include <vector>

namespace sockbench {

class Workbench;

/// Bytes per second in and out, summed over a set of endpoints, over the last 60 s, painted with
/// QPainter; messages per second in a second pane on request, and a TCP connection's RTT and
/// congestion window (fed by whoever samples TCP_INFO) on their own scales. Everything that costs
/// (summing the meter's history, scaling, the polylines) is done once per meter tick and on
/// resize, so that a repaint only strokes what is ready. It follows the meter only while it can
/// be seen: a hidden graph costs nothing.
class RateGraph final : public QWidget {
    Q_OBJECT

public:
    /// Buckets in the 60 s window, one per meter interval.
    static constexpr int BucketCount = RateMeter::HistoryMs / RateMeter::IntervalMs;

    explicit RateGraph(const Workbench *workbench, QWidget *parent = nullptr);
    ~RateGraph() override;
    Q_DISABLE_COPY_MOVE(RateGraph)

    /// The endpoints whose rates are summed; an empty set draws a sentence instead. Clears the TCP
    /// series, which belonged to the previous selection.
    void setEndpoints(const QSet<EndpointId> &endpoints);
    const QSet<EndpointId> &endpoints() const { return m_endpoints; }

    /// A second pane with messages (records, datagrams) per second.
    void setShowMessages(bool show);
    bool showsMessages() const { return m_showMessages; }
    /// RTT and cwnd drawn over the byte rates, from addTcpSample().
    void setShowTcp(bool show);
    bool showsTcp() const { return m_showTcp; }
    /// One TCP_INFO reading of the graphed connection; samples older than 60 s fall off.
    void addTcpSample(const TcpInfo &info);
    qsizetype tcpSampleCount() const { return qsizetype(m_tcpSamples.size()); }

    /// What the graph currently sums: every delta of every endpoint's history it read.
    RateDelta seriesTotal() const { return m_total; }
    /// Bytes per second in and out of each bucket, oldest first (zero-filled).
    const std::vector<double> &bytesInPerSecond() const { return m_bytesIn; }
    const std::vector<double> &bytesOutPerSecond() const { return m_bytesOut; }
    /// Where the byte rates are plotted, in widget coordinates.
    QRect plotRect() const { return m_bytesRect; }

    /// Reads the meter now (also done on every tick while visible).
    void refresh();
    /// Draws these samples as if they were the selection's history at nowMs (the paint benchmark's
    /// full minute); the next refresh() reads the meter again.
    void setHistory(const std::vector<RateSample> &samples, qint64 nowMs);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    struct Axis {
        double top = 1;  ///< the value at the top of the pane, in base units
        QString topText; ///< "200 KiB/s"
        QString midText; ///< "100 KiB/s"
    };
    struct TcpPoint {
        qint64 atMs;
        double rttMs;
        double cwnd;
    };

    void onSampled(qint64 endMs);
    /// Summing the selection's histories into the buckets: clear, add each, then finish (the legend
    /// and the polylines).
    void clearSums();
    /// Adds one endpoint's samples into the buckets and the totals.
    void addToSums(const std::vector<RateSample> &history);
    /// Legend, polylines and repaint once the sums are complete.
    void finishSums();
    void layoutPanes();
    /// Turns the buckets into polylines in the current geometry.
    void buildPolylines();
    QPolygonF line(const std::vector<double> &values, const QRect &pane, double top) const;
    void updateAccessibleText();

    const Workbench *m_workbench;
    QSet<EndpointId> m_endpoints;
    bool m_showMessages = false;
    bool m_showTcp = true;
    QMetaObject::Connection m_meterConnection;
    qint64 m_nowMs = 0;

    std::vector<double> m_bytesIn;
    std::vector<double> m_bytesOut;
    std::vector<double> m_messagesIn;
    std::vector<double> m_messagesOut;
    RateDelta m_total{};
    std::deque<TcpPoint> m_tcpSamples;

    QRect m_bytesRect;
    QRect m_messagesRect;
    Axis m_bytesAxis;
    Axis m_messagesAxis;
    Axis m_rttAxis;
    Axis m_cwndAxis;
    QPolygonF m_inArea;
    QPolygonF m_inLine;
    QPolygonF m_outLine;
    QPolygonF m_messagesInLine;
    QPolygonF m_messagesOutLine;
    QPolygonF m_rttLine;
    QPolygonF m_cwndLine;
    QString m_legend; ///< both directions, for the accessible description
    QString m_inText;
    QString m_outText;
    QString m_tcpLegend;
};

} // namespace sockbench
