// The window beyond its nine user stories (tst_mainwindow): keyboard sending and repeat, form validation,
// bind errors, log filters, the detail views, eviction, settings, and a prompt close.

#include "testmain.h"
#include "windowdriver.h"

#include "style/presentation.h"
#include "views/conversationview.h"
#include "views/hexview.h"

#include <QCheckBox>
#include <QClipboard>
#include <QElapsedTimer>
#include <QFile>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QScrollBar>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QToolButton>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

class TestWindowDetails final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void ctrlReturnSendsAndRepeatStops();
    void dialogMarksInvalidInput();
    void listenerThatCannotBindSaysWhy();
    void logFiltersByDirectionAndSearch();
    void conversationInterleavesBothDirections();
    void hexViewSelectsAndCopies();
    void droppedRecordsAreSaidWhereTheLogStarts();
    void preferencesSetTheJournalBudget();
    void settingsAndHistoryPersist();
    void clearClosedAndCloseAll();
    void closingWithOpenConnectionsIsPrompt();
    void manyConnectionsListAndClosePromptly();
    void logFollowsNewRowsUntilTheUserScrollsUp();
    void sendFileSendsTheFileBytes();

private:
    void openWindow(const WorkbenchConfig &config = {});
    EndpointId startListener(int autoReplyIndex = 0);
    EndpointId connectClient(quint16 port);
    /// A connected client and its accepted peer.
    std::pair<EndpointId, EndpointId> connectedPair(int autoReplyIndex = 0);

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestWindowDetails::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_windowdetails"));
}

void TestWindowDetails::init() {
    QSettings().clear();
}

void TestWindowDetails::openWindow(const WorkbenchConfig &config) {
    QVERIFY(openTestWindow(m_window, m_ui, config));
}

void TestWindowDetails::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

EndpointId TestWindowDetails::startListener(int autoReplyIndex) {
    m_ui->clickAction("newListenerAction");
    EndpointDialog *dialog = m_ui->dialog();
    if (!dialog)
        return 0;
    if (autoReplyIndex > 0)
        WindowDriver::chooseInCombo(dialog->findChild<QComboBox *>(QStringLiteral("autoReplyCombo")),
                                    autoReplyIndex);
    if (!m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QStringLiteral("0")))
        return 0;
    const EndpointId id = m_ui->lastTopLevel();
    if (!QTest::qWaitFor([&] { return m_ui->localPort(id) != 0; }, 5000))
        qWarning("no port shown");
    return id;
}

EndpointId TestWindowDetails::connectClient(quint16 port) {
    m_ui->clickAction("connectAction");
    if (!m_ui->dialog() || !m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QString::number(port)))
        return 0;
    return m_ui->lastTopLevel();
}

std::pair<EndpointId, EndpointId> TestWindowDetails::connectedPair(int autoReplyIndex) {
    const EndpointId listener = startListener(autoReplyIndex);
    const EndpointId client = connectClient(m_ui->localPort(listener));
    if (!QTest::qWaitFor([&] {
            return m_ui->cell(client, ConnectionModel::StateColumn) == QLatin1String("Connected") &&
                   m_ui->childrenOf(listener).size() == 1;
        }))
        return {0, 0};
    return {client, m_ui->childrenOf(listener).first()};
}

