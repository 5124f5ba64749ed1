#include "protocol/rules.h"

#include "language/hexdigits.h"
#include "language/jsonfile.h"
#include "language/payload.h"
#include "language/translate.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>
#include <QStringList>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace sockbench {

namespace {

constexpr qint64 MaxDelayMs = 3'600'000;

// The keys each object may have, in the order the error messages list them.
const QStringList &topKeys() {
    static const QStringList keys{QStringLiteral("frame"), QStringLiteral("max_message"),
                                  QStringLiteral("rules")};
    return keys;
}

const QStringList &ruleKeys() {
    static const QStringList keys{QStringLiteral("name"),          QStringLiteral("match"),
                                  QStringLiteral("reply"),         QStringLiteral("reply_hex"),
                                  QStringLiteral("delay_ms"),      QStringLiteral("append"),
                                  QStringLiteral("length_prefix"), QStringLiteral("then")};
    return keys;
}

struct MatchKey {
    QLatin1StringView key;
    MatchKind kind;
};

constexpr MatchKey MatchKeys[] = {
    {QLatin1StringView("text"), MatchKind::Equals},   {QLatin1StringView("contains"), MatchKind::Contains},
    {QLatin1StringView("prefix"), MatchKind::Prefix}, {QLatin1StringView("regex"), MatchKind::Regex},
    {QLatin1StringView("hex"), MatchKind::Hex},
};

QLatin1StringView matchKey(MatchKind kind) {
    for (const MatchKey &entry : MatchKeys) {
        if (entry.kind == kind)
            return entry.key;
    }
    return QLatin1StringView("any");
}

constexpr QLatin1StringView ThenNames[] = {QLatin1StringView("stop"), QLatin1StringView("continue"),
                                           QLatin1StringView("close"), QLatin1StringView("abort")};

struct Placeholder {
    QLatin1StringView name;
    ReplyPart::Kind kind;
};

constexpr Placeholder Placeholders[] = {
    {QLatin1StringView("seq"), ReplyPart::Kind::Seq},   {QLatin1StringView("time"), ReplyPart::Kind::Time},
    {QLatin1StringView("peer"), ReplyPart::Kind::Peer}, {QLatin1StringView("len"), ReplyPart::Kind::Length},
    {QLatin1StringView("hex"), ReplyPart::Kind::Hex},
};

// A character in an error message: quoted when it can be seen, by code point otherwise.
QString describeChar(QChar c) {
    if (c.isPrint() && !c.isSpace())
        return QStringLiteral("'%1'").arg(c);
    return QStringLiteral("U+%1").arg(c.unicode(), 4, 16, QLatin1Char('0')).toUpper();
}

// Text for a one-line summary: control characters shown as escapes so that a newline in a match or
// reply cannot break the line.
QString oneLine(const QString &text) {
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        switch (c.unicode()) {
        case u'\n':
            out += QLatin1StringView("\\n");
            break;
        case u'\r':
            out += QLatin1StringView("\\r");
            break;
        case u'\t':
            out += QLatin1StringView("\\t");
            break;
        default:
            if (c.unicode() < 0x20 || c.unicode() == 0x7F)
                out += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
            else
                out += c;
        }
    }
    return out;
}

QString unknownKey(const QString &where, const QString &key, const QStringList &known) {
    return QStringLiteral("%1%2: unknown key; expected one of %3")
        .arg(where.isEmpty() ? QString() : where + QLatin1Char('.'), key,
             known.join(QLatin1StringView(", ")));
}

QString checkKeys(const QJsonObject &object, const QString &where, const QStringList &known) {
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key()))
            return unknownKey(where, it.key(), known);
    }
    return {};
}

