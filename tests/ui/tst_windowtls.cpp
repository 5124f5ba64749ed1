// TLS in the window, clicked and typed as a user would: the TLS section of
// the connect and listener forms builds the options asked for and refuses missing files; the TLS
// tab shows a connection's protocol, cipher and certificate chain and a listener's own certificate;
// a refused certificate offers "Connect anyway (insecure)", which connects and is marked insecure
// wherever the connection shows; Start TLS upgrades a plaintext pair.

#include "testmain.h"
#include "windowdriver.h"

#include "dialogs/starttlsdialog.h"
#include "dialogs/tlsforms.h"
#include "panels/detailpane.h"
#include "panels/tlspanel.h"
#include "style/presentation.h"
#include "testcerts.h"
#include "tls/certificate.h"

#include <QCheckBox>
#include <QFrame>
#include <QLabel>
#include <QRadioButton>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextBrowser>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

class TestWindowTls final : public QObject {
    Q_OBJECT

public:
    TestWindowTls() = default;
    Q_DISABLE_COPY_MOVE(TestWindowTls)

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void connectFormBuildsTheOptionsAskedFor();
    void missingFilesAreRefusedInTheForm();
    void tlsSectionKeepsTheFormsSmall();
    void panelShowsProtocolCipherAndTheChain();
    void listenerShowsItsSelfSignedCertificate();
    void refusedCertificateOffersConnectAnyway();
    void startTlsUpgradesAPlaintextPair();
    void validityCountsDaysAndMarksExpired();

private:
    template <typename T> static T *field(QWidget *dialog, const char *name) {
        T *widget = dialog->findChild<T *>(QLatin1String(name));
        if (!widget)
            qFatal("no field named %s", name);
        return widget;
    }
    static QPushButton *okButton(QWidget *dialog) {
        return dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))
            ->button(QDialogButtonBox::Ok);
    }
    /// Clicks a check box on its box (a stretched one's middle may be past its text).
    static void tick(QCheckBox *check) {
        QTest::mouseClick(check, Qt::LeftButton, {}, QPoint(8, check->height() / 2));
    }
    /// Opens the form of this action and ticks "Use TLS".
    EndpointDialog *openTlsDialog(const char *action) const;
    /// Fills address and port of an open form, clicks OK; the new top-level endpoint, or 0.
    EndpointId accept(EndpointDialog *dialog, const QString &address, quint16 port) const;
    /// A TLS listener on 127.0.0.1 through the form, with this certificate and key (none: the
    /// self-signed one); its id once it listens, or 0.
    EndpointId startTlsListener(const QString &certificate = {}, const QString &key = {});
    TlsPanel *showTlsTab(EndpointId id) const;

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_certDir;
    std::unique_ptr<test::TestCertificates> m_certs;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestWindowTls::initTestCase() {
    // XDG_CONFIG_HOME too: the listener's self-signed certificate is kept in the config folder.
    QVERIFY(useSettingsIn(m_settingsDir, "tst_windowtls"));
    QVERIFY(m_certDir.isValid());
    m_certs = std::make_unique<test::TestCertificates>(m_certDir.path());
    QVERIFY2(m_certs->ok(), qPrintable(m_certs->error()));
}

void TestWindowTls::init() {
    QSettings().clear();
    QVERIFY(openTestWindow(m_window, m_ui));
}

void TestWindowTls::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

EndpointDialog *TestWindowTls::openTlsDialog(const char *action) const {
    m_ui->clickAction(action);
    EndpointDialog *dialog = m_ui->dialog();
    if (!dialog)
        return nullptr;
    auto *check = field<QCheckBox>(dialog, "tlsCheck");
    tick(check);
    return check->isChecked() ? dialog : nullptr;
}

EndpointId TestWindowTls::accept(EndpointDialog *dialog, const QString &address, quint16 port) const {
    WindowDriver::replaceText(field<QComboBox>(dialog, "addressCombo")->lineEdit(), address);
    WindowDriver::replaceText(field<QLineEdit>(dialog, "portEdit"), QString::number(port));
    if (!okButton(dialog)->isEnabled()) {
        qWarning("OK is disabled: %s", qPrintable(dialog->problem()));
        return 0;
    }
    QTest::mouseClick(okButton(dialog), Qt::LeftButton);
    m_window->activateWindow();
    return m_ui->lastTopLevel();
}

