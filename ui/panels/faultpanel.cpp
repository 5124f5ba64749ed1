#include "panels/faultpanel.h"

#include "engine/workbench.h"
#include "style/presentation.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace sockbench {

namespace {

constexpr int MaxMs = 3600000; // an hour: anything longer is a hold, which the timeout fault is for
constexpr int IntMax = std::numeric_limits<int>::max();

QSpinBox *spin(QWidget *parent, const QString &name, int lowest, int highest, int value,
               const QString &suffix, const QString &tip) {
    auto *box = new QSpinBox(parent);
    box->setObjectName(name);
    box->setRange(lowest, highest);
    box->setValue(value);
    box->setSuffix(suffix);
    box->setToolTip(tip);
    box->setAccelerated(true);
    return box;
}

QDoubleSpinBox *percentSpin(QWidget *parent, const QString &name, const QString &tip) {
    auto *box = new QDoubleSpinBox(parent);
    box->setObjectName(name);
    box->setRange(0, 100);
    box->setDecimals(1);
    box->setValue(10);
    box->setSuffix(QStringLiteral(" %"));
    box->setToolTip(tip);
    return box;
}

} // namespace

FaultsEditor::FaultsEditor(QWidget *parent)
    : QWidget(parent)
    , m_grid(new QGridLayout)
    , m_seedEdit(new QLineEdit(this)) {
    setObjectName(QStringLiteral("faultsEditor"));
    const std::array<QString, RowCount> names{tr("Latency"), tr("Bandwidth"),  tr("Slice"), tr("Limit"),
                                              tr("Timeout"), tr("Slow close"), tr("Drop"),  tr("Duplicate"),
                                              tr("Reorder"), tr("Corrupt")};
    const std::array<QString, RowCount> tips{
        tr("Delay each chunk (or datagram) by this long, ± the jitter"),
        tr("Let at most this many bytes per second through"),
        tr("Cut each chunk into pieces of N ± v bytes, with a delay between pieces"),
        tr("Forward exactly this many bytes, then close (FIN) or reset the receiving side"),
        tr("Stop forwarding (the connection stays open) this long after it is set; 0: now"),
        tr("Relay a FIN this much later"),
        tr("Drop this share of the datagrams"),
        tr("Send this share of the datagrams twice"),
        tr("Hold datagrams and release them shuffled within a window of N"),
        tr("Flip one random bit in this share of the datagrams")};
    auto *upHeader = new QLabel(tr("client → target"), this);
    auto *downHeader = new QLabel(tr("target → client"), this);
    QFont bold = upHeader->font();
    bold.setBold(true);
    upHeader->setFont(bold);
    downHeader->setFont(bold);
    m_grid->addWidget(upHeader, 0, 1);
    m_grid->addWidget(downHeader, 0, 2);
    for (int r = 0; r < RowCount; ++r) {
        m_rowLabels[size_t(r)] = new QLabel(names[size_t(r)], this);
        m_rowLabels[size_t(r)]->setToolTip(tips[size_t(r)]);
        m_grid->addWidget(m_rowLabels[size_t(r)], r + 1, 0);
    }
    buildDirection(m_up, QStringLiteral("up"), 1);
    buildDirection(m_down, QStringLiteral("down"), 2);
    m_grid->setColumnStretch(3, 1);
    m_grid->setVerticalSpacing(2);
    m_grid->setContentsMargins(0, 0, 0, 0);

    m_seedEdit->setObjectName(QStringLiteral("faultSeedEdit"));
    m_seedEdit->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{1,20}")), m_seedEdit));
    m_seedEdit->setText(QStringLiteral("1"));
    m_seedEdit->setToolTip(tr("Seeds every random choice (jitter, slice sizes, drops, …): the same seed "
                              "repeats a run exactly"));
    m_seedEdit->setMaximumWidth(180);
    auto *seedLabel = new QLabel(tr("S&eed:"), this);
    seedLabel->setBuddy(m_seedEdit);
    m_grid->addWidget(seedLabel, RowCount + 1, 0);
    m_grid->addWidget(m_seedEdit, RowCount + 1, 1);
    connect(m_seedEdit, &QLineEdit::textChanged, this, &FaultsEditor::onFieldChanged);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(m_grid);
    layout->addStretch();
    setUdp(false);
    updateEnabled();
}

FaultsEditor::~FaultsEditor() = default;

