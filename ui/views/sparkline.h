#pragma once

#include <QPolygonF>
#include <QWidget>

#include <vector>

namespace sockbench {

class Workbench;

/// The status bar's small picture of the whole workbench's traffic: bytes in and out together
/// per second over the last 60 s, autoscaled, with the current figure and the peak in its tooltip.
/// It reads the meter's total once per tick and only while it can be seen.
class Sparkline final : public QWidget {
    Q_OBJECT

public:
    explicit Sparkline(const Workbench *workbench, QWidget *parent = nullptr);
    ~Sparkline() override;
    Q_DISABLE_COPY_MOVE(Sparkline)

    /// Bytes per second (in + out) over the last second, as the tooltip says it.
    double currentRate() const { return m_current; }
    /// Bytes per second of each 100 ms bucket of the last 60 s, oldest first (zero-filled).
    const std::vector<double> &rates() const { return m_rates; }
    /// Reads the meter now (also done on every tick while visible).
    void refresh();

    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void onSampled(qint64 endMs);
    void buildPolyline();

    const Workbench *m_workbench;
    QMetaObject::Connection m_meterConnection;
    qint64 m_nowMs = 0;
    std::vector<double> m_rates;
    double m_current = 0;
    double m_peak = 0;
    QPolygonF m_area;
};

} // namespace sockbench
