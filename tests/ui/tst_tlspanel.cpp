// How the window shows TLS, whatever the engine does: the TLS tab, the connections panel's markers
// and the "Connect anyway (insecure)" bar are fed TlsInfo values through the Workbench's own outcome
// path (the event a reactor posts), so each display case is checked exactly, including ones a real
// handshake makes hard to reach (an expired certificate in an accepted chain, a closed session).
// tst_windowtls checks the same parts against real handshakes.

#include "testmain.h"
#include "windowdriver.h"

#include "session/session.h"
#include "window/sessioncontroller.h"

#include "engine/outboxevent.h"
#include "panels/detailpane.h"
#include "panels/tlspanel.h"
#include "style/presentation.h"
#include "testcerts.h"
#include "testresolvers.h"
#include "tls/certificate.h"

#include <QCheckBox>
#include <QFrame>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextBrowser>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

class TestTlsPanel final : public QObject {
    Q_OBJECT

public:
    TestTlsPanel() = default;
    Q_DISABLE_COPY_MOVE(TestTlsPanel)

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void establishedConnectionShowsItsSessionAndChain();
    void expiredCertificateIsMarked();
    void listenerShowsWhatItServes();
    void plainConnectionSaysSo();
    void verificationFailureOffersConnectAnyway();
    void otherFailuresOfferNothing();
    void sessionClientOffersConnectAnywayToo();

private:
    /// Applies outcomes as a reactor would report them.
    void report(std::vector<Outcome> outcomes) const {
        OutboxEvent event(std::move(outcomes));
        QCoreApplication::sendEvent(m_window->workbench(), &event);
    }
    void reportTls(EndpointId id, const TlsInfo &info) const { report({outcome::TlsChanged{id, info}}); }
    /// Opens a client through the connect form (TLS ticked) to a host name the gate holds in
    /// Resolving: nothing reaches the network.
    EndpointId openHeldTlsClient() const;
    TlsPanel *showTlsTab(EndpointId id) const {
        m_window->activateWindow();
        m_ui->selectRow(id);
        auto *pane = m_window->findChild<DetailPane *>();
        pane->showTls();
        return pane->tlsPanel();
    }
    TlsInfo established(bool insecure) const {
        TlsInfo info;
        info.phase = TlsInfo::Phase::Established;
        info.insecure = insecure;
        info.protocol = QStringLiteral("TLSv1.3");
        info.cipher = QStringLiteral("TLS_AES_256_GCM_SHA384");
        info.alpn = QStringLiteral("h2");
        info.serverName = QStringLiteral("localhost");
        info.peerChain = *readCertificates(m_certs->leaf) + *readCertificates(m_certs->ca);
        info.verification = QStringLiteral("ok");
        info.verified = !insecure;
        return info;
    }

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_certDir;
    std::unique_ptr<test::TestCertificates> m_certs;
    std::shared_ptr<test::GateResolver> m_gate;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestTlsPanel::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_tlspanel"));
    QVERIFY(m_certDir.isValid());
    m_certs = std::make_unique<test::TestCertificates>(m_certDir.path());
    QVERIFY2(m_certs->ok(), qPrintable(m_certs->error()));
}

void TestTlsPanel::init() {
    QSettings().clear();
    m_gate = std::make_shared<test::GateResolver>();
    WorkbenchConfig config;
    config.resolver = m_gate;
    QVERIFY(openTestWindow(m_window, m_ui, config));
}

void TestTlsPanel::cleanup() {
    m_ui.reset();
    // The held lookups end (to a closed port) so that the Workbench's threads can be joined.
    m_gate->open();
    if (m_window)
        m_window->close();
    m_window.reset();
}

EndpointId TestTlsPanel::openHeldTlsClient() const {
    m_ui->clickAction("connectAction");
    EndpointDialog *dialog = m_ui->dialog();
    if (!dialog)
        return 0;
    auto *check = dialog->findChild<QCheckBox *>(QStringLiteral("tlsCheck"));
    QTest::mouseClick(check, Qt::LeftButton, {}, QPoint(8, check->height() / 2));
    // What is reported below must come after the reactor's own report that it is resolving.
    QSignalSpy resolving(m_window->workbench(), &Workbench::resolving);
    if (!check->isChecked() || !m_ui->fillDialogAndAccept(QStringLiteral("tls.test"), QStringLiteral("4433")))
        return 0;
    m_window->activateWindow();
    const EndpointId id = m_ui->lastTopLevel();
    return QTest::qWaitFor([&] { return resolving.count() >= 1; }) ? id : 0;
}

