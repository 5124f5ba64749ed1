#pragma once

#include <QByteArray>
#include <QString>

#include <memory>

namespace sockbench {

/// A rule's regular expression, compiled once with PCRE2 (8-bit, JIT when the machine has it) and
/// matched straight against a message's bytes: no QString per message, no lock, and a budget per
/// match.
///
/// The message is read as Latin-1 (every byte is one character, so any byte can match) or, with
/// `utf8`, as UTF-8, where a message that is not valid UTF-8 is matched as QString::fromUtf8 would
/// read it (each bad sequence a U+FFFD). Captures are the message's own bytes in either case.
///
/// Each match may take at most MatchLimit steps of PCRE2's matcher (its match limit): a pattern
/// like ^(a+)+$ meeting a hostile line gives up in well under a millisecond instead of holding its
/// reactor for tens of them, and the caller treats that as no match and says so.
///
/// Copies share the compiled pattern, which is read-only; any thread may match. Each thread uses
/// its own match data (thread-local), so a reactor never waits on another's match.
class RulePattern final {
public:
    /// Steps (PCRE2's match limit) one match may take before it gives up. With the JIT, ^(a+)+$
    /// against 40 a's and a '!' reaches it in 0.25-0.45 ms on this project's 2-core machine under
    /// load: a message costs well under the 1 ms goal even with a few such rules.
    static constexpr quint32 MatchLimit = 200000;

    enum class Outcome : quint8 { NoMatch, Match, GaveUp };

    /// What a match captured: byte ranges of `subject`, which is the message itself, or its
    /// repaired copy (`repaired`) when a UTF-8 pattern meets bytes that are not UTF-8.
    struct Captures {
        static constexpr int Max = 9; ///< \1 ... \9: what a reply can insert
        QByteArrayView subject;
        QByteArray repaired;
        qsizetype start[Max + 1] = {};
        qsizetype end[Max + 1] = {}; ///< -1 for a group that took no part
        /// Group n's bytes (0: the whole match); empty for one that took no part.
        QByteArrayView group(int n) const {
            return n <= Max && start[n] >= 0 ? subject.sliced(start[n], end[n] - start[n]) : QByteArrayView();
        }
    };

    RulePattern() = default;

    /// Compiles `pattern`. On failure returns false with the reason and its offset in the pattern
    /// (in characters): the caller's message for the user.
    bool compile(const QString &pattern, bool utf8, QString *error, qsizetype *errorOffset);
    bool isValid() const { return bool(m_code); }
    int captureCount() const { return m_captureCount; }

    /// Matches `message`, filling *captures on a match.
    Outcome match(QByteArrayView message, Captures *captures) const;

private:
    struct Code;
    std::shared_ptr<const Code> m_code;
    int m_captureCount = 0;
    bool m_utf8 = false;
};

/// A warning for a pattern that can take exponential time: a group with an unbounded quantifier
/// (+, * or {n,}) inside that is itself repeated without bound, as in (a+)+ or (\w*\s?)*. Empty
/// when none is found. A heuristic for the rules editor; the match limit is the guarantee.
QString nestedQuantifierWarning(const QString &pattern);

} // namespace sockbench
