// The window's nine user stories, each driven through the real window on real loopback sockets.

#include "testmain.h"
#include "windowdriver.h"

#include "views/hexview.h"

#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

class TestMainWindow final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void textMessageReachesAcceptedConnection();
    void hexModeSendsExactBytes();
    void invalidHexIsMarkedAndNothingIsSent();
    void echoListenerSendsMessageBack();
    void refusedConnectionShowsFailed();
    void udpDatagramShowsSenderAddress();
    void listenerTargetReachesEveryClient();
    void abortShowsResetOnPeer();
    void greetingArrivesFirst();
    void listenerShowsItsAutoReply();
    void everyToolBarButtonHasAnIcon();
    void logHexColumnShowsBytesAndIsRemembered();

private:
    /// Starts a listener through the New listener dialog; returns its id once the UI shows its port.
    EndpointId startListener(int autoReplyIndex = 0, const QString &greeting = {});
    /// Connects a client through the Connect dialog; returns its id once the UI shows it Connected.
    EndpointId connectClient(quint16 port);
    EndpointId openUdp();

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestMainWindow::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_mainwindow"));
}

void TestMainWindow::init() {
    QSettings().clear();
    m_window = std::make_unique<MainWindow>();
    m_ui = std::make_unique<WindowDriver>(m_window.get());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMainWindow::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

EndpointId TestMainWindow::startListener(int autoReplyIndex, const QString &greeting) {
    const int before = m_ui->connections()->rowCount();
    m_ui->clickAction("newListenerAction");
    EndpointDialog *dialog = m_ui->dialog();
    if (!dialog) {
        qWarning("New listener did not open a dialog");
        return 0;
    }
    if (dialog->kind() != EndpointKind::TcpListener) {
        qWarning("the dialog is not for a listener");
        return 0;
    }
    if (autoReplyIndex > 0)
        WindowDriver::chooseInCombo(dialog->findChild<QComboBox *>(QStringLiteral("autoReplyCombo")),
                                    autoReplyIndex);
    if (!greeting.isEmpty())
        WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QStringLiteral("greetingEdit")), greeting);
    if (!m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QStringLiteral("0"))) {
        qWarning("listener dialog refused: %s", qPrintable(dialog->problem()));
        return 0;
    }
    if (m_ui->connections()->rowCount() != before + 1)
        return 0;
    const EndpointId id = m_ui->lastTopLevel();
    if (!QTest::qWaitFor([&] { return m_ui->localPort(id) != 0; }, 5000))
        qWarning("no port shown for #%llu", id);
    return id;
}

EndpointId TestMainWindow::connectClient(quint16 port) {
    const int before = m_ui->connections()->rowCount();
    m_ui->clickAction("connectAction");
    EndpointDialog *dialog = m_ui->dialog();
    if (!dialog || dialog->kind() != EndpointKind::TcpConnection)
        return 0;
    if (!m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QString::number(port)))
        return 0;
    if (m_ui->connections()->rowCount() != before + 1)
        return 0;
    return m_ui->lastTopLevel();
}

EndpointId TestMainWindow::openUdp() {
    const int before = m_ui->connections()->rowCount();
    m_ui->clickAction("openUdpAction");
    EndpointDialog *dialog = m_ui->dialog();
    if (!dialog || dialog->kind() != EndpointKind::UdpSocket)
        return 0;
    if (!m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QStringLiteral("0")))
        return 0;
    if (m_ui->connections()->rowCount() != before + 1)
        return 0;
    const EndpointId id = m_ui->lastTopLevel();
    if (!QTest::qWaitFor([&] { return m_ui->localPort(id) != 0; }, 5000))
        qWarning("no port shown for #%llu", id);
    return id;
}

