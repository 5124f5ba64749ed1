// libFuzzer target: rules files. The first byte is the length of a message (up to 255 bytes) that
// follows it, the rest is the JSON file; a valid file must survive writing and reading back, and
// running it over the message must not crash.
#include "fuzzcheck.h"
#include "protocol/rules.h"

using namespace sockbench;

extern "C" int LLVMFuzzerTestOneInput(const quint8 *data, size_t size) {
    if (size == 0)
        return 0;
    const size_t messageSize = std::min<size_t>(data[0], size - 1);
    const QByteArrayView message(data + 1, qsizetype(messageSize));
    const QByteArray json(reinterpret_cast<const char *>(data + 1 + messageSize),
                          qsizetype(size - 1 - messageSize));

    const RulesParseResult result = parseRules(json);
    if (!result.ok()) {
        SOCKBENCH_FUZZ_CHECK(result.rules.rules.empty());
        return 0;
    }
    // What the editor saves, it must load again to the same rules.
    const QByteArray written = serializeRules(result.rules);
    const RulesParseResult back = parseRules(written);
    if (!back.ok())
        std::fprintf(stderr, "%s\n%s\n", qPrintable(back.error), written.constData());
    SOCKBENCH_FUZZ_CHECK(back.ok());
    SOCKBENCH_FUZZ_CHECK(serializeRules(back.rules) == written);
    SOCKBENCH_FUZZ_CHECK(back.rules.rules.size() == result.rules.rules.size());

    MessageContext context;
    context.seq = data[0];
    context.timeUs = qint64(data[0]) * 1'000'003'000'001LL - 100'000'000'000'000LL;
    context.peer = QStringLiteral("[::1]:65535");
    RuleBook book(back.rules);
    const std::vector<RuleAction> actions = evaluateRules(book.rules(), message, context);
    int previous = -1;
    for (size_t i = 0; i < actions.size(); ++i) {
        const RuleAction &action = actions[i];
        SOCKBENCH_FUZZ_CHECK(action.rule > previous && size_t(action.rule) < book.rules().rules.size());
        const Rule &rule = book.rules().rules[size_t(action.rule)];
        SOCKBENCH_FUZZ_CHECK(action.then == rule.then && action.delayMs == rule.delayMs);
        SOCKBENCH_FUZZ_CHECK(!action.sends || rule.hasReply);
        SOCKBENCH_FUZZ_CHECK(action.sends || action.reply.isEmpty());
        // Only "continue" lets a later rule fire.
        SOCKBENCH_FUZZ_CHECK(i + 1 == actions.size() || action.then == RuleThen::Continue);
        previous = action.rule;
        book.countHit(action.rule);
        SOCKBENCH_FUZZ_CHECK(!rule.matchSummary().isEmpty() && !rule.actionSummary().isEmpty());
    }
    return 0;
}