void TestWindowDetails::ctrlReturnSendsAndRepeatStops() {
    openWindow();
    const auto [client, accepted] = connectedPair();
    QVERIFY(client != 0);
    m_ui->selectRow(client);
    m_ui->typeInComposer(QStringLiteral("abc"));
    // The offscreen platform has no window manager to hand activation back after a dialog closes.
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    QTest::keyClick(m_ui->composerEdit(), Qt::Key_Return, Qt::ControlModifier);
    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::InColumn), QStringLiteral("3"));

    // Repeat 4 times every 5 ms: exactly 4 more sends, then the button is released by itself.
    auto *count = m_ui->child<QSpinBox>("repeatCountSpin");
    auto *interval = m_ui->child<QSpinBox>("repeatIntervalSpin");
    count->setFocus();
    count->selectAll();
    QTest::keyClicks(count, QStringLiteral("4"));
    interval->setFocus();
    interval->selectAll();
    QTest::keyClicks(interval, QStringLiteral("5"));
    QCOMPARE(count->value(), 4);
    QCOMPARE(interval->value(), 5);
    auto *repeat = m_ui->child<QPushButton>("repeatButton");
    QTest::mouseClick(repeat, Qt::LeftButton);
    QTRY_VERIFY(!repeat->isChecked());
    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::InColumn), QStringLiteral("15"));

    // A long repeat stops when clicked again.
    count->setValue(1000);
    interval->setValue(20);
    QTest::mouseClick(repeat, Qt::LeftButton);
    QVERIFY(repeat->isChecked());
    QTRY_VERIFY(m_ui->cell(client, ConnectionModel::OutColumn) != QLatin1String("15"));
    QTest::mouseClick(repeat, Qt::LeftButton);
    QVERIFY(!repeat->isChecked());
    const QString stoppedAt = m_ui->cell(client, ConnectionModel::OutColumn);
    QVERIFY(stoppedAt.toInt() < 15 + 3 * 1000);

    // Sent payloads are in the history menu.
    auto *history = m_ui->child<QToolButton>("historyButton");
    QVERIFY(history->isEnabled());
    QVERIFY(!history->menu()->actions().isEmpty());
    QVERIFY(history->menu()->actions().first()->text().contains(QStringLiteral("abc")));
}

void TestWindowDetails::dialogMarksInvalidInput() {
    openWindow();
    m_ui->clickAction("connectAction");
    EndpointDialog *dialog = m_ui->dialog();
    QVERIFY(dialog);
    auto *address = dialog->findChild<QComboBox *>(QStringLiteral("addressCombo"));
    auto *port = dialog->findChild<QLineEdit *>(QStringLiteral("portEdit"));
    auto *errors = dialog->findChild<QLabel *>(QStringLiteral("errorLabel"));
    QPushButton *ok =
        dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok);

    WindowDriver::replaceText(port, QStringLiteral("70000"));
    QVERIFY(!ok->isEnabled());
    QVERIFY2(ok->toolTip().contains(QStringLiteral("70000")) ||
                 ok->toolTip().contains(QStringLiteral("range")),
             qPrintable(ok->toolTip()));
    QVERIFY(!port->styleSheet().isEmpty());
    WindowDriver::replaceText(port, QStringLiteral("0"));
    QVERIFY(!ok->isEnabled());
    QVERIFY(errors->text().contains(QStringLiteral("Port 0")));
    WindowDriver::replaceText(port, QStringLiteral("8080"));
    QVERIFY(ok->isEnabled());
    QVERIFY(port->styleSheet().isEmpty());

    WindowDriver::replaceText(address->lineEdit(), QStringLiteral("300.1.1.1"));
    QVERIFY(!ok->isEnabled());
    QVERIFY(errors->text().contains(QStringLiteral("300.1.1.1")));
    QVERIFY(!address->styleSheet().isEmpty());

    // A listener on every interface is allowed and visibly marked.
    auto *kind = dialog->findChild<QComboBox *>(QStringLiteral("kindCombo"));
    WindowDriver::chooseInCombo(kind, 0);
    QVERIFY(dialog->kind() == EndpointKind::TcpListener);
    WindowDriver::replaceText(address->lineEdit(), QStringLiteral("0.0.0.0"));
    auto *wildcard = dialog->findChild<QLabel *>(QStringLiteral("wildcardLabel"));
    QVERIFY(ok->isEnabled());
    QVERIFY(wildcard->isVisible());
    QVERIFY(wildcard->text().contains(QStringLiteral("every interface")));
    WindowDriver::replaceText(address->lineEdit(), QStringLiteral("127.0.0.1"));
    QVERIFY(!wildcard->isVisible());
    // The dual-stack choice only means something for IPv6.
    auto *dualStack = dialog->findChild<QCheckBox *>(QStringLiteral("dualStackCheck"));
    QVERIFY(!dualStack->isEnabled());
    WindowDriver::replaceText(address->lineEdit(), QStringLiteral("::"));
    QVERIFY(dualStack->isEnabled());
    QVERIFY(wildcard->isVisible());
    QTest::mouseClick(
        dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Cancel),
        Qt::LeftButton);
    QTRY_VERIFY(!m_ui->dialog());
    QCOMPARE(m_ui->connections()->rowCount(), 0);
}