EndpointId TestWindowTls::startTlsListener(const QString &certificate, const QString &key) {
    EndpointDialog *dialog = openTlsDialog("newListenerAction");
    if (!dialog)
        return 0;
    if (!certificate.isEmpty())
        WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsServerCertificateEdit"), certificate);
    if (!key.isEmpty())
        WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsServerKeyEdit"), key);
    const EndpointId id = accept(dialog, QStringLiteral("127.0.0.1"), 0);
    if (id == 0 || !QTest::qWaitFor([&] { return m_ui->localPort(id) != 0; }))
        return 0;
    return id;
}

TlsPanel *TestWindowTls::showTlsTab(EndpointId id) const {
    m_window->activateWindow();
    m_ui->selectRow(id);
    auto *pane = m_window->findChild<DetailPane *>();
    pane->showTls();
    return pane->tlsPanel();
}

void TestWindowTls::connectFormBuildsTheOptionsAskedFor() {
    const EndpointId listener = startTlsListener(m_certs->leaf, m_certs->leafKey);
    QVERIFY(listener != 0);

    EndpointDialog *dialog = openTlsDialog("connectAction");
    QVERIFY(dialog);
    QVERIFY(field<QWidget>(dialog, "tlsClientForm")->isVisible());
    QVERIFY(!field<QWidget>(dialog, "tlsServerForm")->isVisible());
    QVERIFY(!field<QWidget>(dialog, "tlsCaFileEdit")->isVisible()); // the system store needs no file
    QCOMPARE(field<QLineEdit>(dialog, "tlsServerNameEdit")->placeholderText(),
             QStringLiteral("host as typed"));
    WindowDriver::chooseInCombo(field<QComboBox>(dialog, "tlsVerifyCombo"), 1); // CA file…
    QVERIFY(field<QWidget>(dialog, "tlsCaFileEdit")->isVisible());
    QVERIFY(!okButton(dialog)->isEnabled()); // a CA file is asked for and not given yet
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsCaFileEdit"), m_certs->ca);
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsServerNameEdit"), QStringLiteral("localhost"));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsAlpnEdit"), QStringLiteral("h2, http/1.1"));
    WindowDriver::chooseInCombo(field<QComboBox>(dialog, "tlsMinVersionCombo"), 3); // TLS 1.2

    const EndpointDialog::Request request = dialog->request();
    QVERIFY(request.connect.tls);
    QVERIFY(request.connect.tls->verify == TlsVerify::CaFile);
    QCOMPARE(request.connect.tls->caFile, m_certs->ca);
    QCOMPARE(request.connect.tls->serverName, QStringLiteral("localhost"));
    QCOMPARE(request.connect.tls->alpn, QStringList({QStringLiteral("h2"), QStringLiteral("http/1.1")}));
    QVERIFY(request.connect.tls->minVersion == TlsMinVersion::Tls1_2);
    QVERIFY(request.connect.tls->certificateFile.isEmpty());
    QVERIFY(!request.listener.tls); // only what the kind uses

    const EndpointId client = accept(dialog, QStringLiteral("127.0.0.1"), m_ui->localPort(listener));
    QVERIFY(client != 0);
    // What the engine did with it: the name was sent and the chain verified against the CA.
    QTRY_VERIFY_WITH_TIMEOUT(m_window->workbench()->info(client).state == EndpointState::Connected, 10000);
    const std::optional<TlsInfo> tls = m_window->workbench()->info(client).tls;
    QVERIFY(tls);
    QCOMPARE(tls->serverName, QStringLiteral("localhost"));
    QVERIFY2(tls->verified, qPrintable(tls->verification));
    QVERIFY(!tls->insecure);
    QVERIFY(m_ui->cell(client, ConnectionModel::NameColumn).contains(QStringLiteral("TLS")));
    QVERIFY(!m_ui->cell(client, ConnectionModel::NameColumn).contains(QStringLiteral("insecure")));
    m_ui->selectRow(client);
    QTRY_VERIFY(m_ui->child<QLabel>("targetLabel")->text().endsWith(QStringLiteral("over TLS")));
}

