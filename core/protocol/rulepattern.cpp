#include "protocol/rulepattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <QLocale>

#include <vector>

namespace sockbench {

struct RulePattern::Code {
    pcre2_code *code = nullptr;
    ~Code() { pcre2_code_free(code); }
};

namespace {

/// Each thread's own match data, match context (with the budget) and JIT stack: a reactor
/// matches without a lock and without allocating.
class ThreadMatcher final {
public:
    ThreadMatcher()
        : m_data(pcre2_match_data_create(RulePattern::Captures::Max + 1, nullptr))
        , m_context(pcre2_match_context_create(nullptr))
        , m_stack(pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr)) {
        pcre2_set_match_limit(m_context, RulePattern::MatchLimit);
        if (m_stack)
            pcre2_jit_stack_assign(m_context, nullptr, m_stack);
    }
    ~ThreadMatcher() {
        pcre2_jit_stack_free(m_stack);
        pcre2_match_context_free(m_context);
        pcre2_match_data_free(m_data);
    }
    Q_DISABLE_COPY_MOVE(ThreadMatcher)

    static ThreadMatcher &mine() {
        static thread_local ThreadMatcher matcher;
        return matcher;
    }

    pcre2_match_data *data() const { return m_data; }
    pcre2_match_context *context() const { return m_context; }

private:
    pcre2_match_data *m_data;
    pcre2_match_context *m_context;
    pcre2_jit_stack *m_stack;
};

QString pcre2Message(int code) {
    PCRE2_UCHAR buffer[256];
    const int n = pcre2_get_error_message(code, buffer, sizeof buffer);
    return n > 0 ? QString::fromLatin1(reinterpret_cast<const char *>(buffer), n)
                 : QStringLiteral("error %1").arg(code);
}

} // namespace

bool RulePattern::compile(const QString &pattern, bool utf8, QString *error, qsizetype *errorOffset) {
    m_code.reset();
    m_captureCount = 0;
    m_utf8 = utf8;
    if (!utf8) {
        // The caller says which character is not Latin-1, and how to read messages as UTF-8.
        for (qsizetype i = 0; i < pattern.size(); ++i) {
            if (pattern[i].unicode() > 0xFF) {
                *error = QStringLiteral("not in Latin-1");
                *errorOffset = i;
                return false;
            }
        }
    }
    const QByteArray bytes = utf8 ? pattern.toUtf8() : pattern.toLatin1();
    int code = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code *compiled =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(bytes.constData()), PCRE2_SIZE(bytes.size()),
                      utf8 ? PCRE2_UTF : 0, &code, &offset, nullptr);
    if (!compiled) {
        *error = pcre2Message(code);
        // PCRE2 counts bytes; the user counts characters.
        const QByteArray before = bytes.left(qsizetype(offset));
        *errorOffset = utf8 ? QString::fromUtf8(before).size() : before.size();
        return false;
    }
    // Without JIT (a machine it does not support) pcre2_match interprets: slower, same answers.
    pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE);
    uint32_t groups = 0;
    pcre2_pattern_info(compiled, PCRE2_INFO_CAPTURECOUNT, &groups);
    auto owner = std::make_shared<Code>();
    owner->code = compiled;
    m_code = std::move(owner);
    m_captureCount = int(groups);
    return true;
}

RulePattern::Outcome RulePattern::match(QByteArrayView message, Captures *captures) const {
    if (!m_code)
        return Outcome::NoMatch;
    QByteArrayView subject = message;
    if (m_utf8 && !message.isValidUtf8()) {
        // As QString::fromUtf8 reads it: each bad sequence one U+FFFD.
        captures->repaired = QString::fromUtf8(message).toUtf8();
        subject = captures->repaired;
    }
    ThreadMatcher &matcher = ThreadMatcher::mine();
    const int rc =
        pcre2_match(m_code->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), PCRE2_SIZE(subject.size()), 0,
                    m_utf8 ? PCRE2_NO_UTF_CHECK : 0, matcher.data(), matcher.context());
    if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_PARTIAL)
        return Outcome::NoMatch;
    if (rc < 0) // the match limit, or JIT's stack or the heap limit: the budget ran out
        return Outcome::GaveUp;
    // rc == 0: more groups than the match data holds; those past \9 are never used.
    const PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(matcher.data());
    const int set = rc == 0 ? Captures::Max + 1 : rc;
    captures->subject = subject;
    for (int n = 0; n <= Captures::Max; ++n) {
        const bool took = n < set && ovector[2 * n] != PCRE2_UNSET;
        captures->start[n] = took ? qsizetype(ovector[2 * n]) : -1;
        captures->end[n] = took ? qsizetype(ovector[2 * n + 1]) : -1;
    }
    return Outcome::Match;
}

