#include "protocol/rules.h"
#include "testmain.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace sockbench;

namespace {

// The example file of the issue, byte for byte.
const QByteArray ExampleFile =
    R"({"frame": "line", "rules": [{"match": {"regex": "^PING (\\d+)$"}, "reply": "PONG \\1\\n"}, {"match": {"text": "QUIT"}, "reply": "bye\\n", "then": "close"}, {"match": {"hex": "01 03 ?? ??"}, "reply_hex": "01 03 02 00 2a", "append": "crc16-modbus"}, {"match": "any", "reply": "ERR\\n", "delay_ms": 50}]})";

// Bytes written as hex in the test data, decoded by Qt rather than by the code under test.
// A rules file from rule objects, so that the tests need no second layer of JSON escaping.
QByteArray file(const QJsonArray &rules, const QString &frame = QString()) {
    QJsonObject top{{QStringLiteral("rules"), rules}};
    if (!frame.isEmpty())
        top.insert(QStringLiteral("frame"), frame);
    return QJsonDocument(top).toJson(QJsonDocument::Compact);
}

RuleSet load(const QJsonArray &rules, const QString &frame = QString()) {
    const RulesParseResult result = parseRules(file(rules, frame));
    if (!result.ok())
        qWarning("unexpected error: %s", qPrintable(result.error));
    return result.rules;
}

QJsonObject textMatch(const char *key, const QString &value, bool utf8 = false) {
    QJsonObject match{{QLatin1StringView(key), value}};
    if (utf8)
        match.insert(QStringLiteral("utf8"), true);
    return match;
}

QJsonObject rule(const QJsonValue &match, const QString &reply) {
    return QJsonObject{{QStringLiteral("match"), match}, {QStringLiteral("reply"), reply}};
}

MessageContext context(quint64 seq = 1) {
    MessageContext c;
    c.seq = seq;
    c.timeUs = 0;
    c.peer = QStringLiteral("127.0.0.1:5000");
    return c;
}

// What the rules send for one message, the replies joined by '|'; "-" when no rule matched.
QByteArray replies(const RuleSet &rules, QByteArrayView message, const MessageContext &c = context()) {
    const std::vector<RuleAction> actions = evaluateRules(rules, message, c);
    if (actions.empty())
        return "-";
    QByteArrayList parts;
    for (const RuleAction &action : actions)
        parts << (action.sends ? action.reply : QByteArray("(none)"));
    return parts.join('|');
}

} // namespace

class TestRules final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void exampleFileParses();
    void exampleFileAnswers();
    void matchKinds_data();
    void matchKinds();
    void hexWildcards();
    void latin1HighBytes();
    void regexOverHighBytes();
    void utf8Option();
    void utf8RegexOverBadBytes();
    void hostileLineGivesUp();
    void nestedQuantifiersWarned_data();
    void nestedQuantifiersWarned();
    void placeholders();
    void timeFormat();
    void captures();
    void escapesNextToCaptures();
    void replyHexWithCaptures();
    void continueChains();
    void thenValues();
    void appendChecksum();
    void lengthPrefix();
    void lengthPrefixTooLong();
    void maxMessage();
    void invalidFiles_data();
    void invalidFiles();
    void invalidFromOtherParsers();
    void jsonSyntaxPosition();
    void parseRuleAlone();
    void roundTrip_data();
    void roundTrip();
    void serializeWritesOnlyWhatIsSet();
    void summaries();
    void ruleBookCountsHits();
    void pingPongSpeed();
};

void TestRules::exampleFileParses() {
    const RulesParseResult result = parseRules(ExampleFile);
    QVERIFY2(result.ok(), qPrintable(result.error));
    const RuleSet &set = result.rules;
    QCOMPARE(set.frame.kind, FrameSpec::Kind::Delimiter);
    QCOMPARE(set.frame.delimiter, QByteArray("\n"));
    QCOMPARE(set.frame.maxMessageBytes, DefaultMaxMessageBytes);
    QCOMPARE(set.rules.size(), size_t(4));

    const Rule &ping = set.rules[0];
    QCOMPARE(ping.match, MatchKind::Regex);
    QCOMPARE(ping.text, QStringLiteral("^PING (\\d+)$"));
    QVERIFY(ping.regex.isValid());
    QVERIFY(ping.hasReply);
    QVERIFY(!ping.replyIsHex);
    QCOMPARE(ping.replySource, QStringLiteral("PONG \\1\\n"));
    QCOMPARE(ping.reply.size(), size_t(3));
    QCOMPARE(ping.reply[0].kind, ReplyPart::Kind::Bytes);
    QCOMPARE(ping.reply[0].bytes, QByteArray("PONG "));
    QCOMPARE(ping.reply[1].kind, ReplyPart::Kind::Capture);
    QCOMPARE(ping.reply[1].capture, 1);
    QCOMPARE(ping.reply[2].bytes, QByteArray("\n"));
    QCOMPARE(ping.then, RuleThen::Stop);

    const Rule &quit = set.rules[1];
    QCOMPARE(quit.match, MatchKind::Equals);
    QCOMPARE(quit.text, QStringLiteral("QUIT"));
    QCOMPARE(quit.replySource, QStringLiteral("bye\\n"));
    QCOMPARE(quit.then, RuleThen::Close);

    const Rule &modbus = set.rules[2];
    QCOMPARE(modbus.match, MatchKind::Hex);
    QCOMPARE(modbus.hexBytes, QByteArray::fromHex("01030000"));
    QCOMPARE(modbus.hexMask, QByteArray::fromHex("ffff0000"));
    QVERIFY(modbus.replyIsHex);
    QVERIFY(modbus.append == ChecksumSpec{});
    QCOMPARE(modbus.append->kind, ChecksumKind::Crc16Modbus);

    const Rule &fallback = set.rules[3];
    QCOMPARE(fallback.match, MatchKind::Any);
    QCOMPARE(fallback.delayMs, 50);
    QVERIFY(!fallback.lengthPrefix);
}

