#pragma once

#include <QObject>
#include <QTimer>

namespace sockbench {

class Workbench;

/// Paces the views that follow the journal. The Workbench announces growth up to ~100 times a
/// second; repainting the log's tail that often is most of the GUI thread's work under a flood. The
/// feed passes the first announcement after a quiet spell on at once, then at most one every
/// IntervalMs, always with the newest count, so followers see every record and repaint at most
/// ~25 times a second.
///
/// Followers connect themselves (TrafficModel::follow(), ConversationView::follow()); the window
/// keeps no list of them.
class JournalFeed final : public QObject {
    Q_OBJECT

public:
    static constexpr int IntervalMs = 40;

    explicit JournalFeed(Workbench *workbench, QObject *parent = nullptr);
    ~JournalFeed() override;
    Q_DISABLE_COPY_MOVE(JournalFeed)

    /// The count last passed on by recordsAppended(); a follower that joins late catches up to it.
    quint64 count() const { return m_published; }
    /// Records before this sequence number are cleared from the views (Clear log); 0 at first.
    quint64 origin() const { return m_origin; }
    /// Records passed on since the last clear(): what the unfiltered log shows.
    quint64 shownCount() const { return m_published - m_origin; }
    /// Clears the views: every record passed on so far is left out of them from now on. The
    /// journal and its counters keep everything. Returns how many records the views had.
    quint64 clear();

Q_SIGNALS:
    /// Emitted when records [0, count) are ready to be shown, at most once every IntervalMs.
    void recordsAppended(quint64 count);
    /// Emitted by clear(): followers drop what they show and start again at origin.
    void cleared(quint64 origin);

private:
    void onWorkbenchJournalGrew(quint64 count);
    void onIntervalTimerTimeout();
    void publish();

    QTimer m_intervalTimer;
    quint64 m_announced = 0; ///< latest count announced by the Workbench
    quint64 m_published = 0; ///< latest count passed on
    quint64 m_origin = 0;
    bool m_behind = false; ///< an announcement arrived while m_intervalTimer was running
};

} // namespace sockbench