void TestWindowTls::missingFilesAreRefusedInTheForm() {
    const QString missing = m_certDir.filePath(QStringLiteral("no-such.pem"));
    EndpointDialog *dialog = openTlsDialog("connectAction");
    QVERIFY(dialog);
    WindowDriver::replaceText(field<QLineEdit>(dialog, "portEdit"), QStringLiteral("9"));
    QVERIFY2(dialog->problem().isEmpty(), qPrintable(dialog->problem()));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsCertificateEdit"), missing);
    QVERIFY2(dialog->problem().contains(QStringLiteral("Client certificate: %1 does not exist").arg(missing)),
             qPrintable(dialog->problem()));
    auto *error = field<QLabel>(dialog, "errorLabel");
    QVERIFY(error->isVisible());
    QVERIFY(error->text().contains(QStringLiteral("does not exist")));
    QVERIFY(!field<QLineEdit>(dialog, "tlsCertificateEdit")->styleSheet().isEmpty()); // marked
    QVERIFY(!okButton(dialog)->isEnabled());
    QTest::keyClick(dialog, Qt::Key_Return);
    QVERIFY(dialog->isVisible());
    QVERIFY(m_window->workbench()->endpoints().isEmpty()); // nothing started
    // A folder is not a certificate either; a real file is.
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsCertificateEdit"), m_certDir.path());
    QVERIFY2(dialog->problem().contains(QStringLiteral("is a folder")), qPrintable(dialog->problem()));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsCertificateEdit"), m_certs->client);
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsKeyEdit"), m_certs->clientKey);
    QVERIFY2(dialog->problem().isEmpty(), qPrintable(dialog->problem()));
    // Unticking TLS drops its reasons with it.
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsKeyEdit"), missing);
    QVERIFY(!okButton(dialog)->isEnabled());
    tick(field<QCheckBox>(dialog, "tlsCheck"));
    QVERIFY(!field<QWidget>(dialog, "tlsClientForm")->isVisible());
    QVERIFY2(dialog->problem().isEmpty(), qPrintable(dialog->problem()));
    QVERIFY(!dialog->request().connect.tls);
    dialog->reject();

    // The listener: requiring client certificates needs the CA they are checked against.
    dialog = openTlsDialog("newListenerAction");
    QVERIFY(dialog);
    QVERIFY(field<QWidget>(dialog, "tlsServerForm")->isVisible());
    QCOMPARE(field<QLineEdit>(dialog, "tlsServerCertificateEdit")->placeholderText(),
             QStringLiteral("self-signed for localhost"));
    QVERIFY(!field<QWidget>(dialog, "tlsClientCaEdit")->isVisible());
    WindowDriver::chooseInCombo(field<QComboBox>(dialog, "tlsClientCertCombo"), 2); // require
    QVERIFY(field<QWidget>(dialog, "tlsClientCaEdit")->isVisible());
    QVERIFY2(dialog->problem().contains(QStringLiteral("Client CA file: choose a file")),
             qPrintable(dialog->problem()));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsClientCaEdit"), missing);
    QVERIFY2(dialog->problem().contains(QStringLiteral("does not exist")), qPrintable(dialog->problem()));
    QVERIFY(!okButton(dialog)->isEnabled());
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsClientCaEdit"), m_certs->ca);
    QVERIFY2(dialog->problem().isEmpty(), qPrintable(dialog->problem()));
    const EndpointDialog::Request request = dialog->request();
    QVERIFY(request.listener.tls);
    QVERIFY(request.listener.tls->clientCert == ClientCertMode::Require);
    QCOMPARE(request.listener.tls->clientCaFile, m_certs->ca);
    QVERIFY(request.listener.tls->certificateFile.isEmpty()); // the self-signed one
    dialog->reject();
    QVERIFY(m_window->workbench()->endpoints().isEmpty());
}

void TestWindowTls::tlsSectionKeepsTheFormsSmall() {
    for (const char *action : {"connectAction", "newListenerAction"}) {
        m_ui->clickAction(action);
        EndpointDialog *dialog = m_ui->dialog();
        QVERIFY(dialog);
        const int closedHeight = dialog->sizeHint().height();
        tick(field<QCheckBox>(dialog, "tlsCheck"));
        QVERIFY(field<QCheckBox>(dialog, "tlsCheck")->isChecked());
        // The section is one line until asked for, and the whole form fits a 640-pixel screen
        // when it is open.
        QVERIFY(dialog->sizeHint().height() > closedHeight);
        QVERIFY2(dialog->sizeHint().height() <= 600 && dialog->minimumSizeHint().width() <= 1024,
                 qPrintable(QStringLiteral("%1: %2×%3")
                                .arg(QLatin1String(action))
                                .arg(dialog->sizeHint().width())
                                .arg(dialog->sizeHint().height())));
        dialog->reject();
        m_window->activateWindow();
    }
    // UDP has no TLS to offer.
    m_ui->clickAction("openUdpAction");
    QVERIFY(m_ui->dialog());
    QVERIFY(!field<QWidget>(m_ui->dialog(), "tlsCheck")->isVisible());
    m_ui->dialog()->reject();
}

