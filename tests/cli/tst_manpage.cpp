// The manual page (packaging/man/sockbench.1, maintained by hand) and the command line's option
// tables (app/cli/args/, from which --help is made) must not drift apart: the same commands, the
// same options for each, with the same value name, and every option the page names must parse. A
// change to either without the other fails here.

#include "cli/args/verbs.h"
#include "cli/cliargs.h"

#include <QFile>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace sockbench;

namespace {

/// Where an option is described: the program (CliVerb::None) or a command.
using Scope = CliVerb;
/// Option name ("--greet", "-u") -> its argument placeholder ("TEXT", or empty for a flag).
using Definitions = QMap<QString, QString>;

/// Aliases the parser accepts that --help leaves out to stay short; the page lists them.
const QSet<QString> ProgramAliases = {QStringLiteral("-h"), QStringLiteral("-?"), QStringLiteral("-V")};

QSet<QString> optionNames(const QString &text) {
    static const QRegularExpression option(QStringLiteral(R"((?<![\w-])(-\?|--?[A-Za-z][A-Za-z0-9-]*))"));
    QSet<QString> names;
    for (const QRegularExpressionMatch &m : option.globalMatch(text))
        names.insert(m.captured(1));
    return names;
}

QSet<QString> longOnly(const QSet<QString> &names) {
    QSet<QString> result;
    for (const QString &n : names) {
        if (n.startsWith(u"--"))
            result.insert(n);
    }
    return result;
}

/// Reads "-u, --udp  text", "--greet TEXT  text" or "--crlf, --lf  text": leading options, then
/// an upper-case placeholder if one follows; or, with wholeValue (a man page's tag line, which
/// has no description), everything after the names: "--keepalive IDLE,INTERVAL,COUNT".
void readDefinition(const QString &line, Definitions *out, bool wholeValue = false) {
    static const QRegularExpression placeholder(QStringLiteral(R"(^[A-Z][A-Z0-9_]*(\[%[A-Z0-9_]+\])?$)"));
    const QStringList words = line.simplified().split(u' ', Qt::SkipEmptyParts);
    QStringList names;
    qsizetype i = 0;
    while (i < words.size() && words.at(i).startsWith(u'-')) {
        const QString &word = words.at(i++);
        const bool more = word.endsWith(u',');
        names << (more ? word.chopped(1) : word);
        if (!more)
            break;
    }
    const QString argument = wholeValue ? words.mid(i).join(u' ')
                             : i < words.size() && placeholder.match(words.at(i)).hasMatch() ? words.at(i)
                                                                                             : QString();
    for (const QString &name : std::as_const(names))
        out->insert(name, argument);
}

QString describe(const Definitions &d) {
    QStringList parts;
    for (auto it = d.cbegin(); it != d.cend(); ++it)
        parts << (it.value().isEmpty() ? it.key() : it.key() + u' ' + it.value());
    return parts.join(QStringLiteral(", "));
}

QString describe(const QSet<QString> &s) {
    QStringList list(s.cbegin(), s.cend());
    list.sort();
    return list.join(QStringLiteral(", "));
}

struct HelpText {
    Definitions definitions; ///< from the indented option lines
    QSet<QString> mentioned; ///< every option named anywhere in the text
};

HelpText helpText(Scope scope) {
    HelpText help;
    const QString text = usageText(scope);
    static const QRegularExpression optionLine(QStringLiteral(R"(^\s+-)"));
    for (const QString &line : text.split(u'\n')) {
        if (optionLine.match(line).hasMatch())
            readDefinition(line, &help.definitions);
    }
    help.mentioned = optionNames(text);
    return help;
}

/// The page as the test reads it: roff reduced to plain text, by scope.
struct ManPage {
    QString title;                        ///< the .TH line
    QStringList commands;                 ///< .SS headings under COMMANDS
    QMap<Scope, Definitions> definitions; ///< .TP tag lines under OPTIONS, .SS listen, .SS connect
    QMap<Scope, QSet<QString>> mentioned; ///< every option named in those parts
    QMap<Scope, QSet<QString>> synopsis;  ///< options in each command's SYNOPSIS lines
    bool ok = false;
};

/// Splits macro arguments, honouring double quotes.
QStringList macroArguments(const QString &text) {
    QStringList args;
    QString current;
    bool quoted = false;
    bool any = false;
    for (const QChar c : text) {
        if (c == u'"') {
            quoted = !quoted;
            any = true;
        } else if (c == u' ' && !quoted) {
            if (any || !current.isEmpty())
                args << current;
            current.clear();
            any = false;
        } else {
            current += c;
        }
    }
    if (any || !current.isEmpty())
        args << current;
    return args;
}

/// One roff line as the reader sees it (fonts dropped, escapes resolved); macros other than
/// the font ones give nothing.
QString plain(const QString &line) {
    QString text = line;
    if (text.startsWith(u'.')) {
        const qsizetype space = text.indexOf(u' ');
        const QString macro = text.mid(1, space < 0 ? -1 : space - 1);
        const QString rest = space < 0 ? QString() : text.mid(space + 1);
        static const QSet<QString> alternating = {
            QStringLiteral("BR"), QStringLiteral("RB"), QStringLiteral("BI"),
            QStringLiteral("IB"), QStringLiteral("IR"), QStringLiteral("RI"),
        };
        if (macro == u"B" || macro == u"I")
            text = macroArguments(rest).join(u' ');
        else if (alternating.contains(macro))
            text = macroArguments(rest).join(QString());
        else
            return {};
    }
    static const QRegularExpression font(QStringLiteral(R"(\\f(\(..|\[[^\]]*\]|.))"));
    text.remove(font);
    text.replace(QStringLiteral("\\-"), QStringLiteral("-"));
    text.replace(QStringLiteral("\\(aq"), QStringLiteral("'"));
    text.remove(QStringLiteral("\\%"));
    text.remove(QStringLiteral("\\&"));
    text.replace(QStringLiteral("\\e"), QStringLiteral("\\"));
    return text;
}

std::optional<Scope> commandScope(const QString &name) {
    for (const VerbGrammar *grammar : verbGrammars()) {
        if (grammar->name == name)
            return grammar->verb;
    }
    return std::nullopt;
}

ManPage readManPage() {
    ManPage page;
    QFile file(QStringLiteral(SOCKBENCH_MANPAGE));
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return page;
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n');
    QString section;
    std::optional<Scope> scope;
    std::optional<Scope> synopsisScope;
    bool tagNext = false;
    for (const QString &raw : lines) {
        if (raw.startsWith(u".\\\""))
            continue; // comment
        if (raw.startsWith(u".TH "))
            page.title = raw;
        if (raw.startsWith(u".SH ")) {
            section = macroArguments(raw.mid(4)).join(u' ');
            scope = section == u"OPTIONS" ? std::optional<Scope>(CliVerb::None) : std::nullopt;
            continue;
        }
        if (raw.startsWith(u".SS ")) {
            const QString name = macroArguments(raw.mid(4)).join(u' ');
            if (section == u"COMMANDS")
                page.commands << name;
            scope = section == u"COMMANDS" ? commandScope(name) : std::nullopt;
            continue;
        }
        if (raw == u".TP" || raw.startsWith(u".TP ")) {
            tagNext = true;
            continue;
        }
        const QString text = plain(raw);
        if (section == u"SYNOPSIS") {
            const QStringList words = text.split(u' ', Qt::SkipEmptyParts);
            if (!text.startsWith(u' ') && !words.isEmpty())
                synopsisScope = words.value(0) == u"sockbench" ? commandScope(words.value(1)) : std::nullopt;
            if (synopsisScope)
                page.synopsis[*synopsisScope].unite(optionNames(text));
        }
        if (tagNext && !text.isEmpty()) {
            if (scope)
                readDefinition(text, &page.definitions[*scope], true);
            tagNext = false;
        }
        if (scope)
            page.mentioned[*scope].unite(optionNames(text));
    }
    page.ok = true;
    return page;
}

/// The options a verb's table declares: each name (long and short) and its value name.
Definitions declared(Scope scope) {
    Definitions d;
    for (const OptionInfo &option : verbGrammar(scope)->options) {
        if (option.isText())
            continue;
        d.insert(option.longName, option.valueName);
        if (!option.shortName.isEmpty())
            d.insert(option.shortName, option.valueName);
    }
    return d;
}

QSet<QString> namesOf(const Definitions &d) {
    const QList<QString> keys = d.keys();
    return QSet<QString>(keys.cbegin(), keys.cend());
}

} // namespace

