#pragma once

#include "engine/endpoint.h"
#include "engine/relayoptions.h"

#include <QWidget>

#include <array>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace sockbench {

class Workbench;

/// The faults of both directions of a relay as fields: per direction a check box for each fault
/// with its numbers, then the seed. Stream faults show for TCP relays, datagram faults for UDP ones
/// (latency and bandwidth for both). Used by the fault panel and by the "New relay" form.
class FaultsEditor final : public QWidget {
    Q_OBJECT

public:
    explicit FaultsEditor(QWidget *parent = nullptr);
    ~FaultsEditor() override;
    Q_DISABLE_COPY_MOVE(FaultsEditor)

    /// What the fields say; a fault whose box is off is at its "off" value.
    RelayFaults faults() const;
    /// Shows these faults (without emitting changed()).
    void setFaults(const RelayFaults &faults);
    /// Shows the faults of a UDP relay (drop, duplicate, reorder, corrupt) or of a TCP one (slice,
    /// limit, timeout, slow close).
    void setUdp(bool udp);
    bool isUdp() const { return m_udp; }

Q_SIGNALS:
    /// The user changed a field.
    void changed();

private:
    struct Direction {
        QCheckBox *latencyCheck;
        QSpinBox *latencySpin;
        QSpinBox *jitterSpin;
        QCheckBox *bandwidthCheck;
        QSpinBox *bandwidthSpin;
        QCheckBox *sliceCheck;
        QSpinBox *sliceSpin;
        QSpinBox *sliceVarianceSpin;
        QSpinBox *sliceDelaySpin;
        QCheckBox *limitCheck;
        QSpinBox *limitSpin;
        QComboBox *limitEndCombo;
        QCheckBox *timeoutCheck;
        QSpinBox *timeoutSpin;
        QCheckBox *slowCloseCheck;
        QSpinBox *slowCloseSpin;
        QCheckBox *dropCheck;
        QDoubleSpinBox *dropSpin;
        QCheckBox *duplicateCheck;
        QDoubleSpinBox *duplicateSpin;
        QCheckBox *reorderCheck;
        QSpinBox *reorderSpin;
        QCheckBox *corruptCheck;
        QDoubleSpinBox *corruptSpin;
    };
    enum Row {
        LatencyRow,
        BandwidthRow,
        SliceRow,
        LimitRow,
        TimeoutRow,
        SlowCloseRow,
        DropRow,
        DuplicateRow,
        ReorderRow,
        CorruptRow,
        RowCount
    };

    void buildDirection(Direction &d, const QString &prefix, int column);
    FaultSet faultSet(const Direction &d) const;
    void setFaultSet(Direction &d, const FaultSet &f);
    void updateEnabled();
    void onFieldChanged();

    QGridLayout *m_grid;
    std::array<QLabel *, RowCount> m_rowLabels{};
    std::array<QList<QWidget *>, RowCount> m_rowCells{};
    Direction m_up{};
    Direction m_down{};
    QLineEdit *m_seedEdit;
    bool m_udp = false;
    bool m_loading = false;
};

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