void TestRules::exampleFileAnswers() {
    const RuleSet set = parseRules(ExampleFile).rules;
    std::vector<RuleAction> actions = evaluateRules(set, "PING 42", context());
    QCOMPARE(actions.size(), size_t(1));
    QCOMPARE(actions[0].rule, 0);
    QVERIFY(actions[0].sends);
    QCOMPARE(actions[0].reply, QByteArray("PONG 42\n"));
    QCOMPARE(actions[0].then, RuleThen::Stop);
    QCOMPARE(actions[0].delayMs, 0);

    actions = evaluateRules(set, "QUIT", context());
    QCOMPARE(actions.size(), size_t(1));
    QCOMPARE(actions[0].rule, 1);
    QCOMPARE(actions[0].reply, QByteArray("bye\n"));
    QCOMPARE(actions[0].then, RuleThen::Close);

    // Modbus "read holding registers" of any address: the answer and its CRC, low byte first.
    actions = evaluateRules(set, QByteArray::fromHex("0103fe10"), context());
    QCOMPARE(actions.size(), size_t(1));
    QCOMPARE(actions[0].rule, 2);
    QCOMPARE(actions[0].reply, QByteArray::fromHex("010302002a399b"));

    actions = evaluateRules(set, "PING x", context());
    QCOMPARE(actions.size(), size_t(1));
    QCOMPARE(actions[0].rule, 3);
    QCOMPARE(actions[0].reply, QByteArray("ERR\n"));
    QCOMPARE(actions[0].delayMs, 50);
}

void TestRules::matchKinds_data() {
    QTest::addColumn<QJsonValue>("match");
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<bool>("matches");

    const auto add = [](const char *name, const QJsonValue &match, const QByteArray &message, bool matches) {
        QTest::newRow(name) << match << message << matches;
    };
    add("any", QStringLiteral("any"), "whatever", true);
    add("any empty", QStringLiteral("any"), "", true);
    add("text equal", textMatch("text", QStringLiteral("QUIT")), "QUIT", true);
    add("text longer", textMatch("text", QStringLiteral("QUIT")), "QUIT!", false);
    add("text case", textMatch("text", QStringLiteral("QUIT")), "quit", false);
    add("text empty", textMatch("text", QString()), "", true);
    add("contains middle", textMatch("contains", QStringLiteral("ERR")), "an ERR here", true);
    add("contains absent", textMatch("contains", QStringLiteral("ERR")), "an err here", false);
    add("prefix", textMatch("prefix", QStringLiteral("GET ")), "GET /index", true);
    add("prefix elsewhere", textMatch("prefix", QStringLiteral("GET ")), "A GET /index", false);
    add("regex search", textMatch("regex", QStringLiteral("\\d{3}")), "code 404 here", true);
    add("regex anchored", textMatch("regex", QStringLiteral("^\\d{3}$")), "code 404", false);
    add("hex", textMatch("hex", QStringLiteral("de ad")), QByteArray::fromHex("dead"), true);
    add("hex differs", textMatch("hex", QStringLiteral("de ad")), QByteArray::fromHex("deaf"), false);
    add("text with NUL", textMatch("text", QString(QLatin1StringView("a\0b", 3))), QByteArray("a\0b", 3),
        true);
}

void TestRules::matchKinds() {
    QFETCH(QJsonValue, match);
    QFETCH(QByteArray, message);
    QFETCH(bool, matches);
    const RuleSet set = load({rule(match, QStringLiteral("yes"))});
    QCOMPARE(set.rules.size(), size_t(1));
    QCOMPARE(replies(set, message), matches ? QByteArray("yes") : QByteArray("-"));
}

void TestRules::hexWildcards() {
    const RuleSet set = load({rule(textMatch("hex", QStringLiteral("01??  03?? ")), QStringLiteral("hit"))});
    QCOMPARE(set.rules[0].text, QStringLiteral("01 ?? 03 ??"));
    QCOMPARE(replies(set, QByteArray::fromHex("01000300")), QByteArray("hit"));
    QCOMPARE(replies(set, QByteArray::fromHex("01ff03ff")), QByteArray("hit"));
    QCOMPARE(replies(set, QByteArray::fromHex("02ff03ff")), QByteArray("-"));
    QCOMPARE(replies(set, QByteArray::fromHex("01ff04ff")), QByteArray("-"));
    // The length must be exactly the pattern's.
    QCOMPARE(replies(set, QByteArray::fromHex("01ff03")), QByteArray("-"));
    QCOMPARE(replies(set, QByteArray::fromHex("01ff03ff00")), QByteArray("-"));
    QCOMPARE(replies(set, ""), QByteArray("-"));

    // Upper case and tabs are read, and written back normalised.
    const RuleSet upper = load({rule(textMatch("hex", QStringLiteral("AB\t??CD")), QStringLiteral("x"))});
    QCOMPARE(upper.rules[0].text, QStringLiteral("ab ?? cd"));
    QCOMPARE(
        ruleToJson(upper.rules[0]).value(QStringLiteral("match")).toObject().value(QStringLiteral("hex")),
        QJsonValue(QStringLiteral("ab ?? cd")));
}

void TestRules::latin1HighBytes() {
    // By default a message is Latin-1: "café" written in the file matches the byte E9, not UTF-8.
    const RuleSet set =
        load({rule(textMatch("text", QStringLiteral("caf\u00e9")), QStringLiteral("latin")),
              rule(textMatch("contains", QStringLiteral("\u00ff\u0080")), QStringLiteral("high")),
              rule(textMatch("prefix", QStringLiteral("\u00a0")), QStringLiteral("nbsp"))});
    QCOMPARE(replies(set, "caf\xe9"), QByteArray("latin"));
    QCOMPARE(replies(set, "caf\xc3\xa9"), QByteArray("-"));
    QCOMPARE(replies(set, "x\xff\x80y"), QByteArray("high"));
    QCOMPARE(replies(set, "\xa0rest"), QByteArray("nbsp"));
    QCOMPARE(set.rules[0].textLatin1, QByteArray("caf\xe9"));
}

void TestRules::regexOverHighBytes() {
    const RuleSet set =
        load({rule(textMatch("regex", QStringLiteral("^\\xff([\\x80-\\xfe]+)\\x00(.)$")),
                   QStringLiteral("<\\1|\\2>")),
              rule(textMatch("regex", QStringLiteral("^([\\s\\S]*)$")), QStringLiteral("\\1"))});
    QCOMPARE(replies(set, QByteArray("\xff\x80\xc3\xfe\x00\x01", 6)), QByteArray("<\x80\xc3\xfe|\x01>"));
    // Every byte value survives the trip through the decoded text and back.
    QByteArray all;
    for (int b = 0; b < 256; ++b)
        all.append(char(b));
    QCOMPARE(replies(set, all), all);
}