// "01 03 ?? ??": pairs of hex digits or "??", with optional white space between the pairs.
QString parseHexPattern(const QString &text, QByteArray *bytes, QByteArray *mask) {
    const qsizetype n = text.size();
    qsizetype i = 0;
    const auto isGap = [](QChar c) { return c == u' ' || c == u'\t' || c == u'\n' || c == u'\r'; };
    while (i < n) {
        const QChar first = text[i];
        if (isGap(first)) {
            ++i;
            continue;
        }
        const QChar second = i + 1 < n ? text[i + 1] : QChar();
        if (first == u'?') {
            if (second != u'?')
                return QStringLiteral("'?' alone: write ?? for any byte");
            bytes->append('\0');
            mask->append('\0');
            i += 2;
            continue;
        }
        const int high = hexValue(first.unicode());
        if (high < 0)
            return QStringLiteral("%1 is not a hex digit").arg(describeChar(first));
        if (i + 1 >= n || isGap(second)) {
            return QStringLiteral("%1 is a lone hex digit: write each byte as two digits, e.g. 0%2")
                .arg(describeChar(first), QString(first));
        }
        if (second == u'?')
            return QStringLiteral("'?' after a hex digit: ?? stands for a whole byte");
        const int low = hexValue(second.unicode());
        if (low < 0)
            return QStringLiteral("%1 is not a hex digit").arg(describeChar(second));
        bytes->append(char(high * 16 + low));
        mask->append(char(0xFF));
        i += 2;
    }
    if (bytes->isEmpty())
        return QStringLiteral("empty: write at least one byte, e.g. \"01 ??\"");
    return {};
}

QString hexPatternText(const QByteArray &bytes, const QByteArray &mask) {
    QString out;
    out.reserve(bytes.size() * 3);
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        if (i > 0)
            out += QLatin1Char(' ');
        if (mask[i] == 0) {
            out += QLatin1StringView("??");
        } else {
            out += QLatin1Char(HexDigits[quint8(bytes[i]) >> 4]);
            out += QLatin1Char(HexDigits[quint8(bytes[i]) & 15]);
        }
    }
    return out;
}

// Reads "match" into rule; returns an error or an empty string.
QString parseMatch(const QJsonValue &value, const QString &where, Rule *rule) {
    if (value.isUndefined())
        return where + QLatin1StringView(": missing");
    if (value.isString()) {
        if (value.toString() != QLatin1StringView("any")) {
            return QStringLiteral("%1: %2 is not \"any\" or an object such as {\"text\": \"QUIT\"}")
                .arg(where, inQuotes(value.toString()));
        }
        rule->match = MatchKind::Any;
        return {};
    }
    if (!value.isObject())
        return where + QLatin1StringView(": must be \"any\" or an object such as {\"text\": \"QUIT\"}");
    const QJsonObject object = value.toObject();
    QStringList known;
    for (const MatchKey &entry : MatchKeys)
        known << entry.key;
    known << QStringLiteral("utf8");
    if (QString error = checkKeys(object, where, known); !error.isEmpty())
        return error;

    const MatchKey *chosen = nullptr;
    for (const MatchKey &entry : MatchKeys) {
        if (!object.contains(entry.key))
            continue;
        if (chosen) {
            return QStringLiteral("%1: \"%2\" and \"%3\" cannot both be given")
                .arg(where, chosen->key, entry.key);
        }
        chosen = &entry;
    }
    if (!chosen) {
        return QStringLiteral("%1: needs one of %2")
            .arg(where, known.mid(0, known.size() - 1).join(QLatin1StringView(", ")));
    }
    const QString at = where + QLatin1Char('.') + chosen->key;
    const QJsonValue pattern = object.value(chosen->key);
    if (!pattern.isString())
        return at + QLatin1StringView(": must be a string");
    rule->match = chosen->kind;

    const QJsonValue utf8 = object.value(QLatin1StringView("utf8"));
    if (!utf8.isUndefined()) {
        if (!utf8.isBool())
            return where + QLatin1StringView(".utf8: must be true or false");
        rule->utf8 = utf8.toBool();
        if (rule->utf8 && rule->match == MatchKind::Hex)
            return where + QLatin1StringView(".utf8: a hex match compares bytes, it reads no text");
    }

    const QString text = pattern.toString();
    if (!rule->utf8 && rule->match != MatchKind::Hex && rule->match != MatchKind::Any) {
        // A Latin-1 message can only ever hold U+0000..U+00FF: anything else would never match,
        // silently. Comparing Latin-1 bytes is the same as comparing the decoded text.
        for (const QChar c : text) {
            if (c.unicode() > 0xFF) {
                return QStringLiteral(
                           "%1: %2 is not in Latin-1; add \"utf8\": true to read messages as UTF-8")
                    .arg(at, describeChar(c));
            }
        }
    }
    switch (rule->match) {
    case MatchKind::Any:
        break;
    case MatchKind::Equals:
    case MatchKind::Contains:
    case MatchKind::Prefix:
        rule->text = text;
        if (!rule->utf8)
            rule->textLatin1 = text.toLatin1();
        break;
    case MatchKind::Regex: {
        rule->text = text;
        QString error;
        qsizetype offset = 0;
        if (!rule->regex.compile(text, rule->utf8, &error, &offset))
            return QStringLiteral("%1: %2 at offset %3").arg(at, error).arg(offset);
        break;
    }
    case MatchKind::Hex:
        if (QString error = parseHexPattern(text, &rule->hexBytes, &rule->hexMask); !error.isEmpty())
            return at + QLatin1StringView(": ") + error;
        rule->text = hexPatternText(rule->hexBytes, rule->hexMask);
        break;
    }
    return {};
}

