#pragma once

#include "engine/outcome.h"

#include <QEvent>

#include <vector>

namespace sockbench {

/// What a reactor learned in one loop iteration, posted to its receiver (the Workbench) as one event.
///
/// One event per iteration rather than one per outcome: under a burst of accepts the receiving
/// thread would otherwise spend its time in Qt's event machinery instead of our work.
class OutboxEvent final : public QEvent {
public:
    explicit OutboxEvent(std::vector<Outcome> outcomes);
    ~OutboxEvent() override;
    Q_DISABLE_COPY_MOVE(OutboxEvent)

    static QEvent::Type eventType();
    /// The outcomes in the order they happened. Call it only in the receiver's thread.
    const std::vector<Outcome> &outcomes();

private:
    std::vector<Outcome> m_outcomes;
};

} // namespace sockbench