void TestWindowDetails::listenerThatCannotBindSaysWhy() {
    openWindow();
    const EndpointId first = startListener();
    QVERIFY(first != 0);
    const quint16 port = m_ui->localPort(first);
    m_ui->clickAction("newListenerAction");
    QVERIFY(m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QString::number(port)));
    const EndpointId second = m_ui->lastTopLevel();
    QVERIFY(second != first);
    QTRY_VERIFY(m_ui->cell(second, ConnectionModel::StateColumn).startsWith(QStringLiteral("Failed")));
    const QString state = m_ui->cell(second, ConnectionModel::StateColumn);
    QVERIFY2(state.contains(QStringLiteral("in use"), Qt::CaseInsensitive), qPrintable(state));
    QVERIFY(m_window->statusBar()->currentMessage().contains(QStringLiteral("in use"), Qt::CaseInsensitive));
}

void TestWindowDetails::logFiltersByDirectionAndSearch() {
    openWindow();
    const auto [client, accepted] = connectedPair(1); // echo
    QVERIFY(client != 0);
    m_ui->selectRow(client);
    m_ui->typeInComposer(QStringLiteral("alpha"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::InColumn), QStringLiteral("5"));
    m_ui->typeInComposer(QStringLiteral("beta"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::InColumn), QStringLiteral("9"));
    QTRY_VERIFY(m_ui->logShows(client, true, QStringLiteral("beta")));
    const int all = m_ui->trafficView()->model()->rowCount();

    WindowDriver::chooseInCombo(m_ui->child<QComboBox>("directionFilterCombo"), 1); // in only
    QCOMPARE(m_ui->child<QComboBox>("directionFilterCombo")->currentIndex(), 1);
    const auto rows = m_ui->logRows();
    QCOMPARE(rows.size(), 4); // alpha and beta, each received by the accepted end and echoed to the client
    QVERIFY(rows.size() < all);
    for (const auto &row : rows)
        QVERIFY(WindowDriver::isInbound(row));

    WindowDriver::chooseInCombo(m_ui->child<QComboBox>("directionFilterCombo"), 0);
    auto *search = m_ui->child<QLineEdit>("searchEdit");
    WindowDriver::replaceText(search, QStringLiteral("beta"));
    // client out, accepted in, accepted echo out, client in: four records carry "beta".
    QTRY_COMPARE(m_ui->trafficView()->model()->rowCount(), 4);
    for (const auto &row : m_ui->logRows())
        QCOMPARE(row.data, QStringLiteral("beta"));

    WindowDriver::chooseInCombo(m_ui->child<QComboBox>("searchModeCombo"), 1); // hex
    WindowDriver::replaceText(search, QStringLiteral("61 6c"));                // "al"
    const auto onlyAlpha = [&] {
        const auto shown = m_ui->logRows();
        return shown.size() == 4 && std::all_of(shown.begin(), shown.end(), [](const auto &row) {
                   return row.data == QLatin1String("alpha");
               });
    };
    QTRY_VERIFY(onlyAlpha());
    WindowDriver::replaceText(search, QStringLiteral("6g"));
    QTRY_VERIFY(!search->styleSheet().isEmpty()); // not hex: marked, and the filter stays
    QCOMPARE(m_ui->trafficView()->model()->rowCount(), 4);
    search->clear();
    QTRY_VERIFY(m_ui->trafficView()->model()->rowCount() >= all);
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));

    // Time since previous replaces the wall clock (the time of day; the full stamp in its tooltip).
    const auto *model = m_ui->trafficView()->model();
    QVERIFY(model->index(1, TrafficModel::TimeColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .startsWith(QStringLiteral("20")));
    QVERIFY(model->index(1, TrafficModel::TimeColumn).data().toString().contains(QLatin1Char(':')));
    QTest::keyClick(m_window.get(), Qt::Key_T, Qt::ControlModifier);
    QVERIFY(model->index(1, TrafficModel::TimeColumn).data().toString().startsWith(QLatin1Char('+')));
}