// Adds the literal piece source[from, to) of a reply as bytes.
QString addLiteral(const QString &source, qsizetype from, qsizetype to, const PayloadSpec &spec,
                   std::vector<ReplyPart> *parts) {
    if (to <= from)
        return {};
    const PayloadResult result = parsePayload(QStringView(source).mid(from, to - from), spec);
    if (!result.ok())
        return QStringLiteral("%1 at offset %2").arg(result.error).arg(from + result.errorPosition);
    if (result.bytes.isEmpty())
        return {};
    ReplyPart part;
    part.bytes = result.bytes;
    parts->push_back(std::move(part));
    return {};
}

QString addCapture(int capture, const Rule &rule, std::vector<ReplyPart> *parts) {
    if (rule.match != MatchKind::Regex)
        return QStringLiteral("\\%1 needs a regex match to capture from").arg(capture);
    const int groups = rule.regex.captureCount();
    if (capture > groups) {
        return QStringLiteral("\\%1 but the regex has %2 capture group%3")
            .arg(capture)
            .arg(groups)
            .arg(groups == 1 ? QString() : QStringLiteral("s"));
    }
    ReplyPart part;
    part.kind = ReplyPart::Kind::Capture;
    part.capture = capture;
    parts->push_back(std::move(part));
    return {};
}

// Splits a "reply" into literal pieces (payload language, UTF-8) and the \N and ${name} between them.
QString parseTextReply(const QString &source, const Rule &rule, std::vector<ReplyPart> *parts) {
    PayloadSpec spec;
    spec.mode = PayloadMode::Text;
    spec.encoding = TextEncoding::Utf8;
    spec.escapes = true;
    const qsizetype n = source.size();
    qsizetype literalStart = 0;
    qsizetype i = 0;
    while (i < n) {
        const QChar c = source[i];
        const QChar next = i + 1 < n ? source[i + 1] : QChar();
        if (c == u'\\') {
            if (next >= u'1' && next <= u'9') {
                if (QString error = addLiteral(source, literalStart, i, spec, parts); !error.isEmpty())
                    return error;
                if (QString error = addCapture(next.unicode() - u'0', rule, parts); !error.isEmpty())
                    return error;
                i += 2;
                literalStart = i;
                continue;
            }
            // Any other escape is taken whole, so that "\\1" stays a backslash and a '1' and "\0" a NUL.
            i += 2;
            continue;
        }
        if (c == u'$' && next == u'{') {
            const qsizetype close = source.indexOf(u'}', i + 2);
            if (close < 0) {
                return QStringLiteral("${ at offset %1 is not closed with }; write \\x24 for a literal $")
                    .arg(i);
            }
            const QStringView name = QStringView(source).mid(i + 2, close - i - 2);
            const Placeholder *found = nullptr;
            for (const Placeholder &placeholder : Placeholders) {
                if (name == placeholder.name)
                    found = &placeholder;
            }
            if (!found) {
                QStringList known;
                for (const Placeholder &placeholder : Placeholders)
                    known << QStringLiteral("${%1}").arg(placeholder.name);
                return QStringLiteral("unknown placeholder ${%1}; known are %2")
                    .arg(name.toString(), known.join(QLatin1StringView(", ")));
            }
            if (QString error = addLiteral(source, literalStart, i, spec, parts); !error.isEmpty())
                return error;
            ReplyPart part;
            part.kind = found->kind;
            parts->push_back(std::move(part));
            i = close + 1;
            literalStart = i;
            continue;
        }
        ++i;
    }
    return addLiteral(source, literalStart, n, spec, parts);
}

