// The shell completions (packaging/completions, written by hand for what each shell does best:
// file globs, interface names, value lists) against the command line's option tables: for each
// command, the same options, and a value completed after exactly the options that take one. A
// change to a table without the completions, or the reverse, fails here.

#include "cli/args/verbs.h"

#include <QFile>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace sockbench;

namespace {

/// Option name -> whether it takes a value.
using Options = QMap<QString, bool>;

QString readFile(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly | QIODevice::Text) ? QString::fromUtf8(file.readAll()) : QString();
}

/// What a command's table declares, long and short names, with --help and -h that every command has.
Options declared(const VerbGrammar &grammar, bool withShort) {
    Options options{{QStringLiteral("--help"), false}};
    if (withShort)
        options.insert(QStringLiteral("-h"), false);
    for (const OptionInfo &option : grammar.options) {
        if (option.isText())
            continue;
        options.insert(option.longName, option.takesValue());
        if (withShort && !option.shortName.isEmpty())
            options.insert(option.shortName, option.takesValue());
    }
    return options;
}

const VerbGrammar *grammarNamed(const QString &name) {
    for (const VerbGrammar *grammar : verbGrammars()) {
        if (grammar->name == name)
            return grammar;
    }
    return nullptr;
}

QString describe(const Options &options) {
    QStringList parts;
    for (auto it = options.cbegin(); it != options.cend(); ++it)
        parts << (it.value() ? it.key() + u'=' : it.key());
    return parts.join(u' ');
}

QSet<QString> longOptions(const QString &text) {
    static const QRegularExpression option(QStringLiteral(R"((?<![\w-])(--[a-z][a-z-]*))"));
    QSet<QString> names;
    for (const QRegularExpressionMatch &m : option.globalMatch(text))
        names.insert(m.captured(1));
    return names;
}

/// The lines of a `case` branch "NAME)" indented by `indent` spaces, up to the next branch or esac
/// at that indentation.
QString caseBranch(const QString &script, const QString &name, int indent) {
    const QString margin(indent, u' ');
    const QStringList lines = script.split(u'\n');
    const qsizetype start = lines.indexOf(margin + name + u')');
    if (start < 0)
        return {};
    static const QRegularExpression next(QStringLiteral(R"(^\s*([\w-]+\)|esac)$)"));
    QStringList branch;
    for (qsizetype i = start + 1; i < lines.size(); ++i) {
        const QString &line = lines.at(i);
        if (line.startsWith(margin) && !line.startsWith(margin + u' ') && next.match(line).hasMatch())
            break;
        branch << line;
    }
    return branch.join(u'\n');
}

/// The bash script's "case $prev in ... esac" patterns (the options whose value it completes),
/// and the options of its "compgen -W '...'" word lists (those it offers), in a piece of it.
struct BashPiece {
    QSet<QString> valued;
    QSet<QString> offered;
};

BashPiece readBash(const QString &piece) {
    BashPiece result;
    static const QRegularExpression prevCase(QStringLiteral(R"(case \$prev in(.*?)\n\s*esac)"),
                                             QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression pattern(
        QStringLiteral(R"(^\s*(--[a-z-]+(?:\s*\|\s*\\?\s*--[a-z-]+)*)\))"),
        QRegularExpression::MultilineOption);
    static const QRegularExpression words(QStringLiteral(R"(compgen -W '([^']*)')"));
    for (const QRegularExpressionMatch &c : prevCase.globalMatch(piece)) {
        // A pattern may go on over lines ending in '\'.
        QString patterns = c.captured(1);
        patterns.replace(QStringLiteral("\\\n"), QStringLiteral(" "));
        for (const QRegularExpressionMatch &p : pattern.globalMatch(patterns))
            result.valued.unite(longOptions(p.captured(1)));
    }
    for (const QRegularExpressionMatch &w : words.globalMatch(piece)) {
        if (w.captured(1).trimmed().startsWith(u"--"))
            result.offered.unite(longOptions(w.captured(1)));
    }
    return result;
}

/// The options of one _arguments block of the zsh script: "{-u,--udp}'[...]'", "--greet=[...]",
/// "*--join=[...]", each after an optional exclusion list "'(...)'".
Options readZsh(const QString &block) {
    Options options;
    static const QRegularExpression spec(
        QStringLiteral(R"(^\s*'?(?:\([^)]*\)'?)?(?:\{([^}]*)\}'?|\*?(--?[a-z?][a-z-]*))(=?)\[)"),
        QRegularExpression::MultilineOption);
    for (const QRegularExpressionMatch &m : spec.globalMatch(block)) {
        const QStringList names = m.hasCaptured(1) && !m.captured(1).isEmpty() ? m.captured(1).split(u',')
                                                                               : QStringList{m.captured(2)};
        for (const QString &name : names)
            options.insert(name, !m.captured(3).isEmpty());
    }
    return options;
}

} // namespace

