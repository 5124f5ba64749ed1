#include "cli/cliargs.h"

#include "cli/args/verbs.h"

#include <QFileInfo>

#include <algorithm>
#include <optional>

namespace sockbench {

std::span<const VerbGrammar *const> verbGrammars() {
    // Adding a verb: one line here (and its file under cli/args/).
    static const VerbGrammar *const verbs[] = {
        &listenGrammar(),
        &connectGrammar(),
        &relayGrammar(),
    };
    return verbs;
}

const VerbGrammar *verbGrammar(CliVerb verb) {
    for (const VerbGrammar *grammar : verbGrammars()) {
        if (grammar->verb == verb)
            return grammar;
    }
    return nullptr;
}

namespace {

// Options QGuiApplication/QApplication consume themselves; they may precede nothing else when the
// window is wanted. The value tells whether the option takes an argument.
struct QtOption {
    const char *name;
    bool hasValue;
};
constexpr QtOption QtOptions[] = {
    {"platform", true},
    {"platformpluginpath", true},
    {"platformtheme", true},
    {"plugin", true},
    {"qwindowgeometry", true},
    {"qwindowicon", true},
    {"qwindowtitle", true},
    {"display", true},
    {"geometry", true},
    {"style", true},
    {"stylesheet", true},
    {"session", true},
    {"name", true},
    {"title", true},
    {"visual", true},
    {"ncols", true},
    {"cmap", true},
    {"fn", true},
    {"font", true},
    {"bg", true},
    {"background", true},
    {"fg", true},
    {"foreground", true},
    {"btn", true},
    {"button", true},
    {"reverse", false},
    {"widgetcount", false},
    {"nograb", false},
    {"dograb", false},
    {"sync", false},
    {"testability", false},
    {"qmljsdebugger", false},
};

std::optional<QtOption> qtOption(const QString &argument) {
    QStringView name(argument);
    if (name.startsWith(u"--"))
        name = name.mid(2);
    else if (name.startsWith(u'-'))
        name = name.mid(1);
    else
        return std::nullopt;
    const qsizetype eq = name.indexOf(u'=');
    const bool inlineValue = eq >= 0;
    if (inlineValue)
        name = name.left(eq);
    for (const QtOption &option : QtOptions) {
        if (name == QLatin1StringView(option.name))
            return QtOption{option.name, option.hasValue && !inlineValue};
    }
    return std::nullopt;
}

bool isHelp(const QString &a) {
    return a == u"--help" || a == u"-h" || a == u"-?";
}
bool isVersion(const QString &a) {
    return a == u"--version" || a == u"-V";
}

const VerbGrammar *verbNamed(const QString &name) {
    for (const VerbGrammar *grammar : verbGrammars()) {
        if (grammar->name == name)
            return grammar;
    }
    return nullptr;
}

/// "listen, connect, relay" (separator ", ") or "listen | connect | relay".
QString verbNames(const QString &separator) {
    QStringList names;
    for (const VerbGrammar *grammar : verbGrammars())
        names << grammar->name;
    return names.join(separator);
}

/// The program's usage lines for the verbs: "       sockbench listen  [OPTIONS] ADDRESS:PORT".
QString verbUsageLines() {
    qsizetype width = 0;
    for (const VerbGrammar *grammar : verbGrammars())
        width = std::max(width, grammar->name.size());
    QString lines;
    for (const VerbGrammar *grammar : verbGrammars())
        lines += QStringLiteral("       sockbench %1 [OPTIONS] %2\n")
                     .arg(grammar->name.leftJustified(width), grammar->operands);
    return lines;
}

} // namespace

QString verbName(CliVerb verb) {
    const VerbGrammar *grammar = verbGrammar(verb);
    return grammar ? grammar->name : QString();
}

QString sessionFileArgument(const QStringList &arguments) {
    QStringList own;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const std::optional<QtOption> option = qtOption(arguments.at(i));
        if (!option)
            own.append(arguments.at(i));
        else if (option->hasValue)
            ++i;
    }
    if (own.size() != 1)
        return {};
    const QString &candidate = own.first();
    // A verb stays a verb even when a file of that name lies in the current directory; an option
    // (--help) is never a file.
    if (candidate.isEmpty() || candidate.startsWith(u'-') || verbNamed(candidate) || candidate == u"help")
        return {};
    if (candidate.endsWith(QLatin1String(".sockbench"), Qt::CaseInsensitive) || QFileInfo(candidate).isFile())
        return candidate;
    return {};
}

bool wantsCommandLine(const QStringList &arguments) {
    if (!sessionFileArgument(arguments).isEmpty())
        return false;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const std::optional<QtOption> option = qtOption(arguments.at(i));
        if (!option)
            return true;
        if (option->hasValue)
            ++i;
    }
    return false;
}

ParsedCommandLine parseCommandLine(const QStringList &arguments) {
    ParsedCommandLine result;
    if (arguments.isEmpty())
        return result;
    const QString &first = arguments.first();
    const QStringList rest = arguments.mid(1);
    if (const VerbGrammar *grammar = verbNamed(first)) {
        for (const QString &a : rest) {
            if (a == u"--")
                break;
            if (isHelp(a)) {
                result.action = ParsedCommandLine::Action::Help;
                result.verb = grammar->verb;
                return result;
            }
        }
        return grammar->parse(rest);
    }
    if (isHelp(first) || first == u"help") {
        result.action = ParsedCommandLine::Action::Help;
        const QString topic = rest.value(0);
        if (const VerbGrammar *grammar = verbNamed(topic))
            result.verb = grammar->verb;
        else if (!topic.isEmpty())
            return usageError(CliVerb::None, QStringLiteral("no help on %1").arg(quoted(topic)));
        return result;
    }
    if (isVersion(first)) {
        result.action = ParsedCommandLine::Action::Version;
        return result;
    }
    if (first.startsWith(u'-'))
        return usageError(CliVerb::None, QStringLiteral("unknown option %1").arg(quoted(first)));
    return usageError(CliVerb::None, QStringLiteral("unknown command %1 (commands: %2)")
                                         .arg(quoted(first), verbNames(QStringLiteral(", "))));
}

QString usageHint(CliVerb verb) {
    if (verb == CliVerb::None)
        return QStringLiteral("Try 'sockbench --help'.");
    return QStringLiteral("Try 'sockbench %1 --help'.").arg(verbName(verb));
}

QString usageText(CliVerb verb) {
    if (const VerbGrammar *grammar = verbGrammar(verb))
        return grammar->usage;
    return QStringLiteral(
               "Usage: sockbench [FILE]               open the window (with FILE: a .sockbench session,\n"
               "                                      or a .pcapng, .pcap or .cap capture, read-only)\n") +
           verbUsageLines() +
           QStringLiteral("       sockbench help [%1]\n").arg(verbNames(QStringLiteral(" | "))) +
           QStringLiteral(
               "       sockbench --version\n"
               "\n"
               "A TCP/UDP socket workbench. With a command it runs headless (no display needed) on the\n"
               "same engine as the window. 'sockbench COMMAND --help' describes each command.\n"
               "\n"
               "Exit status: 0 success, 1 network failure, 2 usage error.\n");
}

} // namespace sockbench