QString nestedQuantifierWarning(const QString &pattern) {
    struct Group {
        qsizetype start = 0;
        bool atomic = false;    ///< (?>...): gives back nothing, so cannot blow up
        bool unbounded = false; ///< something inside repeats without bound
    };
    std::vector<Group> groups{Group{}};
    const qsizetype n = pattern.size();
    // The quantifier at i, if any: its length, whether unbounded, whether possessive (no backtracking).
    const auto quantifier = [&](qsizetype i, bool *unbounded) -> qsizetype {
        *unbounded = false;
        if (i >= n)
            return 0;
        qsizetype length = 0;
        const QChar c = pattern[i];
        if (c == u'*' || c == u'+') {
            *unbounded = true;
            length = 1;
        } else if (c == u'?') {
            length = 1;
        } else if (c == u'{') {
            const qsizetype close = pattern.indexOf(u'}', i);
            if (close < 0)
                return 0;
            const QStringView body = QStringView(pattern).sliced(i + 1, close - i - 1);
            const qsizetype comma = body.indexOf(u',');
            bool ok = false;
            (void)body.left(comma < 0 ? body.size() : comma).toUInt(&ok);
            if (!ok)
                return 0; // a literal '{'
            *unbounded = comma >= 0 && body.sliced(comma + 1).trimmed().isEmpty();
            length = close - i + 1;
        } else {
            return 0;
        }
        if (i + length < n && pattern[i + length] == u'+') {
            *unbounded = false; // possessive: never backtracks into what it took
            ++length;
        } else if (i + length < n && pattern[i + length] == u'?') {
            ++length; // lazy: backtracks all the same
        }
        return length;
    };
    qsizetype i = 0;
    while (i < n) {
        const QChar c = pattern[i];
        bool unbounded = false;
        if (c == u'(') {
            groups.push_back(Group{i, pattern.mid(i, 3) == QLatin1String("(?>"), false});
            ++i;
            continue;
        }
        qsizetype atomEnd = i + 1;
        if (c == u'\\') {
            if (pattern.mid(i, 2) == QLatin1String("\\Q")) {
                const qsizetype end = pattern.indexOf(QLatin1String("\\E"), i + 2);
                i = end < 0 ? n : end + 2;
                continue;
            }
            atomEnd = std::min(n, i + 2);
        } else if (c == u'[') {
            qsizetype k = i + 1;
            if (k < n && pattern[k] == u'^')
                ++k;
            if (k < n && pattern[k] == u']')
                ++k;
            while (k < n && pattern[k] != u']')
                k += pattern[k] == u'\\' ? 2 : 1;
            atomEnd = std::min(n, k + 1);
        } else if (c == u')') {
            if (groups.size() < 2) { // an unbalanced ')' is the compiler's to report
                ++i;
                continue;
            }
            const Group inner = groups.back();
            groups.pop_back();
            const qsizetype q = quantifier(i + 1, &unbounded);
            const bool risky = inner.unbounded && !inner.atomic;
            if (unbounded && risky) {
                const QString group = pattern.mid(inner.start, i + 1 - inner.start + q);
                return QStringLiteral(
                           "nested quantifiers in %1: a repeated group that itself repeats can take "
                           "exponential time on a message that almost matches. Such a match gives up "
                           "after %2 steps and counts as no match; an atomic group (?>...) or a "
                           "possessive quantifier (++, *+) avoids it")
                    .arg(group, QLocale(QLocale::English).toString(qulonglong(RulePattern::MatchLimit)));
            }
            groups.back().unbounded = groups.back().unbounded || unbounded || risky;
            i += 1 + q;
            continue;
        }
        const qsizetype q = quantifier(atomEnd, &unbounded);
        groups.back().unbounded = groups.back().unbounded || unbounded;
        i = atomEnd + q;
    }
    return {};
}

} // namespace sockbench
