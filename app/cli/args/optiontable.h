#pragma once

// How the command line's options are declared, read and described.
//
// Each option is declared once, as a typed object in its verb's table: its names, the name of its
// value, its --help text, the set it belongs to and the function that parses its value into the
// verb's state. One driver (readArguments) reads every verb by its table, --help is the table
// printed in order, and the tests hold the completions and the manual page to the tables.
//
// Why our own table and not QCommandLineParser: the command line's messages are pinned, word for
// word, by tests and scripts ("option '--udp' takes no value", "--sndbuf '0': expected a number
// of bytes from 1 to 1073741824", reported in the order the arguments come), and its --help is
// laid out by hand in sections with notes between the options. QCommandLineParser words its own
// errors, reads every argument before a value is checked, and lays out its help itself; matching
// its output afterwards would take more code than this driver, and it still could not take a
// value that starts with '-' after "--send" the way the grammar does.

#include "cli/args/argumentcursor.h"
#include "cli/cliargs.h"

#include <QString>
#include <QStringList>

#include <array>
#include <functional>
#include <vector>

namespace sockbench {

/// Options a verb checks together once all are read. The first one written of each set is kept,
/// as written ("-e" or "--echo"), for the message that names it.
enum class OptionSet : quint8 {
    None,
    NotWithReplay, ///< the verb's own payload or answer, which --replay replaces
    StreamOnly,    ///< acts on a byte stream (TCP)
    DatagramOnly,  ///< acts on datagrams (UDP)
};
constexpr int OptionSetCount = 4;

/// What --help, the completions and the manual page know of one option; or, without a name, a
/// line of --help's text between the options (a section's title, a note).
struct OptionInfo {
    // Initialised, so that a declaration names only what it has: {.longName = ..., .help = ...}.
    QString longName{};  ///< "--udp"; empty: a line of text, `help`
    QString shortName{}; ///< "-u", or empty
    QString valueName{}; ///< "TEXT"; empty: a flag
    QString help{};      ///< the description; each '\n' starts a line under the description column
    OptionSet set = OptionSet::None;
    bool sameLine = false; ///< --help lists it on the line of the option before it: "--crlf, --lf"

    bool isText() const { return longName.isEmpty(); }
    bool takesValue() const { return !valueName.isEmpty(); }
};

/// One option of a verb whose arguments are read into a State.
template <typename State> struct CliOption {
    /// Parses the value (empty for a flag) into the state; returns an error message or empty. The
    /// name is the one written ("-u" or "--udp").
    using Parser = std::function<QString(State &state, const QString &name, const QString &value)>;

    OptionInfo info;
    Parser parse; ///< empty for a line of text

    /// The same option described otherwise, for a verb in which it means a little more.
    CliOption described(const QString &help) const {
        CliOption option = *this;
        option.info.help = help;
        return option;
    }
    /// The same option listed on the previous option's line of --help, which describes both.
    CliOption onSameLine() const {
        CliOption option = *this;
        option.info.sameLine = true;
        option.info.help.clear();
        return option;
    }
};

/// A line of --help's text between options.
template <typename State> CliOption<State> helpLine(const QString &text) {
    return {{.help = text}, {}};
}

/// What reading a verb's arguments leaves besides the state: the positionals and the first option
/// of each OptionSet.
struct ArgumentsRead {
    QStringList positionals;
    std::array<QString, OptionSetCount> first;

    /// The first option of the set, as written; empty when none was given.
    const QString &firstOf(OptionSet set) const { return first.at(size_t(set)); }
};

ParsedCommandLine usageError(CliVerb verb, const QString &message);
QString quoted(const QString &text);

/// Reads a verb's arguments by its table; returns an error message (the first one met) or empty.
template <typename State>
QString readArguments(const QStringList &arguments, const std::vector<CliOption<State>> &table, State &state,
                      ArgumentsRead *read) {
    ArgumentCursor cursor(arguments);
    while (!cursor.atEnd()) {
        cursor.next();
        if (cursor.isSeparator())
            continue;
        if (!cursor.isOption()) {
            read->positionals << cursor.current();
            continue;
        }
        const QString name = cursor.current();
        const CliOption<State> *option = nullptr;
        for (const CliOption<State> &o : table) {
            if (!o.info.isText() && (o.info.longName == name || o.info.shortName == name))
                option = &o;
        }
        // An unknown option written with "=value" is said to take no value, as a flag would be.
        const bool takesValue = option && option->info.takesValue();
        if (!takesValue && cursor.hasInlineValue())
            return QStringLiteral("option %1 takes no value").arg(quoted(name));
        if (!option)
            return QStringLiteral("unknown option %1").arg(quoted(name));
        QString &first = read->first.at(size_t(option->info.set));
        if (option->info.set != OptionSet::None && first.isEmpty())
            first = name;
        QString value;
        if (takesValue) {
            const std::optional<QString> given = cursor.value();
            if (!given)
                return QStringLiteral("option %1 needs a value").arg(quoted(name));
            value = *given;
        }
        if (const QString why = option->parse(state, name, value); !why.isEmpty())
            return why;
    }
    return {};
}

/// The option lines of --help: each option's names and value at the left, its description from
/// `column` on (on the next line's column when the names reach it), lines of text as they are.
QString formatOptions(const std::vector<OptionInfo> &options, int column);

/// A verb as the program knows it: made by makeVerbGrammar() from the verb's declaration.
struct VerbGrammar {
    CliVerb verb = CliVerb::None;
    QString name;     ///< "listen"
    QString operands; ///< "ADDRESS:PORT", for the program's usage lines
    QString usage;    ///< the verb's --help
    std::vector<OptionInfo> options;
    std::function<ParsedCommandLine(const QStringList &arguments)> parse;
};

/// Everything a verb declares: one table of options and one function that finishes the parse.
/// State is made from the ParsedCommandLine the verb fills (it keeps references into it).
template <typename State> struct VerbDeclaration {
    CliVerb verb = CliVerb::None;
    QString name;
    QString operands;
    QString synopsis; ///< --help before the options: the usage lines and what the verb does
    int helpColumn = 19;
    std::vector<CliOption<State>> options;
    /// Checks what the options say together, once all are read, and completes the verb's
    /// arguments; returns an error message or empty.
    QString (*finish)(State &state, const ArgumentsRead &read) = nullptr;
};

template <typename State> VerbGrammar makeVerbGrammar(VerbDeclaration<State> declared) {
    VerbGrammar grammar;
    grammar.verb = declared.verb;
    grammar.name = declared.name;
    grammar.operands = declared.operands;
    for (const CliOption<State> &option : declared.options)
        grammar.options.push_back(option.info);
    grammar.usage = declared.synopsis + formatOptions(grammar.options, declared.helpColumn);
    grammar.parse = [declared = std::move(declared)](const QStringList &arguments) {
        ParsedCommandLine result;
        result.action = ParsedCommandLine::Action::Run;
        result.verb = declared.verb;
        QString error;
        {
            State state(result);
            ArgumentsRead read;
            error = readArguments(arguments, declared.options, state, &read);
            if (error.isEmpty())
                error = declared.finish(state, read);
        }
        return error.isEmpty() ? result : usageError(declared.verb, error);
    };
    return grammar;
}

} // namespace sockbench
