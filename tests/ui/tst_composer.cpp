// The composer on its own, offscreen, sending through a real Workbench to raw loopback peers:
// the byte count and the parse errors with their line, column and marked characters, in text and
// hex; when Send is enabled and why not; what arrives at a TCP peer, every client of a listener and
// a UDP peer; sending to a typed host:port with no connect step (TCP, reusing the connection, and
// UDP), bad addresses, unknown hosts and refused connections in words; repeat; and the settings it
// keeps.

#include "panels/composer.h"
#include "testmain.h"
#include "testresolvers.h"
#include "testutil.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace sockbench;
using namespace sockbench::test;

class TestComposer final : public QObject {
    Q_OBJECT

public:
    TestComposer() = default;
    Q_DISABLE_COPY_MOVE(TestComposer)

private Q_SLOTS:
    void init();
    void cleanup();
    void countsTheBytesAsTyped();
    void textErrorsNameTheirLineAndColumn();
    void hexErrorsAreMarkedWhereTheyAre();
    void errorsShowWholeWithAWayOut();
    void sendIsEnabledOnlyWhenItCanSend();
    void sendsToAConnectedPeer();
    void listenerTargetSendsToEveryClient();
    void udpNeedsAValidDestination();
    void repeatSendsTheCountThenStops();
    void settingsRoundTrip();
    void sendsToATypedTcpAddress();
    void sendsADatagramToATypedUdpAddress();
    void badAddressesAreRefusedInWords();
    void unknownHostAndRefusedConnectionAreSaid();

private:
    template <typename T> T *child(const char *name) const {
        T *widget = m_composer->findChild<T *>(QLatin1String(name));
        if (!widget)
            qFatal("no widget named %s", name);
        return widget;
    }
    void type(const QString &text) const {
        auto *edit = child<QPlainTextEdit>("composerEdit");
        edit->setFocus();
        edit->selectAll();
        QTest::keyClick(edit, Qt::Key_Delete);
        QTest::keyClicks(edit, text);
    }
    static void choose(QComboBox *combo, int index) {
        combo->setFocus();
        QTest::keyClick(combo, Qt::Key_Home);
        for (int i = 0; i < index; ++i)
            QTest::keyClick(combo, Qt::Key_Down);
    }
    QString preview() const { return child<QLabel>("previewLabel")->text(); }
    QPushButton *sendButton() const { return child<QPushButton>("sendButton"); }
    /// Types an address in the "Send to" row, picks TCP (0) or UDP (1) and clicks Send to address.
    void sendToAddress(const QString &address, int protocol) const {
        auto *edit = child<QLineEdit>("addressEdit");
        edit->setFocus();
        edit->selectAll();
        QTest::keyClick(edit, Qt::Key_Delete);
        QTest::keyClicks(edit, address);
        choose(child<QComboBox>("addressProtocolCombo"), protocol);
        QTest::mouseClick(child<QPushButton>("sendToAddressButton"), Qt::LeftButton);
    }
    QString message() const { return child<QLabel>("messageLabel")->text(); }
    bool messageIsError() const { return !child<QLabel>("messageLabel")->styleSheet().isEmpty(); }
    /// The workbench's endpoints of a kind.
    QList<EndpointId> endpointsOf(EndpointKind kind) const {
        QList<EndpointId> ids;
        for (const EndpointInfo &info : m_wb->endpoints()) {
            if (info.kind == kind)
                ids.append(info.id);
        }
        return ids;
    }
    /// A new composer on a workbench whose name lookups all fail (never real DNS).
    void reopenWithFailingResolver() {
        m_composer.reset();
        WorkbenchConfig config;
        config.resolver = std::make_shared<FailingResolver>();
        m_wb = std::make_unique<Workbench>(config);
        m_composer = std::make_unique<Composer>(m_wb.get());
        m_composer->show();
    }

    std::unique_ptr<Workbench> m_wb;
    std::unique_ptr<Composer> m_composer;
};

void TestComposer::init() {
    m_wb = std::make_unique<Workbench>();
    m_composer = std::make_unique<Composer>(m_wb.get());
    m_composer->resize(700, 300);
    m_composer->show();
    // Send's Ctrl+Return is a window shortcut: it works only in the active window.
    m_composer->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_composer.get()));
}