class TestManPage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void title();
    void commands();
    void commandOptions_data();
    void commandOptions();
    void helpListsEveryOption_data();
    void helpListsEveryOption();
    void synopsis_data();
    void synopsis();
    void mentionedOptionsAreDefined_data();
    void mentionedOptionsAreDefined();
    void programOptions();
    void everyOptionParses_data();
    void everyOptionParses();

private:
    ManPage m_page;
};

void TestManPage::initTestCase() {
    m_page = readManPage();
    QVERIFY2(m_page.ok, "cannot read " SOCKBENCH_MANPAGE);
    // Guards against a reader that silently finds nothing, which would make every comparison pass.
    QVERIFY(m_page.definitions.value(CliVerb::Listen).size() >= 10);
    QVERIFY(m_page.definitions.value(CliVerb::Connect).size() >= 15);
    QVERIFY(helpText(CliVerb::Listen).definitions.size() >= 10);
    QVERIFY(helpText(CliVerb::Connect).definitions.size() >= 15);
    QVERIFY(m_page.definitions.value(CliVerb::Relay).size() >= 20);
    QVERIFY(helpText(CliVerb::Relay).definitions.size() >= 20);
}

void TestManPage::title() {
    // The page says which version it describes; a release bumps both.
    QVERIFY2(m_page.title.contains(QStringLiteral("\"Sockbench " SOCKBENCH_VERSION "\"")),
             qPrintable(m_page.title));
}