void TestRules::utf8Option() {
    const RuleSet set =
        load({rule(textMatch("text", QStringLiteral("caf\u00e9"), true), QStringLiteral("utf8")),
              rule(textMatch("regex", QStringLiteral("^(.)\u20ac$"), true), QStringLiteral("[\\1]")),
              rule(textMatch("contains", QStringLiteral("\u20ac"), true), QStringLiteral("euro"))});
    QVERIFY(set.rules[0].utf8);
    QCOMPARE(replies(set, "caf\xc3\xa9"), QByteArray("utf8"));
    QCOMPARE(replies(set, "caf\xe9"), QByteArray("-"));
    // A capture is one character, given back as its UTF-8 bytes.
    QCOMPARE(replies(set, "\xc3\xa9\xe2\x82\xac"), QByteArray("[\xc3\xa9]"));
    QCOMPARE(replies(set, "ab\xe2\x82\xac"), QByteArray("euro"));
    // Without utf8, U+20AC could never be in a message: a mistake said at load.
    QVERIFY(!parseRules(file({rule(textMatch("contains", QStringLiteral("\u20ac")), QString())})).ok());
}

void TestRules::utf8RegexOverBadBytes() {
    // Bytes that are not UTF-8 are read as QString::fromUtf8 reads them: one U+FFFD each, which
    // '.' matches and a capture gives back as its UTF-8 bytes.
    const RuleSet set =
        load({rule(textMatch("regex", QStringLiteral("^a(.)b(\\d*)$"), true), QStringLiteral("<\\1|\\2>"))});
    QCOMPARE(replies(set, "a\xff"
                          "b42"),
             QByteArray("<\xef\xbf\xbd|42>"));
    QCOMPARE(replies(set, "a\xc3\xa9"
                          "b"),
             QByteArray("<\xc3\xa9|>"));
    QCOMPARE(replies(set, "a\xc3\xa9\xa9"
                          "b"),
             QByteArray("-"));
    // A pattern PCRE2 refuses says where, in characters.
    const RulesParseResult bad =
        parseRules(file({rule(textMatch("regex", QStringLiteral("\u00e9\u20ac("), true), QString())}));
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error.contains(QStringLiteral("missing closing parenthesis at offset 3")),
             qPrintable(bad.error));
}

void TestRules::hostileLineGivesUp() {
    // The classic catastrophic pattern, then a catch-all: a line that almost matches costs at most
    // the match budget, counts as no match, and the next rule answers.
    const RuleSet set = load({rule(textMatch("regex", QStringLiteral("^(a+)+$")), QStringLiteral("all a")),
                              rule(QStringLiteral("any"), QStringLiteral("other"))});
    QCOMPARE(replies(set, "aaaa"), QByteArray("all a"));
    const QByteArray hostile = QByteArray(40, 'a') + '!';
    std::vector<int> gaveUp;
    const std::vector<RuleAction> actions = evaluateRules(set, hostile, context(), &gaveUp);
    QCOMPARE(gaveUp, std::vector<int>{0});
    QCOMPARE(actions.size(), size_t(1));
    QCOMPARE(actions[0].rule, 1);
    QCOMPARE(actions[0].reply, QByteArray("other"));
    // A short hostile line fails within the budget: a plain no match.
    gaveUp.clear();
    (void)evaluateRules(set, "aaaa!", context(), &gaveUp);
    QVERIFY(gaveUp.empty());
    // The same pattern made atomic never needs the budget.
    const RuleSet atomic =
        load({rule(textMatch("regex", QStringLiteral("^(?>a+)+$")), QStringLiteral("all a"))});
    gaveUp.clear();
    QVERIFY(evaluateRules(atomic, hostile, context(), &gaveUp).empty());
    QVERIFY(gaveUp.empty());
}

void TestRules::nestedQuantifiersWarned_data() {
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("group"); // empty: no warning
    QTest::newRow("plus over plus") << QStringLiteral("^(a+)+$") << QStringLiteral("(a+)+");
    QTest::newRow("star over star") << QStringLiteral("(x*)*y") << QStringLiteral("(x*)*");
    QTest::newRow("words and spaces") << QStringLiteral("^(\\w+\\s?)*$") << QStringLiteral("(\\w+\\s?)*");
    QTest::newRow("open range") << QStringLiteral("(?:ab+){2,}") << QStringLiteral("(?:ab+){2,}");
    QTest::newRow("one level deeper") << QStringLiteral("((a+)b)+") << QStringLiteral("((a+)b)+");
    QTest::newRow("lazy outer") << QStringLiteral("(a+)+?") << QStringLiteral("(a+)+?");
    QTest::newRow("bounded outer") << QStringLiteral("(a+){2}") << QString();
    QTest::newRow("bounded inner") << QStringLiteral("(a{1,3})+") << QString();
    QTest::newRow("atomic group") << QStringLiteral("(?>a+)+") << QString();
    QTest::newRow("possessive inner") << QStringLiteral("(a++)+") << QString();
    QTest::newRow("possessive outer") << QStringLiteral("(a+)++") << QString();
    QTest::newRow("in a class") << QStringLiteral("[(a+)]+") << QString();
    QTest::newRow("escaped parentheses") << QStringLiteral("\\(a+\\)+") << QString();
    QTest::newRow("quoted") << QStringLiteral("\\Q(a+)+\\E") << QString();
    QTest::newRow("plain repeats") << QStringLiteral("^PING (\\d+)$") << QString();
    QTest::newRow("literal brace") << QStringLiteral("(a+){x}") << QString();
    QTest::newRow("unbalanced") << QStringLiteral("a+)+(") << QString();
}

void TestRules::nestedQuantifiersWarned() {
    QFETCH(QString, pattern);
    QFETCH(QString, group);
    const QString warning = nestedQuantifierWarning(pattern);
    if (group.isEmpty()) {
        QVERIFY2(warning.isEmpty(), qPrintable(warning));
    } else {
        QVERIFY2(warning.startsWith(QStringLiteral("nested quantifiers in %1:").arg(group)),
                 qPrintable(warning));
        QVERIFY2(warning.contains(QStringLiteral("200,000 steps")), qPrintable(warning));
    }
}

