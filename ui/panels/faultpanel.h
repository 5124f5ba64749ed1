#pragma once

#include "engine/endpoint.h"
#include "engine/relayoptions.h"

#include <QWidget>

class QLabel;
class QPushButton;

namespace sockbench {

class FaultsEditor;
class Workbench;

/// The "Faults" tab: live fault controls for the selected relay (all its connections) or relayed
/// connection (that one alone). Apply hands the fields to Workbench::setRelayFaults() and says
/// "applied" once the engine has them (relayFaultsChanged()); "Close now" and "Reset now" end the
/// connection, or every connection of a relay (breakRelay()). While the user has not touched the
/// fields they follow the engine's faults.
class FaultPanel final : public QWidget {
    Q_OBJECT

public:
    explicit FaultPanel(Workbench *workbench, QWidget *parent = nullptr);
    ~FaultPanel() override;
    Q_DISABLE_COPY_MOVE(FaultPanel)

    /// The selected endpoint (0: none); the panel acts on it when it is a relay or one of its legs.
    void setEndpoint(EndpointId id);
    EndpointId endpoint() const { return m_id; }
    /// The relay or leg the faults apply to; 0 when the selection has nothing to do with a relay.
    EndpointId target() const { return m_target; }
    FaultsEditor *editor() const { return m_editor; }
    /// The sentence at the top: what the faults act on, or why there is nothing to set.
    QString statusText() const;
    /// "Applied: …" once the engine took the faults; empty before.
    QString appliedText() const;

    /// Applies the fields (as the Apply button does); false when the engine refused.
    bool apply();

private:
    void onRelayFaultsChanged(EndpointId id);
    void onStateChanged(EndpointId id);
    void loadFromEngine();
    void updateView();
    void breakNow(RelayEnd end);
    /// The faults in effect on the target, as the engine knows them.
    RelayFaults engineFaults() const;
    /// True when a change on this endpoint reaches the target.
    bool concernsTarget(EndpointId id) const;

    Workbench *m_workbench;
    EndpointId m_id = 0;
    EndpointId m_target = 0;
    bool m_dirty = false;
    bool m_applying = false;
    QLabel *m_statusLabel;
    FaultsEditor *m_editor;
    QWidget *m_editorArea;
    QPushButton *m_applyButton;
    QPushButton *m_revertButton;
    QPushButton *m_closeNowButton;
    QPushButton *m_resetNowButton;
    QLabel *m_appliedLabel;
};

} // namespace sockbench