void TestMainWindow::textMessageReachesAcceptedConnection() {
    const EndpointId listener = startListener();
    QVERIFY(listener != 0);
    QCOMPARE(m_ui->cell(listener, ConnectionModel::StateColumn), QStringLiteral("Listening"));
    const quint16 port = m_ui->localPort(listener);
    QVERIFY(port != 0);

    const EndpointId client = connectClient(port);
    QVERIFY(client != 0);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 1);
    const EndpointId accepted = m_ui->childrenOf(listener).first();
    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::StateColumn), QStringLiteral("Connected"));

    m_ui->selectRow(client);
    m_ui->typeInComposer(QStringLiteral("Hello, server!"));
    QCOMPARE(m_ui->child<QLabel>("previewLabel")->text(), QStringLiteral("14 bytes"));
    QVERIFY(m_ui->sendButton()->isEnabled());
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);

    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::InColumn), QStringLiteral("14"));
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::OutColumn), QStringLiteral("14"));
    QTRY_VERIFY(m_ui->logShows(accepted, true, QStringLiteral("Hello, server!")));
    QTRY_VERIFY(m_ui->logShows(client, false, QStringLiteral("Hello, server!")));
}

void TestMainWindow::hexModeSendsExactBytes() {
    const EndpointId listener = startListener();
    QVERIFY(listener != 0);
    const EndpointId client = connectClient(m_ui->localPort(listener));
    QVERIFY(client != 0);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 1);
    const EndpointId accepted = m_ui->childrenOf(listener).first();

    m_ui->selectRow(client);
    WindowDriver::chooseInCombo(m_ui->child<QComboBox>("modeCombo"), 1);
    QCOMPARE(m_ui->child<QComboBox>("modeCombo")->currentText(), QStringLiteral("Hex"));
    m_ui->typeInComposer(QStringLiteral("48 65 6c 6c 6f 0d 0a"));
    QCOMPARE(m_ui->child<QLabel>("previewLabel")->text(), QStringLiteral("7 bytes"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);

    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::InColumn), QStringLiteral("7"));
    // Switch the log to hex and find the inbound record; its bytes in the hex view are exactly ours.
    m_window->findChild<QAction *>(QStringLiteral("hexPreviewAction"))->trigger();
    QTRY_VERIFY(m_ui->logShows(accepted, true, QStringLiteral("48 65 6c 6c 6f 0d 0a")));
    const auto rows = m_ui->logRows();
    int row = -1;
    for (int i = 0; i < rows.size(); ++i) {
        if (rows[i].endpoint == accepted && WindowDriver::isInbound(rows[i]))
            row = i;
    }
    QVERIFY(row >= 0);
    QCOMPARE(rows[row].length, QStringLiteral("7"));
    QTableView *log = m_ui->trafficView();
    const QModelIndex cell = log->model()->index(row, TrafficModel::DataColumn);
    log->scrollTo(cell);
    QTest::mouseClick(log->viewport(), Qt::LeftButton, {}, log->visualRect(cell).center());
    QCOMPARE(m_ui->child<HexView>("hexView")->data(), QByteArray("Hello\r\n"));
}

void TestMainWindow::invalidHexIsMarkedAndNothingIsSent() {
    const EndpointId listener = startListener();
    QVERIFY(listener != 0);
    const EndpointId client = connectClient(m_ui->localPort(listener));
    QVERIFY(client != 0);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 1);
    const EndpointId accepted = m_ui->childrenOf(listener).first();

    m_ui->selectRow(client);
    WindowDriver::chooseInCombo(m_ui->child<QComboBox>("modeCombo"), 1);
    m_ui->typeInComposer(QStringLiteral("48 4G"));
    // The error names the position of the 'G' (index 4, column 5) and the editor marks it.
    const QString preview = m_ui->child<QLabel>("previewLabel")->text();
    QVERIFY2(preview.contains(QStringLiteral("column 5")), qPrintable(preview));
    const auto marks = m_ui->composerEdit()->extraSelections();
    QCOMPARE(marks.size(), 1);
    QCOMPARE(marks.first().cursor.selectionStart(), 4);
    QVERIFY(!m_ui->sendButton()->isEnabled());
    QVERIFY(!m_ui->sendButton()->toolTip().isEmpty());
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTest::keyClick(m_ui->composerEdit(), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(m_ui->cell(client, ConnectionModel::OutColumn), QStringLiteral("0"));
    QCOMPARE(m_window->workbench()->journal().totals().bytesOut, 0u);

    // A valid payload sent afterwards is the only thing that arrives: the invalid one sent nothing.
    m_ui->typeInComposer(QStringLiteral("4f 4b"));
    QVERIFY(m_ui->sendButton()->isEnabled());
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::InColumn), QStringLiteral("2"));
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::OutColumn), QStringLiteral("2"));
}

