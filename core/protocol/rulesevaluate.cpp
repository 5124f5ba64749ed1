#include "protocol/rules.h"

#include "language/numbers.h"
#include "language/payload.h"
#include "protocol/checksum.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>

// Rules at work: matching a message against each rule in order and building its reply. The rules
// themselves are read, checked and written in rules.cpp.

namespace sockbench {

namespace {

// "2026-11-30T09:12:03.123456Z"
void appendIsoTime(QByteArray *out, qint64 timeUs) {
    using namespace std::chrono;
    const sys_time<microseconds> time{microseconds(timeUs)};
    const sys_days day = floor<days>(time);
    const year_month_day date{day};
    const hh_mm_ss clock{time - day};
    char text[40];
    const int length = std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ",
                                     int(date.year()), unsigned(date.month()), unsigned(date.day()),
                                     int(clock.hours().count()), int(clock.minutes().count()),
                                     int(clock.seconds().count()), int(clock.subseconds().count()));
    out->append(text, length);
}

// The message as UTF-8 text, decoded on first use and at most once per message.
class DecodedMessage final {
public:
    explicit DecodedMessage(QByteArrayView message)
        : m_message(message) {}
    Q_DISABLE_COPY_MOVE(DecodedMessage)

    const QString &utf8() {
        if (!m_have) {
            m_text = QString::fromUtf8(m_message);
            m_have = true;
        }
        return m_text;
    }

private:
    QByteArrayView m_message;
    QString m_text;
    bool m_have = false;
};

bool hexMatches(const Rule &rule, QByteArrayView message) {
    const qsizetype n = rule.hexBytes.size();
    if (message.size() != n)
        return false;
    const char *bytes = rule.hexBytes.constData();
    const char *mask = rule.hexMask.constData();
    const char *data = message.data();
    for (qsizetype i = 0; i < n; ++i) {
        if ((data[i] & mask[i]) != bytes[i])
            return false;
    }
    return true;
}

bool textMatches(const Rule &rule, QByteArrayView message, DecodedMessage &decoded) {
    if (!rule.utf8) {
        const QByteArrayView text(rule.textLatin1);
        switch (rule.match) {
        case MatchKind::Equals:
            return message == text;
        case MatchKind::Contains:
            return message.contains(text);
        case MatchKind::Prefix:
            return message.startsWith(text);
        default:
            return false;
        }
    }
    const QString &subject = decoded.utf8();
    switch (rule.match) {
    case MatchKind::Equals:
        return subject == rule.text;
    case MatchKind::Contains:
        return subject.contains(rule.text);
    case MatchKind::Prefix:
        return subject.startsWith(rule.text);
    default:
        return false;
    }
}

// Into `reply`, whose capacity is kept (resize, not clear): a reused action allocates nothing.
void buildReply(const Rule &rule, QByteArrayView message, const MessageContext &context,
                const RulePattern::Captures *match, QByteArray &reply) {
    reply.resize(0);
    qsizetype estimate = 0;
    for (const ReplyPart &part : rule.reply)
        estimate += part.kind == ReplyPart::Kind::Bytes ? part.bytes.size() : 16;
    reply.reserve(estimate + 8);
    for (const ReplyPart &part : rule.reply) {
        switch (part.kind) {
        case ReplyPart::Kind::Bytes:
            reply.append(part.bytes);
            break;
        case ReplyPart::Kind::Capture:
            // The message's own bytes; a group that took no part in the match captures nothing.
            if (match)
                reply.append(match->group(part.capture));
            break;
        case ReplyPart::Kind::Seq:
            appendNumber(&reply, context.seq);
            break;
        case ReplyPart::Kind::Time:
            appendIsoTime(&reply, context.timeUs);
            break;
        case ReplyPart::Kind::Peer:
            reply.append(context.peer.toUtf8());
            break;
        case ReplyPart::Kind::Length:
            appendNumber(&reply, quint64(message.size()));
            break;
        case ReplyPart::Kind::Hex:
            appendHex(&reply, message);
            break;
        }
    }
}

} // namespace

void evaluateRules(const RuleSet &rules, QByteArrayView message, const MessageContext &context,
                   std::vector<RuleAction> *actions, std::vector<int> *gaveUp) {
    // The actions of the message before are reused in place, so that their replies' buffers are.
    size_t used = 0;
    DecodedMessage decoded(message);
    for (size_t index = 0; index < rules.rules.size(); ++index) {
        const Rule &rule = rules.rules[index];
        std::optional<RulePattern::Captures> match; // a regex rule's, when it matched
        bool matched = false;
        switch (rule.match) {
        case MatchKind::Any:
            matched = true;
            break;
        case MatchKind::Equals:
        case MatchKind::Contains:
        case MatchKind::Prefix:
            matched = textMatches(rule, message, decoded);
            break;
        case MatchKind::Regex: {
            RulePattern::Captures captures;
            switch (rule.regex.match(message, &captures)) {
            case RulePattern::Outcome::Match:
                match = std::move(captures);
                matched = true;
                break;
            case RulePattern::Outcome::GaveUp:
                if (gaveUp)
                    gaveUp->push_back(int(index));
                break;
            case RulePattern::Outcome::NoMatch:
                break;
            }
            break;
        }
        case MatchKind::Hex:
            matched = hexMatches(rule, message);
            break;
        }
        if (!matched)
            continue;

        if (used == actions->size())
            actions->emplace_back();
        RuleAction &action = (*actions)[used++];
        action.rule = int(index);
        action.delayMs = rule.delayMs;
        action.then = rule.then;
        action.sends = false;
        action.overflowBytes = 0;
        action.reply.resize(0);
        if (rule.hasReply) {
            action.sends = true;
            buildReply(rule, message, context, match ? &*match : nullptr, action.reply);
            if (rule.append)
                action.reply.append(checksumBytes(*rule.append, action.reply));
            if (rule.lengthPrefix) {
                const QByteArray header = lengthPrefixFor(rules.frame, action.reply.size());
                if (header.isEmpty()) {
                    // Too long for the header: sent without one it would derail the peer's framing.
                    action.sends = false;
                    action.overflowBytes = action.reply.size();
                    action.reply.clear();
                } else {
                    action.reply.prepend(header);
                }
            }
        }
        if (rule.then != RuleThen::Continue)
            break;
    }
    actions->resize(used);
}

RuleBook::RuleBook(RuleSet rules)
    : m_rules(std::move(rules))
    , m_hits(std::make_unique<std::atomic<quint64>[]>(m_rules.rules.size())) {}

std::vector<quint64> RuleBook::allHits() const {
    std::vector<quint64> hits(m_rules.rules.size());
    for (size_t i = 0; i < hits.size(); ++i)
        hits[i] = m_hits[i].load(std::memory_order_relaxed);
    return hits;
}

} // namespace sockbench
