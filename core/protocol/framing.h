#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringView>

#include <functional>
#include <optional>

namespace sockbench {

// Framing: what one message is in a byte stream (user guide, "Framing"). The engine frames what it
// receives for response rules; the window and the command line frame the same recorded bytes the
// same way to show messages instead of read chunks. UDP needs none: each datagram is one message.

/// The largest message a Framer keeps, unless the spec says otherwise: a longer one is cut to this
/// size, the rest is skipped (never stored) and the cut is said in Message::cutBytes.
constexpr qsizetype DefaultMaxMessageBytes = 1024 * 1024;
/// The largest maximum a user may set (--max-message, a rules file's "max_message").
constexpr qsizetype MaxMessageBytesLimit = qsizetype(1) << 30;

struct FrameSpec {
    enum class Kind : quint8 {
        Raw,          ///< "raw": each read chunk as it came
        Delimiter,    ///< "line" (LF), "line:crlf", "delim:HEX": up to the delimiter bytes
        Fixed,        ///< "fixed:N": N bytes each
        LengthPrefix, ///< "len:1", "len:2be", "len:2le", "len:4be", "len:4le", optional "+incl"
        Idle,         ///< "idle:MS": a message ends after MS ms without bytes
    };
    Kind kind = Kind::Raw;
    QByteArray delimiter;        ///< Delimiter: one or more bytes
    qsizetype fixedSize = 0;     ///< Fixed: 1 or more
    int prefixBytes = 0;         ///< LengthPrefix: 1, 2 or 4
    bool bigEndian = true;       ///< LengthPrefix with 2 or 4 bytes
    bool includesHeader = false; ///< LengthPrefix: the length counts its own header ("+incl")
    int idleMs = 0;              ///< Idle: 1 or more
    qsizetype maxMessageBytes = DefaultMaxMessageBytes; ///< at least 1

    bool isRaw() const { return kind == Kind::Raw; }
    friend bool operator==(const FrameSpec &, const FrameSpec &) = default;
};

/// Reads a SPEC of `--frame` (case-insensitive keywords; see FrameSpec::Kind). On failure returns
/// nullopt and sets *error (if given) to a sentence naming what is wrong, e.g.
/// "fixed:0: the size must be at least 1".
std::optional<FrameSpec> parseFrameSpec(QStringView text, QString *error = nullptr);
/// The SPEC parseFrameSpec() reads back ("line", "line:crlf", "delim:0d0a03", "len:2be+incl"...);
/// maxMessageBytes is not part of it.
QString toString(const FrameSpec &spec);
/// The length header a reply needs to be one message of a LengthPrefix spec ("A length prefix that
/// matches the endpoint's framing"): empty for other kinds, or when payloadSize does not fit.
QByteArray lengthPrefixFor(const FrameSpec &spec, qsizetype payloadSize);

/// One message out of a Framer.
struct FramedMessage {
    /// The message without its delimiter or length header; at most maxMessageBytes. It points into
    /// the bytes pushed or the framer's own buffer: valid during the sink's call only, so a sink
    /// that keeps it copies it (toByteArray()). A small message inside one push is never copied.
    QByteArrayView payload;
    /// Bytes of this message that were skipped because it was longer than maxMessageBytes (0: whole).
    quint64 cutBytes = 0;
    /// The message ended because the stream did (flush()), not by its frame: a line without its
    /// delimiter, a partial fixed or length-prefixed message, an Idle message whose gap had not yet
    /// passed. For Idle the gap is the frame: a message that expire() or a later push() ends is whole.
    bool unterminated = false;
};

/// The journal's words for a message cut at its maximum: "Message cut at 1,048,576 bytes (the
/// maximum); 3,145,728 more bytes skipped". Empty for a whole message.
QString describeCut(const FramedMessage &message);

/// Splits a byte stream into messages by a FrameSpec, across any split into reads. Memory is
/// bounded by maxMessageBytes whatever arrives: a 4 GiB length prefix or a line that never ends is
/// cut at the maximum, its rest is counted and skipped, and framing goes on after it. A cut message
/// is delivered when its end arrives (its delimiter, its last counted byte, its idle gap).
///
/// LengthPrefix with "+incl": a length smaller than its own header cannot be honoured; it is taken
/// as an empty message (cutBytes 0) and the next header follows right after, so one bad header
/// costs one message, not the stream. flush() in the middle of a header delivers the header bytes
/// read so far as an unterminated message; after a whole header, the payload read so far (possibly
/// empty). Idle: a push() at or after the pending message's deadline ends that message first.
/// A spec parseFrameSpec() cannot produce (an empty delimiter, a size or gap below 1, a header of
/// other than 1, 2 or 4 bytes) frames as Raw; a maxMessageBytes below 1 counts as 1.
class Framer final {
public:
    using Sink = std::function<void(FramedMessage &&message)>;

    explicit Framer(FrameSpec spec = {});

    const FrameSpec &spec() const { return m_spec; }
    /// Feeds bytes that arrived at nowMs (any monotonic clock, used by Idle only); calls sink for
    /// each message they complete, in order. Raw: one message per call (none for an empty one).
    void push(QByteArrayView bytes, qint64 nowMs, const Sink &sink);
    /// Idle: when the message being collected ends (the last byte's time + idleMs); -1 when there is
    /// none, and always -1 for the other kinds.
    qint64 idleDeadlineMs() const;
    /// Idle: ends the message being collected if its deadline is at or before nowMs.
    void expire(qint64 nowMs, const Sink &sink);
    /// The stream ended: what is collected so far becomes an unterminated message (if any bytes).
    void flush(const Sink &sink);
    /// Bytes collected for the message in progress (not counting skipped ones).
    qsizetype pendingBytes() const;

private:
    void take(QByteArrayView bytes);
    /// Hands the collected message to sink.
    void deliver(const Sink &sink, bool unterminated);
    /// Hands a whole message that lies inside the pushed bytes to sink without copying it
    /// (nothing may be collected yet).
    void deliverInPlace(const Sink &sink, QByteArrayView whole);
    /// The state between messages (the collected bytes aside).
    void startNextMessage();
    bool inMessage() const { return !m_pending.isEmpty() || m_cut > 0; }
    void pushDelimited(QByteArrayView bytes, const Sink &sink);
    void pushCounted(QByteArrayView bytes, const Sink &sink);
    void headerComplete(const Sink &sink);

    FrameSpec m_spec;
    FrameSpec::Kind m_kind;    ///< m_spec.kind, or Raw if the spec is unusable
    qsizetype m_max;           ///< m_spec.maxMessageBytes, at least 1
    QByteArray m_pending;      ///< the first m_max bytes of the message being collected
    QByteArray m_delivered;    ///< the message being handed out: its buffer is reused for a next one
    quint64 m_cut = 0;         ///< bytes of the current message skipped past m_max
    quint64 m_expected = 0;    ///< LengthPrefix: payload bytes of the current message; Fixed: size
    bool m_haveHeader = false; ///< LengthPrefix: the header has been read
    QByteArray m_header;       ///< LengthPrefix: header bytes read so far
    QByteArray m_tail;         ///< Delimiter: last delimiter-1 bytes of the current message
    qint64 m_lastByteMs = -1;  ///< Idle
};

} // namespace sockbench