void TestManPage::commands() {
    static const QRegularExpression usageLine(QStringLiteral(R"(^(?:Usage:)?\s*sockbench (\w+))"));
    QStringList help;
    for (const QString &line : usageText(CliVerb::None).split(u'\n')) {
        const QRegularExpressionMatch m = usageLine.match(line);
        if (m.hasMatch())
            help << m.captured(1);
    }
    QStringList page = m_page.commands;
    help.sort();
    page.sort();
    QCOMPARE(page, help);
    QStringList verbs{QStringLiteral("help")};
    for (const VerbGrammar *grammar : verbGrammars())
        verbs << grammar->name;
    verbs.sort();
    QCOMPARE(page, verbs);
    QCOMPARE(page, (QStringList{"connect", "help", "listen", "relay"}));
}

void TestManPage::commandOptions_data() {
    QTest::addColumn<QString>("command");
    // Every command of the tables: a new one fails here until the page describes it.
    for (const VerbGrammar *grammar : verbGrammars())
        QTest::newRow(qPrintable(grammar->name)) << grammar->name;
}

void TestManPage::commandOptions() {
    // The page defines each option the command declares, with the same value name, and no other.
    QFETCH(QString, command);
    const Scope scope = *commandScope(command);
    const Definitions table = declared(scope);
    const Definitions page = m_page.definitions.value(scope);
    QVERIFY2(page == table,
             qPrintable(QStringLiteral("man page: %1\n   tables: %2").arg(describe(page), describe(table))));
}

void TestManPage::helpListsEveryOption_data() {
    commandOptions_data();
}

void TestManPage::helpListsEveryOption() {
    // --help is made from the table: each option on a line of its own, or beside its partner.
    QFETCH(QString, command);
    const Scope scope = *commandScope(command);
    const QSet<QString> table = namesOf(declared(scope));
    const QSet<QString> help = namesOf(helpText(scope).definitions);
    QVERIFY2(help == table,
             qPrintable(QStringLiteral("--help: %1\nTables: %2").arg(describe(help), describe(table))));
}

