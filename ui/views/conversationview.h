#pragma once

#include "journal/journal.h"
#include "models/journalfollower.h"
#include "protocol/framing.h"

#include <QAbstractScrollArea>
#include <QCache>
#include <QHash>
#include <QSet>

#include <functional>
#include <vector>

namespace sockbench {

class JournalFeed;
class MessageIndex;

/// Both directions of one connection interleaved in arrival order, inbound and outbound in two
/// colours, like a chat transcript. The index holds one entry per block of records (up to 64 KiB
/// of payload or 4096 journal records), not one per display line: 25 million two-byte lines cost a
/// few thousand entries. A block's lines are split again from the journal when they come into
/// sight; a line's position is a prefix sum over the blocks, so scrolling stays exact. The index is
/// built in slices (a JournalFollower), so selecting a connection with a long history never freezes
/// the window.
///
/// A relayed connection is one conversation of two legs: given each leg's side (setEndpoints()'s
/// legs), every line says which way it went (client → relay, relay → target, relay ← target,
/// client ← relay), and the legs' events (what a fault did, a leg's end) are lines at their place.
///
/// A connection whose framing is not raw is shown by message instead: one line per message (its
/// payload without delimiter or header, escaped, cut at the view's width), from a MessageIndex.
class ConversationView final : public QAbstractScrollArea, private JournalReader {
    Q_OBJECT

public:
    explicit ConversationView(const Journal *journal, QWidget *parent = nullptr);
    ~ConversationView() override;
    Q_DISABLE_COPY_MOVE(ConversationView)

    /// Which side of a relay an endpoint is: the client leg (a UDP relay's own socket, which talks
    /// to the clients) or the target leg (a UDP relay's socket to the target).
    enum class Leg : quint8 { Client, Target };

    /// Shows the traffic of these endpoints (usually one connection); empty shows nothing. With
    /// legs, the endpoints are relay legs shown as one conversation, events included; an endpoint
    /// in peers shows only the datagrams from or to that address, and none of its events (a UDP
    /// relay's socket serves every client, its socket to the target one).
    void setEndpoints(const QSet<EndpointId> &endpoints, const QHash<EndpointId, Leg> &legs = {},
                      const QHash<EndpointId, NetAddress> &peers = {});
    /// Whether the view opens at the end of what it shows and keeps the newest lines in sight as
    /// they come (a live connection: the default), or opens at the first line (a finished one, a
    /// stream read from a capture). Either way, scrolled to the end it follows the end. Set before
    /// setEndpoints(); takes effect when the view starts over.
    void setOpensAtEnd(bool atEnd) { m_opensAtEnd = atEnd; }
    /// How an endpoint is framed; when any shown endpoint's framing is not raw, lines are messages.
    void setFrameLookup(std::function<FrameSpec(EndpointId)> lookup);
    /// An endpoint's framing changed (Workbench::rulesChanged): shown again if it is one of ours.
    void onFramingChanged(EndpointId id);
    /// True while lines are messages (see setFrameLookup()).
    bool showsMessages() const { return m_messageMode; }
    /// Takes in what the feed announces from now on, and catches up with what it announced before.
    void follow(const JournalFeed *feed);
    /// Takes in records [origin, count).
    void appendUpTo(quint64 count);
    /// Clear log: records before origin are left out from now on (the feed's cleared()).
    void clearBefore(quint64 origin);
    qsizetype lineCount() const;
    /// True while the line index is still being built in slices.
    bool isIndexing() const;
    /// The text of one display line as painted (for tests and copy).
    QString lineText(qsizetype line) const;
    bool lineIsInbound(qsizetype line) const;
    /// True when the line is an event of a relay leg (only shown for relay legs).
    bool lineIsEvent(qsizetype line) const;
    /// Which way a relay leg's line went ("client → relay", "relay → target", "relay ← target",
    /// "client ← relay"), or whose event it is ("client leg", "target leg"); empty for other lines.
    QString lineSide(qsizetype line) const;
    /// The sentence painted when there are no lines (empty while lines are shown), as last painted.
    QString placeholderShown() const { return m_placeholderShown; }

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    bool event(QEvent *event) override;

private:
    /// Whether the view follows new lines: it is at the end, and there is more than a screen, or
    /// it opened at the end (while everything fits, the view is at its start and its end at once).
    bool followsEnd() const;
    /// One display line of an expanded block.
    struct Line {
        quint64 seq;
        quint32 offset; ///< for an evicted record: its length
        quint16 length;
        bool inbound;
        bool evicted;
        RecordKind kind = RecordKind::DataIn;
        EndpointId endpoint = 0;
    };
    /// Records [firstSeq, endSeq) of the journal and the display lines their matching records make.
    struct Block {
        quint64 firstSeq;
        quint64 endSeq;
        quint64 firstLine; ///< prefix sum: the lines of every block before this one
        quint32 lines;
        quint32 payloadBytes;
    };
    using Lines = std::vector<Line>;
    /// Calls sink(offset, length) for each display line of a payload.
    template <typename Sink> static void splitLines(QByteArrayView bytes, Sink &&sink);
    const Line *lineAt(qsizetype line) const;
    /// True when this record (a header) makes lines: traffic of a shown endpoint (from or to its
    /// peer filter's address, if any), or a relay leg's event.
    bool shows(const Record &header) const;
    QString sideText(EndpointId endpoint, RecordKind kind) const;
    const Lines &linesOf(size_t block) const;
    void updateScrollBars();
    QByteArray payloadOf(quint64 seq) const;
    /// Picks chunk or message lines for m_endpoints and starts indexing them.
    void updateMode();
    void onMessagesGrew();

    // JournalReader: a record is lines of the conversation (an event, one line).
    bool readsRecords() const override { return !m_endpoints.isEmpty() && !m_messageMode; }
    void droppedBefore(quint64 seq) override;
    qint64 readRecord(const Record &header) override;
    void sliceEnded(bool caughtUp) override;
    void restarted() override;

    const Journal *m_journal;
    QSet<EndpointId> m_endpoints;
    QHash<EndpointId, Leg> m_legs;
    QHash<EndpointId, NetAddress> m_peers;
    std::vector<Block> m_blocks;
    quint64 m_lineCount = 0;
    quint64 m_linesShown = 0; ///< lines the scroll bars know of
    int m_lineHeight = 16;
    QString m_placeholderShown;
    mutable QCache<quint64, QByteArray> m_payloads; ///< cost in bytes
    /// The few blocks in sight, split into lines, most recently used last.
    mutable std::vector<std::pair<size_t, Lines>> m_expanded;
    std::function<FrameSpec(EndpointId)> m_frameLookup;
    MessageIndex *m_messages;
    bool m_messageMode = false;
    bool m_opensAtEnd = true;
    mutable QCache<qsizetype, QString> m_messageTexts; ///< lines of messages in sight
    JournalFollower m_follower;
};

} // namespace sockbench
