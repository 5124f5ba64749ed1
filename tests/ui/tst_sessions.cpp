// Sessions on real windows: File > Save session writes the open listeners, clients and UDP
// sockets (not accepted connections), Open session opens them in a fresh window with their
// auto-replies; a file that is not valid opens nothing and says where it is wrong; an endpoint that
// fails (its port in use) fails alone on its row; "Reopen last session at start" opens it again.

#include "testmain.h"
#include "windowdriver.h"

#include "dialogs/faultseditor.h"
#include "dialogs/relaydialog.h"
#include "loopbackpeer.h"
#include "panels/detailpane.h"
#include "panels/faultpanel.h"
#include "session/session.h"
#include "testcerts.h"
#include "window/sessioncontroller.h"

#include <QCheckBox>
#include <QFile>
#include <QMessageBox>
#include <QPointer>
#include <QSettings>
#include <QTemporaryDir>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

class TestSessions final : public QObject {
    Q_OBJECT

public:
    TestSessions() = default;
    Q_DISABLE_COPY_MOVE(TestSessions)

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void fileMenuHasTheSessionActions();
    void savedSessionOpensInAFreshWindow();
    void invalidFileOpensNothingAndSaysWhere();
    void portInUseFailsAloneTheOthersOpen();
    void reopenLastSessionAtStart();
    void tlsOptionsAreSavedAndOpenedAgain();
    void relaysAreSavedWithTheirFaultsAndOpenedAgain();
    void wrongTlsObjectsAreRefused_data();
    void wrongTlsObjectsAreRefused();

private:
    /// A window of its own, shown; the test's windows close at cleanup().
    MainWindow *newWindow() {
        m_windows.push_back(std::make_unique<MainWindow>());
        MainWindow *window = m_windows.back().get();
        window->show();
        if (!QTest::qWaitForWindowExposed(window))
            qWarning("window not exposed");
        return window;
    }
    static EndpointId startListener(WindowDriver &ui, int autoReplyIndex, const QString &greeting = {});
    static EndpointId openDialogAndAccept(WindowDriver &ui, const char *action, const QString &port);
    QString path(const QString &name) const { return m_dir.filePath(name); }
    static QMessageBox *messageBox(MainWindow *window) {
        return window->findChild<QMessageBox *>(QStringLiteral("sessionMessageBox"));
    }

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_dir;
    std::vector<std::unique_ptr<MainWindow>> m_windows;
};

void TestSessions::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_sessions"));
    QVERIFY(m_dir.isValid());
}

void TestSessions::init() {
    QSettings().clear();
}

void TestSessions::cleanup() {
    for (auto &window : m_windows)
        window->close();
    m_windows.clear();
}

EndpointId TestSessions::startListener(WindowDriver &ui, int autoReplyIndex, const QString &greeting) {
    ui.clickAction("newListenerAction");
    EndpointDialog *dialog = ui.dialog();
    if (!dialog)
        return 0;
    if (autoReplyIndex > 0)
        WindowDriver::chooseInCombo(dialog->findChild<QComboBox *>(QStringLiteral("autoReplyCombo")),
                                    autoReplyIndex);
    if (!greeting.isEmpty())
        WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QStringLiteral("greetingEdit")), greeting);
    if (!ui.fillDialogAndAccept(QStringLiteral("127.0.0.1"), QStringLiteral("0")))
        return 0;
    const EndpointId id = ui.lastTopLevel();
    return QTest::qWaitFor([&] { return ui.localPort(id) != 0; }, 5000) ? id : 0;
}

EndpointId TestSessions::openDialogAndAccept(WindowDriver &ui, const char *action, const QString &port) {
    ui.clickAction(action);
    if (!ui.dialog() || !ui.fillDialogAndAccept(QStringLiteral("127.0.0.1"), port))
        return 0;
    return ui.lastTopLevel();
}