void TestWindowDetails::conversationInterleavesBothDirections() {
    openWindow();
    const auto [client, accepted] = connectedPair(1); // echo
    QVERIFY(client != 0);
    m_ui->selectRow(client);
    m_ui->typeInComposer(QStringLiteral("line one\\nline two\\n"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::InColumn), QStringLiteral("18"));
    auto *conversation = m_ui->child<ConversationView>("conversationView");
    // Two lines out, then the same two lines back in.
    QTRY_COMPARE(conversation->lineCount(), 4);
    QCOMPARE(conversation->lineText(0), QStringLiteral("line one\\n"));
    QVERIFY(!conversation->lineIsInbound(0));
    QCOMPARE(conversation->lineText(1), QStringLiteral("line two\\n"));
    QCOMPARE(conversation->lineText(2), QStringLiteral("line one\\n"));
    QVERIFY(conversation->lineIsInbound(2));
    QVERIFY(conversation->lineIsInbound(3));
    // Another connection has its own conversation.
    m_ui->selectRow(accepted);
    QTRY_COMPARE(conversation->lineCount(), 4);
    QVERIFY(conversation->lineIsInbound(0));
}

void TestWindowDetails::hexViewSelectsAndCopies() {
    openWindow();
    const auto [client, accepted] = connectedPair();
    QVERIFY(client != 0);
    m_ui->selectRow(client);
    WindowDriver::chooseInCombo(m_ui->child<QComboBox>("modeCombo"), 1);
    m_ui->typeInComposer(QStringLiteral("00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 41 42"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::InColumn), QStringLiteral("20"));

    QTableView *log = m_ui->trafficView();
    int row = -1;
    QTRY_VERIFY([&] {
        const auto rows = m_ui->logRows();
        for (int i = 0; i < rows.size(); ++i) {
            if (rows[i].endpoint == accepted && WindowDriver::isInbound(rows[i]))
                row = i;
        }
        return row >= 0;
    }());
    const QModelIndex index = log->model()->index(row, TrafficModel::DataColumn);
    log->scrollTo(index);
    QTest::mouseClick(log->viewport(), Qt::LeftButton, {}, log->visualRect(index).center());
    auto *hex = m_ui->child<HexView>("hexView");
    QCOMPARE(hex->data().size(), 20);

    // Select bytes 16..19 ("10 11 41 42", the second row) by keyboard-free API and copy them.
    hex->setSelection(16, 20);
    QCOMPARE(hex->selectedBytes(), QByteArray::fromHex("10114142"));
    hex->copyAsHex();
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("10 11 41 42"));
    hex->copyAsCArray();
    QVERIFY(QApplication::clipboard()->text().contains(QStringLiteral("0x10, 0x11, 0x41, 0x42")));
    hex->setSelection(18, 20);
    hex->copyAsText();
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("AB"));

    // A click on a byte in the ASCII column selects that byte (mirrored in the hex column).
    hex->setSelection(0, 0);
    const QFontMetrics metrics(hex->font());
    const int asciiX = 4 + metrics.horizontalAdvance(QLatin1Char('0')) * (10 + HexView::BytesPerRow * 3 + 2);
    const QPoint secondRowFirstAscii(asciiX + 2, metrics.height() + metrics.height() / 2);
    QTest::mouseClick(hex->viewport(), Qt::LeftButton, {}, secondRowFirstAscii);
    QCOMPARE(hex->selectionStart(), 16);
    QCOMPARE(hex->selectionEnd(), 17);
}

void TestWindowDetails::droppedRecordsAreSaidWhereTheLogStarts() {
    WorkbenchConfig config;
    config.journalBudgetBytes = 2 * 1024 * 1024;
    openWindow(config);
    const auto [client, accepted] = connectedPair();
    QVERIFY(client != 0);
    m_ui->selectRow(client);
    m_ui->typeInComposer(QStringLiteral("first words"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::InColumn), QStringLiteral("11"));
    auto *dropped = m_ui->child<QLabel>("droppedLabel");
    QVERIFY(dropped->isHidden());
    // Push well past the 2 MiB budget: the oldest records go whole, rows and all; the counters stay.
    const QByteArray big(3 * 1024 * 1024, 'x');
    QVERIFY(m_window->workbench()->send(client, big));
    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::InColumn),
                 QLocale::system().toString(11 + big.size()));
    QTRY_VERIFY(m_window->workbench()->journal().oldestSeq() > 0);
    const auto hasFirstWords = [&] {
        const auto rows = m_ui->logRows();
        return std::any_of(rows.begin(), rows.end(),
                           [](const auto &row) { return row.data.contains(QStringLiteral("first words")); });
    };
    QTRY_VERIFY(!hasFirstWords());
    // The top of the log says what went and up to when; the status bar counts it.
    QTRY_VERIFY(dropped->isVisible());
    QVERIFY2(dropped->text().contains(QStringLiteral("older records dropped, up to")),
             qPrintable(dropped->text()));
    QTRY_VERIFY(m_ui->child<QLabel>("journalLabel")->text().contains(QStringLiteral("dropped")));
    QVERIFY(m_ui->child<QLabel>("journalLabel")->toolTip().contains(QStringLiteral("older records dropped")));
}

