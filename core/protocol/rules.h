#pragma once

#include "protocol/checksum.h"
#include "protocol/framing.h"
#include "protocol/rulepattern.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

namespace sockbench {

// Response rules (user guide, "Response rules"): an ordered list that a listener, UDP socket or
// connection runs over each message it receives, in the engine, answering by itself. A rules file
// is JSON:
//
//   {"frame": "line",
//    "rules": [{"match": {"regex": "^PING (\\d+)$"}, "reply": "PONG \\1\\n"},
//              {"match": {"text": "QUIT"}, "reply": "bye\\n", "then": "close"},
//              {"match": {"hex": "01 03 ?? ??"}, "reply_hex": "01 03 02 00 2a", "append": "crc16-modbus"},
//              {"match": "any", "reply": "ERR\\n", "delay_ms": 50}]}
//
// Top-level keys: "frame" (a --frame SPEC, default "raw"), "max_message" (bytes, default
// DefaultMaxMessageBytes), "rules" (required). Rule keys: "name" (optional label), "match"
// (required: "any" or an object with exactly one of "text" (equals), "contains", "prefix", "regex",
// "hex"; plus "utf8": true to read the message as UTF-8 instead of Latin-1 for the text kinds and
// regex), "reply" (payload language text with escapes) or "reply_hex" (hex bytes), neither for no
// reply, "delay_ms" (0-3,600,000), "append" (a checksum name), "length_prefix" (true: prepend the
// frame's length header), "then" ("stop" default, "continue", "close", "abort"). Unknown keys are
// errors. In "reply", \1 ... \9 insert a regex capture's bytes, and ${seq}, ${time}, ${peer},
// ${len} and ${hex} the matched message's details; "reply_hex" takes hex digits and \1 ... \9.

enum class MatchKind : quint8 { Any, Equals, Contains, Prefix, Regex, Hex };
enum class RuleThen : quint8 { Stop, Continue, Close, Abort };

/// One piece of a reply: literal bytes, or a value filled in when the rule fires.
struct ReplyPart {
    enum class Kind : quint8 { Bytes, Capture, Seq, Time, Peer, Length, Hex };
    Kind kind = Kind::Bytes;
    QByteArray bytes; ///< Bytes
    int capture = 0;  ///< Capture: 1-9
};

/// One rule as parseRule() makes it: the fields marked "derived" are filled in from the others
/// there, once, so that evaluateRules() does no parsing per message. Build rules with parseRule(),
/// not by hand.
struct Rule {
    QString name;
    MatchKind match = MatchKind::Any;
    /// Equals/Contains/Prefix: as written; Regex: the pattern; Hex: normalised ("01 03 ?? ??")
    QString text;
    bool utf8 = false;            ///< read the message as UTF-8 (else Latin-1, so every byte can match)
    QByteArray textLatin1;        ///< derived: Equals/Contains/Prefix without utf8, text as Latin-1 bytes
    RulePattern regex;            ///< Regex, compiled once (PCRE2)
    QByteArray hexBytes;          ///< Hex: the bytes to match, with 0 where the mask is 0
    QByteArray hexMask;           ///< Hex: 0xFF for a fixed byte, 0 for "??"; same length as hexBytes
    bool hasReply = false;        ///< false: the rule sends nothing (it may still close or abort)
    bool replyIsHex = false;      ///< written as "reply_hex"
    QString replySource;          ///< the reply as written, for editors and serialisation
    std::vector<ReplyPart> reply; ///< derived from replySource
    int delayMs = 0;
    std::optional<ChecksumSpec> append;
    bool lengthPrefix = false;
    RuleThen then = RuleThen::Stop;

