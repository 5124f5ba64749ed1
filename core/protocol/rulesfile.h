#pragma once

// Reading response rules, one way for every reader: a rules file on disk (the command line's
// --rules, the rules editor's Load) through readRulesFile(), a rules object inside another file
// (a session's "rules") through parseRules(const QJsonObject &, overrides) of rules.h. Both check
// the rules against the frame they will really run under, so that --frame and --max-message
// (RulesOverrides) replace the file's "frame" and "max_message" without writing the file again.
// The error texts are the parser's (rules.h): where in the file, and why.

#include "protocol/rules.h"

#include <QString>

namespace sockbench {

struct RulesFileResult {
    RuleSet rules;
    /// The file could not be read: the system's reason ("No such file or directory").
    QString fileError;
    /// It was read, but is not a valid rules file: RulesParseResult::error, e.g.
    /// `rules[2].match.hex: 'G' is not a hex digit`, or the line and column of a JSON syntax error.
    QString error;
    bool ok() const { return fileError.isEmpty() && error.isEmpty(); }
    /// fileError or error, whichever is set: for callers that say both alike.
    QString problem() const { return fileError.isEmpty() ? error : fileError; }
};

/// Reads and checks the rules file at path, with the frame and maximum message size of overrides
/// in place of the file's own when given.
RulesFileResult readRulesFile(const QString &path, const RulesOverrides &overrides = {});

} // namespace sockbench
