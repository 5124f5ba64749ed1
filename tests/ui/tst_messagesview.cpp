// Messages: framing in the forms, the log's Messages view, the conversation by message and the
// composer's checksum, driven through a real window with real loopback sockets.

#include "testmain.h"
#include "windowdriver.h"

#include "dialogs/framingfield.h"
#include "protocol/framing.h"
#include "style/presentation.h"
#include "views/conversationview.h"
#include "views/elidedlabel.h"

#include <QAction>
#include <QLabel>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QToolButton>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

class TestMessagesView final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void logShowsLinesAsMessagesAndChunksWhenOff();
    void lengthPrefixedMessagesShowWithoutHeader();
    void conversationShowsOneLinePerMessage();
    void framingChangedLiveFramesTheHistoryAgain();
    void composerAppendsTheChecksum();
    void composerPutsTheFramesLengthHeaderInFront();
    void framingFieldRefusesWhatTheCoreRefuses();

private:
    void openWindow();
    /// Opens a listener through the form with this framing typed in its field; returns its id.
    EndpointId startFramedListener(const QString &frame);
    /// Connects a plain client to the listener and waits for the window to list its connection.
    EndpointId connectClient(EndpointId listener, QTcpSocket *client);
    /// Writes bytes and waits until the connection's inbound count reaches `total`, so that each
    /// write is a read of its own on the other side.
    bool writeAndWait(QTcpSocket *client, EndpointId connection, const QByteArray &bytes, quint64 total);
    /// Selects the connection, shows "Selected connection" and turns Messages on or off.
    void showSelected(EndpointId connection, bool messages);
    QStringList inboundRows() const;

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestMessagesView::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_messagesview"));
}

void TestMessagesView::init() {
    QSettings().clear();
    openWindow();
}

void TestMessagesView::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

void TestMessagesView::openWindow() {
    QVERIFY(openTestWindow(m_window, m_ui));
}

EndpointId TestMessagesView::startFramedListener(const QString &frame) {
    m_ui->clickAction("newListenerAction");
    EndpointDialog *dialog = m_ui->dialog();
    if (!dialog)
        return 0;
    auto *combo = dialog->findChild<QComboBox *>(QStringLiteral("framingCombo"));
    if (!combo || !combo->isVisible())
        return 0;
    WindowDriver::replaceText(combo->lineEdit(), frame);
    if (!m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QStringLiteral("0")))
        return 0;
    m_window->activateWindow();
    return m_ui->lastTopLevel();
}

EndpointId TestMessagesView::connectClient(EndpointId listener, QTcpSocket *client) {
    if (!QTest::qWaitFor([&] { return m_ui->localPort(listener) != 0; }))
        return 0;
    client->connectToHost(QStringLiteral("127.0.0.1"), m_ui->localPort(listener));
    if (!client->waitForConnected(5000))
        return 0;
    if (!QTest::qWaitFor([&] { return !m_ui->childrenOf(listener).isEmpty(); }))
        return 0;
    return m_ui->childrenOf(listener).constFirst();
}

bool TestMessagesView::writeAndWait(QTcpSocket *client, EndpointId connection, const QByteArray &bytes,
                                    quint64 total) {
    client->write(bytes);
    client->flush();
    const Journal &journal = m_window->workbench()->journal();
    return QTest::qWaitFor([&] { return journal.counters(connection).bytesIn >= total; });
}

void TestMessagesView::showSelected(EndpointId connection, bool messages) {
    m_ui->selectRow(connection);
    auto *scope = m_ui->child<QComboBox>("connectionFilterCombo");
    WindowDriver::chooseInCombo(scope, 1);
    auto *button = m_ui->child<QToolButton>("messagesButton");
    if (button->isChecked() != messages)
        QTest::mouseClick(button, Qt::LeftButton);
}

QStringList TestMessagesView::inboundRows() const {
    QStringList rows;
    for (const WindowDriver::LogRow &row : m_ui->logRows()) {
        if (WindowDriver::isInbound(row))
            rows.append(row.data);
    }
    return rows;
}