void TestComposer::cleanup() {
    m_composer.reset();
    m_wb.reset();
}

void TestComposer::countsTheBytesAsTyped() {
    type(QStringLiteral("abc"));
    QCOMPARE(preview(), QStringLiteral("3 bytes"));
    QCOMPARE(m_composer->payload().bytes, QByteArray("abc"));
    choose(child<QComboBox>("lineEndingCombo"), 3); // CRLF
    QCOMPARE(preview(), QStringLiteral("5 bytes"));
    QCOMPARE(m_composer->payload().bytes, QByteArray("abc\r\n"));
    choose(child<QComboBox>("lineEndingCombo"), 0);
    type(QStringLiteral("a\\nb"));
    QCOMPARE(m_composer->payload().bytes, QByteArray("a\nb"));
    QTest::mouseClick(child<QCheckBox>("escapesCheck"), Qt::LeftButton); // escapes off: literal
    QCOMPARE(preview(), QStringLiteral("4 bytes"));
    QCOMPARE(m_composer->payload().bytes, QByteArray("a\\nb"));
    type(QStringLiteral("x"));
    QCOMPARE(preview(), QStringLiteral("1 byte"));
    // Escapes mean nothing in hex mode.
    choose(child<QComboBox>("modeCombo"), 1);
    QVERIFY(!child<QCheckBox>("escapesCheck")->isEnabled());
    type(QStringLiteral("de ad be ef"));
    QCOMPARE(preview(), QStringLiteral("4 bytes"));
    QCOMPARE(m_composer->payload().bytes, QByteArray::fromHex("deadbeef"));
    QVERIFY(child<QLabel>("previewLabel")->styleSheet().isEmpty());
    QVERIFY(child<QPlainTextEdit>("composerEdit")->extraSelections().isEmpty());
}

void TestComposer::textErrorsNameTheirLineAndColumn() {
    type(QStringLiteral("ab\\q"));
    QVERIFY(!m_composer->payload().ok());
    QCOMPARE(m_composer->payload().errorPosition, 2);
    QVERIFY2(preview().startsWith(QStringLiteral("Line 1, column 3: ")), qPrintable(preview()));
    QVERIFY(!child<QLabel>("previewLabel")->styleSheet().isEmpty());
    auto marks = child<QPlainTextEdit>("composerEdit")->extraSelections();
    QCOMPARE(marks.size(), 1);
    QCOMPARE(marks.first().cursor.selectionStart(), 2);
    QCOMPARE(marks.first().cursor.selectionEnd(), 4); // the backslash and the q
    QVERIFY(m_composer->payload().bytes.isEmpty());

    // On a later line the column counts from that line's start.
    auto *edit = child<QPlainTextEdit>("composerEdit");
    edit->setPlainText(QStringLiteral("fine\nalso \\x4"));
    QVERIFY2(preview().startsWith(QStringLiteral("Line 2, column 6: ")), qPrintable(preview()));
    marks = edit->extraSelections();
    QCOMPARE(marks.size(), 1);
    QCOMPARE(marks.first().cursor.selectionStart(), 10);

    // A lone backslash at the very end is marked too, without running past the text.
    type(QStringLiteral("end\\"));
    marks = edit->extraSelections();
    QCOMPARE(marks.size(), 1);
    QCOMPARE(marks.first().cursor.selectionStart(), 3);
    QCOMPARE(marks.first().cursor.selectionEnd(), 4);

    // Fixing it clears the mark and the colour.
    type(QStringLiteral("end\\\\"));
    QCOMPARE(preview(), QStringLiteral("4 bytes"));
    QVERIFY(edit->extraSelections().isEmpty());
    QVERIFY(child<QLabel>("previewLabel")->styleSheet().isEmpty());
}

void TestComposer::hexErrorsAreMarkedWhereTheyAre() {
    choose(child<QComboBox>("modeCombo"), 1);
    type(QStringLiteral("48 4G"));
    QVERIFY2(preview().startsWith(QStringLiteral("Line 1, column 5: ")), qPrintable(preview()));
    auto marks = child<QPlainTextEdit>("composerEdit")->extraSelections();
    QCOMPARE(marks.size(), 1);
    QCOMPARE(marks.first().cursor.selectionStart(), 4);
    // An odd run of digits is marked whole.
    type(QStringLiteral("de ad bee"));
    marks = child<QPlainTextEdit>("composerEdit")->extraSelections();
    QCOMPARE(marks.first().cursor.selectionStart(), 6);
    QCOMPARE(marks.first().cursor.selectionEnd(), 9);
    QCOMPARE(m_composer->payload().errorPosition, 6);
}

