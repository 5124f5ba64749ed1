// The response rules dialog, clicked and typed as a user would: rules entered through its form and
// tried in the test box, applied to a running listener that then answers a real client with the
// hit counted in the table, a rule the core refuses keeping OK disabled with the core's message, and
// a rules file with an error named by its rule path.

#include "testmain.h"
#include "windowdriver.h"

#include "dialogs/ruleeditdialog.h"
#include "dialogs/rulesdialog.h"
#include "loopbackpeer.h"
#include "models/rulestablemodel.h"
#include "protocol/rules.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonObject>
#include <QLabel>
#include <QSettings>
#include <QTemporaryDir>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;
using sockbench::test::LoopbackPeer;

class TestRulesDialog final : public QObject {
    Q_OBJECT

public:
    TestRulesDialog() = default;
    Q_DISABLE_COPY_MOVE(TestRulesDialog)

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void testBoxShowsTheFiringRuleAndItsBytes();
    void appliedRulesAnswerARealClientAndCountHits();
    void nestedQuantifiersAreWarnedAndAHostileLineIsSaid();
    void invalidRuleKeepsOkDisabledWithTheCoresMessage();
    void loadErrorNamesTheRulePath();
    void udpSocketAnswersEachDatagramWithoutAFrame();
    void hitsFollowTheirRulesThroughMovesEditsAndFiles();

private:
    /// Selects the endpoint and presses Connection → Rules' shortcut in the connections panel.
    RulesDialog *openRulesOf(EndpointId id) const;
    /// Starts a listener through the window and opens its rules; null if either failed.
    RulesDialog *openRulesOfNewListener(EndpointId *listener) const;
    /// The rule form shown over the dialog, if any.
    static RuleEditDialog *ruleForm(RulesDialog *dialog);
    /// Clicks Add and returns the rule form it opens.
    static RuleEditDialog *clickAdd(RulesDialog *dialog);
    /// Fills the open rule form: match kind (index in its combo) with its text, and a text reply.
    static void fillRule(RuleEditDialog *form, int matchKind, const QString &match, const QString &reply);
    static QPushButton *buttonOf(QDialog *dialog, QDialogButtonBox::StandardButton which) {
        return dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(which);
    }
    template <typename T> static T *field(QWidget *in, const char *name) {
        T *widget = in->findChild<T *>(QLatin1String(name));
        if (!widget)
            qFatal("no widget named %s", name);
        return widget;
    }

    /// Clicks a row of the rules table (twice: a double click).
    static void clickRule(RulesDialog *dialog, int row, bool twice = false) {
        auto *table = field<QTableView>(dialog, "rulesTable");
        const QPoint at = table->visualRect(table->model()->index(row, 0)).center();
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, at);
        // QTest sends a widget the double-click event alone; the view wants the press before it.
        if (twice)
            QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, at);
    }
    static QString hitsOf(RulesDialog *dialog, int row) {
        return dialog->model()->index(row, RulesTableModel::HitsColumn).data().toString();
    }
    /// Accepts the dialog's file chooser (Qt's own) with this path.
    static bool choose(RulesDialog *dialog, const char *chooserName, const QString &path) {
        auto *chooser = dialog->findChild<QFileDialog *>(QLatin1String(chooserName));
        if (!chooser || !chooser->isVisible())
            return false;
        chooser->selectFile(path);
        static_cast<QDialog *>(chooser)->accept();
        return true;
    }

    static constexpr int EqualsKind = 1;
    static constexpr int PrefixKind = 3;
    static constexpr int RegexKind = 4; ///< index in the rule form's match combo
    static constexpr int HexKind = 5;

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestRulesDialog::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_rulesdialog"));
}

void TestRulesDialog::init() {
    QSettings().clear();
    QVERIFY(openTestWindow(m_window, m_ui));
}

void TestRulesDialog::cleanup() {
    m_ui.reset();
    m_window.reset();
}

RulesDialog *TestRulesDialog::openRulesOf(EndpointId id) const {
    m_ui->selectRow(id);
    auto *action = m_window->findChild<QAction *>(QStringLiteral("rulesAction"));
    if (!action || !action->isEnabled() || !m_ui->connectionsView()->actions().contains(action))
        return nullptr;
    m_window->activateWindow();
    if (!QTest::qWaitForWindowActive(m_window.get()))
        return nullptr;
    m_ui->connectionsView()->setFocus();
    QTest::keySequence(m_ui->connectionsView(), action->shortcut());
    RulesDialog *dialog = nullptr;
    const bool shown = QTest::qWaitFor([&] {
        dialog = m_window->findChild<RulesDialog *>();
        return dialog && dialog->isVisible();
    });
    return shown && dialog->endpoint() == id ? dialog : nullptr;
}