void FaultsEditor::buildDirection(Direction &d, const QString &prefix, int column) {
    const auto check = [&](const char *name, int row) {
        auto *box = new QCheckBox(this);
        box->setObjectName(prefix + QLatin1String(name));
        box->setToolTip(m_rowLabels[size_t(row)]->toolTip());
        connect(box, &QCheckBox::toggled, this, &FaultsEditor::onFieldChanged);
        return box;
    };
    const auto cell = [&](int row, const QList<QWidget *> &widgets) {
        auto *w = new QWidget(this);
        auto *h = new QHBoxLayout(w);
        h->setContentsMargins(0, 0, 0, 0);
        h->setSpacing(3);
        for (QWidget *part : widgets) {
            part->setParent(w);
            h->addWidget(part);
        }
        h->addStretch();
        m_grid->addWidget(w, row + 1, column);
        m_rowCells[size_t(row)].append(w);
    };
    const QString ms = tr(" ms");
    d.latencyCheck = check("LatencyCheck", LatencyRow);
    d.latencySpin = spin(this, prefix + QStringLiteral("LatencySpin"), 0, MaxMs, 200, ms, tr("Latency"));
    d.jitterSpin = spin(this, prefix + QStringLiteral("JitterSpin"), 0, MaxMs, 0, ms, tr("± jitter"));
    d.jitterSpin->setPrefix(QStringLiteral("± "));
    cell(LatencyRow, {d.latencyCheck, d.latencySpin, d.jitterSpin});
    d.bandwidthCheck = check("BandwidthCheck", BandwidthRow);
    d.bandwidthSpin = spin(this, prefix + QStringLiteral("BandwidthSpin"), 1, IntMax, 65536, tr(" B/s"),
                           tr("Bytes per second"));
    cell(BandwidthRow, {d.bandwidthCheck, d.bandwidthSpin});
    d.sliceCheck = check("SliceCheck", SliceRow);
    d.sliceSpin = spin(this, prefix + QStringLiteral("SliceSpin"), 1, 1 << 20, 1, tr(" B"), tr("Piece size"));
    d.sliceVarianceSpin =
        spin(this, prefix + QStringLiteral("SliceVarianceSpin"), 0, 1 << 20, 0, tr(" B"), tr("± variance"));
    d.sliceVarianceSpin->setPrefix(QStringLiteral("± "));
    d.sliceDelaySpin =
        spin(this, prefix + QStringLiteral("SliceDelaySpin"), 0, MaxMs, 0, ms, tr("Delay between pieces"));
    d.sliceDelaySpin->setPrefix(QStringLiteral("@ "));
    cell(SliceRow, {d.sliceCheck, d.sliceSpin, d.sliceVarianceSpin, d.sliceDelaySpin});
    d.limitCheck = check("LimitCheck", LimitRow);
    d.limitSpin = spin(this, prefix + QStringLiteral("LimitSpin"), 0, IntMax, 4096, tr(" B"),
                       tr("Bytes forwarded before the end"));
    d.limitEndCombo = new QComboBox(this);
    d.limitEndCombo->setObjectName(prefix + QStringLiteral("LimitEndCombo"));
    d.limitEndCombo->addItem(tr("then close"), int(RelayEnd::Close));
    d.limitEndCombo->addItem(tr("then reset"), int(RelayEnd::Reset));
    connect(d.limitEndCombo, &QComboBox::currentIndexChanged, this, &FaultsEditor::onFieldChanged);
    cell(LimitRow, {d.limitCheck, d.limitSpin, d.limitEndCombo});
    d.timeoutCheck = check("TimeoutCheck", TimeoutRow);
    d.timeoutSpin = spin(this, prefix + QStringLiteral("TimeoutSpin"), 0, MaxMs, 0, ms,
                         tr("Stop forwarding after this long; 0: now"));
    d.timeoutSpin->setSpecialValueText(tr("now"));
    d.timeoutSpin->setPrefix(tr("after "));
    cell(TimeoutRow, {d.timeoutCheck, d.timeoutSpin});
    d.slowCloseCheck = check("SlowCloseCheck", SlowCloseRow);
    d.slowCloseSpin =
        spin(this, prefix + QStringLiteral("SlowCloseSpin"), 1, MaxMs, 1000, ms, tr("FIN delay"));
    cell(SlowCloseRow, {d.slowCloseCheck, d.slowCloseSpin});
    d.dropCheck = check("DropCheck", DropRow);
    d.dropSpin = percentSpin(this, prefix + QStringLiteral("DropSpin"), tr("Share of datagrams dropped"));
    cell(DropRow, {d.dropCheck, d.dropSpin});
    d.duplicateCheck = check("DuplicateCheck", DuplicateRow);
    d.duplicateSpin =
        percentSpin(this, prefix + QStringLiteral("DuplicateSpin"), tr("Share of datagrams sent twice"));
    cell(DuplicateRow, {d.duplicateCheck, d.duplicateSpin});
    d.reorderCheck = check("ReorderCheck", ReorderRow);
    d.reorderSpin = spin(this, prefix + QStringLiteral("ReorderSpin"), 2, 10000, 4, QString(),
                         tr("Window of datagrams shuffled"));
    d.reorderSpin->setPrefix(tr("window "));
    cell(ReorderRow, {d.reorderCheck, d.reorderSpin});
    d.corruptCheck = check("CorruptCheck", CorruptRow);
    d.corruptSpin = percentSpin(this, prefix + QStringLiteral("CorruptSpin"),
                                tr("Share of datagrams with one bit flipped"));
    cell(CorruptRow, {d.corruptCheck, d.corruptSpin});

    for (QSpinBox *box : {d.latencySpin, d.jitterSpin, d.bandwidthSpin, d.sliceSpin, d.sliceVarianceSpin,
                          d.sliceDelaySpin, d.limitSpin, d.timeoutSpin, d.slowCloseSpin, d.reorderSpin})
        connect(box, &QSpinBox::valueChanged, this, &FaultsEditor::onFieldChanged);
    for (QDoubleSpinBox *box : {d.dropSpin, d.duplicateSpin, d.corruptSpin})
        connect(box, &QDoubleSpinBox::valueChanged, this, &FaultsEditor::onFieldChanged);
}