void TestComposer::errorsShowWholeWithAWayOut() {
    // Hex mode stays from the last payload; words typed next are an error in hex.
    choose(child<QComboBox>("modeCombo"), 1);
    type(QStringLiteral("Hello"));
    QVERIFY(!m_composer->payload().ok());
    auto *error = child<QLabel>("payloadErrorLabel");
    QTRY_VERIFY(error->isVisible());
    // The whole message, not a cut one: every line of it fits the label at its width.
    QVERIFY2(error->text().contains(m_composer->payload().error.toHtmlEscaped()), qPrintable(error->text()));
    QVERIFY(error->text().contains(QStringLiteral("Nothing is sent")));
    QVERIFY(error->height() >= error->heightForWidth(error->width()));
    QVERIFY(error->width() > 0 && error->width() <= child<QPlainTextEdit>("composerEdit")->width());
    // The way out: the words as text, one click away.
    QVERIFY2(error->text().contains(QStringLiteral("href")), qPrintable(error->text()));
    Q_EMIT error->linkActivated(QStringLiteral("text"));
    QCOMPARE(child<QComboBox>("modeCombo")->currentData().toInt(), int(PayloadMode::Text));
    QVERIFY(m_composer->payload().ok());
    QCOMPARE(m_composer->payload().bytes, QByteArray("Hello"));
    QVERIFY(!error->isVisible());
    // An error in text mode has no other mode to offer.
    type(QStringLiteral("ab\\q"));
    QTRY_VERIFY(error->isVisible());
    QVERIFY(!error->text().contains(QStringLiteral("href")));
}

