#pragma once

#include "journal/journal.h"

#include <QAbstractScrollArea>
#include <QCache>
#include <QSet>
#include <QTimer>

#include <vector>

namespace sockbench {

class JournalFeed;

/// Both directions of one connection interleaved in arrival order, inbound and outbound in two
/// colours, like a chat transcript. Keeps an index of display lines (a few bytes each) and reads
/// the payload bytes of the visible lines from the journal when painting, so many MiB of traffic
/// stay cheap. The index is built in slices from a zero timer, so selecting a connection with a
/// long history never freezes the window.
class ConversationView final : public QAbstractScrollArea {
    Q_OBJECT

public:
    explicit ConversationView(const Journal *journal, QWidget *parent = nullptr);
    ~ConversationView() override;
    Q_DISABLE_COPY_MOVE(ConversationView)

    /// Shows the traffic of these endpoints (usually one connection); empty shows nothing.
    void setEndpoints(const QSet<EndpointId> &endpoints);
    /// Takes in what the feed announces from now on, and catches up with what it announced before.
    void follow(const JournalFeed *feed);
    /// Takes in records [0, count).
    void appendUpTo(quint64 count);
    qsizetype lineCount() const { return qsizetype(m_lines.size()); }
    /// True while the line index is still being built in slices.
    bool isIndexing() const { return !m_endpoints.isEmpty() && m_scanned < m_target; }
    /// The text of one display line as painted (for tests and copy).
    QString lineText(qsizetype line) const;
    bool lineIsInbound(qsizetype line) const;

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    /// 16 bytes a line: a MiB of traffic costs about 170 KiB of index.
    struct Line {
        quint64 seq;
        quint32 offset; ///< for an evicted record: its length
        quint16 length;
        bool inbound;
        bool evicted;
    };
    static_assert(sizeof(Line) == 16);
    void scanSlice();
    void updateScrollBars();
    QByteArray payloadOf(quint64 seq) const;

    const Journal *m_journal;
    QSet<EndpointId> m_endpoints;
    std::vector<Line> m_lines;
    quint64 m_scanned = 0;
    quint64 m_target = 0;
    QTimer m_scanTimer;
    int m_lineHeight = 16;
    mutable QCache<quint64, QByteArray> m_payloads; ///< cost in bytes
};

} // namespace sockbench
