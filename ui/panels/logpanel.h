#pragma once

#include "engine/endpoint.h"
#include "journal/journal.h"

#include <QSet>
#include <QTimer>
#include <QWidget>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QModelIndex;
class QTableView;
class QToolButton;

namespace sockbench {

class JournalFeed;
class MessageLogModel;
class TrafficModel;
class Workbench;

/// The traffic log: a filter bar (every connection or the selected one, a direction, a search for
/// text, hex bytes or a regular expression, with or without case) over the table of records, which
/// follows the journal through the feed. It keeps the newest record in sight while the user is at
/// the bottom and stops when they scroll up. Selected rows copy as log lines (Ctrl+C), as hex or as
/// raw bytes; a row's menu filters to its connection, sends an outgoing record again, or shows its
/// bytes.
class LogPanel final : public QWidget {
    Q_OBJECT

public:
    LogPanel(Workbench *workbench, const JournalFeed *feed, QWidget *parent = nullptr);
    ~LogPanel() override;
    Q_DISABLE_COPY_MOVE(LogPanel)

    TrafficModel *model() const { return m_model; }
    /// View > Messages (checkable; the log's Messages button shows it too): with "Selected
    /// connection", rows are the messages of each endpoint's framing instead of read chunks.
    QAction *messagesAction() const { return m_messagesAction; }
    /// "Time of day only": the Time column without the date (on by default; the full stamp is in
    /// its tooltip). In the View menu and the column headers' context menu.
    QAction *timeOfDayAction() const { return m_timeOfDayAction; }
    /// True while the rows are messages (Messages on and "Selected connection").
    bool showsMessages() const;
    void setHexPreview(bool hex);
    void setTimeDelta(bool delta);
    /// View > Hex column, also in the log's header menu (checkable, off by default): the payload
    /// in hex in a column of its own beside the text.
    QAction *hexColumnAction() const { return m_hexColumnAction; }
    QTableView *view() const { return m_view; }

    /// What "Selected connection" shows: the selected endpoint and, for a listener, its connections.
    /// An empty set (nothing selected) shows nothing rather than everything.
    void setSelectedEndpoints(const QSet<EndpointId> &endpoints);
    bool isFollowing() const { return m_following; }
    /// Starts keeping the newest record in sight (scrolling to it at once), or stops.
    void setFollowing(bool following);
    /// Puts the cursor in the search field with its text selected, ready to be typed over.
    void focusSearch();
    /// Shows only this endpoint's records ("Selected connection" with just this endpoint).
    void filterToEndpoint(EndpointId id);
    /// Journal sequence numbers of the selected rows, in the log's order.
    QList<quint64> selectedRecords() const;
    /// Adds an action at the end of the log's context menu (the window's export actions).
    void addContextAction(QAction *action);

Q_SIGNALS:
    /// Emitted when the log starts or stops following new records (setFollowing() or scrolling).
    void followingChanged(bool following);
    /// Emitted when another record becomes the current row; seq is its journal sequence number.
    void currentRecordChanged(quint64 seq);
    /// Emitted when no row is current any more.
    void currentRecordCleared();
    /// Emitted when the user asks to send an outgoing record's bytes again.
    void sendAgainRequested(const QByteArray &bytes);
    /// Emitted when the user asks to see a record's bytes in the detail pane's hex view.
    void showBytesRequested(quint64 seq);

private:
    void setUpMessagesAction();
    void setUpHexColumnAction();
    void setUpFilters();
    void buildLayout();
    void connectSignals();

    enum class CopyForm { LogLines, Hex, Raw };
    /// What the search field holds: text with escapes, hex bytes, or a regular expression.
    enum class SearchKind { Text, Hex, Pattern };

    void createRecordActions();
    void onCopyRowsActionTriggered();
    void onCopyHexActionTriggered();
    void onCopyRawActionTriggered();
    void onFilterToConnectionActionTriggered();
    void onSendAgainActionTriggered();
    void onShowBytesActionTriggered();
    void onMatchCaseButtonToggled();
    void updateRecordActions();
    void copyRows(CopyForm form) const;
    /// The current row's record with its payload; false when there is none.
    bool currentRecord(Record *record) const;
    void showSearchError(const QString &message, qsizetype position);
    void onConnectionFilterComboCurrentIndexChanged();
    void onDirectionFilterComboCurrentIndexChanged();
    void onSearchModeComboCurrentIndexChanged();
    void onSearchTimerTimeout();
    void onViewCurrentRowChanged(const QModelIndex &current);
    void onScrollBarRangeChanged(int minimum, int maximum);
    void onScrollBarValueChanged(int value);
    void applyConnectionFilter();
    void applySearch();
    /// Puts the model that fits the Messages choice and the scope in the view, and gives the
    /// message index the filters of the bar.
    void applyMessagesMode();
    void onWorkbenchRulesChanged(EndpointId id);
    void connectSelectionModel();
    void sizeColumns();
    void sizeTimeColumn();
    void setUpTimeOfDayAction();
    quint64 seqAtRow(int row) const;

    Workbench *m_workbench;
    TrafficModel *m_model;
    MessageLogModel *m_messageModel;
    QAction *m_messagesAction;
    QAction *m_hexColumnAction = nullptr;
    QAction *m_timeOfDayAction;
    bool m_timeDelta = false;
    QToolButton *m_messagesButton;
    QComboBox *m_connectionFilterCombo;
    QComboBox *m_directionFilterCombo;
    QLineEdit *m_searchEdit;
    QComboBox *m_searchModeCombo;
    QToolButton *m_matchCaseButton;
    QTableView *m_view;
    QLabel *m_droppedLabel; ///< what the journal's budget dropped; hidden until it drops something
    QAction *m_copyRowsAction = nullptr;
    QAction *m_copyHexAction = nullptr;
    QAction *m_copyRawAction = nullptr;
    QAction *m_filterToConnectionAction = nullptr;
    QAction *m_sendAgainAction = nullptr;
    QAction *m_showBytesAction = nullptr;
    QTimer m_searchTimer; ///< waits for a pause in typing before a search scans the whole journal
    QSet<EndpointId> m_selected;
    bool m_following = true;
};

} // namespace sockbench