void TestMainWindow::echoListenerSendsMessageBack() {
    const EndpointId listener = startListener(1); // Echo
    QVERIFY(listener != 0);
    const EndpointId client = connectClient(m_ui->localPort(listener));
    QVERIFY(client != 0);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));

    m_ui->selectRow(client);
    // The log follows the selected connection: only the client's records remain.
    WindowDriver::chooseInCombo(m_ui->child<QComboBox>("connectionFilterCombo"), 1);
    m_ui->typeInComposer(QStringLiteral("ping\\n"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);

    QTRY_VERIFY(m_ui->logShows(client, true, QStringLiteral("ping\\n")));
    QTRY_VERIFY(m_ui->logShows(client, false, QStringLiteral("ping\\n")));
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::InColumn), QStringLiteral("5"));
    for (const auto &row : m_ui->logRows())
        QCOMPARE(row.endpoint, client);
}

void TestMainWindow::refusedConnectionShowsFailed() {
    // A port that was just ours and is now closed: nobody listens there.
    const EndpointId listener = startListener();
    QVERIFY(listener != 0);
    const quint16 port = m_ui->localPort(listener);
    m_ui->selectRow(listener);
    m_ui->clickAction("closeAction");
    QTRY_COMPARE(m_ui->cell(listener, ConnectionModel::StateColumn), QStringLiteral("Stopped"));

    const EndpointId client = connectClient(port);
    QVERIFY(client != 0);
    QTRY_VERIFY(m_ui->cell(client, ConnectionModel::StateColumn).startsWith(QStringLiteral("Failed")));
    const QString state = m_ui->cell(client, ConnectionModel::StateColumn);
    QVERIFY2(state.contains(QStringLiteral("refused"), Qt::CaseInsensitive), qPrintable(state));
    const auto logSaysRefused = [&] {
        const auto rows = m_ui->logRows();
        return std::any_of(rows.begin(), rows.end(), [&](const auto &row) {
            return row.endpoint == client &&
                   row.data.contains(QStringLiteral("refused"), Qt::CaseInsensitive);
        });
    };
    QTRY_VERIFY(logSaysRefused());
}

void TestMainWindow::udpDatagramShowsSenderAddress() {
    const EndpointId a = openUdp();
    QVERIFY(a != 0);
    const EndpointId b = openUdp();
    QVERIFY(b != 0);
    QCOMPARE(m_ui->cell(a, ConnectionModel::StateColumn), QStringLiteral("Bound"));
    const quint16 portA = m_ui->localPort(a);
    const quint16 portB = m_ui->localPort(b);

    m_ui->selectRow(a);
    auto *destination = m_ui->child<QLineEdit>("destinationEdit");
    QVERIFY(destination->isVisible());
    WindowDriver::replaceText(destination, QStringLiteral("127.0.0.1:%1").arg(portB));
    m_ui->typeInComposer(QStringLiteral("datagram!"));
    QVERIFY2(m_ui->sendButton()->isEnabled(), qPrintable(m_ui->sendButton()->toolTip()));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);

    QTRY_VERIFY(m_ui->logShows(b, true, QStringLiteral("datagram!")));
    const QString sender = QStringLiteral("127.0.0.1:%1").arg(portA);
    const auto rows = m_ui->logRows();
    QVERIFY(std::any_of(rows.begin(), rows.end(), [&](const auto &row) {
        return row.endpoint == b && WindowDriver::isInbound(row) && row.connection.contains(sender);
    }));
    QTRY_COMPARE(m_ui->cell(b, ConnectionModel::InColumn), QStringLiteral("9"));
}