void TestSessions::fileMenuHasTheSessionActions() {
    MainWindow *window = newWindow();
    for (const char *name : {"saveSessionAction", "openSessionAction", "reopenSessionAction"}) {
        auto *action = window->findChild<QAction *>(QLatin1String(name));
        QVERIFY2(action, name);
        QVERIFY2(!action->associatedObjects().isEmpty(), name); // it is in a menu
    }
    auto *reopen = window->findChild<QAction *>(QStringLiteral("reopenSessionAction"));
    QVERIFY(reopen->isCheckable());
    QVERIFY(!reopen->isChecked()); // opt-in
}

void TestSessions::savedSessionOpensInAFreshWindow() {
    MainWindow *first = newWindow();
    WindowDriver a(first);
    const EndpointId echo = startListener(a, 1);
    const EndpointId greeting = startListener(a, 2, QStringLiteral("hello\\r\\n"));
    QVERIFY(echo != 0 && greeting != 0);
    const quint16 echoPort = a.localPort(echo);
    const EndpointId client = openDialogAndAccept(a, "connectAction", QString::number(echoPort));
    QVERIFY(client != 0);
    QTRY_COMPARE(a.cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));
    QTRY_COMPARE(a.childrenOf(echo).size(), 1); // accepted: not part of the session
    const EndpointId udp = openDialogAndAccept(a, "openUdpAction", QStringLiteral("0"));
    QVERIFY(udp != 0);
    QTRY_COMPARE(a.cell(udp, ConnectionModel::StateColumn), QStringLiteral("Bound"));

    const QString file = path(QStringLiteral("lab.sockbench"));
    QVERIFY(first->sessions()->saveTo(file));
    const SessionParseResult saved = loadSession(file);
    QVERIFY2(saved.ok(), qPrintable(saved.error));
    QCOMPARE(saved.session.endpoints.size(), 4);
    QVERIFY(saved.session.endpoints[0].reply == AutoReply::Echo);
    QCOMPARE(saved.session.endpoints[0].port, quint16(0)); // as asked: any free port
    QVERIFY(saved.session.endpoints[1].reply == AutoReply::Greeting);
    QCOMPARE(saved.session.endpoints[1].greeting, QStringLiteral("hello\\r\\n"));
    QVERIFY(saved.session.endpoints[2].kind == EndpointKind::TcpConnection);
    QCOMPARE(saved.session.endpoints[2].port, echoPort);
    QVERIFY(saved.session.endpoints[3].kind == EndpointKind::UdpSocket);

    MainWindow *second = newWindow();
    WindowDriver b(second);
    QVERIFY(second->sessions()->open(file));
    QCOMPARE(b.connections()->rowCount(), 4);
    QList<EndpointId> ids;
    for (int r = 0; r < 4; ++r)
        ids.append(b.idOf(b.connections()->index(r, 0)));
    QTRY_COMPARE(b.cell(ids[0], ConnectionModel::StateColumn), QStringLiteral("Listening"));
    QTRY_COMPARE(b.cell(ids[1], ConnectionModel::StateColumn), QStringLiteral("Listening"));
    QTRY_COMPARE(b.cell(ids[2], ConnectionModel::StateColumn), QStringLiteral("Connected"));
    QTRY_COMPARE(b.cell(ids[3], ConnectionModel::StateColumn), QStringLiteral("Bound"));
    QVERIFY(b.cell(ids[0], ConnectionModel::NameColumn).endsWith(QStringLiteral("echo")));
    QVERIFY(
        b.cell(ids[1], ConnectionModel::NameColumn, Qt::ToolTipRole).contains(QStringLiteral("hello\\r\\n")));
    QVERIFY(second->sessions()->current() == saved.session);
}