void TestRules::placeholders() {
    const RuleSet set =
        load({rule(QStringLiteral("any"), QStringLiteral("${seq}|${time}|${peer}|${len}|${hex}"))});
    QCOMPARE(set.rules[0].reply.size(), size_t(9));
    MessageContext c;
    c.seq = 18446744073709551615ULL;
    c.timeUs = QDateTime(QDate(2026, 11, 30), QTime(9, 12, 3), Qt::UTC).toMSecsSinceEpoch() * 1000 + 123456;
    c.peer = QStringLiteral("[::1]:443");
    QCOMPARE(replies(set, "AB\xff\x00", c),
             QByteArray("18446744073709551615|2026-11-30T09:12:03.123456Z|[::1]:443|3|4142ff"));
    QCOMPARE(replies(set, QByteArray("\x00\x0a", 2), context(1)),
             QByteArray("1|1970-01-01T00:00:00.000000Z|127.0.0.1:5000|2|000a"));
    QCOMPARE(replies(set, "", context(2)), QByteArray("2|1970-01-01T00:00:00.000000Z|127.0.0.1:5000|0|"));

    // Placeholders next to text and escapes; "$" alone and "{}" are plain text.
    const RuleSet mixed =
        load({rule(QStringLiteral("any"), QStringLiteral("$5 {x} #${seq}\\n${len}${len}"))});
    QCOMPARE(replies(mixed, "abc", context(7)), QByteArray("$5 {x} #7\n33"));
}

void TestRules::timeFormat() {
    const RuleSet set = load({rule(QStringLiteral("any"), QStringLiteral("${time}"))});
    MessageContext c = context();
    c.timeUs = QDateTime(QDate(2000, 2, 29), QTime(23, 59, 59), Qt::UTC).toMSecsSinceEpoch() * 1000 + 999999;
    QCOMPARE(replies(set, "x", c), QByteArray("2000-02-29T23:59:59.999999Z"));
    c.timeUs = QDateTime(QDate(2038, 1, 19), QTime(3, 14, 8), Qt::UTC).toMSecsSinceEpoch() * 1000 + 7;
    QCOMPARE(replies(set, "x", c), QByteArray("2038-01-19T03:14:08.000007Z"));
}

void TestRules::captures() {
    const RuleSet set = load({rule(textMatch("regex", QStringLiteral("^(a)?(b)(c)?(d)(e)(f)(g)(h)(i)$")),
                                   QStringLiteral("[\\1][\\2][\\3][\\9][\\4\\5\\6\\7\\8]"))});
    QCOMPARE(replies(set, "bdefghi"), QByteArray("[][b][][i][defgh]"));
    QCOMPARE(replies(set, "abcdefghi"), QByteArray("[a][b][c][i][defgh]"));
    // A capture can be used twice, and next to placeholders.
    const RuleSet twice =
        load({rule(textMatch("regex", QStringLiteral("^PING (\\d+)$")), QStringLiteral("\\1\\1 ${len}"))});
    QCOMPARE(replies(twice, "PING 12"), QByteArray("1212 7"));
}

void TestRules::escapesNextToCaptures() {
    const QJsonValue regex = textMatch("regex", QStringLiteral("^(x)$"));
    // In the reply's own syntax (what the JSON string holds):
    //   \\1   an escaped backslash, then '1'       \0  NUL, not a capture
    //   \\\1  an escaped backslash, then capture 1  \x31  the byte '1'
    const RuleSet set = load({rule(regex, QStringLiteral("\\\\1|\\0|\\\\\\1|\\x31\\1|\\u{20ac}\\1"))});
    QCOMPARE(set.rules.size(), size_t(1));
    QCOMPARE(replies(set, "x"), QByteArray("\\1|\0|\\x|1x|\xe2\x82\xacx", 15));
    // "${" after an escaped backslash is still a placeholder.
    const RuleSet placeholder = load({rule(QStringLiteral("any"), QStringLiteral("\\\\${len}"))});
    QCOMPARE(replies(placeholder, "ab"), QByteArray("\\2"));
}

void TestRules::replyHexWithCaptures() {
    const RuleSet set =
        load({QJsonObject{{QStringLiteral("match"), textMatch("regex", QStringLiteral("^(..)(.*)$"))},
                          {QStringLiteral("reply_hex"), QStringLiteral("02 \\2 \\1 0x03")}}});
    QVERIFY(set.rules[0].replyIsHex);
    QCOMPARE(replies(set, "ab\xffz"), QByteArray("\x02\xffz"
                                                 "ab\x03"));
    QCOMPARE(replies(set, "ab"), QByteArray("\x02"
                                            "ab\x03"));
}

void TestRules::continueChains() {
    const auto then = [](QJsonObject object, const char *value) {
        object.insert(QStringLiteral("then"), QLatin1StringView(value));
        return object;
    };
    const RuleSet set =
        load({then(rule(QStringLiteral("any"), QStringLiteral("log")), "continue"),
              then(rule(textMatch("prefix", QStringLiteral("x")), QStringLiteral("x1")), "continue"),
              rule(textMatch("prefix", QStringLiteral("xy")), QStringLiteral("xy")),
              rule(QStringLiteral("any"), QStringLiteral("last"))});
    QCOMPARE(replies(set, "xyz"), QByteArray("log|x1|xy"));
    QCOMPARE(replies(set, "xz"), QByteArray("log|x1|last"));
    QCOMPARE(replies(set, "z"), QByteArray("log|last"));

    const std::vector<RuleAction> actions = evaluateRules(set, "xyz", context());
    QCOMPARE(actions.size(), size_t(3));
    QCOMPARE(actions[0].rule, 0);
    QCOMPARE(actions[0].then, RuleThen::Continue);
    QCOMPARE(actions[1].rule, 1);
    QCOMPARE(actions[2].rule, 2);
    QCOMPARE(actions[2].then, RuleThen::Stop);

    // A chain that only continues ends with the rules.
    const RuleSet open = load({then(rule(QStringLiteral("any"), QStringLiteral("a")), "continue")});
    QCOMPARE(replies(open, "q"), QByteArray("a"));
    QCOMPARE(replies(RuleSet(), "q"), QByteArray("-"));
}

