#pragma once

#include "engine/endpoint.h"

#include <QSet>
#include <QWidget>

class QLabel;
class QTabWidget;

namespace sockbench {

class ConversationView;
class HexView;
class JournalFeed;
class Workbench;

/// The detail pane under the log: on one tab the current record's bytes (a line saying what the
/// record is, copy buttons, the hex view), on the other the conversation of the selected
/// connection, which follows the journal through the feed.
class DetailPane final : public QWidget {
    Q_OBJECT

public:
    DetailPane(Workbench *workbench, const JournalFeed *feed, QWidget *parent = nullptr);
    ~DetailPane() override;
    Q_DISABLE_COPY_MOVE(DetailPane)

    HexView *hexView() const { return m_hexView; }
    ConversationView *conversationView() const { return m_conversationView; }

    /// Shows the record with this sequence number; a payload the journal evicted is said to be gone.
    void showRecord(quint64 seq);
    /// Shows that no record is selected.
    void clearRecord();
    /// The conversation of these endpoints: the selected one and, for a listener, its connections.
    void setConversationEndpoints(const QSet<EndpointId> &endpoints);

private:
    Workbench *m_workbench;
    QTabWidget *m_tabs;
    QLabel *m_recordLabel;
    HexView *m_hexView;
    ConversationView *m_conversationView;
};

} // namespace sockbench