void TestSessions::relaysAreSavedWithTheirFaultsAndOpenedAgain() {
    MainWindow *first = newWindow();
    WindowDriver a(first);
    const EndpointId target = startListener(a, 1);
    QVERIFY(target != 0);
    const quint16 targetPort = a.localPort(target);
    a.clickAction("newRelayAction");
    auto *dialog = first->findChild<RelayDialog *>();
    QVERIFY(dialog);
    WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QStringLiteral("relayTargetHostEdit")),
                              QStringLiteral("127.0.0.1"));
    WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QStringLiteral("relayTargetPortEdit")),
                              QString::number(targetPort));
    auto *ok =
        dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok);
    QVERIFY2(ok->isEnabled(), qPrintable(dialog->problem()));
    QTest::mouseClick(ok, Qt::LeftButton);
    const EndpointId relay = a.lastTopLevel();
    QTRY_VERIFY_WITH_TIMEOUT(first->workbench()->info(relay).state == EndpointState::Listening, 10000);

    // Faults set later, in the Faults tab, are what the session keeps.
    RelayFaults faults;
    faults.up.latencyMs = 40;
    faults.down.sliceBytes = 3;
    faults.down.limitBytes = 4096;
    faults.down.limitEnd = RelayEnd::Reset;
    faults.seed = 99;
    a.selectRow(relay);
    FaultPanel *panel = first->findChild<DetailPane *>()->faultPanel();
    QTRY_COMPARE(panel->target(), relay);
    panel->editor()->setFaults(faults);
    QVERIFY(panel->apply());
    QTRY_VERIFY_WITH_TIMEOUT(first->workbench()->info(relay).relay->faults == faults, 10000);

    const QString file = path(QStringLiteral("relay.sockbench"));
    QVERIFY(first->sessions()->saveTo(file));
    const SessionParseResult saved = loadSession(file);
    QVERIFY2(saved.ok(), qPrintable(saved.error));
    QCOMPARE(saved.session.endpoints.size(), 2);
    const SessionEndpoint &e = saved.session.endpoints[1];
    QVERIFY(e.relay);
    QCOMPARE(e.host, QStringLiteral("127.0.0.1"));
    QCOMPARE(e.port, quint16(0)); // as asked
    QCOMPARE(e.relay->options.targetPort, targetPort);
    QVERIFY(e.relay->options.faults == faults);

    MainWindow *second = newWindow();
    WindowDriver b(second);
    QVERIFY(second->sessions()->open(file));
    QCOMPARE(b.connections()->rowCount(), 2);
    const EndpointId reopened = b.idOf(b.connections()->index(1, 0));
    QTRY_VERIFY_WITH_TIMEOUT(second->workbench()->info(reopened).state == EndpointState::Listening, 10000);
    QVERIFY(second->workbench()->info(reopened).relay);
    QVERIFY(second->workbench()->info(reopened).relay->faults == faults);
    QVERIFY(b.cell(reopened, ConnectionModel::NameColumn).startsWith(QStringLiteral("TCP relay")));
    QVERIFY(b.cell(reopened, ConnectionModel::NameColumn).contains(QStringLiteral("faults:")));
    QVERIFY(second->sessions()->current() == saved.session);
}

void TestSessions::invalidFileOpensNothingAndSaysWhere() {
    MainWindow *window = newWindow();
    WindowDriver ui(window);
    const QString badPort = path(QStringLiteral("badport.sockbench"));
    QFile file(badPort);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"sockbench_session": 1, "endpoints": [
        {"kind": "tcp-listener", "address": "127.0.0.1", "port": 0, "reply": "none"},
        {"kind": "udp", "address": "127.0.0.1", "port": 70000, "reply": "none"}]})");
    file.close();
    QVERIFY(!window->sessions()->open(badPort));
    QCOMPARE(ui.connections()->rowCount(), 0);
    QVERIFY(window->workbench()->endpoints().isEmpty());
    QMessageBox *box = messageBox(window);
    QVERIFY(box);
    QVERIFY2(box->text().contains(QStringLiteral("endpoints[1].port")), qPrintable(box->text()));
    const QPointer<QMessageBox> first = box;
    box->close();
    QTRY_VERIFY(!first);

    const QString badJson = path(QStringLiteral("badjson.sockbench"));
    QFile json(badJson);
    QVERIFY(json.open(QIODevice::WriteOnly));
    json.write("{\"sockbench_session\": 1,\n \"endpoints\": [\n  {\"kind\": }\n]}");
    json.close();
    QVERIFY(!window->sessions()->open(badJson));
    QCOMPARE(ui.connections()->rowCount(), 0);
    QTRY_VERIFY(messageBox(window));
    QVERIFY2(messageBox(window)->text().contains(QStringLiteral("line 3")),
             qPrintable(messageBox(window)->text()));
}

