#pragma once

#include "engine/endpoint.h"
#include "engine/tcpinfo.h"

#include <QTimer>
#include <QWidget>

#include <array>

class QGridLayout;
class QLabel;

namespace sockbench {

class AppliedOptionsTable;
class Workbench;

/// What the kernel knows about the selected TCP connection (TCP_INFO and the socket's queues) in
/// words and units, read twice a second through Workbench::requestTcpInfo() while the panel (or the
/// widget given to alsoSampleWhileVisible(), the rate graph) can be seen; nothing is read for a
/// connection nobody looks at. A closed connection shows its last reading, as of the close. Below
/// it, the socket options of the selected endpoint as the kernel applied them.
class TcpInfoPanel final : public QWidget {
    Q_OBJECT

public:
    static constexpr int RefreshIntervalMs = 500;

    enum Field {
        StateField,
        RttField,
        CwndField,
        SsthreshField,
        RetransmitsField,
        UnackedField,
        LostField,
        SendQueueField,
        ReceiveQueueField,
        PacingRateField,
        DeliveryRateField,
        MssField,
        PeerWindowField,
        BytesAckedField,
        BytesReceivedField,
        FieldCount
    };

    TcpInfoPanel(Workbench *workbench, QWidget *parent = nullptr);
    ~TcpInfoPanel() override;
    Q_DISABLE_COPY_MOVE(TcpInfoPanel)

    /// The endpoint shown (0: none).
    void setEndpoint(EndpointId id);
    EndpointId endpoint() const { return m_id; }
    /// Keeps sampling while this widget is visible too (the graph draws RTT and cwnd).
    void alsoSampleWhileVisible(QWidget *widget);

    /// True while the 2 Hz reading runs.
    bool isSampling() const { return m_timer.isActive(); }
    /// How many readings this panel asked for so far.
    int requestCount() const { return m_requests; }
    /// The sentence under the title: live, as of the close, or why there is nothing.
    QString statusText() const;
    /// The value shown for a field ("1.2 ms ± 0.3 ms"); empty while nothing is shown.
    QString fieldText(Field field) const;

    bool eventFilter(QObject *watched, QEvent *event) override;

Q_SIGNALS:
    /// A reading of the shown connection arrived (for the graph's RTT and cwnd).
    void tcpInfoSampled(const sockbench::TcpInfo &info);

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void onTimerTimeout();
    void onTcpInfoRead(EndpointId id, const TcpInfo &info);
    void onStateChanged(EndpointId id);
    void onOptionsApplied(EndpointId id);
    void updateView();
    void updateSampling();
    void showInfo(const TcpInfo *info);

    Workbench *m_workbench;
    EndpointId m_id = 0;
    QWidget *m_alsoFor = nullptr;
    QTimer m_timer;
    int m_requests = 0;
    QLabel *m_statusLabel;
    QWidget *m_fieldsBox;
    std::array<QLabel *, FieldCount> m_values{};
    QLabel *m_optionsTitle;
    AppliedOptionsTable *m_optionsTable;
};

} // namespace sockbench
