#include "panels/tcpinfopanel.h"
#include "engine/workbench.h"
#include "style/presentation.h"
#include "views/appliedoptionstable.h"

#include <QEvent>
#include <QGridLayout>
#include <QLabel>
#include <QLocale>
#include <QScrollArea>
#include <QVBoxLayout>

#include <limits>

namespace sockbench {

namespace {

/// Linux's TCP_INFINITE_SSTHRESH: slow start has not ended yet.
constexpr quint32 InfiniteSsthresh = 0x7fffffff;

QString milliseconds(quint32 us) {
    return QLocale().toString(double(us) / 1000.0, 'f', us < 10000 ? 3 : 1);
}

QString byteRate(quint64 bytesPerSecond) {
    // The kernel reports ~0 when pacing is off.
    if (bytesPerSecond >= quint64(std::numeric_limits<qint64>::max()) || bytesPerSecond == 0xffffffffULL)
        return TcpInfoPanel::tr("unlimited");
    return TcpInfoPanel::tr("%1/s").arg(formatSize(double(bytesPerSecond)));
}

QString segments(quint32 n) {
    // English plurals even when no translation is loaded, as formatByteCount() does.
    return n == 1 ? TcpInfoPanel::tr("1 segment")
                  : TcpInfoPanel::tr("%1 segments").arg(QLocale().toString(n));
}

bool isOpenConnection(const EndpointInfo &info) {
    return info.kind == EndpointKind::TcpConnection &&
           (info.state == EndpointState::Connected || info.state == EndpointState::PeerClosed);
}

} // namespace

TcpInfoPanel::TcpInfoPanel(Workbench *workbench, QWidget *parent)
    : QWidget(parent)
    , m_workbench(workbench)
    , m_statusLabel(new QLabel(this))
    , m_fieldsBox(new QWidget(this))
    , m_optionsTitle(new QLabel(tr("Socket options, as the kernel applied them:"), this))
    , m_optionsTable(new AppliedOptionsTable(this)) {
    setObjectName(QStringLiteral("tcpInfoPanel"));
    setAccessibleName(tr("What the kernel knows"));
    m_statusLabel->setObjectName(QStringLiteral("tcpInfoStatus"));
    m_statusLabel->setWordWrap(true);
    m_fieldsBox->setObjectName(QStringLiteral("tcpInfoFields"));

    const QString names[FieldCount] = {tr("TCP state:"),
                                       tr("Round-trip time:"),
                                       tr("Congestion window:"),
                                       tr("Slow-start threshold:"),
                                       tr("Retransmitted:"),
                                       tr("Unacknowledged:"),
                                       tr("Lost:"),
                                       tr("Send queue:"),
                                       tr("Receive queue:"),
                                       tr("Pacing rate:"),
                                       tr("Delivery rate:"),
                                       tr("MSS:"),
                                       tr("Peer's window:"),
                                       tr("Acknowledged:"),
                                       tr("Received:")};
    const QString tips[FieldCount] = {tr("The kernel's state of the connection"),
                                      tr("Smoothed round-trip time, ± its mean deviation"),
                                      tr("How many segments may be in flight unacknowledged"),
                                      tr("Where slow start ends and congestion avoidance begins"),
                                      tr("Segments retransmitted over the connection's life"),
                                      tr("Segments sent and not yet acknowledged"),
                                      tr("Segments the kernel believes lost"),
                                      tr("Bytes not yet acknowledged by the peer (SIOCOUTQ)"),
                                      tr("Bytes received and not yet read by Sockbench (SIOCINQ)"),
                                      tr("The rate the kernel paces sending at"),
                                      tr("The most recent delivery rate the kernel measured"),
                                      tr("Maximum segment size for sending"),
                                      tr("The receive window the peer advertised"),
                                      tr("Bytes the peer acknowledged"),
                                      tr("Bytes received from the peer")};
    auto *grid = new QGridLayout(m_fieldsBox);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(8);
    grid->setVerticalSpacing(2);
    // Two pairs of columns: the detail pane is wide and short.
    constexpr int Rows = (FieldCount + 1) / 2;
    for (int f = 0; f < FieldCount; ++f) {
        auto *name = new QLabel(names[f], m_fieldsBox);
        auto *value = new QLabel(m_fieldsBox);
        value->setObjectName(QStringLiteral("tcpInfoValue%1").arg(f));
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setAccessibleName(names[f]);
        name->setToolTip(tips[f]);
        value->setToolTip(tips[f]);
        name->setBuddy(value);
        m_values[size_t(f)] = value;
        const int row = f % Rows;
        const int column = f / Rows * 2;
        grid->addWidget(name, row, column);
        grid->addWidget(value, row, column + 1);
    }
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(3, 1);

    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_statusLabel);
    layout->addWidget(m_fieldsBox);
    layout->addWidget(m_optionsTitle);
    layout->addWidget(m_optionsTable, 1);
    // Without the options table (nothing applied, or no connection) the space left goes below
    // everything, not into bands between the status, the fields and the title.
    layout->addStretch(0);
    m_optionsTable->setMinimumHeight(4 * (fontMetrics().height() + 4));
    // The detail pane may be short at 1024×640: scroll rather than squeeze or grow the window.
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    m_timer.setInterval(RefreshIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &TcpInfoPanel::onTimerTimeout);
    connect(m_workbench, &Workbench::tcpInfoRead, this, &TcpInfoPanel::onTcpInfoRead);
    connect(m_workbench, &Workbench::stateChanged, this, &TcpInfoPanel::onStateChanged);
    connect(m_workbench, &Workbench::optionsApplied, this, &TcpInfoPanel::onOptionsApplied);
    updateView();
}