void TestMainWindow::listenerTargetReachesEveryClient() {
    const EndpointId listener = startListener();
    QVERIFY(listener != 0);
    const quint16 port = m_ui->localPort(listener);
    const QList<EndpointId> clients = {connectClient(port), connectClient(port), connectClient(port)};
    for (EndpointId client : clients) {
        QVERIFY(client != 0);
        QTRY_COMPARE(m_ui->cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));
    }
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 3);
    for (EndpointId accepted : m_ui->childrenOf(listener))
        QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::StateColumn), QStringLiteral("Connected"));

    m_ui->selectRow(listener);
    m_ui->typeInComposer(QStringLiteral("to all"));
    QVERIFY2(m_ui->sendButton()->isEnabled(), qPrintable(m_ui->sendButton()->toolTip()));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    for (EndpointId client : clients) {
        QTRY_COMPARE(m_ui->cell(client, ConnectionModel::InColumn), QStringLiteral("6"));
        QTRY_VERIFY(m_ui->logShows(client, true, QStringLiteral("to all")));
    }
}

void TestMainWindow::abortShowsResetOnPeer() {
    const EndpointId listener = startListener();
    QVERIFY(listener != 0);
    const EndpointId client = connectClient(m_ui->localPort(listener));
    QVERIFY(client != 0);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 1);
    const EndpointId accepted = m_ui->childrenOf(listener).first();
    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::StateColumn), QStringLiteral("Connected"));

    m_ui->selectRow(client);
    m_ui->clickAction("abortAction");
    // Our abort and the peer's reset are told apart in words, icons and tooltips.
    QTRY_COMPARE(m_ui->cell(accepted, ConnectionModel::StateColumn), QStringLiteral("Reset by peer"));
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::StateColumn), QStringLiteral("Aborted (RST sent)"));
    const auto icon = [this](EndpointId id) {
        return m_ui->window()
            ->connectionModel()
            ->indexOf(id, ConnectionModel::StateColumn)
            .data(Qt::DecorationRole)
            .value<QIcon>()
            .pixmap(16, 16)
            .toImage();
    };
    QVERIFY(icon(accepted) != icon(client));
    QVERIFY(m_ui->cell(accepted, ConnectionModel::StateColumn, Qt::ToolTipRole)
                .contains(QStringLiteral("Connection reset by peer")));
}

