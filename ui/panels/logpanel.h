#pragma once

#include "engine/endpoint.h"

#include <QSet>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLineEdit;
class QModelIndex;
class QTableView;

namespace sockbench {

class JournalFeed;
class TrafficModel;
class Workbench;

/// The traffic log: a filter bar (every connection or the selected one, a direction, a search for
/// text or hex bytes) over the table of records, which follows the journal through the feed. It
/// keeps the newest record in sight while the user is at the bottom and stops when they scroll up.
class LogPanel final : public QWidget {
    Q_OBJECT

public:
    LogPanel(Workbench *workbench, const JournalFeed *feed, QWidget *parent = nullptr);
    ~LogPanel() override;
    Q_DISABLE_COPY_MOVE(LogPanel)

    TrafficModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }

    /// What "Selected connection" shows: the selected endpoint and, for a listener, its connections.
    /// An empty set (nothing selected) shows nothing rather than everything.
    void setSelectedEndpoints(const QSet<EndpointId> &endpoints);
    bool isFollowing() const { return m_following; }
    /// Starts keeping the newest record in sight (scrolling to it at once), or stops.
    void setFollowing(bool following);
    /// Puts the cursor in the search field with its text selected, ready to be typed over.
    void focusSearch();

Q_SIGNALS:
    /// Emitted when the log starts or stops following new records (setFollowing() or scrolling).
    void followingChanged(bool following);
    /// Emitted when another record becomes the current row; seq is its journal sequence number.
    void currentRecordChanged(quint64 seq);
    /// Emitted when no row is current any more.
    void currentRecordCleared();

private:
    void onConnectionFilterComboCurrentIndexChanged();
    void onDirectionFilterComboCurrentIndexChanged();
    void onSearchModeComboCurrentIndexChanged();
    void onSearchTimerTimeout();
    void onViewCurrentRowChanged(const QModelIndex &current);
    void onScrollBarRangeChanged(int minimum, int maximum);
    void onScrollBarValueChanged(int value);
    void applyConnectionFilter();
    void applySearch();

    TrafficModel *m_model;
    QComboBox *m_connectionFilterCombo;
    QComboBox *m_directionFilterCombo;
    QLineEdit *m_searchEdit;
    QComboBox *m_searchModeCombo;
    QTableView *m_view;
    QTimer m_searchTimer; ///< waits for a pause in typing before a search scans the whole journal
    QSet<EndpointId> m_selected;
    bool m_following = true;
};

} // namespace sockbench