void TestComposer::sendIsEnabledOnlyWhenItCanSend() {
    type(QStringLiteral("hello"));
    // No target.
    QVERIFY(!sendButton()->isEnabled());
    QVERIFY(!m_composer->blockedReason().isEmpty());
    QCOMPARE(sendButton()->toolTip(), m_composer->blockedReason());
    QVERIFY(!child<QPushButton>("sendFileButton")->isEnabled());

    auto [rawListener, client, raw, failure] = connectToRawListener(*m_wb);
    QVERIFY2(!failure, failure);
    m_composer->setTarget(client);
    QVERIFY2(sendButton()->isEnabled(), qPrintable(m_composer->blockedReason()));
    QVERIFY(m_composer->blockedReason().isEmpty());
    QVERIFY(child<QLabel>("targetLabel")->text().contains(QStringLiteral("#%1").arg(client)));
    QVERIFY(!child<QLineEdit>("destinationEdit")->isVisible()); // only UDP has a destination

    type(QStringLiteral("bad \\q"));
    QVERIFY(!sendButton()->isEnabled());
    QVERIFY(m_composer->blockedReason().contains(QStringLiteral("error")));
    type(QString());
    QCOMPARE(m_composer->blockedReason(), QStringLiteral("Nothing to send"));
    type(QStringLiteral("ok"));
    QVERIFY(sendButton()->isEnabled());

    // The peer resets: the state change alone disables Send.
    raw->setLingerZero();
    raw->closeNow();
    QTRY_VERIFY(!sendButton()->isEnabled());
    QCOMPARE(m_composer->blockedReason(), QStringLiteral("The target is closed"));
    QVERIFY(!child<QPushButton>("sendFileButton")->isEnabled());
    // Clicking a disabled Send, or its shortcut, sends nothing.
    QTest::mouseClick(sendButton(), Qt::LeftButton);
    QTest::keyClick(child<QPlainTextEdit>("composerEdit"), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(m_wb->journal().counters(client).bytesOut, quint64(0));
}

void TestComposer::sendsToAConnectedPeer() {
    auto [rawListener, client, raw, failure] = connectToRawListener(*m_wb);
    QVERIFY2(!failure, failure);
    m_composer->setTarget(client);
    type(QStringLiteral("GET / HTTP/1.1\\r\\n\\r\\n"));
    QCOMPARE(preview(), QStringLiteral("18 bytes"));
    QTest::mouseClick(sendButton(), Qt::LeftButton);
    QCOMPARE(raw->readExactly(18), QByteArray("GET / HTTP/1.1\r\n\r\n"));
    QCOMPARE(child<QLabel>("messageLabel")->text(), QStringLiteral("Sent 18 bytes"));
    QVERIFY(child<QLabel>("messageLabel")->styleSheet().isEmpty());
    // What was sent is in the history, and choosing it brings it back.
    auto *history = child<QToolButton>("historyButton");
    QVERIFY(history->isEnabled());
    QCOMPARE(history->menu()->actions().size(), 1);
    type(QStringLiteral("something else"));
    history->menu()->actions().first()->trigger();
    QCOMPARE(child<QPlainTextEdit>("composerEdit")->toPlainText(),
             QStringLiteral("GET / HTTP/1.1\\r\\n\\r\\n"));
    // Ctrl+Return sends too, from the editor (a shortcut animates the click: it lands a moment later).
    type(QStringLiteral("again"));
    QTest::keyClick(child<QPlainTextEdit>("composerEdit"), Qt::Key_Return, Qt::ControlModifier);
    QTRY_COMPARE(m_wb->journal().counters(client).bytesOut, quint64(18 + 5));
    QCOMPARE(raw->readExactly(5), QByteArray("again"));
}

void TestComposer::listenerTargetSendsToEveryClient() {
    EndpointId listener = 0;
    QSignalSpy accepted(m_wb.get(), &Workbench::connectionAccepted);
    const NetAddress at = startListener(*m_wb, &listener);
    QVERIFY(at.isValid());
    m_composer->setTarget(listener);
    type(QStringLiteral("to all"));
    QCOMPARE(m_composer->blockedReason(), QStringLiteral("The listener has no clients yet"));
    auto first = LoopbackPeer::connectTcp(at);
    auto second = LoopbackPeer::connectTcp(at);
    QVERIFY(first && second);
    // Accepting a client enables Send by itself.
    QTRY_COMPARE(m_wb->clientsOf(listener).size(), 2);
    QTRY_VERIFY(sendButton()->isEnabled());
    QVERIFY(child<QLabel>("targetLabel")->text().contains(QStringLiteral("2 connected")));
    QTest::mouseClick(sendButton(), Qt::LeftButton);
    QCOMPARE(first->readExactly(6), QByteArray("to all"));
    QCOMPARE(second->readExactly(6), QByteArray("to all"));
    // A client that leaves is no longer counted, without the target being chosen again.
    first.reset();
    QTRY_VERIFY2(child<QLabel>("targetLabel")->text().contains(QStringLiteral("1 connected")),
                 qPrintable(child<QLabel>("targetLabel")->text()));
    QVERIFY(sendButton()->isEnabled());
    second.reset();
    QTRY_VERIFY2(child<QLabel>("targetLabel")->text().contains(QStringLiteral("0 connected")),
                 qPrintable(child<QLabel>("targetLabel")->text()));
    QTRY_VERIFY(!sendButton()->isEnabled());
    QCOMPARE(m_composer->blockedReason(), QStringLiteral("The listener has no clients yet"));
}

void TestComposer::udpNeedsAValidDestination() {
    QSignalSpy bound(m_wb.get(), &Workbench::udpBound);
    const EndpointId udp = m_wb->bindUdp(QStringLiteral("127.0.0.1"), 0);
    QTRY_COMPARE(bound.count(), 1);
    auto peer = LoopbackPeer::bindUdp();
    QVERIFY(peer);
    m_composer->setTarget(udp);
    auto *destination = child<QLineEdit>("destinationEdit");
    QVERIFY(destination->isVisible());
    type(QStringLiteral("datagram"));
    QCOMPARE(m_composer->blockedReason(), QStringLiteral("Type the destination host:port"));
    QVERIFY(destination->styleSheet().isEmpty()); // empty is not wrong, only unfinished

    destination->setFocus();
    QTest::keyClicks(destination, QStringLiteral("127.0.0.1:70000"));
    QVERIFY(!sendButton()->isEnabled());
    QVERIFY(m_composer->blockedReason().startsWith(QStringLiteral("Destination: ")));
    QVERIFY(!destination->styleSheet().isEmpty());
    QVERIFY(!child<QPushButton>("sendFileButton")->isEnabled());

    destination->clear();
    QTest::keyClicks(destination, peer->local().toString());
    QVERIFY2(sendButton()->isEnabled(), qPrintable(m_composer->blockedReason()));
    QVERIFY(destination->styleSheet().isEmpty());
    QTest::mouseClick(sendButton(), Qt::LeftButton);
    NetAddress from;
    QCOMPARE(peer->receiveFrom(&from), QByteArray("datagram"));
    QCOMPARE(from.port, m_wb->info(udp).local.port);
}

void TestComposer::repeatSendsTheCountThenStops() {
    auto [rawListener, client, raw, failure] = connectToRawListener(*m_wb);
    QVERIFY2(!failure, failure);
    m_composer->setTarget(client);
    type(QStringLiteral("tick"));
    child<QSpinBox>("repeatCountSpin")->setValue(3);
    child<QSpinBox>("repeatIntervalSpin")->setValue(1);
    auto *repeat = child<QPushButton>("repeatButton");
    QTest::mouseClick(repeat, Qt::LeftButton);
    QVERIFY(repeat->isChecked()); // the first went at once, two more to go
    QTRY_VERIFY(!repeat->isChecked());
    QCOMPARE(raw->readExactly(12), QByteArray("tickticktick"));
    QCOMPARE(m_wb->journal().counters(client).bytesOut, quint64(12));
    QCOMPARE(repeat->text(), QStringLiteral("&Repeat"));
}

void TestComposer::settingsRoundTrip() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QSettings settings(dir.filePath(QStringLiteral("composer.ini")), QSettings::IniFormat);
    choose(child<QComboBox>("modeCombo"), 1);
    choose(child<QComboBox>("lineEndingCombo"), 2); // CR
    child<QSpinBox>("repeatCountSpin")->setValue(7);
    child<QSpinBox>("repeatIntervalSpin")->setValue(250);
    m_composer->saveSettings(settings);

    Composer restored(m_wb.get());
    restored.restoreSettings(settings);
    QCOMPARE(restored.findChild<QComboBox *>(QStringLiteral("modeCombo"))->currentIndex(), 1);
    QCOMPARE(restored.findChild<QComboBox *>(QStringLiteral("lineEndingCombo"))->currentIndex(), 2);
    QCOMPARE(restored.findChild<QSpinBox *>(QStringLiteral("repeatCountSpin"))->value(), 7);
    QCOMPARE(restored.findChild<QSpinBox *>(QStringLiteral("repeatIntervalSpin"))->value(), 250);
    // The restored mode applies to what is parsed: hex now.
    restored.findChild<QPlainTextEdit *>(QStringLiteral("composerEdit"))->setPlainText(QStringLiteral("41"));
    QCOMPARE(restored.payload().bytes, QByteArray("A\r"));
}