void TestRules::thenValues() {
    const char *names[] = {"stop", "continue", "close", "abort"};
    for (int i = 0; i < 4; ++i) {
        const RuleSet set = load({QJsonObject{{QStringLiteral("match"), QStringLiteral("any")},
                                              {QStringLiteral("then"), QLatin1StringView(names[i])}}});
        QCOMPARE(set.rules.size(), size_t(1));
        QCOMPARE(set.rules[0].then, RuleThen(i));
        const std::vector<RuleAction> actions = evaluateRules(set, "m", context());
        QCOMPARE(actions.size(), size_t(1));
        QCOMPARE(actions[0].then, RuleThen(i));
        // No reply key: nothing to send, but the rule still fires.
        QVERIFY(!actions[0].sends);
        QVERIFY(actions[0].reply.isEmpty());
    }
    // An empty reply is still a reply: an empty datagram, say.
    const RuleSet empty = load({rule(QStringLiteral("any"), QString())});
    const std::vector<RuleAction> actions = evaluateRules(empty, "m", context());
    QVERIFY(actions[0].sends);
    QVERIFY(actions[0].reply.isEmpty());
}

void TestRules::appendChecksum() {
    QJsonObject crc32 = rule(textMatch("regex", QStringLiteral("^(.*)$")), QStringLiteral("\\1"));
    crc32.insert(QStringLiteral("append"), QStringLiteral("crc32:le"));
    QJsonObject sum = rule(QStringLiteral("any"), QStringLiteral("123456789"));
    sum.insert(QStringLiteral("append"), QStringLiteral("sum8"));
    const RuleSet set = load({crc32});
    // The catalogue check value of CRC-32 (0xCBF43926), low byte first.
    QCOMPARE(replies(set, "123456789"), QByteArray("123456789") + QByteArray::fromHex("2639f4cb"));
    QCOMPARE(replies(load({sum}), "x"), QByteArray("123456789\xdd"));
}

void TestRules::lengthPrefix() {
    QJsonObject withHeader = rule(QStringLiteral("any"), QStringLiteral("hello"));
    withHeader.insert(QStringLiteral("length_prefix"), true);
    QJsonObject withCrc = rule(textMatch("text", QStringLiteral("crc")), QStringLiteral("hello"));
    withCrc.insert(QStringLiteral("length_prefix"), true);
    withCrc.insert(QStringLiteral("append"), QStringLiteral("crc16-modbus"));
    const RuleSet set = load({withCrc, withHeader}, QStringLiteral("len:2be"));
    QVERIFY(set.rules[1].lengthPrefix);
    QCOMPARE(replies(set, "x"), QByteArray::fromHex("0005") + "hello");
    // The header counts the checksum: it is part of the message.
    const QByteArray crc = checksumBytes(ChecksumSpec{}, "hello");
    QCOMPARE(crc.size(), 2);
    QCOMPARE(replies(set, "crc"), QByteArray::fromHex("0007") + "hello" + crc);
}

void TestRules::lengthPrefixTooLong() {
    QJsonObject big = rule(QStringLiteral("any"), QStringLiteral("${hex}"));
    big.insert(QStringLiteral("length_prefix"), true);
    const RuleSet set = load({big}, QStringLiteral("len:1"));
    QCOMPARE(replies(set, QByteArray(127, 'a')), QByteArray(1, char(254)) + QByteArray(127, 'a').toHex());
    // 256 bytes do not fit a one-byte header: the rule fires but sends nothing.
    const std::vector<RuleAction> actions = evaluateRules(set, QByteArray(128, 'a'), context());
    QCOMPARE(actions.size(), size_t(1));
    QVERIFY(!actions[0].sends);
    QVERIFY(actions[0].reply.isEmpty());
}

void TestRules::maxMessage() {
    RulesParseResult result = parseRules(R"({"frame": "line", "max_message": 4096, "rules": []})");
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.rules.frame.maxMessageBytes, qsizetype(4096));
    result = parseRules(R"({"max_message": 1073741824, "rules": []})");
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.rules.frame.maxMessageBytes, qsizetype(1) << 30);
    QVERIFY(result.rules.frame.isRaw());
}