void TestMainWindow::greetingArrivesFirst() {
    const EndpointId listener = startListener(2, QStringLiteral("Welcome!\\r\\n"));
    QVERIFY(listener != 0);
    const EndpointId client = connectClient(m_ui->localPort(listener));
    QVERIFY(client != 0);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));

    // The greeting comes without the client sending anything; a reply sent after it is logged after it.
    QTRY_VERIFY(m_ui->logShows(client, true, QStringLiteral("Welcome!\\r\\n")));
    m_ui->selectRow(client);
    m_ui->typeInComposer(QStringLiteral("hi"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_VERIFY(m_ui->logShows(client, false, QStringLiteral("hi")));
    // The client's first data record is the greeting, inbound.
    const auto rows = m_ui->logRows();
    const auto first = std::find_if(rows.begin(), rows.end(), [&](const auto &row) {
        return row.endpoint == client && (WindowDriver::isInbound(row) || WindowDriver::isOutbound(row));
    });
    QVERIFY(first != rows.end());
    QVERIFY(WindowDriver::isInbound(*first));
    QCOMPARE(first->data, QStringLiteral("Welcome!\\r\\n"));
}

void TestMainWindow::listenerShowsItsAutoReply() {
    const EndpointId plain = startListener(0);
    const EndpointId echo = startListener(1);
    const EndpointId greeting = startListener(2, QStringLiteral("Welcome!\\r\\n"));
    QVERIFY(plain != 0 && echo != 0 && greeting != 0);
    QCOMPARE(m_ui->cell(plain, ConnectionModel::NameColumn), QStringLiteral("Listener #%1").arg(plain));
    QCOMPARE(m_ui->cell(echo, ConnectionModel::NameColumn), QStringLiteral("Listener #%1 · echo").arg(echo));
    QCOMPARE(m_ui->cell(greeting, ConnectionModel::NameColumn),
             QStringLiteral("Listener #%1 · greeting").arg(greeting));
    QVERIFY(m_ui->cell(plain, ConnectionModel::NameColumn, Qt::ToolTipRole).contains(QStringLiteral("none")));
    QVERIFY(m_ui->cell(echo, ConnectionModel::NameColumn, Qt::ToolTipRole).contains(QStringLiteral("echo")));
    // The greeting reads back in the payload language, the way it was typed.
    QVERIFY(m_ui->cell(greeting, ConnectionModel::NameColumn, Qt::ToolTipRole)
                .contains(QStringLiteral("\"Welcome!\\r\\n\"")));
}

void TestMainWindow::logHexColumnShowsBytesAndIsRemembered() {
    QTableView *log = m_ui->trafficView();
    // Off by default; offered in the log header's menu and in the View menu.
    QVERIFY(log->isColumnHidden(TrafficModel::HexColumn));
    QAction *hexColumn = nullptr;
    for (QAction *action : log->horizontalHeader()->actions()) {
        if (action->objectName() == QLatin1String("hexColumnAction"))
            hexColumn = action;
    }
    QVERIFY(hexColumn);
    QCOMPARE(log->horizontalHeader()->contextMenuPolicy(), Qt::ActionsContextMenu);
    bool inViewMenu = false;
    for (QAction *menu : m_window->menuBar()->actions()) {
        if (menu->menu() && menu->text() == QLatin1String("&View"))
            inViewMenu = menu->menu()->actions().contains(hexColumn);
    }
    QVERIFY(inViewMenu);
    hexColumn->trigger();
    QVERIFY(!log->isColumnHidden(TrafficModel::HexColumn));
    QVERIFY(!log->isColumnHidden(TrafficModel::DataColumn));

    // A message sent shows as text and, beside it, as hex.
    const EndpointId listener = startListener();
    QVERIFY(listener != 0);
    const EndpointId client = connectClient(m_ui->localPort(listener));
    QVERIFY(client != 0);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));
    m_ui->selectRow(client);
    m_ui->typeInComposer(QStringLiteral("Hello"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_VERIFY(m_ui->logShows(client, false, QStringLiteral("Hello")));
    QAbstractItemModel *rows = log->model();
    QString hex;
    for (int r = 0; r < rows->rowCount(); ++r) {
        if (rows->index(r, TrafficModel::DataColumn).data().toString() == QLatin1String("Hello"))
            hex = rows->index(r, TrafficModel::HexColumn).data().toString();
    }
    QCOMPARE(hex, QStringLiteral("48 65 6c 6c 6f"));
    QVERIFY(log->columnWidth(TrafficModel::HexColumn) > 0);

    // The choice is kept for the next window (closing it with a connection open asks first).
    m_ui.reset();
    QVERIFY(closeWindow(m_window.get()));
    m_window = std::make_unique<MainWindow>();
    m_ui = std::make_unique<WindowDriver>(m_window.get());
    QVERIFY(!m_ui->trafficView()->isColumnHidden(TrafficModel::HexColumn));
    QVERIFY(m_window->findChild<QAction *>(QStringLiteral("hexColumnAction"))->isChecked());
}

SOCKBENCH_TEST_MAIN(TestMainWindow)
void TestMainWindow::everyToolBarButtonHasAnIcon() {
    // The window's own icons (":/icons/..."), not the style's: under some styles and platforms the
    // style has none, and a text-only button stands out in a row of icons.
    const QList<QAction *> actions = m_ui->child<QToolBar>("mainToolBar")->actions();
    QVERIFY(!actions.isEmpty());
    for (const QAction *action : actions) {
        if (!action->isSeparator() && action->isVisible())
            QVERIFY2(!action->icon().isNull(), qPrintable(action->text()));
    }
}

#include "tst_mainwindow.moc"
