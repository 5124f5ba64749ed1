#pragma once

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

class QLabel;

namespace sockbench {

class Workbench;

/// The status bar's lasting part: bytes in and out with their current rates, the journal's payload
/// memory of its budget (and how much it evicted), and how many TCP connections are connected of
/// the sockets that are open. Read from the
/// Workbench twice a second while it can be seen. Beside them, a sparkline of the last minute's
/// traffic (views/sparkline.h), which follows the rate meter itself.
class StatusSummary final : public QWidget {
    Q_OBJECT

public:
    static constexpr int RefreshIntervalMs = 500;

    explicit StatusSummary(const Workbench *workbench, QWidget *parent = nullptr);
    ~StatusSummary() override;
    Q_DISABLE_COPY_MOVE(StatusSummary)

    /// Reads the Workbench now; rates cover the time since the previous refresh.
    void refresh();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void onRefreshTimerTimeout();

    const Workbench *m_workbench;
    QLabel *m_inLabel;
    QLabel *m_outLabel;
    QLabel *m_journalLabel;
    QLabel *m_openLabel;
    QTimer m_refreshTimer;
    QElapsedTimer m_rateClock;
    quint64 m_lastBytesIn = 0;
    quint64 m_lastBytesOut = 0;
};

} // namespace sockbench