void TestRules::invalidFiles_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    const auto add = [](const char *name, const char *json, const QString &error) {
        QTest::newRow(name) << QByteArray(json) << error;
    };
    const QString ruleKeys = QStringLiteral(
        "expected one of name, match, reply, reply_hex, delay_ms, append, length_prefix, then");
    const QString thenNames = QStringLiteral("is not one of stop, continue, close, abort");
    const QString wholeDelay = QStringLiteral("rules[0].delay_ms: must be a whole number from 0 to 3600000");
    const QString wholeMax =
        QStringLiteral("max_message: must be a whole number of bytes from 1 to 1073741824");

    add("array", "[]", QStringLiteral("the file must be a JSON object: {\"rules\": [...]}"));
    add("no rules", "{}", QStringLiteral("rules: missing"));
    add("rules object", R"({"rules": {}})", QStringLiteral("rules: must be an array of rules"));
    add("unknown top key", R"({"rules": [], "colour": 1})",
        QStringLiteral("colour: unknown key; expected one of frame, max_message, rules"));
    add("frame number", R"({"frame": 1, "rules": []})",
        QStringLiteral("frame: must be a string such as \"line\""));
    add("max zero", R"({"max_message": 0, "rules": []})", wholeMax);
    add("max fraction", R"({"max_message": 1.5, "rules": []})", wholeMax);
    add("max 1 GiB + 1", R"({"max_message": 1073741825, "rules": []})", wholeMax);
    add("max string", R"({"max_message": "4096", "rules": []})", wholeMax);
    add("rule number", R"({"rules": [1]})", QStringLiteral("rules[0]: must be an object"));
    add("unknown rule key", R"({"rules": [{"match": "any", "reply_text": "x"}]})",
        QStringLiteral("rules[0].reply_text: unknown key; ") + ruleKeys);
    add("name number", R"({"rules": [{"name": 5, "match": "any"}]})",
        QStringLiteral("rules[0].name: must be a string"));
    add("no match", R"({"rules": [{"reply": "x"}]})", QStringLiteral("rules[0].match: missing"));
    add("match all", R"({"rules": [{"match": "all"}]})",
        QStringLiteral("rules[0].match: \"all\" is not \"any\" or an object such as {\"text\": \"QUIT\"}"));
    add("match array", R"({"rules": [{"match": []}]})",
        QStringLiteral("rules[0].match: must be \"any\" or an object such as {\"text\": \"QUIT\"}"));
    add("match empty", R"({"rules": [{"match": {}}]})",
        QStringLiteral("rules[0].match: needs one of text, contains, prefix, regex, hex"));
    add("match only utf8", R"({"rules": [{"match": {"utf8": true}}]})",
        QStringLiteral("rules[0].match: needs one of text, contains, prefix, regex, hex"));
    add("match two kinds", R"({"rules": [{"match": {"text": "a", "regex": "b"}}]})",
        QStringLiteral("rules[0].match: \"text\" and \"regex\" cannot both be given"));
    add("match unknown key", R"({"rules": [{"match": {"txt": "a"}}]})",
        QStringLiteral(
            "rules[0].match.txt: unknown key; expected one of text, contains, prefix, regex, hex, utf8"));
    add("match number", R"({"rules": [{"match": {"prefix": 5}}]})",
        QStringLiteral("rules[0].match.prefix: must be a string"));
    add("utf8 string", R"({"rules": [{"match": {"text": "a", "utf8": "yes"}}]})",
        QStringLiteral("rules[0].match.utf8: must be true or false"));
    add("utf8 with hex", R"({"rules": [{"match": {"hex": "01", "utf8": true}}]})",
        QStringLiteral("rules[0].match.utf8: a hex match compares bytes, it reads no text"));
    add("not Latin-1", R"({"rules": [{"match": {"text": "5 €"}}]})",
        QStringLiteral(
            "rules[0].match.text: '\u20ac' is not in Latin-1; add \"utf8\": true to read messages as UTF-8"));
    add("hex G", R"({"rules": [{"match": "any"}, {"match": "any"}, {"match": {"hex": "01 0G"}}]})",
        QStringLiteral("rules[2].match.hex: 'G' is not a hex digit"));
    add("hex comma", R"({"rules": [{"match": {"hex": "01,02"}}]})",
        QStringLiteral("rules[0].match.hex: ',' is not a hex digit"));
    add("hex lone ?", R"({"rules": [{"match": {"hex": "01 ? 02"}}]})",
        QStringLiteral("rules[0].match.hex: '?' alone: write ?? for any byte"));
    add("hex ? at end", R"({"rules": [{"match": {"hex": "01 ?"}}]})",
        QStringLiteral("rules[0].match.hex: '?' alone: write ?? for any byte"));
    add("hex half wildcard", R"({"rules": [{"match": {"hex": "0?"}}]})",
        QStringLiteral("rules[0].match.hex: '?' after a hex digit: ?? stands for a whole byte"));
    add("hex odd digits", R"({"rules": [{"match": {"hex": "010"}}]})",
        QStringLiteral(
            "rules[0].match.hex: '0' is a lone hex digit: write each byte as two digits, e.g. 00"));
    add("hex lone digit", R"({"rules": [{"match": {"hex": "a 01"}}]})",
        QStringLiteral(
            "rules[0].match.hex: 'a' is a lone hex digit: write each byte as two digits, e.g. 0a"));
    add("hex empty", R"({"rules": [{"match": {"hex": "  "}}]})",
        QStringLiteral("rules[0].match.hex: empty: write at least one byte, e.g. \"01 ??\""));
    add("hex newline char", R"({"rules": [{"match": {"hex": "01\u000b"}}]})",
        QStringLiteral("rules[0].match.hex: U+000B is not a hex digit"));
    add("both replies", R"({"rules": [{"match": "any"}, {"match": "any", "reply": "a", "reply_hex": "01"}]})",
        QStringLiteral("rules[1]: \"reply\" and \"reply_hex\" cannot both be given"));
    add("reply number", R"({"rules": [{"match": "any", "reply": 5}]})",
        QStringLiteral("rules[0].reply: must be a string"));
    add("capture without regex", R"({"rules": [{"match": {"text": "a"}, "reply": "x\\1"}]})",
        QStringLiteral("rules[0].reply: \\1 needs a regex match to capture from"));
    add("capture beyond groups", R"({"rules": [{"match": {"regex": "^(a)$"}, "reply": "\\2"}]})",
        QStringLiteral("rules[0].reply: \\2 but the regex has 1 capture group"));
    add("capture with no groups", R"({"rules": [{"match": {"regex": "a"}, "reply_hex": "01 \\1"}]})",
        QStringLiteral("rules[0].reply_hex: \\1 but the regex has 0 capture groups"));
    add("unknown placeholder", R"({"rules": [{"match": "any", "reply": "a${nope}"}]})",
        QStringLiteral(
            "rules[0].reply: unknown placeholder ${nope}; known are ${seq}, ${time}, ${peer}, ${len}, "
            "${hex}"));
    add("open placeholder", R"({"rules": [{"match": "any", "reply": "ab${seq"}]})",
        QStringLiteral("rules[0].reply: ${ at offset 2 is not closed with }; write \\x24 for a literal $"));
    add("bad escape", R"({"rules": [{"match": "any", "reply": "ab\\q"}]})",
        QStringLiteral("rules[0].reply: unknown escape \\q; write \\\\ for a backslash at offset 2"));
    add("bad escape after placeholder", R"({"rules": [{"match": "any", "reply": "${seq}\\x4"}]})",
        QStringLiteral("rules[0].reply: \\x needs exactly two hex digits, e.g. \\x0a at offset 6"));
    add("lone backslash", R"({"rules": [{"match": "any", "reply": "a\\"}]})",
        QStringLiteral("rules[0].reply: lone backslash at the end; write \\\\ for a backslash at offset 1"));
    add("reply_hex digit", R"({"rules": [{"match": "any", "reply_hex": "01 zz"}]})",
        QStringLiteral("rules[0].reply_hex: 'z' (U+007A) is not a hex digit or separator at offset 3"));
    add("reply_hex placeholder", R"({"rules": [{"match": "any", "reply_hex": "${len}"}]})",
        QStringLiteral("rules[0].reply_hex: '$' is not hex syntax: write 0d 0a, not $0D$0A at offset 0"));
    add("delay negative", R"({"rules": [{"match": "any", "delay_ms": -1}]})", wholeDelay);
    add("delay too long", R"({"rules": [{"match": "any", "delay_ms": 3600001}]})", wholeDelay);
    add("delay fraction", R"({"rules": [{"match": "any", "delay_ms": 1.5}]})", wholeDelay);
    add("delay string", R"({"rules": [{"match": "any", "delay_ms": "50"}]})", wholeDelay);
    add("append number", R"({"rules": [{"match": "any", "reply": "x", "append": 16}]})",
        QStringLiteral("rules[0].append: must be a string"));
    add("append without reply", R"({"rules": [{"match": "any", "append": "crc32"}]})",
        QStringLiteral("rules[0].append: the rule has no reply to append to"));
    add("length_prefix line",
        R"({"frame": "line", "rules": [{"match": "any"}, {"match": "any"}, {"match": "any"}, {"match": "any"},
           {"match": "any", "reply": "x", "length_prefix": true}]})",
        QStringLiteral("rules[4].length_prefix: the frame \"line\" has no length header"));
    add("length_prefix raw", R"({"rules": [{"match": "any", "reply": "x", "length_prefix": true}]})",
        QStringLiteral("rules[0].length_prefix: the frame \"raw\" has no length header"));
    add("length_prefix string", R"({"frame": "len:1", "rules": [{"match": "any", "length_prefix": "yes"}]})",
        QStringLiteral("rules[0].length_prefix: must be true or false"));
    add("length_prefix without reply",
        R"({"frame": "len:1", "rules": [{"match": "any", "length_prefix": true}]})",
        QStringLiteral("rules[0].length_prefix: the rule has no reply to prefix"));
    add("then explode", R"({"rules": [{"match": "any", "then": "explode"}]})",
        QStringLiteral("rules[0].then: \"explode\" ") + thenNames);
    add("then upper case", R"({"rules": [{"match": "any", "then": "Close"}]})",
        QStringLiteral("rules[0].then: \"Close\" ") + thenNames);
    add("then number", R"({"rules": [{"match": "any", "then": 1}]})",
        QStringLiteral("rules[0].then: the value ") + thenNames);
}