// Splits a "reply_hex" into hex pieces and the \N between them.
QString parseHexReply(const QString &source, const Rule &rule, std::vector<ReplyPart> *parts) {
    PayloadSpec spec;
    spec.mode = PayloadMode::Hex;
    const qsizetype n = source.size();
    qsizetype literalStart = 0;
    for (qsizetype i = 0; i + 1 < n; ++i) {
        const QChar next = source[i + 1];
        if (source[i] != u'\\' || next < u'1' || next > u'9')
            continue;
        if (QString error = addLiteral(source, literalStart, i, spec, parts); !error.isEmpty())
            return error;
        if (QString error = addCapture(next.unicode() - u'0', rule, parts); !error.isEmpty())
            return error;
        literalStart = i + 2;
        ++i;
    }
    return addLiteral(source, literalStart, n, spec, parts);
}

const char *thenName(RuleThen then) {
    switch (then) {
    case RuleThen::Stop:
        return "stop";
    case RuleThen::Continue:
        return "continue";
    case RuleThen::Close:
        return "close";
    case RuleThen::Abort:
        return "abort";
    }
    return "stop";
}

} // namespace

QString Rule::matchSummary() const {
    QString summary;
    switch (match) {
    case MatchKind::Any:
        return QStringLiteral("any");
    case MatchKind::Hex:
        return QStringLiteral("hex ") + text;
    case MatchKind::Equals:
    case MatchKind::Contains:
    case MatchKind::Prefix:
    case MatchKind::Regex:
        summary = matchKey(match) + QLatin1Char(' ') + inQuotes(oneLine(text));
        break;
    }
    if (utf8)
        summary += QLatin1StringView(" (UTF-8)");
    return summary;
}

QString Rule::actionSummary() const {
    QString summary;
    if (!hasReply)
        summary = QStringLiteral("no reply");
    else if (replyIsHex)
        summary = QStringLiteral("reply hex ") + oneLine(replySource);
    else
        summary = QStringLiteral("reply ") + inQuotes(oneLine(replySource));
    if (append)
        summary += QLatin1StringView(" + ") + toString(*append);
    if (lengthPrefix)
        summary += QLatin1StringView(" with length header");
    if (delayMs > 0)
        summary += QStringLiteral(" after %1 ms").arg(delayMs);
    if (then != RuleThen::Stop)
        summary += QLatin1StringView(", then ") + QLatin1StringView(thenName(then));
    return summary;
}