RulesDialog *TestRulesDialog::openRulesOfNewListener(EndpointId *listener) const {
    *listener = m_ui->startListener();
    if (*listener == 0 || !QTest::qWaitFor([&] { return m_ui->localPort(*listener) != 0; }))
        return nullptr;
    return openRulesOf(*listener);
}

RuleEditDialog *TestRulesDialog::ruleForm(RulesDialog *dialog) {
    // A form that was closed may linger until its deferred delete: only the shown one counts.
    for (RuleEditDialog *form : dialog->findChildren<RuleEditDialog *>()) {
        if (form->isVisible())
            return form;
    }
    return nullptr;
}

RuleEditDialog *TestRulesDialog::clickAdd(RulesDialog *dialog) {
    QTest::mouseClick(field<QPushButton>(dialog, "addRuleButton"), Qt::LeftButton);
    return ruleForm(dialog);
}

void TestRulesDialog::fillRule(RuleEditDialog *form, int matchKind, const QString &match,
                               const QString &reply) {
    WindowDriver::chooseInCombo(field<QComboBox>(form, "matchKindCombo"), matchKind);
    WindowDriver::replaceText(field<QLineEdit>(form, "matchTextEdit"), match);
    WindowDriver::replaceText(field<QLineEdit>(form, "replyEdit"), reply);
}

