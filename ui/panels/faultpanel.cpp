#include "panels/faultpanel.h"

#include "dialogs/faultseditor.h"
#include "engine/workbench.h"
#include "style/presentation.h"
#include "style/screenfit.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace sockbench {

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

    // The fields scroll up and down: the detail pane is short on a small screen, and must not make
    // the window taller. Never sideways: the pane is at least as wide as the grid, whose right-hand
    // column was cut (issue 27).
    m_editor->setStacked(true);
    auto *area = new FormScrollArea(m_editor, this);
    area->setObjectName(QStringLiteral("faultEditorArea"));
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
    // Greyed for a connection that is not relayed, and empty: never the last relay's faults.
    if (m_target == 0) {
        m_editor->reset();
        return;
    }
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