void TestSessions::portInUseFailsAloneTheOthersOpen() {
    const std::unique_ptr<test::LoopbackPeer> taken = test::LoopbackPeer::listenTcp();
    QVERIFY(taken);
    Session session;
    session.endpoints.append(
        {EndpointKind::TcpListener, QStringLiteral("127.0.0.1"), 0, AutoReply::Echo, {}, {}, {}, {}});
    session.endpoints.append({EndpointKind::TcpListener,
                              QStringLiteral("127.0.0.1"),
                              taken->local().port,
                              AutoReply::None,
                              {},
                              {},
                              {},
                              {}});
    SocketOptions udpOptions;
    udpOptions.receiveBufferBytes = 65536; // the session's socket options are set again on open
    session.endpoints.append(
        {EndpointKind::UdpSocket, QStringLiteral("127.0.0.1"), 0, AutoReply::None, {}, udpOptions, {}, {}});
    const QString file = path(QStringLiteral("inuse.sockbench"));
    QString error;
    QVERIFY2(saveSession(file, session, &error), qPrintable(error));

    MainWindow *window = newWindow();
    WindowDriver ui(window);
    QVERIFY(window->sessions()->open(file));
    QCOMPARE(ui.connections()->rowCount(), 3);
    const EndpointId first = ui.idOf(ui.connections()->index(0, 0));
    const EndpointId busy = ui.idOf(ui.connections()->index(1, 0));
    const EndpointId udp = ui.idOf(ui.connections()->index(2, 0));
    QTRY_COMPARE(ui.cell(first, ConnectionModel::StateColumn), QStringLiteral("Listening"));
    QTRY_VERIFY(ui.cell(busy, ConnectionModel::StateColumn).startsWith(QStringLiteral("Failed")));
    QTRY_COMPARE(ui.cell(udp, ConnectionModel::StateColumn), QStringLiteral("Bound"));
    QVERIFY(!messageBox(window)); // the file was fine; the failure is on its row
    const QList<AppliedOption> applied = window->workbench()->info(udp).options;
    const auto rcvbuf = std::find_if(applied.begin(), applied.end(), [](const AppliedOption &o) {
        return o.name == QLatin1String("SO_RCVBUF");
    });
    QVERIFY(rcvbuf != applied.end());
    QCOMPARE(rcvbuf->actual, QStringLiteral("131072")); // the kernel doubles what it is given
    // And a session saved from the window keeps them.
    QVERIFY(window->sessions()->saveTo(path(QStringLiteral("again.sockbench"))));
    const SessionParseResult again = loadSession(path(QStringLiteral("again.sockbench")));
    QVERIFY2(again.ok(), qPrintable(again.error));
    QCOMPARE(again.session.endpoints.size(), 2); // the listener that failed is not open
    QCOMPARE(again.session.endpoints.at(1).socket, udpOptions);
}

void TestSessions::reopenLastSessionAtStart() {
    Session session;
    session.endpoints.append(
        {EndpointKind::TcpListener, QStringLiteral("127.0.0.1"), 0, AutoReply::None, {}, {}, {}, {}});
    const QString file = path(QStringLiteral("last.sockbench"));
    QString error;
    QVERIFY2(saveSession(file, session, &error), qPrintable(error));

    MainWindow *first = newWindow();
    QVERIFY(first->sessions()->open(file));
    first->findChild<QAction *>(QStringLiteral("reopenSessionAction"))->trigger();
    first->close();

    MainWindow *second = newWindow();
    QVERIFY(second->findChild<QAction *>(QStringLiteral("reopenSessionAction"))->isChecked());
    QVERIFY(second->sessions()->reopenLastIfWanted());
    QCOMPARE(second->connectionModel()->rowCount(), 1);

    second->findChild<QAction *>(QStringLiteral("reopenSessionAction"))->trigger();
    second->close();
    MainWindow *third = newWindow();
    QVERIFY(!third->sessions()->reopenLastIfWanted());
    QCOMPARE(third->connectionModel()->rowCount(), 0);
}