void TestWindowTls::panelShowsProtocolCipherAndTheChain() {
    const EndpointId listener = startTlsListener(m_certs->leaf, m_certs->leafKey);
    QVERIFY(listener != 0);
    EndpointDialog *dialog = openTlsDialog("connectAction");
    QVERIFY(dialog);
    WindowDriver::chooseInCombo(field<QComboBox>(dialog, "tlsVerifyCombo"), 1);
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsCaFileEdit"), m_certs->ca);
    const EndpointId client = accept(dialog, QStringLiteral("127.0.0.1"), m_ui->localPort(listener));
    QVERIFY(client != 0);
    QTRY_VERIFY_WITH_TIMEOUT(m_ui->cell(client, ConnectionModel::StateColumn) == QLatin1String("Connected"),
                             10000);

    TlsPanel *panel = showTlsTab(client);
    QVERIFY(panel->isVisible());
    QTRY_VERIFY(panel->fieldText(TlsPanel::ProtocolField).startsWith(QStringLiteral("TLSv1.")));
    QVERIFY(!panel->fieldText(TlsPanel::CipherField).isEmpty());
    QVERIFY(panel->fieldText(TlsPanel::CipherField) != QStringLiteral("—"));
    QVERIFY(panel->fieldText(TlsPanel::VerificationField).contains(QStringLiteral("ok")));
    QVERIFY2(panel->statusText().contains(QStringLiteral("established")), qPrintable(panel->statusText()));

    // The chain as the peer sent it, the leaf with its names, validity and fingerprints.
    const auto leaf = readCertificates(m_certs->leaf);
    QVERIFY(leaf && !leaf->isEmpty());
    const QString text = panel->certificatesText();
    QVERIFY2(text.contains(leaf->first().subject), qPrintable(text));
    QVERIFY2(text.contains(formatFingerprint(leaf->first().sha256)), qPrintable(text));
    QVERIFY(text.contains(formatFingerprint(leaf->first().sha1)));
    QVERIFY(text.contains(QStringLiteral("DNS:localhost")));
    QVERIFY(text.contains(QStringLiteral("days left")));
    QVERIFY(text.contains(leaf->first().issuer));
    // Selectable, so that a fingerprint can be copied.
    QVERIFY(panel->findChild<QTextBrowser *>(QStringLiteral("tlsCertificates"))->textInteractionFlags() &
            Qt::TextSelectableByMouse);

    // The accepted end shows the server's side: our certificate, the client sent none.
    const QList<EndpointId> accepted = m_ui->childrenOf(listener);
    QCOMPARE(accepted.size(), 1);
    panel = showTlsTab(accepted.first());
    QTRY_VERIFY(panel->statusText().contains(QStringLiteral("as the server")));
    QVERIFY(panel->certificatesText().contains(formatFingerprint(leaf->first().sha256)));
    QVERIFY(m_ui->cell(accepted.first(), ConnectionModel::NameColumn).contains(QStringLiteral("TLS")));

    // A plaintext endpoint says it has no TLS.
    m_window->workbench()->close(client);
    QTRY_VERIFY(isFinal(m_window->workbench()->info(client).state));
}

void TestWindowTls::listenerShowsItsSelfSignedCertificate() {
    const EndpointId listener = startTlsListener();
    QVERIFY(listener != 0);
    TlsPanel *panel = showTlsTab(listener);
    QTRY_VERIFY(m_window->workbench()->info(listener).tls.has_value());
    const TlsInfo tls = *m_window->workbench()->info(listener).tls;
    QVERIFY(tls.phase == TlsInfo::Phase::Serving);
    QVERIFY(!tls.localCertificate.isEmpty());
    QVERIFY(!tls.selfSignedPath.isEmpty());
    // Kept in the config folder the test points at.
    QVERIFY2(tls.selfSignedPath.startsWith(m_settingsDir.path()), qPrintable(tls.selfSignedPath));
    QTRY_VERIFY2(panel->statusText().contains(tls.selfSignedPath), qPrintable(panel->statusText()));
    QVERIFY(panel->certificatesText().contains(formatFingerprint(tls.localCertificate.first().sha256)));
    QVERIFY(panel->certificatesText().contains(QStringLiteral("self-signed")));
    QVERIFY(m_ui->cell(listener, ConnectionModel::NameColumn).contains(QStringLiteral("TLS")));
}