void TestTlsPanel::establishedConnectionShowsItsSessionAndChain() {
    const EndpointId id = openHeldTlsClient();
    QVERIFY(id != 0);
    TlsPanel *panel = showTlsTab(id);
    QVERIFY(panel->isVisible());
    QVERIFY(panel->statusText().contains(QStringLiteral("plain TCP"))); // nothing known yet

    TlsInfo handshaking;
    handshaking.phase = TlsInfo::Phase::Handshaking;
    reportTls(id, handshaking);
    QVERIFY2(panel->statusText().contains(QStringLiteral("handshake under way")),
             qPrintable(panel->statusText()));
    QVERIFY(m_ui->cell(id, ConnectionModel::NameColumn).endsWith(QStringLiteral("· TLS")));

    const TlsInfo info = established(false);
    reportTls(id, info);
    QCOMPARE(panel->fieldText(TlsPanel::ProtocolField), QStringLiteral("TLSv1.3"));
    QCOMPARE(panel->fieldText(TlsPanel::CipherField), QStringLiteral("TLS_AES_256_GCM_SHA384"));
    QCOMPARE(panel->fieldText(TlsPanel::AlpnField), QStringLiteral("h2"));
    QCOMPARE(panel->fieldText(TlsPanel::ServerNameField), QStringLiteral("localhost"));
    QCOMPARE(panel->fieldText(TlsPanel::VerificationField), QStringLiteral("ok"));
    QVERIFY2(panel->statusText().contains(QStringLiteral("established, as the client")),
             qPrintable(panel->statusText()));
    const QString text = panel->certificatesText();
    const CertificateInfo &leaf = info.peerChain[0];
    const CertificateInfo &ca = info.peerChain[1];
    QVERIFY2(text.contains(QStringLiteral("1. ") + leaf.subject), qPrintable(text));
    QVERIFY(text.contains(QStringLiteral("2. ") + ca.subject));
    QVERIFY(text.contains(QStringLiteral("leaf first")));
    QVERIFY(text.contains(QStringLiteral("DNS:localhost, IP:127.0.0.1")) ||
            text.contains(QStringLiteral("DNS:localhost")));
    QVERIFY(text.contains(leaf.issuer));
    QVERIFY(text.contains(formatFingerprint(leaf.sha256)));
    QVERIFY(text.contains(formatFingerprint(leaf.sha1)));
    QVERIFY(text.contains(formatFingerprint(ca.sha256)));
    QVERIFY(text.contains(QStringLiteral("until %1 (%2 days left)")
                              .arg(leaf.notAfter.toString(QStringLiteral("yyyy-MM-dd")))
                              .arg(leaf.daysLeft())));
    QVERIFY(!text.contains(QStringLiteral("expired")));
    // The row says TLS and its tooltip the session, the composer that it goes over TLS.
    QVERIFY(!m_ui->cell(id, ConnectionModel::NameColumn).contains(QStringLiteral("insecure")));
    const QString tip = m_ui->cell(id, ConnectionModel::NameColumn, Qt::ToolTipRole);
    QVERIFY2(tip.contains(QStringLiteral("TLS: TLSv1.3, TLS_AES_256_GCM_SHA384")), qPrintable(tip));
    QVERIFY(tip.contains(QStringLiteral("Verification: ok")));
    QVERIFY(m_ui->child<QLabel>("targetLabel")->text().endsWith(QStringLiteral(" over TLS")));

    // Insecure: a warning in the row, its colour, the tab and the composer.
    reportTls(id, established(true));
    QVERIFY(m_ui->cell(id, ConnectionModel::NameColumn).endsWith(QStringLiteral("TLS ⚠ insecure")));
    // The mark comes first too, where a narrow column never cuts it (issue 27: "Client #10 · TLS …").
    QVERIFY(m_ui->cell(id, ConnectionModel::NameColumn).startsWith(QStringLiteral("⚠ ")));
    QCOMPARE(
        m_ui->rowOf(id).siblingAtColumn(ConnectionModel::NameColumn).data(Qt::ForegroundRole).value<QColor>(),
        warningColor());
    QVERIFY(
        m_ui->cell(id, ConnectionModel::NameColumn, Qt::ToolTipRole).contains(QStringLiteral("Insecure")));
    QVERIFY(panel->statusText().contains(QStringLiteral("Insecure")));
    QVERIFY(
        panel->fieldText(TlsPanel::VerificationField).contains(QStringLiteral("not enforced (insecure)")));
    QVERIFY(m_ui->child<QLabel>("targetLabel")->text().endsWith(QStringLiteral(" over TLS ⚠ insecure")));

    // The session ends: what it was stays on show.
    TlsInfo closed = established(false);
    closed.phase = TlsInfo::Phase::Closed;
    reportTls(id, closed);
    QVERIFY(panel->statusText().contains(QStringLiteral("ended")));
    QCOMPARE(panel->fieldText(TlsPanel::ProtocolField), QStringLiteral("TLSv1.3"));
    QVERIFY(panel->certificatesText().contains(formatFingerprint(leaf.sha256)));
}

