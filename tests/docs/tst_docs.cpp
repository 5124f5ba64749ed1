// The documents against the tree they describe. docs/ARCHITECTURE.md's layer table is the map a
// newcomer reads first: a source folder missing from it is a room nobody can find, and a row for a
// folder that is gone sends them to nothing. The links between the Markdown documents (README, the
// guides, the screenshots) must lead somewhere, and README stays a front page.
//
// The source tree comes from SOCKBENCH_SOURCE_DIR (set by tests/CMakeLists.txt), not from a
// compile definition, so the object file is the same in every checkout and ccache shares it.

#include "testmain.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

namespace {

QString sourceDir() {
    return qEnvironmentVariable("SOCKBENCH_SOURCE_DIR");
}

QStringList readLines(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    return QString::fromUtf8(file.readAll()).split(u'\n');
}

/// The Markdown lines outside fenced code blocks: a `# comment` in a shell example is no heading,
/// and a link in an example is no link.
QStringList proseLines(const QStringList &lines) {
    QStringList prose;
    bool fenced = false;
    for (const QString &line : lines) {
        if (line.trimmed().startsWith(QStringLiteral("```"))) {
            fenced = !fenced;
            continue;
        }
        prose << (fenced ? QString() : line); // keep the count, so line numbers stay right
    }
    return prose;
}

/// The rows of the table under "## Layers and folders".
QStringList layerTableRows(const QStringList &lines) {
    QStringList rows;
    bool inSection = false;
    for (const QString &line : lines) {
        if (line.startsWith(QStringLiteral("## "))) {
            inSection = line == QStringLiteral("## Layers and folders");
            continue;
        }
        if (inSection && line.startsWith(u'|') && !line.startsWith(QStringLiteral("|---")))
            rows << line;
    }
    return rows;
}

/// Every folder under core/, ui/ and app/ (the roots included) that holds a .cpp or .h file of
/// its own, as "core/engine/".
QStringList sourceFolders(const QString &root) {
    QSet<QString> folders;
    for (const char *layer : {"core", "ui", "app"}) {
        QDirIterator it(root + u'/' + QLatin1String(layer), {QStringLiteral("*.cpp"), QStringLiteral("*.h")},
                        QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString file = QDir(root).relativeFilePath(it.next());
            folders.insert(QFileInfo(file).path() + u'/');
        }
    }
    QStringList sorted(folders.cbegin(), folders.cend());
    sorted.sort();
    return sorted;
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; a repeated
/// heading gets -1, -2, ...
QSet<QString> anchorsOf(const QStringList &prose) {
    static const QRegularExpression heading(QStringLiteral(R"(^#{1,6}\s+(.*?)\s*#*\s*$)"));
    static const QRegularExpression dropped(QStringLiteral(R"([^\w\- ])"),
                                            QRegularExpression::UseUnicodePropertiesOption);
    QSet<QString> anchors;
    QHash<QString, int> seen;
    for (const QString &line : prose) {
        const QRegularExpressionMatch m = heading.match(line);
        if (!m.hasMatch())
            continue;
        QString slug = m.captured(1).toLower().remove(dropped).replace(u' ', u'-');
        const int n = seen.value(slug, 0);
        seen.insert(slug, n + 1);
        anchors.insert(n == 0 ? slug : slug + u'-' + QString::number(n));
    }
    return anchors;
}

QStringList markdownFiles(const QString &root) {
    QStringList files{QStringLiteral("README.md"), QStringLiteral("packaging/README.md")};
    const QStringList docs =
        QDir(root + QStringLiteral("/docs")).entryList({QStringLiteral("*.md")}, QDir::Files);
    for (const QString &name : docs)
        files << QStringLiteral("docs/") + name;
    return files;
}

} // namespace

class TstDocs final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(!sourceDir().isEmpty(), "SOCKBENCH_SOURCE_DIR is not set");
        QVERIFY2(QFileInfo::exists(sourceDir() + QStringLiteral("/docs/ARCHITECTURE.md")),
                 qPrintable(sourceDir() + QStringLiteral(" has no docs/ARCHITECTURE.md")));
    }

    void layerTableNamesEverySourceFolder() {
        const QStringList rows =
            layerTableRows(readLines(sourceDir() + QStringLiteral("/docs/ARCHITECTURE.md")));
        const QStringList folders = sourceFolders(sourceDir());
        // A scan that found nothing, or a table that was not found, would pass everything below.
        QVERIFY2(rows.size() >= 10,
                 qPrintable(QStringLiteral("only %1 rows under \"## Layers and folders\"").arg(rows.size())));
        QVERIFY2(folders.contains(QStringLiteral("core/engine/")), qPrintable(folders.join(u' ')));
        const QString table = rows.join(u'\n');
        QStringList missing;
        for (const QString &folder : folders) {
            if (!table.contains(u'`' + folder + u'`'))
                missing << folder;
        }
        QVERIFY2(missing.isEmpty(),
                 qPrintable(QStringLiteral("docs/ARCHITECTURE.md, \"Layers and folders\": no row names ") +
                            missing.join(QStringLiteral(", ")) +
                            QStringLiteral(" (write it as `core/name/`)")));
    }

    void layerTableNamesNoFolderThatIsGone() {
        static const QRegularExpression firstCell(QStringLiteral(R"(^\|\s*`((?:core|ui|app)/[^`]*/)`\s*\|)"));
        const QStringList rows =
            layerTableRows(readLines(sourceDir() + QStringLiteral("/docs/ARCHITECTURE.md")));
        QStringList gone;
        int named = 0;
        for (const QString &row : rows) {
            const QRegularExpressionMatch m = firstCell.match(row);
            if (!m.hasMatch())
                continue;
            ++named;
            if (!QFileInfo(sourceDir() + u'/' + m.captured(1)).isDir())
                gone << m.captured(1);
        }
        QVERIFY2(named >= 10, qPrintable(QStringLiteral("only %1 rows name a folder").arg(named)));
        QVERIFY2(gone.isEmpty(),
                 qPrintable(QStringLiteral("docs/ARCHITECTURE.md names folders that do not exist: ") +
                            gone.join(QStringLiteral(", "))));
    }

    void linksLeadSomewhere() {
        // [text](target) and ![alt](target); external addresses are not followed.
        static const QRegularExpression link(QStringLiteral(R"(\]\(([^)\s]+)\))"));
        const QString root = sourceDir();
        QStringList broken;
        int checked = 0;
        for (const QString &file : markdownFiles(root)) {
            const QStringList prose = proseLines(readLines(root + u'/' + file));
            QVERIFY2(!prose.isEmpty(), qPrintable(file + QStringLiteral(" cannot be read")));
            const QString dir = QFileInfo(file).path();
            for (qsizetype i = 0; i < prose.size(); ++i) {
                for (const QRegularExpressionMatch &m : link.globalMatch(prose.at(i))) {
                    const QString target = m.captured(1);
                    if (target.contains(QStringLiteral("://")) ||
                        target.startsWith(QStringLiteral("mailto:")))
                        continue;
                    ++checked;
                    const qsizetype hash = target.indexOf(u'#');
                    const QString path = hash < 0 ? target : target.left(hash);
                    const QString anchor = hash < 0 ? QString() : target.mid(hash + 1);
                    const QString resolved = path.isEmpty() ? file : QDir::cleanPath(dir + u'/' + path);
                    const QString where = QStringLiteral("%1:%2: %3").arg(file).arg(i + 1).arg(target);
                    if (!QFileInfo::exists(root + u'/' + resolved)) {
                        broken << where + QStringLiteral(" (no such file)");
                    } else if (!anchor.isEmpty() &&
                               !anchorsOf(proseLines(readLines(root + u'/' + resolved))).contains(anchor)) {
                        broken << where + QStringLiteral(" (no such heading)");
                    }
                }
            }
        }
        QVERIFY2(checked >= 20, qPrintable(QStringLiteral("only %1 links found").arg(checked)));
        QVERIFY2(broken.isEmpty(), qPrintable(broken.join(u'\n')));
    }

    void readmeIsAFrontPage() {
        // The user guide, the man page, PERFORMANCE and ARCHITECTURE hold the details; README
        // says what Sockbench is, how to start it and where to read on.
        const QStringList lines = readLines(sourceDir() + QStringLiteral("/README.md"));
        const qsizetype count = lines.size() - (lines.isEmpty() || !lines.last().isEmpty() ? 0 : 1);
        QVERIFY2(count > 0 && count <= 200, qPrintable(QStringLiteral("README.md has %1 lines").arg(count)));
    }
};

SOCKBENCH_TEST_MAIN(TstDocs)
#include "tst_docs.moc"