void TestWindowTls::refusedCertificateOffersConnectAnyway() {
    const EndpointId listener = startTlsListener(); // self-signed: no trust store knows it
    QVERIFY(listener != 0);
    auto *bar = m_ui->child<QFrame>("tlsFailureBar");
    QVERIFY(!bar->isVisible());
    EndpointDialog *dialog = openTlsDialog("connectAction");
    QVERIFY(dialog);
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsAlpnEdit"), QStringLiteral("echo/1"));
    const EndpointId refused = accept(dialog, QStringLiteral("127.0.0.1"), m_ui->localPort(listener));
    QVERIFY(refused != 0);
    QTRY_VERIFY_WITH_TIMEOUT(bar->isVisible(), 10000);
    const EndpointInfo info = m_window->workbench()->info(refused);
    QVERIFY(info.state == EndpointState::Failed);
    QVERIFY(info.tls && info.tls->verificationFailed);
    // The reason, repeated where the user looks, in words.
    const QString said = m_ui->child<QLabel>("tlsFailureLabel")->text();
    QVERIFY2(said.contains(info.error), qPrintable(said + QStringLiteral(" / ") + info.error));
    QVERIFY2(said.contains(QStringLiteral("self-signed")), qPrintable(said));
    QVERIFY(!m_ui->cell(refused, ConnectionModel::NameColumn).contains(QStringLiteral("insecure")));

    auto *anyway = m_ui->child<QPushButton>("connectAnywayButton");
    QCOMPARE(anyway->text(), QStringLiteral("Connect anyway (insecure)"));
    QTest::mouseClick(anyway, Qt::LeftButton);
    QVERIFY(!bar->isVisible());
    const EndpointId insecure = m_ui->lastTopLevel();
    QVERIFY(insecure != refused);
    QTRY_VERIFY_WITH_TIMEOUT(m_ui->cell(insecure, ConnectionModel::StateColumn) == QLatin1String("Connected"),
                             10000);
    const EndpointInfo again = m_window->workbench()->info(insecure);
    QCOMPARE(again.requestedHost, QStringLiteral("127.0.0.1"));
    QCOMPARE(again.requestedPort, m_ui->localPort(listener));
    QVERIFY(again.tls && again.tls->insecure);
    // Marked wherever it shows: its row, its tooltip, the composer's target, the TLS tab.
    QVERIFY(m_ui->cell(insecure, ConnectionModel::NameColumn).contains(QStringLiteral("insecure")));
    QVERIFY(m_ui->cell(insecure, ConnectionModel::NameColumn, Qt::ToolTipRole)
                .contains(QStringLiteral("Insecure")));
    QCOMPARE(m_ui->rowOf(insecure)
                 .siblingAtColumn(ConnectionModel::NameColumn)
                 .data(Qt::ForegroundRole)
                 .value<QColor>(),
             warningColor());
    TlsPanel *panel = showTlsTab(insecure);
    QTRY_VERIFY(panel->statusText().contains(QStringLiteral("Insecure")));
    QVERIFY(panel->fieldText(TlsPanel::VerificationField).contains(QStringLiteral("insecure")));
    QVERIFY(m_ui->child<QLabel>("targetLabel")->text().contains(QStringLiteral("over TLS ⚠ insecure")));
    // Same options otherwise: the ALPN list went again.
    QVERIFY(m_ui->cell(refused, ConnectionModel::StateColumn).startsWith(QStringLiteral("Failed")));
}