void TestSessions::tlsOptionsAreSavedAndOpenedAgain() {
    const test::TestCertificates certs(m_dir.path());
    QVERIFY2(certs.ok(), qPrintable(certs.error()));
    MainWindow *first = newWindow();
    WindowDriver a(first);
    const auto tick = [](EndpointDialog *dialog) {
        auto *check = dialog->findChild<QCheckBox *>(QStringLiteral("tlsCheck"));
        QTest::mouseClick(check, Qt::LeftButton, {}, QPoint(8, check->height() / 2));
        return check->isChecked();
    };
    const auto type = [](EndpointDialog *dialog, const char *name, const QString &text) {
        WindowDriver::replaceText(dialog->findChild<QLineEdit *>(QLatin1String(name)), text);
    };

    a.clickAction("newListenerAction");
    QVERIFY(a.dialog() && tick(a.dialog()));
    type(a.dialog(), "tlsServerCertificateEdit", certs.leaf);
    type(a.dialog(), "tlsServerKeyEdit", certs.leafKey);
    WindowDriver::chooseInCombo(a.dialog()->findChild<QComboBox *>(QStringLiteral("tlsClientCertCombo")), 1);
    type(a.dialog(), "tlsClientCaEdit", certs.ca);
    const TlsServerOptions serverAsked = *a.dialog()->request().listener.tls;
    QVERIFY(a.fillDialogAndAccept(QStringLiteral("127.0.0.1"), QStringLiteral("0")));
    const EndpointId listener = a.lastTopLevel();
    QTRY_VERIFY(a.localPort(listener) != 0);

    a.clickAction("connectAction");
    QVERIFY(a.dialog() && tick(a.dialog()));
    WindowDriver::chooseInCombo(a.dialog()->findChild<QComboBox *>(QStringLiteral("tlsVerifyCombo")), 1);
    type(a.dialog(), "tlsCaFileEdit", certs.ca);
    type(a.dialog(), "tlsServerNameEdit", QStringLiteral("localhost"));
    type(a.dialog(), "tlsAlpnEdit", QStringLiteral("h2,http/1.1"));
    WindowDriver::chooseInCombo(a.dialog()->findChild<QComboBox *>(QStringLiteral("tlsMinVersionCombo")), 3);
    const TlsClientOptions clientAsked = *a.dialog()->request().connect.tls;
    QVERIFY(a.fillDialogAndAccept(QStringLiteral("127.0.0.1"), QString::number(a.localPort(listener))));
    const EndpointId client = a.lastTopLevel();
    QTRY_COMPARE(a.cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));

    const QString file = path(QStringLiteral("tls.sockbench"));
    QVERIFY(first->sessions()->saveTo(file));
    QFile text(file);
    QVERIFY(text.open(QIODevice::ReadOnly));
    const QByteArray json = text.readAll();
    QVERIFY2(json.contains("\"client_certificates\": \"ask\"") && json.contains("\"verify\": \"ca-file\"") &&
                 json.contains("\"min_version\": \"TLSv1.2\""),
             json.constData());
    const SessionParseResult saved = loadSession(file);
    QVERIFY2(saved.ok(), qPrintable(saved.error));
    QCOMPARE(saved.session.endpoints.size(), 2);
    QVERIFY(saved.session.endpoints[0].tlsServer == serverAsked);
    QVERIFY(!saved.session.endpoints[0].tlsClient);
    QVERIFY(saved.session.endpoints[1].tlsClient == clientAsked);
    QCOMPARE(saved.session.endpoints[1].tlsClient->alpn,
             QStringList({QStringLiteral("h2"), QStringLiteral("http/1.1")}));
    QVERIFY(parseSession(serializeSession(saved.session)).session == saved.session);

    // The listener's port was 0, so the client goes to the first window's listener, still open.
    MainWindow *second = newWindow();
    WindowDriver b(second);
    QVERIFY(second->sessions()->open(file));
    QCOMPARE(b.connections()->rowCount(), 2);
    const EndpointId reopened = b.idOf(b.connections()->index(1, 0));
    QTRY_COMPARE(b.cell(reopened, ConnectionModel::StateColumn), QStringLiteral("Connected"));
    QVERIFY(second->sessions()->current() == saved.session);
    // A plain endpoint writes no "tls" at all.
    Session plain;
    plain.endpoints.append(SessionEndpoint{});
    QVERIFY(!serializeSession(plain).contains("\"tls\""));
}