RuleParseResult parseRule(const QJsonObject &object, const QString &where, const FrameSpec &frame) {
    RuleParseResult result;
    Rule &rule = result.rule;
    const auto fail = [&](const QString &error) {
        result.rule = Rule();
        result.error = error;
        return result;
    };
    const auto at = [&](QLatin1StringView key) { return where + QLatin1Char('.') + key; };

    if (QString error = checkKeys(object, where, ruleKeys()); !error.isEmpty())
        return fail(error);

    if (const QJsonValue name = object.value(QLatin1StringView("name")); !name.isUndefined()) {
        if (!name.isString())
            return fail(at(QLatin1StringView("name")) + QLatin1StringView(": must be a string"));
        rule.name = name.toString();
    }

    if (QString error =
            parseMatch(object.value(QLatin1StringView("match")), at(QLatin1StringView("match")), &rule);
        !error.isEmpty()) {
        return fail(error);
    }

    const QJsonValue reply = object.value(QLatin1StringView("reply"));
    const QJsonValue replyHex = object.value(QLatin1StringView("reply_hex"));
    if (!reply.isUndefined() && !replyHex.isUndefined())
        return fail(where + QLatin1StringView(": \"reply\" and \"reply_hex\" cannot both be given"));
    if (!reply.isUndefined() || !replyHex.isUndefined()) {
        rule.replyIsHex = !replyHex.isUndefined();
        const QLatin1StringView key =
            rule.replyIsHex ? QLatin1StringView("reply_hex") : QLatin1StringView("reply");
        const QJsonValue value = rule.replyIsHex ? replyHex : reply;
        if (!value.isString())
            return fail(at(key) + QLatin1StringView(": must be a string"));
        rule.hasReply = true;
        rule.replySource = value.toString();
        const QString error = rule.replyIsHex ? parseHexReply(rule.replySource, rule, &rule.reply)
                                              : parseTextReply(rule.replySource, rule, &rule.reply);
        if (!error.isEmpty())
            return fail(at(key) + QLatin1StringView(": ") + error);
    }

    if (const QJsonValue delay = object.value(QLatin1StringView("delay_ms")); !delay.isUndefined()) {
        const std::optional<qint64> ms = jsonWholeNumber(delay, 0, MaxDelayMs);
        if (!ms) {
            return fail(at(QLatin1StringView("delay_ms")) +
                        QStringLiteral(": must be a whole number from 0 to %1").arg(MaxDelayMs));
        }
        rule.delayMs = int(*ms);
    }

    if (const QJsonValue append = object.value(QLatin1StringView("append")); !append.isUndefined()) {
        const QString key = at(QLatin1StringView("append"));
        if (!append.isString())
            return fail(key + QLatin1StringView(": must be a string"));
        if (!rule.hasReply)
            return fail(key + QLatin1StringView(": the rule has no reply to append to"));
        QString error;
        rule.append = parseChecksumSpec(append.toString(), &error);
        if (!rule.append)
            return fail(key + QLatin1StringView(": ") + error);
    }

    if (const QJsonValue prefix = object.value(QLatin1StringView("length_prefix")); !prefix.isUndefined()) {
        const QString key = at(QLatin1StringView("length_prefix"));
        if (!prefix.isBool())
            return fail(key + QLatin1StringView(": must be true or false"));
        rule.lengthPrefix = prefix.toBool();
        if (rule.lengthPrefix && frame.kind != FrameSpec::Kind::LengthPrefix) {
            return fail(
                QStringLiteral("%1: the frame %2 has no length header").arg(key, inQuotes(toString(frame))));
        }
        if (rule.lengthPrefix && !rule.hasReply)
            return fail(key + QLatin1StringView(": the rule has no reply to prefix"));
    }

    if (const QJsonValue then = object.value(QLatin1StringView("then")); !then.isUndefined()) {
        const QString key = at(QLatin1StringView("then"));
        const QString text = then.isString() ? then.toString() : QString();
        bool found = false;
        for (size_t i = 0; i < std::size(ThenNames); ++i) {
            if (then.isString() && text == ThenNames[i]) {
                rule.then = RuleThen(i);
                found = true;
            }
        }
        if (!found) {
            QStringList names;
            for (const QLatin1StringView name : ThenNames)
                names << name;
            const QString what = then.isString() ? inQuotes(text) : QStringLiteral("the value");
            return fail(QStringLiteral("%1: %2 is not one of %3")
                            .arg(key, what, names.join(QLatin1StringView(", "))));
        }
    }
    return result;
}

RulesParseResult parseRules(const QByteArray &json, const RulesOverrides &overrides) {
    const auto fail = [&](const QString &error) { return RulesParseResult{RuleSet(), error}; };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // The offset is in bytes; editors count lines and characters from 1.
        const qsizetype offset = std::clamp<qsizetype>(parseError.offset, 0, json.size());
        int line = 1;
        int column = 1;
        for (qsizetype i = 0; i < offset; ++i) {
            const quint8 byte = quint8(json[i]);
            if (byte == '\n') {
                ++line;
                column = 1;
            } else if ((byte & 0xC0) != 0x80) { // UTF-8 continuation bytes are part of one character
                ++column;
            }
        }
        return fail(
            QStringLiteral("line %1, column %2: %3").arg(line).arg(column).arg(parseError.errorString()));
    }
    if (!document.isObject())
        return fail(QStringLiteral("the file must be a JSON object: {\"rules\": [...]}"));
    return parseRules(document.object(), overrides);
}