void FaultsEditor::onFieldChanged() {
    updateEnabled();
    if (!m_loading)
        Q_EMIT changed();
}

void FaultsEditor::updateEnabled() {
    // A fault's numbers are greyed while its box is off: what is greyed does not act.
    for (Direction *d : {&m_up, &m_down}) {
        d->latencySpin->setEnabled(d->latencyCheck->isChecked());
        d->jitterSpin->setEnabled(d->latencyCheck->isChecked());
        d->bandwidthSpin->setEnabled(d->bandwidthCheck->isChecked());
        for (QWidget *w : {static_cast<QWidget *>(d->sliceSpin), static_cast<QWidget *>(d->sliceVarianceSpin),
                           static_cast<QWidget *>(d->sliceDelaySpin)})
            w->setEnabled(d->sliceCheck->isChecked());
        d->limitSpin->setEnabled(d->limitCheck->isChecked());
        d->limitEndCombo->setEnabled(d->limitCheck->isChecked());
        d->timeoutSpin->setEnabled(d->timeoutCheck->isChecked());
        d->slowCloseSpin->setEnabled(d->slowCloseCheck->isChecked());
        d->dropSpin->setEnabled(d->dropCheck->isChecked());
        d->duplicateSpin->setEnabled(d->duplicateCheck->isChecked());
        d->reorderSpin->setEnabled(d->reorderCheck->isChecked());
        d->corruptSpin->setEnabled(d->corruptCheck->isChecked());
    }
}

void FaultsEditor::setUdp(bool udp) {
    m_udp = udp;
    for (int r = 0; r < RowCount; ++r) {
        const bool stream = r == SliceRow || r == LimitRow || r == TimeoutRow || r == SlowCloseRow;
        const bool datagram = r >= DropRow;
        const bool shown = (!stream || !udp) && (!datagram || udp);
        m_rowLabels[size_t(r)]->setVisible(shown);
        for (QWidget *w : m_rowCells[size_t(r)])
            w->setVisible(shown);
    }
}