void TestSessions::wrongTlsObjectsAreRefused_data() {
    QTest::addColumn<QByteArray>("endpoint");
    QTest::addColumn<QString>("error");
    QTest::newRow("verify")
        << QByteArray(R"({"kind": "tcp-client", "host": "h", "port": 1, "tls": {"verify": "maybe"}})")
        << QStringLiteral("endpoints[0].tls.verify: one of \"system\", \"ca-file\", \"none\"");
    QTest::newRow("ca missing")
        << QByteArray(R"({"kind": "tcp-client", "host": "h", "port": 1, "tls": {"verify": "ca-file"}})")
        << QStringLiteral("endpoints[0].tls.ca_file: missing");
    QTest::newRow("unknown") << QByteArray(
                                    R"({"kind": "tcp-client", "host": "h", "port": 1, "tls": {"sni": "x"}})")
                             << QStringLiteral("endpoints[0].tls.sni: unknown key");
    QTest::newRow("listener key")
        << QByteArray(
               R"({"kind": "tcp-listener", "address": "127.0.0.1", "port": 0, "tls": {"verify": "none"}})")
        << QStringLiteral("endpoints[0].tls.verify: unknown key for the TLS of a listener");
    QTest::newRow("require")
        << QByteArray(
               R"({"kind": "tcp-listener", "address": "127.0.0.1", "port": 0, "tls": {"client_certificates": "require"}})")
        << QStringLiteral("endpoints[0].tls.client_ca_file: missing");
    QTest::newRow("alpn") << QByteArray(
                                 R"({"kind": "tcp-client", "host": "h", "port": 1, "tls": {"alpn": "h2"}})")
                          << QStringLiteral("endpoints[0].tls.alpn: a list");
    QTest::newRow("udp") << QByteArray(R"({"kind": "udp", "address": "127.0.0.1", "port": 0, "tls": {}})")
                         << QStringLiteral("endpoints[0].tls: unknown key for a udp");
    QTest::newRow("not an object") << QByteArray(
                                          R"({"kind": "tcp-client", "host": "h", "port": 1, "tls": true})")
                                   << QStringLiteral("endpoints[0].tls: an object");
}

void TestSessions::wrongTlsObjectsAreRefused() {
    QFETCH(QByteArray, endpoint);
    QFETCH(QString, error);
    const SessionParseResult result =
        parseSession(QByteArray(R"({"sockbench_session": 1, "endpoints": [)") + endpoint + "]}");
    QVERIFY2(result.error.startsWith(error), qPrintable(result.error));
    QVERIFY(result.session.endpoints.isEmpty());
    // And {} is TLS with the defaults.
    const SessionParseResult defaults = parseSession(
        R"({"sockbench_session": 1, "endpoints": [{"kind": "tcp-client", "host": "h", "port": 1, "tls": {}}]})");
    QVERIFY2(defaults.ok(), qPrintable(defaults.error));
    QVERIFY(defaults.session.endpoints[0].tlsClient == TlsClientOptions{});
}

SOCKBENCH_TEST_MAIN(TestSessions)
#include "tst_sessions.moc"