RulesParseResult parseRules(const QJsonObject &top, const RulesOverrides &overrides) {
    RulesParseResult result;
    const auto fail = [&](const QString &error) {
        result.rules = RuleSet();
        result.error = error;
        return result;
    };
    if (QString error = checkKeys(top, QString(), topKeys()); !error.isEmpty())
        return fail(error);

    if (overrides.frame) {
        result.rules.frame = *overrides.frame;
        result.rules.frame.maxMessageBytes = DefaultMaxMessageBytes;
    } else if (const QJsonValue frame = top.value(QLatin1StringView("frame")); !frame.isUndefined()) {
        if (!frame.isString())
            return fail(QStringLiteral("frame: must be a string such as \"line\""));
        QString error;
        const std::optional<FrameSpec> spec = parseFrameSpec(frame.toString(), &error);
        if (!spec)
            return fail(QStringLiteral("frame: ") + error);
        result.rules.frame = *spec;
    }
    if (overrides.maxMessage) {
        result.rules.frame.maxMessageBytes = qsizetype(*overrides.maxMessage);
    } else if (const QJsonValue max = top.value(QLatin1StringView("max_message")); !max.isUndefined()) {
        const std::optional<qint64> bytes = jsonWholeNumber(max, 1, MaxMessageBytesLimit);
        if (!bytes)
            return fail(QStringLiteral("max_message: must be a whole number of bytes from 1 to %1")
                            .arg(MaxMessageBytesLimit));
        result.rules.frame.maxMessageBytes = qsizetype(*bytes);
    }

    const QJsonValue rules = top.value(QLatin1StringView("rules"));
    if (rules.isUndefined())
        return fail(QStringLiteral("rules: missing"));
    if (!rules.isArray())
        return fail(QStringLiteral("rules: must be an array of rules"));
    const QJsonArray array = rules.toArray();
    result.rules.rules.reserve(size_t(array.size()));
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString where = QStringLiteral("rules[%1]").arg(i);
        const QJsonValue value = array.at(i);
        if (!value.isObject())
            return fail(where + QLatin1StringView(": must be an object"));
        RuleParseResult rule = parseRule(value.toObject(), where, result.rules.frame);
        if (!rule.ok())
            return fail(rule.error);
        result.rules.rules.push_back(std::move(rule.rule));
    }
    return result;
}

QJsonObject ruleToJson(const Rule &rule) {
    QJsonObject object;
    if (!rule.name.isEmpty())
        object.insert(QLatin1StringView("name"), rule.name);
    if (rule.match == MatchKind::Any) {
        object.insert(QLatin1StringView("match"), QStringLiteral("any"));
    } else {
        QJsonObject match;
        const QString text =
            rule.match == MatchKind::Hex ? hexPatternText(rule.hexBytes, rule.hexMask) : rule.text;
        match.insert(matchKey(rule.match), text);
        if (rule.utf8)
            match.insert(QLatin1StringView("utf8"), true);
        object.insert(QLatin1StringView("match"), match);
    }
    if (rule.hasReply) {
        object.insert(rule.replyIsHex ? QLatin1StringView("reply_hex") : QLatin1StringView("reply"),
                      rule.replySource);
    }
    if (rule.delayMs != 0)
        object.insert(QLatin1StringView("delay_ms"), rule.delayMs);
    if (rule.append)
        object.insert(QLatin1StringView("append"), toString(*rule.append));
    if (rule.lengthPrefix)
        object.insert(QLatin1StringView("length_prefix"), true);
    if (rule.then != RuleThen::Stop)
        object.insert(QLatin1StringView("then"), QLatin1StringView(thenName(rule.then)));
    return object;
}

QByteArray serializeRules(const RuleSet &rules) {
    QJsonObject top;
    if (!rules.frame.isRaw())
        top.insert(QLatin1StringView("frame"), toString(rules.frame));
    if (rules.frame.maxMessageBytes != DefaultMaxMessageBytes)
        top.insert(QLatin1StringView("max_message"), qint64(rules.frame.maxMessageBytes));
    QJsonArray array;
    for (const Rule &rule : rules.rules)
        array.append(ruleToJson(rule));
    top.insert(QLatin1StringView("rules"), array);
    return QJsonDocument(top).toJson(QJsonDocument::Indented);
}

} // namespace sockbench
