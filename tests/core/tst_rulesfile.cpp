// Reading a rules file: the system's reason when it cannot be read, the parser's (with line and
// column) when it is not a rules file; --frame and --max-message in place of the file's own, its
// rules checked against the frame really used; a rules object reads as its file does.

#include "protocol/rulesfile.h"
#include "testmain.h"

#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace sockbench;

class TestRulesFile final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void missingFileSaysWhy();
    void syntaxErrorSaysWhere();
    void overridesReplaceTheFilesFrame();
    void objectReadsAsItsFile();

private:
    QString write(const char *name, const QByteArray &json) {
        const QString path = m_dir.filePath(QLatin1String(name));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(json) != json.size())
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }

    QTemporaryDir m_dir;
};

void TestRulesFile::missingFileSaysWhy() {
    const RulesFileResult r = readRulesFile(m_dir.filePath(QStringLiteral("absent.json")));
    QVERIFY(!r.ok());
    QCOMPARE(r.fileError, QStringLiteral("No such file or directory"));
    QVERIFY(r.error.isEmpty());
    QCOMPARE(r.problem(), r.fileError);
}

void TestRulesFile::syntaxErrorSaysWhere() {
    const RulesFileResult r = readRulesFile(write("broken.json", "{\"rules\": [\n  {\"match\": }]}"));
    QVERIFY(!r.ok());
    QVERIFY(r.fileError.isEmpty());
    QVERIFY2(r.error.startsWith(QStringLiteral("line 2, column ")), qPrintable(r.error));
    QCOMPARE(r.problem(), r.error);
}

void TestRulesFile::overridesReplaceTheFilesFrame() {
    // The file's own frame has no length header, and its max_message is wrong: as given on the
    // command line, neither is read.
    const QString path = write("prefixed.json", R"({"frame": "line", "max_message": 0,
        "rules": [{"match": "any", "reply": "x", "length_prefix": true}]})");
    QCOMPARE(readRulesFile(path).error,
             QStringLiteral("max_message: must be a whole number of bytes from 1 to %1")
                 .arg(MaxMessageBytesLimit));
    RulesOverrides overrides;
    overrides.maxMessage = 4096;
    QCOMPARE(readRulesFile(path, overrides).error,
             QStringLiteral("rules[0].length_prefix: the frame \"line\" has no length header"));
    overrides.frame = parseFrameSpec(u"len:2be");
    QVERIFY(overrides.frame);
    const RulesFileResult r = readRulesFile(path, overrides);
    QVERIFY2(r.ok(), qPrintable(r.problem()));
    QCOMPARE(toString(r.rules.frame), QStringLiteral("len:2be"));
    QCOMPARE(r.rules.frame.maxMessageBytes, qsizetype(4096));
    QCOMPARE(r.rules.rules.size(), size_t(1));
    // The frame alone: the file's max_message stays (and is checked).
    RulesOverrides frameOnly;
    frameOnly.frame = parseFrameSpec(u"len:2be");
    const RulesFileResult kept = readRulesFile(
        write("kept.json",
              R"({"max_message": 100, "rules": [{"match": "any", "reply": "x", "length_prefix": true}]})"),
        frameOnly);
    QVERIFY2(kept.ok(), qPrintable(kept.problem()));
    QCOMPARE(kept.rules.frame.maxMessageBytes, qsizetype(100));
}

void TestRulesFile::objectReadsAsItsFile() {
    const QByteArray json =
        R"({"frame": "line", "rules": [{"match": {"regex": "^PING$"}, "reply": "PONG\n"}]})";
    const RulesParseResult fromText = parseRules(json);
    const RulesParseResult fromObject = parseRules(QJsonDocument::fromJson(json).object());
    QVERIFY2(fromObject.ok(), qPrintable(fromObject.error));
    QCOMPARE(serializeRules(fromObject.rules), serializeRules(fromText.rules));
    QCOMPARE(parseRules(QJsonObject()).error, QStringLiteral("rules: missing"));
}

SOCKBENCH_TEST_MAIN(TestRulesFile)
#include "tst_rulesfile.moc"