void TestTlsPanel::expiredCertificateIsMarked() {
    const EndpointId id = openHeldTlsClient();
    QVERIFY(id != 0);
    TlsPanel *panel = showTlsTab(id);
    TlsInfo info = established(true);
    info.peerChain = *readCertificates(m_certs->expired);
    info.verification = QStringLiteral("certificate expired on …");
    reportTls(id, info);
    const CertificateInfo &c = info.peerChain.first();
    QVERIFY2(panel->certificatesText().contains(
                 QStringLiteral("expired on %1").arg(c.notAfter.toString(QStringLiteral("yyyy-MM-dd")))),
             qPrintable(panel->certificatesText()));
    QVERIFY(panel->findChild<QTextBrowser *>(QStringLiteral("tlsCertificates"))
                ->toHtml()
                .contains(errorColor().name(), Qt::CaseInsensitive));
}

void TestTlsPanel::listenerShowsWhatItServes() {
    const EndpointId listener = m_ui->startListener();
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    TlsPanel *panel = showTlsTab(listener);
    QVERIFY(panel->statusText().contains(QStringLiteral("plain TCP")));
    const SelfSignedCertificate self = *loadOrCreateSelfSigned(m_certDir.filePath(QStringLiteral("self")));
    TlsInfo serving;
    serving.phase = TlsInfo::Phase::Serving;
    serving.server = true;
    serving.localCertificate = {self.certificate};
    serving.selfSignedPath = self.path;
    reportTls(listener, serving);
    QVERIFY2(panel->statusText().contains(self.path), qPrintable(panel->statusText()));
    QVERIFY(panel->fieldText(TlsPanel::ProtocolField).isEmpty()); // a listener has no session
    QVERIFY(panel->certificatesText().contains(formatFingerprint(self.certificate.sha256)));
    QVERIFY(panel->certificatesText().contains(QStringLiteral("(self-signed)")));
    QVERIFY(panel->certificatesText().contains(QStringLiteral("Its certificate")));
    QVERIFY(m_ui->cell(listener, ConnectionModel::NameColumn).contains(QStringLiteral("TLS")));
    QVERIFY(m_ui->cell(listener, ConnectionModel::NameColumn, Qt::ToolTipRole)
                .contains(QStringLiteral("every client is served TLS")));
}

void TestTlsPanel::plainConnectionSaysSo() {
    const EndpointId listener = m_ui->startListener();
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    m_ui->clickAction("connectAction");
    QVERIFY(
        m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QString::number(m_ui->localPort(listener))));
    const EndpointId client = m_ui->lastTopLevel();
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));
    TlsPanel *panel = showTlsTab(client);
    QVERIFY(panel->statusText().contains(QStringLiteral("plain TCP")));
    QVERIFY(panel->statusText().contains(QStringLiteral("Start TLS")));
    QVERIFY(panel->certificatesText().isEmpty());
    QVERIFY(!m_ui->cell(client, ConnectionModel::NameColumn).contains(QStringLiteral("TLS")));
    QVERIFY(m_window->findChild<QAction *>(QStringLiteral("startTlsAction"))->isEnabled());
    // A handshake under way (Start TLS) takes the action away.
    TlsInfo handshaking;
    handshaking.phase = TlsInfo::Phase::Handshaking;
    handshaking.startTls = true;
    reportTls(client, handshaking);
    QTRY_VERIFY(!m_window->findChild<QAction *>(QStringLiteral("startTlsAction"))->isEnabled());
}