    /// One line for tables and logs: `regex "^PING (\d+)$"`, `hex 01 03 ?? ??`, `any`.
    QString matchSummary() const;
    /// One line: `reply "PONG \1\n" + crc16-modbus, then close`, `no reply, then abort`.
    QString actionSummary() const;
};

struct RuleSet {
    FrameSpec frame;
    std::vector<Rule> rules;
};

struct RulesParseResult {
    RuleSet rules;
    /// Empty when valid; else one message naming where, e.g. `rules[2].match.hex: 'G' is not a
    /// hex digit`, or the line and column of a JSON syntax error.
    QString error;
    bool ok() const { return error.isEmpty(); }
};

/// What one use of a rules file puts in place of its own "frame" and "max_message" (the command
/// line's --frame and --max-message): the file's are then neither read nor checked, and its rules
/// are checked against the frame really used (a length_prefix needs a len: frame).
struct RulesOverrides {
    std::optional<FrameSpec> frame; ///< its kind only; the maximum comes from maxMessage or the file
    std::optional<qint64> maxMessage;
};

/// A rules file's text (a file: rulesfile.h's readRulesFile()).
RulesParseResult parseRules(const QByteArray &json, const RulesOverrides &overrides = {});
/// A rules file's object, e.g. as a session file holds it under "rules".
RulesParseResult parseRules(const QJsonObject &top, const RulesOverrides &overrides = {});
/// Indented JSON that parseRules() reads back to the same rules (keys as the user wrote them).
QByteArray serializeRules(const RuleSet &rules);
struct RuleParseResult {
    Rule rule;
    QString error; ///< as RulesParseResult::error
    bool ok() const { return error.isEmpty(); }
};
/// One rule from its JSON object (as parseRules reads each), for editors that edit rule by rule;
/// errors are prefixed with `where` (e.g. "rules[2]"). frame is the set's, for "length_prefix".
RuleParseResult parseRule(const QJsonObject &object, const QString &where, const FrameSpec &frame);
QJsonObject ruleToJson(const Rule &rule);

/// Details of the message a rule sees, for ${...}.
struct MessageContext {
    quint64 seq = 0;   ///< ${seq}: 1 for the endpoint's first message, then counting
    qint64 timeUs = 0; ///< ${time}: arrival, microseconds since the Unix epoch (ISO 8601 in replies)
    QString peer;      ///< ${peer}: "127.0.0.1:5000"
};

/// What one fired rule does.
struct RuleAction {
    int rule = -1;      ///< index in RuleSet::rules
    QByteArray reply;   ///< the bytes to send (may be empty: nothing to send)
    bool sends = false; ///< hasReply: send `reply`, even if empty
    /// The reply was too long for the frame's length header, so it is not sent (`sends` false):
    /// without a header that fits it would derail the peer's framing. Said in the journal.
    qsizetype overflowBytes = 0;
    int delayMs = 0;
    RuleThen then = RuleThen::Stop;
};

/// Runs the rules over one message (without its delimiter or header) in order: each rule that
/// matches adds an action; "continue" goes on to the next rule, anything else ends the list. No
/// match: empty. A regex rule whose match ran out of its budget (RulePattern::MatchLimit) counts
/// as no match and is added to *gaveUp, when given.
/// The engine's form: the actions replace *actions (whose capacity is kept from one message to
/// the next, so that a hot responder allocates no list per message).
void evaluateRules(const RuleSet &rules, QByteArrayView message, const MessageContext &context,
                   std::vector<RuleAction> *actions, std::vector<int> *gaveUp = nullptr);
inline std::vector<RuleAction> evaluateRules(const RuleSet &rules, QByteArrayView message,
                                             const MessageContext &context,
                                             std::vector<int> *gaveUp = nullptr) {
    std::vector<RuleAction> actions;
    evaluateRules(rules, message, context, &actions, gaveUp);
    return actions;
}

/// A rule set as the engine runs it: immutable rules plus live hit counters, shared by a listener
/// and every connection it accepts (so hits count across clients). Any thread may read hits.
class RuleBook final {
public:
    explicit RuleBook(RuleSet rules);
    Q_DISABLE_COPY_MOVE(RuleBook)

    const RuleSet &rules() const { return m_rules; }
    void countHit(int rule) { m_hits[size_t(rule)].fetch_add(1, std::memory_order_relaxed); }
    quint64 hits(int rule) const { return m_hits[size_t(rule)].load(std::memory_order_relaxed); }
    std::vector<quint64> allHits() const;

private:
    const RuleSet m_rules;
    std::unique_ptr<std::atomic<quint64>[]> m_hits;
};

} // namespace sockbench