void TestManPage::synopsis_data() {
    commandOptions_data();
}

void TestManPage::synopsis() {
    // The page's SYNOPSIS names every long option of the command, and nothing else.
    QFETCH(QString, command);
    const Scope scope = *commandScope(command);
    const QSet<QString> synopsis = m_page.synopsis.value(scope);
    const QSet<QString> defined = longOnly(namesOf(m_page.definitions.value(scope)));
    QVERIFY2(
        synopsis == defined,
        qPrintable(QStringLiteral("SYNOPSIS: %1\n defined: %2").arg(describe(synopsis), describe(defined))));
}

void TestManPage::mentionedOptionsAreDefined_data() {
    commandOptions_data();
}

void TestManPage::mentionedOptionsAreDefined() {
    // Prose may name only options that exist: in the page and in --help alike.
    QFETCH(QString, command);
    const Scope scope = *commandScope(command);
    const QSet<QString> program = namesOf(m_page.definitions.value(CliVerb::None));
    const QSet<QString> inPage =
        m_page.mentioned.value(scope) - namesOf(m_page.definitions.value(scope)) - program;
    QVERIFY2(inPage.isEmpty(),
             qPrintable(QStringLiteral("man page names undefined options: ") + describe(inPage)));
    const HelpText help = helpText(scope);
    const QSet<QString> inHelp = help.mentioned - namesOf(help.definitions) - program;
    QVERIFY2(inHelp.isEmpty(),
             qPrintable(QStringLiteral("--help names undefined options: ") + describe(inHelp)));
}

void TestManPage::programOptions() {
    const QSet<QString> page = namesOf(m_page.definitions.value(CliVerb::None));
    const QSet<QString> help = helpText(CliVerb::None).mentioned;
    QCOMPARE(help, (QSet<QString>{"--help", "--version"}));
    QVERIFY2(page == (help | ProgramAliases), qPrintable(describe(page)));
    QVERIFY(m_page.mentioned.value(CliVerb::None) == page);
    // The aliases the page adds are real.
    QCOMPARE(parseCommandLine({"-h"}).action, ParsedCommandLine::Action::Help);
    QCOMPARE(parseCommandLine({"-?"}).action, ParsedCommandLine::Action::Help);
    QCOMPARE(parseCommandLine({"-V"}).action, ParsedCommandLine::Action::Version);
    QCOMPARE(parseCommandLine({"listen", "-h"}).action, ParsedCommandLine::Action::Help);
    QCOMPARE(parseCommandLine({"connect", "-?"}).action, ParsedCommandLine::Action::Help);
    QCOMPARE(parseCommandLine({"relay", "-h"}).action, ParsedCommandLine::Action::Help);
}

void TestManPage::everyOptionParses_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<bool>("known");
    for (const VerbGrammar *grammar : verbGrammars()) {
        const Scope scope = grammar->verb;
        const Definitions defined = m_page.definitions.value(scope);
        for (auto it = defined.cbegin(); it != defined.cend(); ++it) {
            QStringList arguments{verbName(scope), it.key()};
            if (!it.value().isEmpty())
                arguments << it.value();
            arguments << QStringLiteral(":1");
            QTest::newRow(qPrintable(arguments.join(u' '))) << arguments << true;
        }
    }
    QTest::newRow("control: listen --bogus") << QStringList{"listen", "--bogus", ":1"} << false;
    QTest::newRow("control: connect -x") << QStringList{"connect", "-x", ":1"} << false;
    QTest::newRow("control: relay --bogus") << QStringList{"relay", "--bogus", ":1", ":2"} << false;
}

void TestManPage::everyOptionParses() {
    // A value may be refused (TEXT is no number), the option itself must not be unknown.
    QFETCH(QStringList, arguments);
    QFETCH(bool, known);
    const ParsedCommandLine parsed = parseCommandLine(arguments);
    QCOMPARE(!parsed.error.contains(u"unknown option"), known);
}

QTEST_APPLESS_MAIN(TestManPage)
#include "tst_manpage.moc"