FaultSet FaultsEditor::faultSet(const Direction &d) const {
    FaultSet f;
    if (d.latencyCheck->isChecked()) {
        f.latencyMs = d.latencySpin->value();
        f.jitterMs = d.jitterSpin->value();
    }
    if (d.bandwidthCheck->isChecked())
        f.bandwidthBytesPerSecond = d.bandwidthSpin->value();
    // Faults of the other kind of relay are hidden, and do not act.
    if (!m_udp) {
        if (d.sliceCheck->isChecked()) {
            f.sliceBytes = d.sliceSpin->value();
            f.sliceVariance = d.sliceVarianceSpin->value();
            f.sliceDelayMs = d.sliceDelaySpin->value();
        }
        if (d.limitCheck->isChecked()) {
            f.limitBytes = d.limitSpin->value();
            f.limitEnd = RelayEnd(d.limitEndCombo->currentData().toInt());
        }
        if (d.timeoutCheck->isChecked())
            f.timeoutMs = d.timeoutSpin->value();
        if (d.slowCloseCheck->isChecked())
            f.slowCloseMs = d.slowCloseSpin->value();
    } else {
        if (d.dropCheck->isChecked())
            f.dropPercent = d.dropSpin->value();
        if (d.duplicateCheck->isChecked())
            f.duplicatePercent = d.duplicateSpin->value();
        if (d.reorderCheck->isChecked())
            f.reorderWindow = d.reorderSpin->value();
        if (d.corruptCheck->isChecked())
            f.corruptPercent = d.corruptSpin->value();
    }
    return f;
}

void FaultsEditor::setFaultSet(Direction &d, const FaultSet &f) {
    // A fault that is off keeps the numbers last shown, so that ticking it again brings them back.
    const auto clampInt = [](qint64 v) { return int(std::min<qint64>(v, IntMax)); };
    d.latencyCheck->setChecked(f.latencyMs > 0 || f.jitterMs > 0);
    if (d.latencyCheck->isChecked()) {
        d.latencySpin->setValue(f.latencyMs);
        d.jitterSpin->setValue(f.jitterMs);
    }
    d.bandwidthCheck->setChecked(f.bandwidthBytesPerSecond > 0);
    if (f.bandwidthBytesPerSecond > 0)
        d.bandwidthSpin->setValue(clampInt(f.bandwidthBytesPerSecond));
    d.sliceCheck->setChecked(f.sliceBytes > 0);
    if (f.sliceBytes > 0) {
        d.sliceSpin->setValue(f.sliceBytes);
        d.sliceVarianceSpin->setValue(f.sliceVariance);
        d.sliceDelaySpin->setValue(f.sliceDelayMs);
    }
    d.limitCheck->setChecked(f.limitBytes >= 0);
    if (f.limitBytes >= 0) {
        d.limitSpin->setValue(clampInt(f.limitBytes));
        d.limitEndCombo->setCurrentIndex(d.limitEndCombo->findData(int(f.limitEnd)));
    }
    d.timeoutCheck->setChecked(f.timeoutMs >= 0);
    if (f.timeoutMs >= 0)
        d.timeoutSpin->setValue(f.timeoutMs);
    d.slowCloseCheck->setChecked(f.slowCloseMs > 0);
    if (f.slowCloseMs > 0)
        d.slowCloseSpin->setValue(f.slowCloseMs);
    d.dropCheck->setChecked(f.dropPercent > 0);
    if (f.dropPercent > 0)
        d.dropSpin->setValue(f.dropPercent);
    d.duplicateCheck->setChecked(f.duplicatePercent > 0);
    if (f.duplicatePercent > 0)
        d.duplicateSpin->setValue(f.duplicatePercent);
    d.reorderCheck->setChecked(f.reorderWindow > 1);
    if (f.reorderWindow > 1)
        d.reorderSpin->setValue(f.reorderWindow);
    d.corruptCheck->setChecked(f.corruptPercent > 0);
    if (f.corruptPercent > 0)
        d.corruptSpin->setValue(f.corruptPercent);
}

RelayFaults FaultsEditor::faults() const {
    RelayFaults faults;
    faults.up = faultSet(m_up);
    faults.down = faultSet(m_down);
    bool ok = false;
    const quint64 seed = m_seedEdit->text().toULongLong(&ok);
    faults.seed = ok ? seed : RelayFaults{}.seed;
    return faults;
}

void FaultsEditor::setFaults(const RelayFaults &faults) {
    m_loading = true;
    setFaultSet(m_up, faults.up);
    setFaultSet(m_down, faults.down);
    m_seedEdit->setText(QString::number(faults.seed));
    m_loading = false;
    updateEnabled();
}