void TestRules::invalidFiles() {
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const RulesParseResult result = parseRules(json);
    QCOMPARE(result.error, error);
    QVERIFY(!result.ok());
    QVERIFY(result.rules.rules.empty());
}

void TestRules::invalidFromOtherParsers() {
    // These messages belong to the frame, checksum and regex parsers; the rules name where.
    QString frameError;
    QVERIFY(!parseFrameSpec(u"bogus:7", &frameError));
    QCOMPARE(parseRules(R"({"frame": "bogus:7", "rules": []})").error,
             QStringLiteral("frame: ") + frameError);

    QString checksumError;
    QVERIFY(!parseChecksumSpec(u"crc99", &checksumError));
    QCOMPARE(parseRules(R"({"rules": [{"match": "any"}, {"match": "any"}, {"match": "any"},
                                      {"match": "any", "reply": "x", "append": "crc99"}]})")
                 .error,
             QStringLiteral("rules[3].append: ") + checksumError);

    const QRegularExpression broken(QStringLiteral("^(a"));
    QVERIFY(!broken.isValid());
    QCOMPARE(parseRules(R"({"rules": [{"match": "any"}, {"match": {"regex": "^(a"}}]})").error,
             QStringLiteral("rules[1].match.regex: %1 at offset %2")
                 .arg(broken.errorString())
                 .arg(broken.patternErrorOffset()));
}

void TestRules::jsonSyntaxPosition() {
    QJsonParseError expected;
    const QByteArray json = "{\"rules\": [\n  {\"match\": \"any\"},\n  {\"match\" \"any\"}\n]}";
    QJsonDocument::fromJson(json, &expected);
    QVERIFY(expected.error != QJsonParseError::NoError);
    const QByteArray before = json.left(expected.offset);
    const int line = int(before.count('\n')) + 1;
    const int column = int(before.size() - before.lastIndexOf('\n'));
    QCOMPARE(line, 3);
    QCOMPARE(parseRules(json).error,
             QStringLiteral("line 3, column %1: %2").arg(column).arg(expected.errorString()));

    // Columns count characters, not UTF-8 bytes.
    const QByteArray wide = "{\"name\": \"\xc3\xa9\xc3\xa9\" \"x\"}";
    QJsonDocument::fromJson(wide, &expected);
    QVERIFY(expected.error != QJsonParseError::NoError);
    QCOMPARE(parseRules(wide).error,
             QStringLiteral("line 1, column %1: %2").arg(expected.offset - 1).arg(expected.errorString()));
    QVERIFY(parseRules("").error.startsWith(QStringLiteral("line 1, column 1: ")));
}

void TestRules::parseRuleAlone() {
    const QJsonObject object{{QStringLiteral("match"), textMatch("regex", QStringLiteral("^(a)$"))},
                             {QStringLiteral("reply"), QStringLiteral("\\1\\1")},
                             {QStringLiteral("length_prefix"), true}};
    FrameSpec frame;
    frame.kind = FrameSpec::Kind::LengthPrefix;
    frame.prefixBytes = 1;
    RuleParseResult result = parseRule(object, QStringLiteral("rule"), frame);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.rule.reply.size(), size_t(2));
    QCOMPARE(ruleToJson(result.rule), object);

    result = parseRule(object, QStringLiteral("rule"), FrameSpec());
    QCOMPARE(result.error, QStringLiteral("rule.length_prefix: the frame \"raw\" has no length header"));
}

void TestRules::roundTrip_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("example") << ExampleFile;
    QTest::newRow("empty") << QByteArray(R"({"rules": []})");
    QTest::newRow("everything") << QByteArray(R"({"frame": "len:4be+incl", "max_message": 65536, "rules": [
        {"name": "hello \"world\"", "match": {"contains": "caf\u00e9"}, "reply": "\\x00${time} ${peer}", "delay_ms": 3600000,
         "append": "crc32c:be", "length_prefix": true, "then": "continue"},
        {"match": {"prefix": "a\nb", "utf8": true}, "then": "abort"},
        {"match": {"regex": "(?i)^x(\\d)$", "utf8": true}, "reply_hex": "\\1 0x01", "then": "close"},
        {"match": {"text": ""}, "reply": ""},
        {"match": {"hex": "AB??cd"}, "reply_hex": "", "append": "lrc", "then": "stop"}]})");
}