class TestCompletions final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void bash_data();
    void bash();
    void bashSharedValues();
    void zsh_data();
    void zsh();

private:
    QString m_bash;
    QString m_zsh;
};

void TestCompletions::initTestCase() {
    m_bash = readFile(QStringLiteral(SOCKBENCH_COMPLETIONS "/sockbench.bash"));
    m_zsh = readFile(QStringLiteral(SOCKBENCH_COMPLETIONS "/_sockbench"));
    QVERIFY(!m_bash.isEmpty());
    QVERIFY(!m_zsh.isEmpty());
    // Guards against a reader that finds nothing, which would make the comparisons pass.
    QVERIFY(readBash(caseBranch(m_bash, QStringLiteral("relay"), 8)).offered.size() >= 20);
    QVERIFY(readZsh(caseBranch(m_zsh, QStringLiteral("relay"), 16)).size() >= 20);
}

void TestCompletions::bash_data() {
    QTest::addColumn<QString>("command");
    for (const VerbGrammar *grammar : verbGrammars())
        QTest::newRow(qPrintable(grammar->name)) << grammar->name;
}

void TestCompletions::bash() {
    QFETCH(QString, command);
    const VerbGrammar *grammar = grammarNamed(command);
    QVERIFY(grammar);
    const Options table = declared(*grammar, false);
    const BashPiece own = readBash(caseBranch(m_bash, command, 8));
    // Offered: exactly the command's long options.
    QSet<QString> names;
    QSet<QString> valued;
    for (auto it = table.cbegin(); it != table.cend(); ++it) {
        names.insert(it.key());
        if (it.value())
            valued.insert(it.key());
    }
    QVERIFY2(own.offered == names,
             qPrintable(QStringLiteral("bash offers: %1\n   tables: %2")
                            .arg(QStringList(own.offered.cbegin(), own.offered.cend()).join(u' '),
                                 describe(table))));
    // A value is completed (or left to the user) after each option that takes one, and only there;
    // listen and connect share some of theirs (readBash of the whole script before the branches).
    QSet<QString> completed = own.valued;
    if (command == u"listen" || command == u"connect")
        completed.unite(readBash(m_bash.section(QStringLiteral("case $command in"), 0, 0)).valued & valued);
    const QSet<QString> flags = own.valued - valued;
    QVERIFY2(flags.isEmpty(), qPrintable(QStringLiteral("bash completes a value after a flag: ") +
                                         QStringList(flags.cbegin(), flags.cend()).join(u' ')));
    const QSet<QString> missing = valued - completed;
    QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("bash offers options as the value of: ") +
                                           QStringList(missing.cbegin(), missing.cend()).join(u' ')));
}

void TestCompletions::bashSharedValues() {
    // The values completed for listen and connect alike are values of one of them.
    const QSet<QString> shared = readBash(m_bash.section(QStringLiteral("case $command in"), 0, 0)).valued;
    QVERIFY(shared.size() >= 10);
    QSet<QString> valued;
    for (const CliVerb verb : {CliVerb::Listen, CliVerb::Connect}) {
        const Options table = declared(*verbGrammar(verb), false);
        for (auto it = table.cbegin(); it != table.cend(); ++it) {
            if (it.value())
                valued.insert(it.key());
        }
    }
    const QSet<QString> extra = shared - valued;
    QVERIFY2(extra.isEmpty(), qPrintable(QStringList(extra.cbegin(), extra.cend()).join(u' ')));
}

void TestCompletions::zsh_data() {
    bash_data();
}

void TestCompletions::zsh() {
    QFETCH(QString, command);
    const VerbGrammar *grammar = grammarNamed(command);
    QVERIFY(grammar);
    const Options table = declared(*grammar, true);
    const Options zsh = readZsh(caseBranch(m_zsh, command, 16));
    QVERIFY2(zsh == table,
             qPrintable(QStringLiteral("zsh: %1\ntables: %2").arg(describe(zsh), describe(table))));
}

QTEST_APPLESS_MAIN(TestCompletions)
#include "tst_completions.moc"