void TestWindowTls::startTlsUpgradesAPlaintextPair() {
    const EndpointId listener = m_ui->startListener();
    QVERIFY(listener != 0);
    QTRY_VERIFY(m_ui->localPort(listener) != 0);
    m_ui->clickAction("connectAction");
    QVERIFY(
        m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QString::number(m_ui->localPort(listener))));
    m_window->activateWindow();
    const EndpointId client = m_ui->lastTopLevel();
    QTRY_VERIFY(m_ui->cell(client, ConnectionModel::StateColumn) == QLatin1String("Connected") &&
                m_ui->childrenOf(listener).size() == 1);
    const EndpointId accepted = m_ui->childrenOf(listener).first();
    auto *action = m_window->findChild<QAction *>(QStringLiteral("startTlsAction"));
    m_ui->selectRow(listener);
    QTRY_VERIFY(!action->isEnabled()); // a listener has nothing to upgrade

    // A plaintext exchange first, as SMTP has before STARTTLS.
    m_ui->selectRow(client);
    m_ui->typeInComposer(QStringLiteral("STARTTLS\\r\\n"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_VERIFY(m_ui->logShows(accepted, true, QStringLiteral("STARTTLS\\r\\n")));

    // The accepted end serves (self-signed), our client then says hello without checking.
    m_ui->selectRow(accepted);
    QTRY_VERIFY(action->isEnabled());
    action->trigger();
    StartTlsDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<StartTlsDialog *>()) != nullptr && dialog->isVisible());
    QVERIFY(field<QRadioButton>(dialog, "startTlsServerRadio")->isChecked()); // accepted: the server
    QVERIFY(field<QWidget>(dialog, "tlsServerForm")->isVisible());
    QTest::mouseClick(okButton(dialog), Qt::LeftButton);
    QTRY_VERIFY(m_window->workbench()->info(accepted).tls.has_value());
    m_window->activateWindow();

    m_ui->selectRow(client);
    QTRY_VERIFY(action->isEnabled());
    action->trigger();
    QTRY_VERIFY((dialog = m_window->findChild<StartTlsDialog *>()) != nullptr && dialog->isVisible());
    QVERIFY(field<QRadioButton>(dialog, "startTlsClientRadio")->isChecked());   // ours: the client
    WindowDriver::chooseInCombo(field<QComboBox>(dialog, "tlsVerifyCombo"), 2); // don't verify
    QVERIFY(field<QLabel>(dialog, "tlsInsecureLabel")->isVisible());
    QVERIFY(!dialog->clientOptions().caFile.size());
    QVERIFY(dialog->clientOptions().verify == TlsVerify::None);
    QTest::mouseClick(okButton(dialog), Qt::LeftButton);
    m_window->activateWindow();

    QTRY_VERIFY_WITH_TIMEOUT(m_window->workbench()->info(client).tls &&
                                 m_window->workbench()->info(client).tls->phase ==
                                     TlsInfo::Phase::Established,
                             10000);
    QTRY_VERIFY(m_window->workbench()->info(accepted).tls &&
                m_window->workbench()->info(accepted).tls->phase == TlsInfo::Phase::Established);
    QVERIFY(m_window->workbench()->info(client).tls->startTls);
    QTRY_COMPARE(m_ui->cell(client, ConnectionModel::StateColumn), QStringLiteral("Connected"));
    QVERIFY(m_ui->cell(client, ConnectionModel::NameColumn).contains(QStringLiteral("insecure")));
    QVERIFY(!action->isEnabled()); // already speaking TLS

    // Plaintext on both ends of the upgraded connection.
    m_ui->typeInComposer(QStringLiteral("EHLO secret"));
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QTRY_VERIFY(m_ui->logShows(accepted, true, QStringLiteral("EHLO secret")));
    TlsPanel *panel = showTlsTab(client);
    QTRY_VERIFY(panel->statusText().contains(QStringLiteral("Start TLS")));
    QVERIFY(panel->fieldText(TlsPanel::ProtocolField).startsWith(QStringLiteral("TLSv1.")));
}

void TestWindowTls::validityCountsDaysAndMarksExpired() {
    CertificateInfo c;
    c.subject = QStringLiteral("CN=example.org");
    c.notBefore = QDateTime(QDate(2025, 1, 1), QTime(0, 0), Qt::UTC);
    c.notAfter = QDateTime(QDate(2027, 3, 1), QTime(12, 0), Qt::UTC);
    c.sha256 = QByteArray(32, '\xab');
    c.sha1 = QByteArray(20, '\x01');
    const QDateTime now(QDate(2025, 12, 4), QTime(12, 0), Qt::UTC);
    QCOMPARE(validityText(c, now), QStringLiteral("until 2027-03-01 (452 days left)"));
    QVERIFY(validityText(c, QDateTime(QDate(2024, 6, 1), QTime(0, 0), Qt::UTC))
                .startsWith(QStringLiteral("not valid before 2025-01-01")));
    const QDateTime later(QDate(2027, 3, 4), QTime(12, 0), Qt::UTC);
    QCOMPARE(validityText(c, later), QStringLiteral("expired on 2027-03-01 (3 days ago)"));
    const QString html = certificateHtml(c, 1, later);
    QVERIFY(html.contains(errorColor().name())); // expired, in the colour of trouble
    QVERIFY(!certificateHtml(c, 1, now).contains(errorColor().name()));
    QVERIFY(html.contains(formatFingerprint(c.sha256)));
}

SOCKBENCH_TEST_MAIN(TestWindowTls)
#include "tst_windowtls.moc"
