#include "models/journalfeed.h"
#include "engine/workbench.h"

namespace sockbench {

JournalFeed::JournalFeed(Workbench *workbench, QObject *parent)
    : QObject(parent) {
    m_intervalTimer.setSingleShot(true);
    m_intervalTimer.setInterval(IntervalMs);
    connect(&m_intervalTimer, &QTimer::timeout, this, &JournalFeed::onIntervalTimerTimeout);
    connect(workbench, &Workbench::journalGrew, this, &JournalFeed::onWorkbenchJournalGrew);
}

JournalFeed::~JournalFeed() = default;

quint64 JournalFeed::clear() {
    // What the views have been shown goes; records not passed on yet were never seen and stay.
    const quint64 shown = m_published - m_origin;
    m_origin = m_published;
    Q_EMIT cleared(m_origin);
    return shown;
}

void JournalFeed::onWorkbenchJournalGrew(quint64 count) {
    m_announced = count;
    if (m_intervalTimer.isActive()) {
        m_behind = true;
        return;
    }
    publish();
}

void JournalFeed::onIntervalTimerTimeout() {
    if (m_behind)
        publish();
}

void JournalFeed::publish() {
    m_behind = false;
    m_published = m_announced;
    Q_EMIT recordsAppended(m_published);
    // Started after the followers' work, so the interval is quiet time for the rest of the window.
    m_intervalTimer.start();
}

} // namespace sockbench