TcpInfoPanel::~TcpInfoPanel() = default;

void TcpInfoPanel::setEndpoint(EndpointId id) {
    if (id == m_id)
        return;
    m_id = id;
    updateView();
    updateSampling();
}

void TcpInfoPanel::alsoSampleWhileVisible(QWidget *widget) {
    m_alsoFor = widget;
    widget->installEventFilter(this);
    updateSampling();
}

bool TcpInfoPanel::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_alsoFor && (event->type() == QEvent::Show || event->type() == QEvent::Hide))
        // After the event has been handled the widget's visibility is the new one; decide then.
        QMetaObject::invokeMethod(this, &TcpInfoPanel::updateSampling, Qt::QueuedConnection);
    return QWidget::eventFilter(watched, event);
}

void TcpInfoPanel::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    updateView();
    updateSampling();
}

void TcpInfoPanel::hideEvent(QHideEvent *event) {
    QWidget::hideEvent(event);
    // Decided once the hiding is done, when the graph that may take the panel's place is shown.
    QMetaObject::invokeMethod(this, &TcpInfoPanel::updateSampling, Qt::QueuedConnection);
}

void TcpInfoPanel::updateSampling() {
    const bool seen = isVisible() || (m_alsoFor && m_alsoFor->isVisible());
    const bool wanted = seen && m_id != 0 && isOpenConnection(m_workbench->info(m_id));
    if (wanted == m_timer.isActive())
        return;
    if (wanted) {
        m_timer.start();
        onTimerTimeout(); // the first reading now, not half a second after the click
    } else {
        m_timer.stop();
    }
}

void TcpInfoPanel::onTimerTimeout() {
    if (m_workbench->requestTcpInfo(m_id))
        ++m_requests;
}

void TcpInfoPanel::onTcpInfoRead(EndpointId id, const TcpInfo &info) {
    if (id != m_id)
        return;
    if (isVisible()) {
        // The first reading also changes the sentence and shows the fields.
        if (m_fieldsBox->isHidden())
            updateView();
        else
            showInfo(&info);
    }
    Q_EMIT tcpInfoSampled(info);
}

void TcpInfoPanel::onStateChanged(EndpointId id) {
    if (id != m_id)
        return;
    updateView();
    updateSampling();
}

void TcpInfoPanel::onOptionsApplied(EndpointId id) {
    if (id == m_id && isVisible())
        updateView();
}

QString TcpInfoPanel::statusText() const {
    return m_statusLabel->text();
}

QString TcpInfoPanel::fieldText(Field field) const {
    return m_fieldsBox->isHidden() ? QString() : m_values[size_t(field)]->text();
}

void TcpInfoPanel::updateView() {
    const EndpointInfo info = m_workbench->info(m_id);
    QString status;
    bool fields = false;
    if (m_id == 0 || info.id == 0) {
        status = tr("Select a TCP connection to see what the kernel knows about it.");
    } else {
        switch (info.kind) {
        case EndpointKind::TcpListener:
            status = tr("A listener has no connection state of its own: select one of its connections to see "
                        "what the kernel knows about it.");
            break;
        case EndpointKind::UdpSocket:
            status = tr("UDP has no connection state: the kernel keeps round-trip times, windows and "
                        "retransmits for TCP connections only.");
            break;
        case EndpointKind::TcpConnection:
            if (isOpenConnection(info)) {
                fields = info.lastTcpInfo.has_value();
                status = fields ? tr("Read from the kernel twice a second.") : tr("Asking the kernel…");
            } else if (isFinal(info.state)) {
                fields = info.lastTcpInfo.has_value();
                status = fields ? tr("As of the close (%1).").arg(stateText(info))
                                : tr("This connection ended before the kernel was asked about it (%1).")
                                      .arg(stateText(info));
            } else {
                status = tr("Not connected yet: the kernel has nothing to tell until the handshake is done.");
            }
            break;
        }
    }
    m_statusLabel->setText(status);
    m_fieldsBox->setVisible(fields);
    showInfo(fields ? &*info.lastTcpInfo : nullptr);
    const bool options = info.id != 0 && !info.options.isEmpty();
    m_optionsTitle->setVisible(options);
    m_optionsTable->setVisible(options);
    m_optionsTable->setOptions(options ? info.options : QList<AppliedOption>{});
}

void TcpInfoPanel::showInfo(const TcpInfo *t) {
    if (!t) {
        for (QLabel *value : m_values)
            value->clear();
        return;
    }
    auto set = [this](Field f, const QString &text) { m_values[size_t(f)]->setText(text); };
    set(StateField, t->state);
    set(RttField, tr("%1 ms ± %2 ms").arg(milliseconds(t->rttUs), milliseconds(t->rttVarUs)));
    set(CwndField, segments(t->cwndSegments));
    set(SsthreshField, t->ssthreshSegments >= InfiniteSsthresh ? tr("not set yet (slow start)")
                                                               : segments(t->ssthreshSegments));
    set(RetransmitsField, segments(t->totalRetransmits));
    set(UnackedField, segments(t->unackedSegments));
    set(LostField, segments(t->lostSegments));
    set(SendQueueField, formatByteCount(t->sendQueueBytes));
    set(ReceiveQueueField, formatByteCount(t->receiveQueueBytes));
    set(PacingRateField, byteRate(t->pacingRateBps));
    set(DeliveryRateField, byteRate(t->deliveryRateBps));
    set(MssField, formatByteCount(t->mssBytes));
    set(PeerWindowField, formatByteCount(t->peerWindowBytes));
    set(BytesAckedField, formatByteCount(t->bytesAcked));
    set(BytesReceivedField, formatByteCount(t->bytesReceived));
}

} // namespace sockbench