void TestMessagesView::logShowsLinesAsMessagesAndChunksWhenOff() {
    const EndpointId listener = startFramedListener(QStringLiteral("line"));
    QVERIFY(listener != 0);
    QCOMPARE(toString(m_window->workbench()->info(listener).frame), QStringLiteral("line"));
    QTcpSocket client;
    const EndpointId connection = connectClient(listener, &client);
    QVERIFY(connection != 0);
    QVERIFY(writeAndWait(&client, connection, "one\ntw", 6));
    QVERIFY(writeAndWait(&client, connection, "o\nthree\n", 14));

    showSelected(connection, true);
    QVERIFY(m_window->findChild<QAction *>(QStringLiteral("messagesAction"))->isChecked());
    QTRY_COMPARE(inboundRows(),
                 (QStringList{QStringLiteral("one"), QStringLiteral("two"), QStringLiteral("three")}));

    showSelected(connection, false);
    QTRY_COMPARE(inboundRows(), (QStringList{QStringLiteral("one\\ntw"), QStringLiteral("o\\nthree\\n")}));
}

void TestMessagesView::lengthPrefixedMessagesShowWithoutHeader() {
    const EndpointId listener = startFramedListener(QStringLiteral("len:2be"));
    QVERIFY(listener != 0);
    QTcpSocket client;
    const EndpointId connection = connectClient(listener, &client);
    QVERIFY(connection != 0);
    // The second message's header is split across the two reads.
    QVERIFY(writeAndWait(&client, connection,
                         QByteArray("\x00\x03"
                                    "abc\x00",
                                    6),
                         6));
    QVERIFY(writeAndWait(&client, connection,
                         QByteArray("\x02"
                                    "hi",
                                    3),
                         9));
    showSelected(connection, true);
    QTRY_COMPARE(inboundRows(), (QStringList{QStringLiteral("abc"), QStringLiteral("hi")}));
    const auto rows = m_ui->logRows();
    QStringList lengths;
    for (const WindowDriver::LogRow &row : rows) {
        if (WindowDriver::isInbound(row))
            lengths.append(row.length);
    }
    QCOMPARE(lengths, (QStringList{QStringLiteral("3"), QStringLiteral("2")}));
}

void TestMessagesView::conversationShowsOneLinePerMessage() {
    const EndpointId listener = startFramedListener(QStringLiteral("line"));
    QVERIFY(listener != 0);
    QTcpSocket client;
    const EndpointId connection = connectClient(listener, &client);
    QVERIFY(connection != 0);
    QVERIFY(writeAndWait(&client, connection, "one\ntw", 6));
    QVERIFY(writeAndWait(&client, connection, "o\nthree\n", 14));
    m_ui->selectRow(connection);
    auto *conversation = m_ui->child<ConversationView>("conversationView");
    QTRY_VERIFY(conversation->showsMessages());
    QTRY_COMPARE(conversation->lineCount(), 3);
    QCOMPARE(conversation->lineText(0), QStringLiteral("one"));
    QCOMPARE(conversation->lineText(1), QStringLiteral("two"));
    QCOMPARE(conversation->lineText(2), QStringLiteral("three"));
    QVERIFY(conversation->lineIsInbound(2));
}