void TestTlsPanel::verificationFailureOffersConnectAnyway() {
    const EndpointId id = openHeldTlsClient();
    QVERIFY(id != 0);
    auto *bar = m_ui->child<QFrame>("tlsFailureBar");
    QVERIFY(!bar->isVisible());
    const QString reason = QStringLiteral("certificate verify failed: self-signed certificate");
    TlsInfo failed;
    failed.phase = TlsInfo::Phase::Failed;
    failed.failure = reason;
    failed.verificationFailed = true;
    failed.verification = reason;
    report({outcome::TlsChanged{id, failed}, outcome::Final{id, EndpointState::Failed, reason, false, {}}});
    QVERIFY(bar->isVisible());
    const QString said = m_ui->child<QLabel>("tlsFailureLabel")->text();
    QVERIFY2(said.contains(reason), qPrintable(said));
    QVERIFY2(said.contains(QStringLiteral("tls.test:4433")), qPrintable(said));
    TlsPanel *panel = showTlsTab(id);
    QVERIFY(panel->statusText().contains(reason));

    QSignalSpy resolving(m_window->workbench(), &Workbench::resolving);
    QTest::mouseClick(m_ui->child<QPushButton>("connectAnywayButton"), Qt::LeftButton);
    QVERIFY(!bar->isVisible());
    const EndpointId again = m_ui->lastTopLevel();
    QVERIFY(again != id);
    const EndpointInfo info = m_window->workbench()->info(again);
    QCOMPARE(info.requestedHost, QStringLiteral("tls.test"));
    QCOMPARE(info.requestedPort, quint16(4433));
    QVERIFY(info.outgoing);
    QTRY_VERIFY(resolving.count() >= 1); // it went again, to the same host
    // Selected, as a new connection from the form is.
    QCOMPARE(m_ui->idOf(m_ui->connectionsView()->currentIndex()), again);
    // A session saved now reopens it as it now is: without the check.
    const std::optional<SessionEndpoint> first = m_window->connectionModel()->openedAs(id);
    const std::optional<SessionEndpoint> second = m_window->connectionModel()->openedAs(again);
    QVERIFY(first && second && first->tlsClient && second->tlsClient);
    QVERIFY(first->tlsClient->verify == TlsVerify::System);
    QVERIFY(second->tlsClient->verify == TlsVerify::None);
    QCOMPARE(second->host, first->host);
    QCOMPARE(second->port, first->port);

    // The bar can also be dismissed.
    report({outcome::TlsChanged{again, failed},
            outcome::Final{again, EndpointState::Failed, reason, false, {}}});
    QVERIFY(bar->isVisible());
    QTest::mouseClick(m_ui->child<QWidget>("tlsFailureCloseButton"), Qt::LeftButton);
    QVERIFY(!bar->isVisible());
}

void TestTlsPanel::otherFailuresOfferNothing() {
    const EndpointId id = openHeldTlsClient();
    QVERIFY(id != 0);
    TlsInfo failed;
    failed.phase = TlsInfo::Phase::Failed;
    failed.failure = QStringLiteral("the peer answered in plain text, not TLS");
    const QString reason = failed.failure;
    report({outcome::TlsChanged{id, failed}, outcome::Final{id, EndpointState::Failed, reason, false, {}}});
    QTRY_VERIFY(m_ui->cell(id, ConnectionModel::StateColumn).contains(reason));
    // Skipping the certificate check would not help: no offer to.
    QVERIFY(!m_ui->child<QFrame>("tlsFailureBar")->isVisible());
}

void TestTlsPanel::sessionClientOffersConnectAnywayToo() {
    Session session;
    SessionEndpoint client;
    client.kind = EndpointKind::TcpConnection;
    client.host = QStringLiteral("tls.test");
    client.port = 4433;
    client.tlsClient = TlsClientOptions{};
    client.tlsClient->alpn = {QStringLiteral("imap")};
    session.endpoints.append(client);
    const QString file = m_certDir.filePath(QStringLiteral("client.sockbench"));
    QString error;
    QVERIFY2(saveSession(file, session, &error), qPrintable(error));
    QSignalSpy resolving(m_window->workbench(), &Workbench::resolving);
    QVERIFY(m_window->sessions()->open(file));
    QTRY_COMPARE(resolving.count(), 1);
    const EndpointId id = m_ui->lastTopLevel();
    const QString reason = QStringLiteral("hostname mismatch: the certificate is for example.org");
    TlsInfo failed;
    failed.phase = TlsInfo::Phase::Failed;
    failed.failure = reason;
    failed.verificationFailed = true;
    report({outcome::TlsChanged{id, failed}, outcome::Final{id, EndpointState::Failed, reason, false, {}}});
    QVERIFY(m_ui->child<QFrame>("tlsFailureBar")->isVisible());
    QVERIFY(m_ui->child<QLabel>("tlsFailureLabel")->text().contains(reason));
    QTest::mouseClick(m_ui->child<QPushButton>("connectAnywayButton"), Qt::LeftButton);
    const EndpointId again = m_ui->lastTopLevel();
    QVERIFY(again != id);
    QTRY_COMPARE(resolving.count(), 2);
    QCOMPARE(m_window->workbench()->info(again).requestedHost, QStringLiteral("tls.test"));
    const std::optional<SessionEndpoint> opened = m_window->connectionModel()->openedAs(again);
    QVERIFY(opened && opened->tlsClient);
    QVERIFY(opened->tlsClient->verify == TlsVerify::None);
    QCOMPARE(opened->tlsClient->alpn, QStringList{QStringLiteral("imap")}); // the rest as it was
}

SOCKBENCH_TEST_MAIN(TestTlsPanel)
#include "tst_tlspanel.moc"