FaultPanel::FaultPanel(Workbench *workbench, QWidget *parent)
    : QWidget(parent)
    , m_workbench(workbench)
    , m_statusLabel(new QLabel(this))
    , m_editor(new FaultsEditor(this))
    , m_applyButton(new QPushButton(tr("&Apply"), this))
    , m_revertButton(new QPushButton(tr("Re&vert"), this))
    , m_closeNowButton(new QPushButton(tr("Close no&w"), this))
    , m_resetNowButton(new QPushButton(tr("Reset n&ow"), this))
    , m_appliedLabel(new QLabel(this)) {
    setObjectName(QStringLiteral("faultPanel"));
    m_statusLabel->setObjectName(QStringLiteral("faultStatusLabel"));
    m_statusLabel->setWordWrap(true);
    m_applyButton->setObjectName(QStringLiteral("faultApplyButton"));
    m_applyButton->setToolTip(tr("Apply these faults now, while traffic flows: from the next bytes on"));
    m_revertButton->setObjectName(QStringLiteral("faultRevertButton"));
    m_revertButton->setToolTip(tr("Show the faults in effect again, dropping the changes not applied"));
    m_closeNowButton->setObjectName(QStringLiteral("faultCloseNowButton"));
    m_closeNowButton->setToolTip(tr("End the relayed connection now (both legs): what is queued, then FIN; "
                                    "on a relay, every connection it relays"));
    m_resetNowButton->setObjectName(QStringLiteral("faultResetNowButton"));
    m_resetNowButton->setToolTip(tr("Reset the relayed connection now (RST both ways); on a relay, every "
                                    "connection it relays"));
    m_appliedLabel->setObjectName(QStringLiteral("faultAppliedLabel"));
    m_appliedLabel->setWordWrap(true);

    // The fields scroll: the detail pane is short on a small screen, and must not make the window taller.
    auto *area = new QScrollArea(this);
    area->setObjectName(QStringLiteral("faultEditorArea"));
    area->setWidget(m_editor);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    m_editorArea = area;

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_applyButton);
    buttons->addWidget(m_revertButton);
    buttons->addWidget(m_appliedLabel, 1);
    buttons->addWidget(m_closeNowButton);
    buttons->addWidget(m_resetNowButton);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_statusLabel);
    layout->addWidget(area, 1);
    layout->addLayout(buttons);

    connect(m_applyButton, &QPushButton::clicked, this, &FaultPanel::apply);
    connect(m_revertButton, &QPushButton::clicked, this, [this] {
        m_dirty = false;
        loadFromEngine();
        updateView();
    });
    connect(m_closeNowButton, &QPushButton::clicked, this, [this] { breakNow(RelayEnd::Close); });
    connect(m_resetNowButton, &QPushButton::clicked, this, [this] { breakNow(RelayEnd::Reset); });
    connect(m_editor, &FaultsEditor::changed, this, [this] {
        m_dirty = true;
        updateView();
    });
    connect(workbench, &Workbench::relayFaultsChanged, this, &FaultPanel::onRelayFaultsChanged);
    connect(workbench, &Workbench::stateChanged, this,
            [this](EndpointId id, EndpointState, const QString &) { onStateChanged(id); });
    // A client leg learns its pair when the target leg opens.
    connect(workbench, &Workbench::relayLegOpened, this,
            [this](EndpointId id, EndpointId, EndpointId clientLeg) {
                if (id == m_id || clientLeg == m_id)
                    updateView();
            });
    updateView();
}

FaultPanel::~FaultPanel() = default;

void FaultPanel::setEndpoint(EndpointId id) {
    if (id == m_id)
        return;
    m_id = id;
    const EndpointInfo info = m_workbench->info(id);
    m_target = id != 0 && relayOf(*m_workbench, info) != 0 ? id : 0;
    m_dirty = false;
    m_applying = false;
    m_appliedLabel->clear();
    loadFromEngine();
    updateView();
}

RelayFaults FaultPanel::engineFaults() const {
    const EndpointInfo info = m_workbench->info(m_target);
    if (info.relay)
        return info.relay->faults;
    if (info.relayFaults)
        return *info.relayFaults;
    // A leg the engine has not told its faults yet runs with its relay's.
    const EndpointInfo relay = m_workbench->info(relayOf(*m_workbench, info));
    return relay.relay ? relay.relay->faults : RelayFaults{};
}