void TestMessagesView::framingChangedLiveFramesTheHistoryAgain() {
    const EndpointId listener = startFramedListener(QStringLiteral("raw"));
    QVERIFY(listener != 0);
    QTcpSocket client;
    const EndpointId connection = connectClient(listener, &client);
    QVERIFY(connection != 0);
    QVERIFY(writeAndWait(&client, connection, "a\nb\n", 4));
    showSelected(connection, true);
    QTRY_COMPARE(inboundRows(), QStringList{QStringLiteral("a\\nb\\n")});

    // Connection > Framing… on the selected connection.
    auto *action = m_window->findChild<QAction *>(QStringLiteral("framingAction"));
    QVERIFY(action->isEnabled());
    action->trigger();
    auto *dialog = m_window->findChild<FramingDialog *>();
    QVERIFY(dialog);
    auto *combo = dialog->findChild<QComboBox *>(QStringLiteral("framingCombo"));
    WindowDriver::replaceText(combo->lineEdit(), QStringLiteral("len:9"));
    QPushButton *ok =
        dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok);
    QVERIFY(!ok->isEnabled());
    WindowDriver::replaceText(combo->lineEdit(), QStringLiteral("line"));
    QVERIFY(ok->isEnabled());
    QTest::mouseClick(ok, Qt::LeftButton);
    QTRY_COMPARE(toString(m_window->workbench()->info(connection).frame), QStringLiteral("line"));
    QTRY_COMPARE(inboundRows(), (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
}

void TestMessagesView::composerAppendsTheChecksum() {
    const EndpointId listener = startFramedListener(QStringLiteral("raw"));
    QVERIFY(listener != 0);
    QTcpSocket peer;
    const EndpointId connection = connectClient(listener, &peer);
    QVERIFY(connection != 0);
    m_ui->selectRow(connection);
    auto *mode = m_ui->child<QComboBox>("modeCombo");
    WindowDriver::chooseInCombo(mode, mode->findData(int(PayloadMode::Hex)));
    auto *checksum = m_ui->child<QComboBox>("checksumCombo");
    WindowDriver::chooseInCombo(checksum, checksum->findData(QStringLiteral("crc16-modbus")));
    QCOMPARE(checksum->currentData().toString(), QStringLiteral("crc16-modbus"));
    m_ui->typeInComposer(QStringLiteral("01 03 00 00 00 0a"));
    // The size shown counts the checksum.
    QCOMPARE(m_ui->child<QLabel>("previewLabel")->text(), formatByteCount(8));
    QTRY_VERIFY(m_ui->sendButton()->isEnabled());
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QByteArray received;
    QTRY_VERIFY((received += peer.readAll()).size() >= 8);
    QCOMPARE(received.toHex(' '), QByteArray("01 03 00 00 00 0a c5 cd"));
}

void TestMessagesView::composerPutsTheFramesLengthHeaderInFront() {
    const EndpointId listener = startFramedListener(QStringLiteral("len:2be"));
    QVERIFY(listener != 0);
    QTcpSocket peer;
    const EndpointId connection = connectClient(listener, &peer);
    QVERIFY(connection != 0);
    m_ui->selectRow(connection);
    auto *header = m_ui->child<QToolButton>("lengthPrefixButton");
    QTRY_VERIFY(header->isVisible());
    QVERIFY(header->isChecked());
    m_ui->typeInComposer(QStringLiteral("hello"));
    QCOMPARE(m_ui->child<QLabel>("previewLabel")->text(), formatByteCount(7));
    QTRY_VERIFY(m_ui->sendButton()->isEnabled());
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QByteArray received;
    QTRY_VERIFY((received += peer.readAll()).size() >= 7);
    QCOMPARE(received, QByteArray("\x00\x05hello", 7));
    // Off: the payload alone; and the frame that the engine's view splits it by is the same one,
    // so the log shows the sent message without its header.
    QTest::mouseClick(header, Qt::LeftButton);
    QCOMPARE(m_ui->child<QLabel>("previewLabel")->text(), formatByteCount(5));
    // A raw target has no header to give: the button goes away.
    const EndpointId raw = startFramedListener(QStringLiteral("raw"));
    QVERIFY(raw != 0);
    m_ui->selectRow(raw);
    QTRY_VERIFY(!header->isVisible());
}

void TestMessagesView::framingFieldRefusesWhatTheCoreRefuses() {
    m_ui->clickAction("newListenerAction");
    EndpointDialog *dialog = m_ui->dialog();
    QVERIFY(dialog);
    auto *combo = dialog->findChild<QComboBox *>(QStringLiteral("framingCombo"));
    QVERIFY(combo && combo->isVisible());
    WindowDriver::replaceText(combo->lineEdit(), QStringLiteral("fixed:0"));
    QString coreError;
    QVERIFY(!parseFrameSpec(u"fixed:0", &coreError));
    QVERIFY(!coreError.isEmpty());
    QPushButton *ok =
        dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok);
    QVERIFY(!ok->isEnabled());
    auto *error = dialog->findChild<QLabel *>(QStringLiteral("errorLabel"));
    QVERIFY2(error->text().contains(coreError), qPrintable(error->text()));
    QVERIFY(dialog->problem().contains(coreError));
    // A good SPEC puts OK back.
    WindowDriver::replaceText(combo->lineEdit(), QStringLiteral("fixed:8"));
    QVERIFY(ok->isEnabled());
    // UDP has no framing to choose: each datagram is a message.
    dialog->setKind(EndpointKind::UdpSocket);
    QVERIFY(!combo->isVisible());
    dialog->reject();
}

SOCKBENCH_TEST_MAIN(TestMessagesView)
#include "tst_messagesview.moc"