void TestWindowDetails::settingsAndHistoryPersist() {
    openWindow();
    const auto [client, accepted] = connectedPair();
    QVERIFY(client != 0);
    m_ui->selectRow(client);
    WindowDriver::chooseInCombo(m_ui->child<QComboBox>("modeCombo"), 1);
    WindowDriver::chooseInCombo(m_ui->child<QComboBox>("lineEndingCombo"), 3); // CRLF
    m_ui->typeInComposer(QStringLiteral("41 42"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::InColumn), QStringLiteral("4"));
    QVERIFY(closeWindow(m_window.get())); // the connection is open: answers the question

    openWindow();
    QCOMPARE(m_ui->child<QComboBox>("modeCombo")->currentText(), QStringLiteral("Hex"));
    QCOMPARE(m_ui->child<QComboBox>("lineEndingCombo")->currentIndex(), 3);
    QVERIFY(m_ui->child<QToolButton>("historyButton")
                ->menu()
                ->actions()
                .first()
                ->text()
                .contains(QStringLiteral("41 42")));
    // The address history offers what was used, first.
    m_ui->clickAction("connectAction");
    auto *address = m_ui->dialog()->findChild<QComboBox *>(QStringLiteral("addressCombo"));
    QCOMPARE(address->itemText(0), QStringLiteral("127.0.0.1"));
    QVERIFY(!m_ui->dialog()->findChild<QLineEdit *>(QStringLiteral("portEdit"))->text().isEmpty());
}

void TestWindowDetails::preferencesSetTheJournalBudget() {
    openWindow();
    m_window->findChild<QAction *>(QStringLiteral("preferencesAction"))->trigger(); // File → Preferences
    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<QDialog *>(QStringLiteral("preferencesDialog"))) != nullptr);
    auto *spin = dialog->findChild<QSpinBox *>(QStringLiteral("journalBudgetSpin"));
    QCOMPARE(spin->value(), int(m_window->workbench()->journal().budgetBytes() >> 20));
    QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("journalUsageLabel"))
                ->text()
                .contains(QStringLiteral("In use")));
    spin->setValue(48);
    QTest::mouseClick(
        dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok),
        Qt::LeftButton);
    QCOMPARE(m_window->workbench()->journal().budgetBytes(), 48LL << 20);
    QTRY_VERIFY(m_ui->child<QLabel>("journalLabel")->text().contains(QStringLiteral("of 48")));
    // The next window starts with the budget chosen.
    m_window->close();
    openWindow();
    QCOMPARE(m_window->workbench()->journal().budgetBytes(), 48LL << 20);
}

void TestWindowDetails::clearClosedAndCloseAll() {
    openWindow();
    const auto [client, accepted] = connectedPair();
    QVERIFY(client != 0);
    QCOMPARE(m_ui->connectionRows().size(), 3);
    m_ui->selectRow(client);
    m_ui->clickAction("closeAllAction");
    QTRY_VERIFY(isFinal(m_window->workbench()->info(client).state));
    QTRY_VERIFY(isFinal(m_window->workbench()->info(accepted).state));
    QTRY_VERIFY(
        m_ui->cell(m_ui->connectionRows().first().data(ConnectionModel::EndpointRole).value<EndpointId>(),
                   ConnectionModel::StateColumn) == QLatin1String("Stopped"));
    m_ui->clickAction("clearClosedAction");
    QCOMPARE(m_ui->connectionRows().size(), 0);
    // The log keeps their traffic and events.
    QVERIFY(m_ui->trafficView()->model()->rowCount() > 0);
}

void TestWindowDetails::closingWithOpenConnectionsIsPrompt() {
    openWindow();
    const EndpointId listener = startListener();
    QVERIFY(listener != 0);
    const quint16 port = m_ui->localPort(listener);
    QList<EndpointId> clients;
    for (int i = 0; i < 5; ++i)
        clients.append(connectClient(port));
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 5);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(closeWindow(m_window.get())); // Quit, answered as asked
    m_ui.reset();
    m_window.reset();
    QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
}

