#pragma once

#include "engine/relayoptions.h"

#include <QWidget>

#include <array>

#include <vector>

class QCheckBox;
class QGridLayout;
class QLabel;
class QLineEdit;

namespace sockbench {

/// The faults of both directions of a relay as fields: per direction a check box for each fault
/// with its numbers, then the seed. Stream faults show for TCP relays, datagram faults for UDP ones
/// (latency and bandwidth for both). Used by the fault panel and by the "New relay" form. Its rows,
/// their widgets and their object names ("up" or "down", then the field's widgetName) come from
/// the fault table (engine/faulttable.h): a new fault there is a new row here.
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
    /// Every fault off and every number as a new form shows it: nothing of an earlier relay.
    void reset();
    /// Shows the faults of a UDP relay (drop, duplicate, reorder, corrupt) or of a TCP one (slice,
    /// limit, timeout, slow close).
    void setUdp(bool udp);
    bool isUdp() const { return m_udp; }
    /// Stacked: each fault's two directions on two lines, one under the other, each named ("client
    /// → target"), so that the grid is half as wide: the Faults tab of a narrow detail pane. Side
    /// by side (the default): a column per direction, as in the relay form.
    void setStacked(bool stacked);

Q_SIGNALS:
    /// The user changed a field.
    void changed();

private:
    /// One fault's fields in one direction: its check box, and an input (spin box, choice) per
    /// field of its row, in the row's order.
    struct FaultFields {
        QCheckBox *check = nullptr;
        std::vector<QWidget *> inputs;
    };
    /// One direction: a FaultFields per row of faultKinds().
    using Direction = std::vector<FaultFields>;

    void buildDirection(Direction &d, const QString &prefix, int column);
    FaultSet faultSet(const Direction &d) const;
    void setFaultSet(Direction &d, const FaultSet &f);
    void updateEnabled();
    void onFieldChanged();
    /// Puts the labels and cells in the grid as stacked or side by side.
    void placeCells();

    QGridLayout *m_grid;
    /// Per row of faultKinds(): its label and the cells of both directions, shown together.
    std::vector<QLabel *> m_rowLabels;
    std::vector<std::vector<QWidget *>> m_rowCells;
    /// Per row: "client → target" and "target → client" in front of its cells, when stacked.
    std::vector<std::array<QLabel *, 2>> m_rowMarks;
    QLabel *m_upHeader = nullptr;
    QLabel *m_downHeader = nullptr;
    bool m_stacked = false;
    Direction m_up;
    Direction m_down;
    QLineEdit *m_seedEdit;
    bool m_udp = false;
    bool m_loading = false;
};

} // namespace sockbench