void FaultPanel::loadFromEngine() {
    if (m_target == 0)
        return;
    const EndpointInfo info = m_workbench->info(m_target);
    const EndpointInfo relay = m_workbench->info(relayOf(*m_workbench, info));
    m_editor->setUdp(relay.relay && relay.relay->udp);
    m_editor->setFaults(engineFaults());
}

bool FaultPanel::concernsTarget(EndpointId id) const {
    if (m_target == 0 || id == 0)
        return false;
    if (id == m_target)
        return true;
    const EndpointInfo info = m_workbench->info(m_target);
    // A leg's faults are its pair's; a relay's reach every leg.
    return id == info.relayPeer || id == relayOf(*m_workbench, info);
}

void FaultPanel::onRelayFaultsChanged(EndpointId id) {
    if (!concernsTarget(id))
        return;
    if (m_applying && (id == m_target || id == m_workbench->info(m_target).relayPeer)) {
        m_applying = false;
        const RelayFaults now = engineFaults();
        m_appliedLabel->setText(now == RelayFaults{} ? tr("Applied: no faults")
                                                     : tr("Applied: %1").arg(now.describe()));
    }
    // Fields the user is editing stay as typed; others follow the engine.
    if (!m_dirty)
        loadFromEngine();
    updateView();
}

void FaultPanel::onStateChanged(EndpointId id) {
    if (id == m_id || id == m_target)
        updateView();
}

bool FaultPanel::apply() {
    if (m_target == 0)
        return false;
    const RelayFaults faults = m_editor->faults();
    if (!m_workbench->setRelayFaults(m_target, faults)) {
        m_appliedLabel->setText(tr("Not applied: #%1 is closed").arg(m_target));
        m_appliedLabel->setStyleSheet(errorTextStyle());
        return false;
    }
    m_appliedLabel->setStyleSheet(QString());
    m_appliedLabel->setText(tr("Applying…"));
    m_applying = true;
    m_dirty = false;
    updateView();
    return true;
}

void FaultPanel::breakNow(RelayEnd end) {
    if (m_target == 0)
        return;
    if (!m_workbench->breakRelay(m_target, end)) {
        m_appliedLabel->setText(tr("#%1 has nothing to end").arg(m_target));
        return;
    }
    m_appliedLabel->setText(end == RelayEnd::Reset ? tr("Reset sent") : tr("Closing"));
}

QString FaultPanel::statusText() const {
    return m_statusLabel->text();
}

QString FaultPanel::appliedText() const {
    return m_appliedLabel->text();
}

void FaultPanel::updateView() {
    const EndpointInfo info = m_workbench->info(m_target);
    const bool open = m_target != 0 && !isFinal(info.state);
    QString status;
    if (m_id == 0)
        status = tr("Select a relay, or a connection it relays, to set its faults");
    else if (m_target == 0)
        status = tr("#%1 is not relayed: faults are set on a relay (File ▸ New relay…) and its connections")
                     .arg(m_id);
    else if (info.relay)
        status = tr("Faults of %1 #%2, for every connection it relays now and later")
                     .arg(relayKindText(*m_workbench, info))
                     .arg(m_target);
    else if (info.kind == EndpointKind::UdpSocket)
        status = tr("Faults for client %1 of relay #%2 alone")
                     .arg(info.relayClient.toString())
                     .arg(relayOf(*m_workbench, info));
    else
        status = info.relayPeer != 0 ? tr("Faults of the relayed connection #%1 ⇄ #%2 alone (both legs)")
                                           .arg(m_target)
                                           .arg(info.relayPeer)
                                     : tr("Faults of the relayed connection #%1 alone").arg(m_target);
    if (m_target != 0 && !open)
        status += tr(" (closed)");
    if (m_dirty)
        status += tr(" · changed, not applied yet");
    m_statusLabel->setText(status);
    m_editorArea->setEnabled(open);
    m_applyButton->setEnabled(open);
    m_revertButton->setEnabled(open && m_dirty);
    const bool stream = info.kind == EndpointKind::TcpConnection || (info.relay && !info.relay->udp);
    // UDP has no reset: closing a UDP relay's sockets to the target is what ends its clients' links.
    m_resetNowButton->setVisible(stream || m_target == 0);
    m_closeNowButton->setEnabled(open);
    m_resetNowButton->setEnabled(open && stream);
}

} // namespace sockbench