void TestWindowDetails::manyConnectionsListAndClosePromptly() {
    openWindow();
    const EndpointId listener = startListener();
    QVERIFY(listener != 0);
    const quint16 port = m_ui->localPort(listener);
    // 500 clients through the facade (a dialog per client would only test typing): 1,000 sockets.
    constexpr int Clients = 500;
    for (int i = 0; i < Clients; ++i)
        m_window->connectionModel()->addEndpoint(
            m_window->workbench()->connectTcp(QStringLiteral("127.0.0.1"), port));
    QTRY_COMPARE_WITH_TIMEOUT(m_ui->childrenOf(listener).size(), Clients, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_ui->child<QLabel>("openLabel")->text(),
        QStringLiteral("%1 connected, %2 open").arg(formatCount(2 * Clients), formatCount(2 * Clients + 1)),
        5000);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(closeWindow(m_window.get())); // Quit, answered as asked
    m_ui.reset();
    m_window.reset();
    QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
}

void TestWindowDetails::logFollowsNewRowsUntilTheUserScrollsUp() {
    openWindow();
    const auto [client, accepted] = connectedPair(1); // echo: each send makes four records
    QVERIFY(client != 0);
    m_ui->selectRow(client);
    m_ui->typeInComposer(QStringLiteral("tick"));
    auto *count = m_ui->child<QSpinBox>("repeatCountSpin");
    auto *interval = m_ui->child<QSpinBox>("repeatIntervalSpin");
    count->setValue(30);
    interval->setValue(1);
    auto *repeat = m_ui->child<QPushButton>("repeatButton");
    QTest::mouseClick(repeat, Qt::LeftButton);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::InColumn), QStringLiteral("120"));
    QScrollBar *bar = m_ui->trafficView()->verticalScrollBar();
    QTRY_VERIFY(bar->maximum() > 0);
    QTRY_COMPARE(bar->value(), bar->maximum()); // following the newest rows
    auto *follow = m_window->findChild<QAction *>(QStringLiteral("followAction"));
    QVERIFY(follow->isChecked());

    // The user looks at older rows: new ones no longer pull the view down.
    QTest::keyClick(m_ui->trafficView(), Qt::Key_Home, Qt::ControlModifier);
    QCOMPARE(bar->value(), 0);
    QVERIFY(!follow->isChecked());
    const int maximumBefore = bar->maximum();
    QTest::mouseClick(repeat, Qt::LeftButton);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::InColumn), QStringLiteral("240"));
    QTRY_VERIFY(bar->maximum() > maximumBefore);
    QCOMPARE(bar->value(), 0);

    // Back to the bottom (Ctrl+End) and it follows again.
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    QTest::keyClick(m_window.get(), Qt::Key_End, Qt::ControlModifier);
    QVERIFY(follow->isChecked());
    QCOMPARE(bar->value(), bar->maximum());
    QTest::mouseClick(repeat, Qt::LeftButton);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::InColumn), QStringLiteral("360"));
    QTRY_VERIFY(bar->maximum() > maximumBefore);
    QTRY_COMPARE(bar->value(), bar->maximum());
}

void TestWindowDetails::sendFileSendsTheFileBytes() {
    openWindow();
    const auto [client, accepted] = connectedPair();
    QVERIFY(client != 0);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QByteArray content;
    for (int i = 0; i < 100000; ++i)
        content += char(i * 7);
    const QString path = dir.filePath(QStringLiteral("payload.bin"));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(content), content.size());
    }
    m_ui->selectRow(client);
    QTest::mouseClick(m_ui->child<QPushButton>("sendFileButton"), Qt::LeftButton);
    auto *dialog = m_window->findChild<QFileDialog *>(QStringLiteral("sendFileDialog"));
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    // Choosing the file is Qt's own dialog; what we test is what happens with the chosen file.
    dialog->selectFile(path);
    static_cast<QDialog *>(dialog)->accept();
    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::InColumn), QLocale::system().toString(content.size()));
    QVERIFY(m_ui->child<QLabel>("messageLabel")->text().contains(QStringLiteral("payload.bin")));
}

SOCKBENCH_TEST_MAIN(TestWindowDetails)
#include "tst_windowdetails.moc"