void TestRules::roundTrip() {
    QFETCH(QByteArray, json);
    const RulesParseResult first = parseRules(json);
    QVERIFY2(first.ok(), qPrintable(first.error));
    const QByteArray written = serializeRules(first.rules);
    const RulesParseResult second = parseRules(written);
    QVERIFY2(second.ok(), qPrintable(second.error + QLatin1Char('\n') + QString::fromUtf8(written)));
    QCOMPARE(serializeRules(second.rules), written);
    QVERIFY(second.rules.frame == first.rules.frame);
    QCOMPARE(second.rules.rules.size(), first.rules.rules.size());
    for (size_t i = 0; i < first.rules.rules.size(); ++i) {
        QCOMPARE(second.rules.rules[i].matchSummary(), first.rules.rules[i].matchSummary());
        QCOMPARE(second.rules.rules[i].actionSummary(), first.rules.rules[i].actionSummary());
    }
    // What the user wrote comes back, not a re-rendering of its bytes.
    const QJsonObject original = QJsonDocument::fromJson(json).object();
    const QJsonObject back = QJsonDocument::fromJson(written).object();
    const QJsonArray rules = original.value(QStringLiteral("rules")).toArray();
    for (qsizetype i = 0; i < rules.size(); ++i) {
        const QJsonObject rule = rules.at(i).toObject();
        const QJsonObject again = back.value(QStringLiteral("rules")).toArray().at(i).toObject();
        for (const char *key : {"reply", "reply_hex", "name", "append"})
            QCOMPARE(again.value(QLatin1StringView(key)), rule.value(QLatin1StringView(key)));
    }
}

void TestRules::serializeWritesOnlyWhatIsSet() {
    const RuleSet set = parseRules(ExampleFile).rules;
    const QJsonObject top = QJsonDocument::fromJson(serializeRules(set)).object();
    QCOMPARE(top.keys(), (QStringList{QStringLiteral("frame"), QStringLiteral("rules")}));
    QCOMPARE(top.value(QStringLiteral("frame")), QJsonValue(QStringLiteral("line")));
    const QJsonArray rules = top.value(QStringLiteral("rules")).toArray();
    QCOMPARE(rules.size(), 4);
    QCOMPARE(rules.at(0).toObject().keys(), (QStringList{QStringLiteral("match"), QStringLiteral("reply")}));
    QCOMPARE(rules.at(1).toObject().value(QStringLiteral("then")), QJsonValue(QStringLiteral("close")));
    const QJsonObject modbus = rules.at(2).toObject();
    QCOMPARE(modbus.value(QStringLiteral("match")).toObject().value(QStringLiteral("hex")),
             QJsonValue(QStringLiteral("01 03 ?? ??")));
    QCOMPARE(modbus.value(QStringLiteral("reply_hex")), QJsonValue(QStringLiteral("01 03 02 00 2a")));
    QCOMPARE(modbus.value(QStringLiteral("append")), QJsonValue(QStringLiteral("crc16-modbus")));
    QCOMPARE(rules.at(3).toObject().value(QStringLiteral("match")), QJsonValue(QStringLiteral("any")));
    QCOMPARE(rules.at(3).toObject().value(QStringLiteral("delay_ms")), QJsonValue(50));
}

void TestRules::summaries() {
    const RuleSet set = parseRules(ExampleFile).rules;
    QCOMPARE(set.rules[0].matchSummary(), QStringLiteral("regex \"^PING (\\d+)$\""));
    QCOMPARE(set.rules[0].actionSummary(), QStringLiteral("reply \"PONG \\1\\n\""));
    QCOMPARE(set.rules[1].matchSummary(), QStringLiteral("text \"QUIT\""));
    QCOMPARE(set.rules[1].actionSummary(), QStringLiteral("reply \"bye\\n\", then close"));
    QCOMPARE(set.rules[2].matchSummary(), QStringLiteral("hex 01 03 ?? ??"));
    QCOMPARE(set.rules[2].actionSummary(), QStringLiteral("reply hex 01 03 02 00 2a + crc16-modbus"));
    QCOMPARE(set.rules[3].matchSummary(), QStringLiteral("any"));
    QCOMPARE(set.rules[3].actionSummary(), QStringLiteral("reply \"ERR\\n\" after 50 ms"));

    const RuleSet other = parseRules(R"({"frame": "len:2le", "rules": [
        {"match": {"contains": "a\tb", "utf8": true}, "then": "abort"},
        {"match": {"prefix": "GET"}, "reply": "x", "length_prefix": true, "then": "continue"}]})")
                              .rules;
    QCOMPARE(other.rules.size(), size_t(2));
    QCOMPARE(other.rules[0].matchSummary(), QStringLiteral("contains \"a\\tb\" (UTF-8)"));
    QCOMPARE(other.rules[0].actionSummary(), QStringLiteral("no reply, then abort"));
    QCOMPARE(other.rules[1].matchSummary(), QStringLiteral("prefix \"GET\""));
    QCOMPARE(other.rules[1].actionSummary(), QStringLiteral("reply \"x\" with length header, then continue"));
}

void TestRules::ruleBookCountsHits() {
    RuleBook book(parseRules(ExampleFile).rules);
    QCOMPARE(book.rules().rules.size(), size_t(4));
    QCOMPARE(book.allHits(), (std::vector<quint64>{0, 0, 0, 0}));
    for (const QByteArray &message : {QByteArray("PING 1"), QByteArray("PING 2"), QByteArray("junk")}) {
        for (const RuleAction &action : evaluateRules(book.rules(), message, context()))
            book.countHit(action.rule);
    }
    QCOMPARE(book.hits(0), quint64(2));
    QCOMPARE(book.hits(3), quint64(1));
    QCOMPARE(book.allHits(), (std::vector<quint64>{2, 0, 0, 1}));
    RuleBook empty{RuleSet()};
    QVERIFY(empty.allHits().empty());
}

void TestRules::pingPongSpeed() {
    // The engine runs the rules per message; a line PING/PONG must stay far from being the bottleneck.
    const RuleSet set = parseRules(ExampleFile).rules;
    const MessageContext c = context();
    QBENCHMARK {
        const std::vector<RuleAction> actions = evaluateRules(set, "PING 12345", c);
        QCOMPARE(actions.size(), size_t(1));
    }
}

SOCKBENCH_TEST_MAIN(TestRules)
#include "tst_rules.moc"