void TestComposer::sendsToATypedTcpAddress() {
    auto listener = LoopbackPeer::listenTcp();
    QVERIFY(listener);
    const QString address = listener->local().toString(); // 127.0.0.1:PORT, the kernel's port
    // Nothing selected: the typed address is the target.
    type(QStringLiteral("Hello"));
    sendToAddress(address, 0);
    // Sent once connected: the connection is reported through the event loop.
    QTRY_VERIFY2(message().startsWith(QStringLiteral("Sent 5 bytes to %1 over TCP").arg(address)),
                 qPrintable(message()));
    auto served = listener->accept();
    QVERIFY(served);
    QCOMPARE(served->readExactly(5), QByteArray("Hello"));
    QVERIFY(!messageIsError());
    // The connection stays open, as a client of the workbench (the tree shows it).
    const QList<EndpointId> clients = endpointsOf(EndpointKind::TcpConnection);
    QCOMPARE(clients.size(), 1);
    QCOMPARE(stateOf(*m_wb, clients.constFirst()), stateName(EndpointState::Connected));
    QVERIFY(m_wb->info(clients.constFirst()).outgoing);

    // The next send reuses it: the bytes arrive on the same connection, and no other is made.
    type(QStringLiteral("\\x00\\xff again"));
    QTest::mouseClick(child<QPushButton>("sendToAddressButton"), Qt::LeftButton);
    QCOMPARE(served->readExactly(8), QByteArray("\x00\xff again", 8));
    QCOMPARE(endpointsOf(EndpointKind::TcpConnection), clients);
    QVERIFY(!listener->accept(200));
    QVERIFY(message().contains(QStringLiteral("#%1").arg(clients.constFirst())));
}