void TestRulesDialog::testBoxShowsTheFiringRuleAndItsBytes() {
    EndpointId listener = 0;
    RulesDialog *dialog = openRulesOfNewListener(&listener);
    QVERIFY(dialog);
    QCOMPARE(dialog->model()->rowCount(), 0);

    RuleEditDialog *form = clickAdd(dialog);
    QVERIFY(form);
    // "&Match:" and "&Reply:" label a row of two widgets: each has a buddy, so no "&" shows.
    QCOMPARE(WindowDriver::labelsShowingAmpersand(form), QStringList());
    QCOMPARE(WindowDriver::labelsShowingAmpersand(dialog), QStringList());
    fillRule(form, RegexKind, QStringLiteral("^PING (\\d+)$"), QStringLiteral("PONG \\1\\n"));
    QVERIFY2(buttonOf(form, QDialogButtonBox::Ok)->isEnabled(), qPrintable(form->problem()));
    QTest::mouseClick(buttonOf(form, QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_COMPARE(dialog->model()->rowCount(), 1);
    const QModelIndex row = dialog->model()->index(0, RulesTableModel::MatchColumn);
    QCOMPARE(row.data().toString(), dialog->model()->rule(0).matchSummary());
    QVERIFY(row.data().toString().contains(QStringLiteral("^PING (\\d+)$")));
    // Not applied yet: no count.
    QCOMPARE(row.siblingAtColumn(RulesTableModel::HitsColumn).data().toString(), QStringLiteral("–"));
    QVERIFY(!m_window->workbench()->info(listener).rules);

    auto *test = field<QLineEdit>(dialog, "testEdit");
    auto *result = field<QPlainTextEdit>(dialog, "testResult");
    WindowDriver::replaceText(test, QStringLiteral("PING 42"));
    QVERIFY2(result->toPlainText().contains(QStringLiteral("Rule 1 fires")),
             qPrintable(result->toPlainText()));
    QVERIFY(result->toPlainText().contains(QStringLiteral("50 4f 4e 47 20 34 32 0a")));
    QVERIFY(result->toPlainText().contains(QStringLiteral("PONG 42\\n")));

    WindowDriver::replaceText(test, QStringLiteral("PONG 42"));
    QVERIFY2(result->toPlainText().contains(QStringLiteral("No rule fires")),
             qPrintable(result->toPlainText()));
    QVERIFY(!result->toPlainText().contains(QStringLiteral("Rule 1")));

    // What the user types is the payload language: a bad escape says so instead of testing.
    WindowDriver::replaceText(test, QStringLiteral("PING \\xZZ"));
    QVERIFY(result->toPlainText().contains(QStringLiteral("not valid")));
}

void TestRulesDialog::nestedQuantifiersAreWarnedAndAHostileLineIsSaid() {
    EndpointId listener = 0;
    RulesDialog *dialog = openRulesOfNewListener(&listener);
    QVERIFY(dialog);
    RuleEditDialog *form = clickAdd(dialog);
    QVERIFY(form);
    auto *warning = field<QLabel>(form, "patternWarningLabel");
    fillRule(form, RegexKind, QStringLiteral("^PING (\\d+)$"), QStringLiteral("PONG \\1\\n"));
    QVERIFY(!warning->isVisibleTo(form));
    // Written as the user types it: warned, yet allowed (its matches are bounded).
    fillRule(form, RegexKind, QStringLiteral("^(a+)+$"), QStringLiteral("all a\\n"));
    QVERIFY(warning->isVisibleTo(form));
    QVERIFY2(warning->text().contains(QStringLiteral("nested quantifiers in (a+)+")),
             qPrintable(warning->text()));
    QVERIFY2(buttonOf(form, QDialogButtonBox::Ok)->isEnabled(), qPrintable(form->problem()));
    // Another kind of match has no pattern to warn about.
    WindowDriver::chooseInCombo(field<QComboBox>(form, "matchKindCombo"), 1);
    QVERIFY(!warning->isVisibleTo(form));
    WindowDriver::chooseInCombo(field<QComboBox>(form, "matchKindCombo"), RegexKind);
    QVERIFY(warning->isVisibleTo(form));
    QTest::mouseClick(buttonOf(form, QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_COMPARE(dialog->model()->rowCount(), 1);

    // The test box says when the pattern gave up on a line.
    auto *result = field<QPlainTextEdit>(dialog, "testResult");
    WindowDriver::replaceText(field<QLineEdit>(dialog, "testEdit"), QString(40, u'a') + u'!');
    QVERIFY2(result->toPlainText().contains(QStringLiteral("Rule 1's pattern gave up after 200,000 steps")),
             qPrintable(result->toPlainText()));
    QVERIFY(result->toPlainText().contains(QStringLiteral("No rule fires")));
}

void TestRulesDialog::appliedRulesAnswerARealClientAndCountHits() {
    EndpointId listener = 0;
    RulesDialog *dialog = openRulesOfNewListener(&listener);
    QVERIFY(dialog);
    auto *frame = field<QComboBox>(dialog, "framingCombo");
    WindowDriver::replaceText(frame->lineEdit(), QStringLiteral("fixed:0"));
    QVERIFY(field<QLabel>(dialog, "frameErrorLabel")->isVisibleTo(dialog));
    QVERIFY(!buttonOf(dialog, QDialogButtonBox::Apply)->isEnabled());
    WindowDriver::replaceText(frame->lineEdit(), QStringLiteral("line"));
    QVERIFY(!field<QLabel>(dialog, "frameErrorLabel")->isVisibleTo(dialog));

    RuleEditDialog *form = clickAdd(dialog);
    QVERIFY(form);
    fillRule(form, RegexKind, QStringLiteral("^PING (\\d+)$"), QStringLiteral("PONG \\1\\n"));
    QTest::mouseClick(buttonOf(form, QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_COMPARE(dialog->model()->rowCount(), 1);

    QPushButton *apply = buttonOf(dialog, QDialogButtonBox::Apply);
    QVERIFY2(apply->isEnabled(), qPrintable(dialog->message()));
    QTest::mouseClick(apply, Qt::LeftButton);
    QTRY_VERIFY(m_window->workbench()->info(listener).rules != nullptr);
    QCOMPARE(toString(m_window->workbench()->info(listener).rules->rules().frame), QStringLiteral("line"));
    QTRY_VERIFY2(m_ui->cell(listener, ConnectionModel::NameColumn).contains(QStringLiteral("rules: 1")),
                 qPrintable(m_ui->cell(listener, ConnectionModel::NameColumn)));
    QVERIFY(
        m_ui->cell(listener, ConnectionModel::NameColumn, Qt::ToolTipRole).contains(QStringLiteral("line")));
    const QModelIndex hits = dialog->model()->index(0, RulesTableModel::HitsColumn);
    QTRY_COMPARE(hits.data().toString(), QStringLiteral("0"));

    const NetAddress at{QStringLiteral("127.0.0.1"), m_ui->localPort(listener)};
    auto client = LoopbackPeer::connectTcp(at);
    QVERIFY(client);
    QVERIFY(client->sendAll(QByteArrayLiteral("PING 7\n")));
    QCOMPARE(client->readExactly(7), QByteArrayLiteral("PONG 7\n"));
    QTRY_COMPARE(hits.data().toString(), QStringLiteral("1"));

    // Clear rules takes them off: the row says so no more, and the client is answered no more.
    QTest::mouseClick(field<QPushButton>(dialog, "clearRulesButton"), Qt::LeftButton);
    QTRY_VERIFY(m_window->workbench()->info(listener).rules == nullptr);
    QTRY_VERIFY(!m_ui->cell(listener, ConnectionModel::NameColumn).contains(QStringLiteral("rules")));
    QCOMPARE(dialog->model()->rowCount(), 0);
}

void TestRulesDialog::invalidRuleKeepsOkDisabledWithTheCoresMessage() {
    EndpointId listener = 0;
    RulesDialog *dialog = openRulesOfNewListener(&listener);
    QVERIFY(dialog);
    RuleEditDialog *form = clickAdd(dialog);
    QVERIFY(form);
    QPushButton *ok = buttonOf(form, QDialogButtonBox::Ok);
    // The form keeps its size and OK its place while problems come and go (issue 27: it grew by a
    // line as the error showed, and OK moved under the pointer).
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    const QSize size = form->size();
    const QPoint okAt = ok->mapTo(form, QPoint(0, 0));
    fillRule(form, HexKind, QStringLiteral("0G"), QStringLiteral("x"));
    QVERIFY(!ok->isEnabled());
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    QCOMPARE(form->size(), size);
    QCOMPARE(ok->mapTo(form, QPoint(0, 0)), okAt);
    // The form's message is the core's own for the same rule.
    const QJsonObject same{
        {QStringLiteral("match"), QJsonObject{{QStringLiteral("hex"), QStringLiteral("0G")}}},
        {QStringLiteral("reply"), QStringLiteral("x")}};
    const QString expected = parseRule(same, QStringLiteral("rules[0]"), FrameSpec{}).error;
    QVERIFY(!expected.isEmpty());
    auto *error = field<QLabel>(form, "ruleErrorLabel");
    QCOMPARE(error->text(), expected);
    QVERIFY(error->isVisibleTo(form));

    WindowDriver::replaceText(field<QLineEdit>(form, "matchTextEdit"), QStringLiteral("0f ??"));
    QVERIFY2(ok->isEnabled(), qPrintable(error->text()));
    QVERIFY(!error->isVisibleTo(form));
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    QCOMPARE(form->size(), size);
    QCOMPARE(ok->mapTo(form, QPoint(0, 0)), okAt);
}

void TestRulesDialog::loadErrorNamesTheRulePath() {
    EndpointId listener = 0;
    RulesDialog *dialog = openRulesOfNewListener(&listener);
    QVERIFY(dialog);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray bad = R"({"frame": "line", "rules": [{"match": "any", "reply": "ok"},
                                {"match": {"hex": "0G"}, "reply": "x"}]})";
    const QString expected = parseRules(bad).error;
    QVERIFY(expected.contains(QStringLiteral("rules[1]")));
    const QString path = dir.filePath(QStringLiteral("bad.json"));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(bad), bad.size());
    }

    QTest::mouseClick(field<QPushButton>(dialog, "loadRulesButton"), Qt::LeftButton);
    // Choosing the file is Qt's own dialog; what we test is what happens with the chosen file.
    QVERIFY(choose(dialog, "loadRulesDialog", path));
    QTRY_VERIFY2(dialog->message().contains(expected), qPrintable(dialog->message()));
    QVERIFY(dialog->message().contains(QStringLiteral("bad.json")));
    QCOMPARE(dialog->model()->rowCount(), 0);
}

void TestRulesDialog::udpSocketAnswersEachDatagramWithoutAFrame() {
    m_ui->clickAction("openUdpAction");
    QVERIFY(m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QStringLiteral("0")));
    const EndpointId udp = m_ui->lastTopLevel();
    QTRY_VERIFY(m_ui->localPort(udp) != 0);
    RulesDialog *dialog = openRulesOf(udp);
    QVERIFY(dialog);
    // Each datagram is one message: there is no frame to choose.
    QVERIFY(!field<QComboBox>(dialog, "framingCombo")->isEnabled());
    RuleEditDialog *form = clickAdd(dialog);
    QVERIFY(form);
    fillRule(form, PrefixKind, QStringLiteral("GET"), QStringLiteral("ok ${len}"));
    QTest::mouseClick(buttonOf(form, QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_COMPARE(dialog->model()->rowCount(), 1);
    QTest::mouseClick(buttonOf(dialog, QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_VERIFY(m_window->workbench()->info(udp).rules != nullptr);
    QTRY_VERIFY(m_ui->cell(udp, ConnectionModel::NameColumn).contains(QStringLiteral("rules: 1")));

    auto peer = LoopbackPeer::bindUdp();
    QVERIFY(peer);
    QVERIFY(peer->sendTo(NetAddress{QStringLiteral("127.0.0.1"), m_ui->localPort(udp)}, "GET /"));
    QCOMPARE(peer->receiveFrom(), QByteArrayLiteral("ok 5"));
}

void TestRulesDialog::hitsFollowTheirRulesThroughMovesEditsAndFiles() {
    EndpointId listener = 0;
    RulesDialog *dialog = openRulesOfNewListener(&listener);
    QVERIFY(dialog);
    WindowDriver::replaceText(field<QComboBox>(dialog, "framingCombo")->lineEdit(), QStringLiteral("line"));
    for (const char *name : {"A", "B"}) {
        RuleEditDialog *form = clickAdd(dialog);
        QVERIFY(form);
        fillRule(form, EqualsKind, QLatin1String(name), QStringLiteral("got %1\\n").arg(QLatin1String(name)));
        QTest::mouseClick(buttonOf(form, QDialogButtonBox::Ok), Qt::LeftButton);
    }
    QTRY_COMPARE(dialog->model()->rowCount(), 2);
    QTest::mouseClick(buttonOf(dialog, QDialogButtonBox::Apply), Qt::LeftButton);
    QTRY_VERIFY(m_window->workbench()->info(listener).rules != nullptr);
    auto client =
        LoopbackPeer::connectTcp(NetAddress{QStringLiteral("127.0.0.1"), m_ui->localPort(listener)});
    QVERIFY(client);
    QVERIFY(client->sendAll(QByteArrayLiteral("A\n")));
    QCOMPARE(client->readExactly(6), QByteArrayLiteral("got A\n"));
    QTRY_COMPARE(hitsOf(dialog, 0), QStringLiteral("1"));
    QCOMPARE(hitsOf(dialog, 1), QStringLiteral("0"));

    // Moving B up takes A's count along with A.
    clickRule(dialog, 1);
    QTest::mouseClick(field<QPushButton>(dialog, "moveRuleUpButton"), Qt::LeftButton);
    QVERIFY(dialog->model()->index(0, 0).data().toString().contains(QLatin1Char('B')));
    QCOMPARE(hitsOf(dialog, 0), QStringLiteral("0"));
    QCOMPARE(hitsOf(dialog, 1), QStringLiteral("1"));

    // A double click edits, filled with the rule; a changed rule has no count until applied.
    clickRule(dialog, 1, true);
    RuleEditDialog *form = nullptr;
    QTRY_VERIFY((form = ruleForm(dialog)) != nullptr);
    QCOMPARE(field<QLineEdit>(form, "matchTextEdit")->text(), QStringLiteral("A"));
    WindowDriver::replaceText(field<QLineEdit>(form, "replyEdit"), QStringLiteral("again\\n"));
    QTest::mouseClick(buttonOf(form, QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_COMPARE(hitsOf(dialog, 1), QStringLiteral("–"));
    QCOMPARE(hitsOf(dialog, 0), QStringLiteral("0"));

    // Saved and loaded back: the same rules and frame, not applied.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("rules.json"));
    QTest::mouseClick(field<QPushButton>(dialog, "saveRulesButton"), Qt::LeftButton);
    QVERIFY(choose(dialog, "saveRulesDialog", path));
    QTRY_VERIFY(QFileInfo::exists(path));
    const QStringList before{dialog->model()->index(0, 1).data().toString(),
                             dialog->model()->index(1, 1).data().toString()};
    clickRule(dialog, 0);
    QTest::mouseClick(field<QPushButton>(dialog, "removeRuleButton"), Qt::LeftButton);
    QCOMPARE(dialog->model()->rowCount(), 1);
    QTest::mouseClick(field<QPushButton>(dialog, "loadRulesButton"), Qt::LeftButton);
    QVERIFY(choose(dialog, "loadRulesDialog", path));
    QTRY_COMPARE(dialog->model()->rowCount(), 2);
    QCOMPARE(dialog->model()->index(0, 1).data().toString(), before.at(0));
    QCOMPARE(dialog->model()->index(1, 1).data().toString(), before.at(1));
    QCOMPARE(hitsOf(dialog, 0), QStringLiteral("–"));
    QCOMPARE(field<QComboBox>(dialog, "framingCombo")->currentText(), QStringLiteral("line"));
}

SOCKBENCH_TEST_MAIN(TestRulesDialog)
#include "tst_rulesdialog.moc"
