#pragma once

#include <QString>

namespace sockbench {

/// True when argv asks for the headless command line rather than the window.
bool isCommandLineInvocation(int argc, char *argv[]);

/// The session file `sockbench FILE.sockbench` opens the window with; empty when there is none.
QString sessionFileInvocation(int argc, char *argv[]);

/// Runs `sockbench VERB ...`, --help or --version without any display, and returns the exit code
/// (0 success, 1 network failure, 2 usage error).
int runCommandLine(int argc, char *argv[]);

} // namespace sockbench
