#include "engine/outboxevent.h"

namespace sockbench {

namespace {

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void *addr);
extern "C" void __tsan_release(void *addr);
void tsanRelease(void *addr) {
    __tsan_release(addr);
}
void tsanAcquire(void *addr) {
    __tsan_acquire(addr);
}
#else
void tsanRelease(void *) {}
void tsanAcquire(void *) {}
#endif

} // namespace

// Qt's posted-event queue orders the hand-over, but with Debian's uninstrumented Qt ThreadSanitizer
// cannot see that. A QEvent subclass (unlike a queued functor, whose fields Qt's header code reads
// before ours runs) lets us mark it ourselves: released when built, acquired before any of our code
// in the receiving thread touches it, including its destruction when it is never delivered.
OutboxEvent::OutboxEvent(std::vector<Outcome> outcomes)
    : QEvent(eventType())
    , m_outcomes(std::move(outcomes)) {
    tsanRelease(this);
}

OutboxEvent::~OutboxEvent() {
    tsanAcquire(this);
}

QEvent::Type OutboxEvent::eventType() {
    static const auto type = QEvent::Type(QEvent::registerEventType());
    return type;
}

const std::vector<Outcome> &OutboxEvent::outcomes() {
    tsanAcquire(this);
    return m_outcomes;
}

} // namespace sockbench
