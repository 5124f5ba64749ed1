#pragma once

// The verbs of the command line. Adding one: its file (one option table, one finish function,
// and its grammar function below), and one line in verbGrammars() (cliargs.cpp).

#include "cli/args/optiontable.h"

#include <span>

namespace sockbench {

const VerbGrammar &listenGrammar();
const VerbGrammar &connectGrammar();
const VerbGrammar &relayGrammar();

/// Every verb, in the order the program's --help lists them.
std::span<const VerbGrammar *const> verbGrammars();

/// The verb's grammar; null for CliVerb::None.
const VerbGrammar *verbGrammar(CliVerb verb);

} // namespace sockbench