void TestComposer::sendsADatagramToATypedUdpAddress() {
    auto peer = LoopbackPeer::bindUdp();
    QVERIFY(peer);
    type(QStringLiteral("ping"));
    sendToAddress(peer->local().toString(), 1);
    // Sent once the socket is bound: that is reported through the event loop.
    QTRY_VERIFY2(
        message().startsWith(QStringLiteral("Sent 4 bytes to %1 over UDP").arg(peer->local().toString())),
        qPrintable(message()));
    NetAddress from;
    QCOMPARE(peer->receiveFrom(&from), QByteArray("ping"));
    const QList<EndpointId> sockets = endpointsOf(EndpointKind::UdpSocket);
    QCOMPARE(sockets.size(), 1);
    QCOMPARE(from.port, m_wb->info(sockets.constFirst()).local.port);
    // The socket is reused for the next datagram.
    type(QStringLiteral("ping 2"));
    QTest::mouseClick(child<QPushButton>("sendToAddressButton"), Qt::LeftButton);
    NetAddress again;
    QCOMPARE(peer->receiveFrom(&again), QByteArray("ping 2"));
    QCOMPARE(again, from);
    QCOMPARE(endpointsOf(EndpointKind::UdpSocket), sockets);
}

void TestComposer::badAddressesAreRefusedInWords() {
    type(QStringLiteral("Hello"));
    auto *edit = child<QLineEdit>("addressEdit");
    sendToAddress(QStringLiteral("127.0.0.1:70000"), 0);
    QVERIFY2(message().contains(QStringLiteral("70000")) &&
                 message().contains(QStringLiteral("Nothing sent")),
             qPrintable(message()));
    QVERIFY(messageIsError());
    QVERIFY(!edit->styleSheet().isEmpty()); // the field is marked
    QVERIFY2(edit->toolTip().contains(QStringLiteral("70000")), qPrintable(edit->toolTip()));
    sendToAddress(QStringLiteral("127.0.0.1:0"), 1);
    QVERIFY2(message().contains(QStringLiteral("port 0")), qPrintable(message()));
    sendToAddress(QStringLiteral("::1"), 0);
    QVERIFY2(message().startsWith(QStringLiteral("Address: ")), qPrintable(message()));
    // A payload that does not parse is not sent anywhere either.
    type(QStringLiteral("bad \\q escape"));
    sendToAddress(QStringLiteral("127.0.0.1:9"), 0);
    QVERIFY2(message().contains(QStringLiteral("payload has an error")), qPrintable(message()));
    QVERIFY(m_wb->endpoints().isEmpty()); // nothing opened
    // A good address clears the mark.
    edit->clear();
    QTest::keyClicks(edit, QStringLiteral("127.0.0.1:9"));
    QVERIFY(edit->styleSheet().isEmpty());
}

void TestComposer::unknownHostAndRefusedConnectionAreSaid() {
    reopenWithFailingResolver();
    type(QStringLiteral("Hello"));
    sendToAddress(QStringLiteral("no-such-host.invalid:80"), 0);
    QTRY_VERIFY2(message().contains(FailingResolver::Message), qPrintable(message()));
    QVERIFY(message().contains(QStringLiteral("Nothing sent")));
    QVERIFY(messageIsError());
    sendToAddress(QStringLiteral("no-such-host.invalid:53"), 1);
    QTRY_VERIFY2(message().contains(FailingResolver::Message) && message().contains(QStringLiteral(":53")),
                 qPrintable(message()));

    // A port bound but not listening refuses the connection.
    auto closed = LoopbackPeer::bindTcpOnly();
    QVERIFY(closed);
    sendToAddress(closed->local().toString(), 0);
    QTRY_VERIFY2(message().contains(QStringLiteral("refused")), qPrintable(message()));
    QVERIFY(message().contains(QStringLiteral("Nothing sent")));
    QVERIFY(messageIsError());
    for (const EndpointInfo &info : m_wb->endpoints())
        QCOMPARE(m_wb->journal().counters(info.id).bytesOut, quint64(0));
}

SOCKBENCH_TEST_MAIN(TestComposer)
#include "tst_composer.moc"
