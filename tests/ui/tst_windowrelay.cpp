// Relays in the window, clicked and typed as a user would: the "New relay"
// form starts a relay that listens and shows its target; a real client relayed to a real server
// shows both legs under the relay, each with its state; bad input keeps OK disabled with the
// reason; a fault changed in the Faults tab while the connection is open takes effect on the next
// bytes (the receiver's reads come in the set piece size).

#include "testmain.h"
#include "windowdriver.h"

#include "dialogs/faultseditor.h"
#include "dialogs/relaydialog.h"
#include "panels/detailpane.h"
#include "panels/faultpanel.h"
#include "style/presentation.h"
#include "views/conversationview.h"
#include "window/sessioncontroller.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QNetworkDatagram>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QToolButton>
#include <QUdpSocket>

#include <algorithm>
#include <memory>

using namespace sockbench;
using namespace sockbench::testing;

class TestWindowRelay final : public QObject {
    Q_OBJECT

public:
    TestWindowRelay() = default;
    Q_DISABLE_COPY_MOVE(TestWindowRelay)

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void formStartsARelayThatListens();
    void badInputKeepsOkDisabledWithTheReason();
    void relayedPairShowsBothLegsUnderTheRelay();
    void faultChangedInThePanelTakesEffectLive();
    void udpFormHidesStreamOptions();
    void faultsFromTheFormShowOnTheRow();
    void udpRelayShowsItsSocketsUnderIt();
    void conversationShowsThePairAsOne();
    void composerSendsToTheRelaysClientsOnly();

private:
    template <typename T> static T *field(QWidget *parent, const char *name) {
        T *widget = parent->findChild<T *>(QLatin1String(name));
        if (!widget)
            qFatal("no widget named %s", name);
        return widget;
    }
    static QPushButton *okButton(QWidget *dialog) {
        return field<QDialogButtonBox>(dialog, "buttonBox")->button(QDialogButtonBox::Ok);
    }
    static void tick(QCheckBox *check) {
        QTest::mouseClick(check, Qt::LeftButton, {}, QPoint(8, check->height() / 2));
    }
    /// Types a value into a spin box as a user does: select all, type, Enter.
    static void typeInSpin(QAbstractSpinBox *spin, int value) {
        spin->setFocus();
        QTest::keyClick(spin, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(spin, QString::number(value));
        QTest::keyClick(spin, Qt::Key_Enter);
    }
    RelayDialog *openRelayForm() const;
    /// A relay to targetPort through the form; its id once it listens, or 0.
    EndpointId startRelay(quint16 targetPort);
    /// The bytes the endpoint received, one entry per read, in order.
    QList<QByteArray> readsOf(EndpointId id) const;
    /// True when an event record of the journal starts with this (the client's 10 bytes may arrive in
    /// more than one read, each sliced on its own).
    bool journalHasEvent(const QString &text) const {
        const Journal &journal = m_window->workbench()->journal();
        for (quint64 seq = 0; seq < journal.count(); ++seq) {
            Record r;
            if (journal.record(seq, &r, true) && r.kind == RecordKind::Event &&
                QString::fromUtf8(r.payload).startsWith(text))
                return true;
        }
        return false;
    }
    /// Each line of the conversation view as "side|text" (events as "side|event: text").
    static QStringList conversationLines(const ConversationView *view) {
        QStringList lines;
        for (qsizetype i = 0; i < view->lineCount(); ++i)
            lines << view->lineSide(i) + QLatin1Char('|') +
                         (view->lineIsEvent(i) ? QStringLiteral("event: ") : QString()) + view->lineText(i);
        return lines;
    }
    /// Where the first line starting with this is, or -1.
    static qsizetype indexOfLine(const QStringList &lines, const QString &start) {
        for (qsizetype i = 0; i < lines.size(); ++i) {
            if (lines[i].startsWith(start))
                return i;
        }
        return -1;
    }
    /// A listener through the form, and its port once it listens (0 on failure).
    quint16 startTarget(EndpointId *listener) const;

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

void TestWindowRelay::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_windowrelay"));
}

void TestWindowRelay::init() {
    QSettings().clear();
    QVERIFY(openTestWindow(m_window, m_ui));
}

void TestWindowRelay::cleanup() {
    m_ui.reset();
    if (m_window)
        m_window->close();
    m_window.reset();
}

RelayDialog *TestWindowRelay::openRelayForm() const {
    m_ui->clickAction("newRelayAction");
    const auto dialogs = m_window->findChildren<RelayDialog *>();
    for (RelayDialog *d : dialogs) {
        if (d->isVisible())
            return d;
    }
    return nullptr;
}

quint16 TestWindowRelay::startTarget(EndpointId *listener) const {
    *listener = m_ui->startListener();
    if (*listener == 0 || !QTest::qWaitFor([&] { return m_ui->localPort(*listener) != 0; }))
        return 0;
    return m_ui->localPort(*listener);
}

EndpointId TestWindowRelay::startRelay(quint16 targetPort) {
    RelayDialog *dialog = openRelayForm();
    if (!dialog)
        return 0;
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetHostEdit"), QStringLiteral("127.0.0.1"));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetPortEdit"), QString::number(targetPort));
    if (!okButton(dialog)->isEnabled()) {
        qWarning("OK is disabled: %s", qPrintable(dialog->problem()));
        return 0;
    }
    QTest::mouseClick(okButton(dialog), Qt::LeftButton);
    m_window->activateWindow();
    const EndpointId id = m_ui->lastTopLevel();
    if (id == 0 || !QTest::qWaitFor([&] { return m_ui->localPort(id) != 0; }, 10000))
        return 0;
    return id;
}

QList<QByteArray> TestWindowRelay::readsOf(EndpointId id) const {
    QList<QByteArray> reads;
    const Journal &journal = m_window->workbench()->journal();
    const quint64 n = journal.count();
    for (quint64 seq = 0; seq < n; ++seq) {
        Record r;
        if (journal.record(seq, &r, true) && r.endpoint == id && r.kind == RecordKind::DataIn)
            reads.append(r.payload);
    }
    return reads;
}

void TestWindowRelay::formStartsARelayThatListens() {
    EndpointId target = 0;
    const quint16 targetPort = startTarget(&target);
    QVERIFY(targetPort != 0);

    // Relaying to the selected listener is what the form offers first.
    m_ui->selectRow(target);
    RelayDialog *dialog = openRelayForm();
    QVERIFY(dialog);
    QCOMPARE(field<QLineEdit>(dialog, "relayTargetHostEdit")->text(), QStringLiteral("127.0.0.1"));
    QCOMPARE(field<QLineEdit>(dialog, "relayTargetPortEdit")->text(), QString::number(targetPort));
    QVERIFY(field<QCheckBox>(dialog, "relayResetsCheck")->isChecked()); // the default is on
    tick(field<QCheckBox>(dialog, "relayResetsCheck"));
    const RelayDialog::Request request = dialog->request();
    QCOMPARE(request.address, QStringLiteral("127.0.0.1"));
    QCOMPARE(request.options.targetPort, targetPort);
    QVERIFY(!request.options.udp);
    QVERIFY(!request.options.relayResets);
    QVERIFY(!request.options.clientTls && !request.options.targetTls);
    QVERIFY(request.options.faults == RelayFaults{});
    QVERIFY2(okButton(dialog)->isEnabled(), qPrintable(dialog->problem()));
    QTest::mouseClick(okButton(dialog), Qt::LeftButton);
    m_window->activateWindow();

    const EndpointId relay = m_ui->lastTopLevel();
    QVERIFY(relay != target);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->workbench()->info(relay).state == EndpointState::Listening, 10000);
    QVERIFY(m_window->workbench()->info(relay).relay);
    QVERIFY(!m_window->workbench()->info(relay).relay->relayResets);
    QVERIFY2(m_ui->cell(relay, ConnectionModel::NameColumn).startsWith(QStringLiteral("TCP relay #")),
             qPrintable(m_ui->cell(relay, ConnectionModel::NameColumn)));
    QTRY_VERIFY(m_ui->localPort(relay) != 0);
    QVERIFY(m_ui->cell(relay, ConnectionModel::LocalColumn).startsWith(QStringLiteral("127.0.0.1:")));
    QCOMPARE(m_ui->cell(relay, ConnectionModel::PeerColumn), QStringLiteral("127.0.0.1:%1").arg(targetPort));
    QCOMPARE(m_ui->cell(relay, ConnectionModel::StateColumn), stateText(m_window->workbench()->info(relay)));
    QVERIFY(m_ui->cell(relay, ConnectionModel::NameColumn, Qt::ToolTipRole)
                .contains(QStringLiteral("closes the other")));
    // The session the window would save has the relay, with its target.
    const Session session = m_window->sessions()->current();
    const auto saved = std::find_if(session.endpoints.begin(), session.endpoints.end(),
                                    [](const SessionEndpoint &e) { return e.relay.has_value(); });
    QVERIFY(saved != session.endpoints.end());
    QCOMPARE(saved->relay->options.targetPort, targetPort);
}

void TestWindowRelay::badInputKeepsOkDisabledWithTheReason() {
    RelayDialog *dialog = openRelayForm();
    QVERIFY(dialog);
    auto *error = field<QLabel>(dialog, "errorLabel");
    // Nothing typed yet: the target is what is missing, and it says so.
    QVERIFY(!okButton(dialog)->isEnabled());
    QVERIFY2(dialog->problem().contains(QStringLiteral("type the host")), qPrintable(dialog->problem()));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetHostEdit"), QStringLiteral("127.0.0.1"));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetPortEdit"), QStringLiteral("70000"));
    QVERIFY(!okButton(dialog)->isEnabled());
    QVERIFY2(dialog->problem().contains(QStringLiteral("70000")), qPrintable(dialog->problem()));
    QVERIFY(error->isVisible());
    QCOMPARE(error->text(), dialog->problem());
    QVERIFY(okButton(dialog)->toolTip().contains(QStringLiteral("70000")));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetPortEdit"), QStringLiteral("0"));
    QVERIFY(!okButton(dialog)->isEnabled());
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetPortEdit"), QStringLiteral("9"));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayPortEdit"), QStringLiteral("70000"));
    QVERIFY(!okButton(dialog)->isEnabled());
    QVERIFY2(dialog->problem().startsWith(QStringLiteral("Listen port")), qPrintable(dialog->problem()));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayPortEdit"), QStringLiteral("0"));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetHostEdit"), QString());
    QVERIFY(!okButton(dialog)->isEnabled());
    QVERIFY2(dialog->problem().contains(QStringLiteral("type the host")), qPrintable(dialog->problem()));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetHostEdit"), QStringLiteral("127.0.0.300"));
    QVERIFY(!okButton(dialog)->isEnabled());
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetHostEdit"), QStringLiteral("localhost"));
    QVERIFY2(okButton(dialog)->isEnabled(), qPrintable(dialog->problem()));
    QVERIFY(!error->isVisible());
    // TLS on the client leg: the relay serves it; a certificate file that is not there is refused.
    QVERIFY(!field<QWidget>(dialog, "tlsServerForm")->isVisible());
    tick(field<QCheckBox>(dialog, "relayClientTlsCheck"));
    QVERIFY(field<QWidget>(dialog, "tlsServerForm")->isVisible());
    QVERIFY(okButton(dialog)->isEnabled()); // no file: the self-signed certificate
    const QString missing = m_settingsDir.filePath(QStringLiteral("no-such.pem"));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsServerCertificateEdit"), missing);
    QVERIFY(!okButton(dialog)->isEnabled());
    QVERIFY2(dialog->problem().contains(QStringLiteral("does not exist")), qPrintable(dialog->problem()));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "tlsServerCertificateEdit"), QString());
    tick(field<QCheckBox>(dialog, "relayTargetTlsCheck"));
    QVERIFY(field<QWidget>(dialog, "tlsClientForm")->isVisible());
    QVERIFY2(okButton(dialog)->isEnabled(), qPrintable(dialog->problem()));
    const RelayDialog::Request request = dialog->request();
    QVERIFY(request.options.clientTls && request.options.targetTls);
    QVERIFY(request.options.targetTls->verify == TlsClientOptions{}.verify);
    // Nothing was opened while the form refused.
    QCOMPARE(m_window->workbench()->endpoints().size(), 0);
}

void TestWindowRelay::relayedPairShowsBothLegsUnderTheRelay() {
    EndpointId target = 0;
    const quint16 targetPort = startTarget(&target);
    QVERIFY(targetPort != 0);
    const EndpointId relay = startRelay(targetPort);
    QVERIFY(relay != 0);

    QTcpSocket client;
    client.connectToHost(QStringLiteral("127.0.0.1"), m_ui->localPort(relay));
    QTRY_COMPARE(client.state(), QAbstractSocket::ConnectedState);
    QTRY_COMPARE_WITH_TIMEOUT(m_ui->childrenOf(relay).size(), 2, 10000);
    const QList<EndpointId> legs = m_ui->childrenOf(relay);
    const Workbench *wb = m_window->workbench();
    const EndpointId clientLeg = wb->info(legs[0]).outgoing ? legs[1] : legs[0];
    const EndpointId targetLeg = clientLeg == legs[0] ? legs[1] : legs[0];
    QVERIFY(!wb->info(clientLeg).outgoing);
    QTRY_VERIFY_WITH_TIMEOUT(wb->info(targetLeg).state == EndpointState::Connected, 10000);
    QVERIFY(wb->info(clientLeg).state == EndpointState::Connected);
    // The pair reads as one: the target leg right under its client leg, each naming the other.
    QCOMPARE(legs[0], clientLeg);
    QTRY_VERIFY(m_ui->cell(clientLeg, ConnectionModel::NameColumn)
                    .startsWith(QStringLiteral("Client leg #%1 ⇄ #%2").arg(clientLeg).arg(targetLeg)));
    QVERIFY(m_ui->cell(targetLeg, ConnectionModel::NameColumn)
                .startsWith(QStringLiteral("Target leg #%1 ⇄ #%2").arg(targetLeg).arg(clientLeg)));
    QCOMPARE(m_ui->cell(targetLeg, ConnectionModel::PeerColumn),
             QStringLiteral("127.0.0.1:%1").arg(targetPort));
    QCOMPARE(m_ui->cell(clientLeg, ConnectionModel::PeerColumn),
             QStringLiteral("127.0.0.1:%1").arg(client.localPort()));
    QCOMPARE(m_ui->cell(clientLeg, ConnectionModel::StateColumn), stateText(wb->info(clientLeg)));

    // Bytes go through to the real server, and the log names the legs.
    client.write("hello");
    QTRY_COMPARE_WITH_TIMEOUT(m_ui->childrenOf(target).size(), 1, 10000);
    const EndpointId served = m_ui->childrenOf(target).first();
    QTRY_COMPARE_WITH_TIMEOUT(readsOf(served).join(), QByteArray("hello"), 10000);
    QCOMPARE(endpointLabel(*wb, clientLeg), QStringLiteral("#%1 client leg").arg(clientLeg));

    // Each leg keeps its own state: the client's FIN reaches the client leg first.
    client.disconnectFromHost();
    QTRY_VERIFY_WITH_TIMEOUT(wb->info(clientLeg).state != EndpointState::Connected, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_ui->cell(clientLeg, ConnectionModel::StateColumn) == stateText(wb->info(clientLeg)), 10000);
}

void TestWindowRelay::faultChangedInThePanelTakesEffectLive() {
    EndpointId target = 0;
    const quint16 targetPort = startTarget(&target);
    QVERIFY(targetPort != 0);
    const EndpointId relay = startRelay(targetPort);
    QVERIFY(relay != 0);
    QTcpSocket client;
    client.connectToHost(QStringLiteral("127.0.0.1"), m_ui->localPort(relay));
    QTRY_COMPARE_WITH_TIMEOUT(m_ui->childrenOf(relay).size(), 2, 10000);
    const Workbench *wb = m_window->workbench();
    const EndpointId clientLeg = m_ui->childrenOf(relay).first();
    const EndpointId targetLeg = wb->info(clientLeg).relayPeer;
    QTRY_VERIFY_WITH_TIMEOUT(wb->info(targetLeg).state == EndpointState::Connected, 10000);
    client.write("before");
    QTRY_COMPARE_WITH_TIMEOUT(m_ui->childrenOf(target).size(), 1, 10000);
    const EndpointId served = m_ui->childrenOf(target).first();
    QTRY_COMPARE_WITH_TIMEOUT(readsOf(served).join(), QByteArray("before"), 10000);
    const qsizetype readsBefore = readsOf(served).size();

    // The relayed connection, selected: the Faults tab acts on it alone.
    m_ui->selectRow(clientLeg);
    auto *pane = m_window->findChild<DetailPane *>();
    pane->showFaults();
    FaultPanel *panel = pane->faultPanel();
    QCOMPARE(panel->objectName(), QStringLiteral("faultPanel"));
    QTRY_COMPARE(panel->target(), clientLeg);
    QVERIFY2(panel->statusText().contains(QStringLiteral("#%1").arg(clientLeg)),
             qPrintable(panel->statusText()));
    QVERIFY(field<QWidget>(panel, "upSliceCheck")->isVisible());
    QVERIFY(!field<QWidget>(panel, "upDropCheck")->isVisible()); // a TCP relay has no datagram faults
    tick(field<QCheckBox>(panel, "upSliceCheck"));
    typeInSpin(field<QSpinBox>(panel, "upSliceSpin"), 2);
    typeInSpin(field<QSpinBox>(panel, "upSliceDelaySpin"), 20);
    QVERIFY(panel->statusText().contains(QStringLiteral("not applied")));

    QSignalSpy changed(m_window->workbench(), &Workbench::relayFaultsChanged);
    QTest::mouseClick(field<QPushButton>(panel, "faultApplyButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(panel->appliedText().startsWith(QStringLiteral("Applied")), 10000);
    QVERIFY(changed.count() >= 1);
    QVERIFY(wb->info(clientLeg).relayFaults);
    QCOMPARE(wb->info(clientLeg).relayFaults->up.sliceBytes, 2);
    QCOMPARE(wb->info(clientLeg).relayFaults->up.sliceDelayMs, 20);
    QCOMPARE(wb->info(clientLeg).relayFaults->down, FaultSet{});
    // The relay's own faults did not change: the fault was set on this connection alone.
    QCOMPARE(wb->info(relay).relay->faults, RelayFaults{});
    QTRY_VERIFY(m_ui->cell(clientLeg, ConnectionModel::NameColumn).contains(QStringLiteral("faults:")));

    // From the next bytes on, the server reads them in pieces of at most 2 bytes, exact and in order.
    client.write("0123456789");
    QTRY_COMPARE_WITH_TIMEOUT(readsOf(served).join(), QByteArray("before0123456789"), 10000);
    const QList<QByteArray> after = readsOf(served).mid(readsBefore);
    QVERIFY2(after.size() >= 5, qPrintable(QString::number(after.size())));
    for (const QByteArray &piece : after)
        QVERIFY2(piece.size() <= 2, piece.constData());
    // And the log says what the fault did, at its place.
    QTRY_VERIFY_WITH_TIMEOUT(journalHasEvent(QStringLiteral("sliced into ")), 10000);

    // Reset now ends both legs.
    QTest::mouseClick(field<QPushButton>(panel, "faultResetNowButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(isFinal(wb->info(clientLeg).state) && isFinal(wb->info(targetLeg).state), 10000);
}

void TestWindowRelay::udpFormHidesStreamOptions() {
    RelayDialog *dialog = openRelayForm();
    QVERIFY(dialog);
    QVERIFY(field<QWidget>(dialog, "relayClientTlsCheck")->isVisible());
    WindowDriver::chooseInCombo(field<QComboBox>(dialog, "relayProtocolCombo"), 1);
    QVERIFY(!field<QWidget>(dialog, "relayClientTlsCheck")->isVisible());
    QVERIFY(!field<QWidget>(dialog, "relayResetsCheck")->isVisible());
    QTest::mouseClick(field<QToolButton>(dialog, "relayFaultsButton"), Qt::LeftButton);
    QVERIFY(field<QWidget>(dialog, "upDropCheck")->isVisible());
    QVERIFY(!field<QWidget>(dialog, "upSliceCheck")->isVisible());
    tick(field<QCheckBox>(dialog, "upDropCheck"));
    typeInSpin(field<QDoubleSpinBox>(dialog, "upDropSpin"), 50);
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetHostEdit"), QStringLiteral("127.0.0.1"));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetPortEdit"), QStringLiteral("9"));
    const RelayDialog::Request request = dialog->request();
    QVERIFY(request.options.udp);
    QCOMPARE(request.options.faults.up.dropPercent, 50.0);
    QVERIFY(!request.options.clientTls);
    // The form can fit a 640-pixel-high screen with the faults open: its fields scroll
    // (tst_screenfit shows it on such a screen).
    QVERIFY2(dialog->minimumSizeHint().height() <= 640,
             qPrintable(QString::number(dialog->minimumSizeHint().height())));
}

void TestWindowRelay::faultsFromTheFormShowOnTheRow() {
    EndpointId target = 0;
    const quint16 targetPort = startTarget(&target);
    QVERIFY(targetPort != 0);
    RelayDialog *dialog = openRelayForm();
    QVERIFY(dialog);
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetHostEdit"), QStringLiteral("127.0.0.1"));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetPortEdit"), QString::number(targetPort));
    QTest::mouseClick(field<QToolButton>(dialog, "relayFaultsButton"), Qt::LeftButton);
    tick(field<QCheckBox>(dialog, "downLatencyCheck"));
    typeInSpin(field<QSpinBox>(dialog, "downLatencySpin"), 50);
    tick(field<QCheckBox>(dialog, "upLimitCheck"));
    typeInSpin(field<QSpinBox>(dialog, "upLimitSpin"), 4096);
    QVERIFY2(okButton(dialog)->isEnabled(), qPrintable(dialog->problem()));
    QTest::mouseClick(okButton(dialog), Qt::LeftButton);
    m_window->activateWindow();
    const EndpointId relay = m_ui->lastTopLevel();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->workbench()->info(relay).state == EndpointState::Listening, 10000);
    const RelayFaults faults = m_window->workbench()->info(relay).relay->faults;
    QCOMPARE(faults.down.latencyMs, 50);
    QCOMPARE(faults.up.limitBytes, qint64(4096));
    // The row says which faults are on, in the engine's own words.
    const QString name = m_ui->cell(relay, ConnectionModel::NameColumn);
    QVERIFY2(name.contains(QStringLiteral("faults: %1").arg(faults.describe())), qPrintable(name));
    QVERIFY(m_ui->cell(relay, ConnectionModel::NameColumn, Qt::ToolTipRole).contains(faults.describe()));

    // Selected, the Faults tab shows them; cleared there, the row says no faults.
    m_ui->selectRow(relay);
    FaultPanel *panel = m_window->findChild<DetailPane *>()->faultPanel();
    m_window->findChild<DetailPane *>()->showFaults();
    QTRY_COMPARE(panel->target(), relay);
    QVERIFY(panel->editor()->faults() == faults);
    QVERIFY(field<QCheckBox>(panel, "downLatencyCheck")->isChecked());
    tick(field<QCheckBox>(panel, "downLatencyCheck"));
    tick(field<QCheckBox>(panel, "upLimitCheck"));
    QTest::mouseClick(field<QPushButton>(panel, "faultApplyButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->workbench()->info(relay).relay->faults == RelayFaults{}, 10000);
    QTRY_VERIFY(!m_ui->cell(relay, ConnectionModel::NameColumn).contains(QStringLiteral("faults:")));
    QTRY_COMPARE(panel->appliedText(), QStringLiteral("Applied: no faults"));
}

void TestWindowRelay::udpRelayShowsItsSocketsUnderIt() {
    QUdpSocket target;
    QVERIFY(target.bind(QHostAddress::LocalHost, 0));
    RelayDialog *dialog = openRelayForm();
    QVERIFY(dialog);
    WindowDriver::chooseInCombo(field<QComboBox>(dialog, "relayProtocolCombo"), 1);
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetHostEdit"), QStringLiteral("127.0.0.1"));
    WindowDriver::replaceText(field<QLineEdit>(dialog, "relayTargetPortEdit"),
                              QString::number(target.localPort()));
    QVERIFY2(okButton(dialog)->isEnabled(), qPrintable(dialog->problem()));
    QTest::mouseClick(okButton(dialog), Qt::LeftButton);
    m_window->activateWindow();
    const EndpointId relay = m_ui->lastTopLevel();
    QTRY_VERIFY_WITH_TIMEOUT(m_ui->localPort(relay) != 0, 10000);
    QVERIFY2(m_ui->cell(relay, ConnectionModel::NameColumn).startsWith(QStringLiteral("UDP relay #")),
             qPrintable(m_ui->cell(relay, ConnectionModel::NameColumn)));
    QCOMPARE(m_ui->cell(relay, ConnectionModel::PeerColumn),
             QStringLiteral("127.0.0.1:%1").arg(target.localPort()));

    QUdpSocket client;
    QVERIFY(client.bind(QHostAddress::LocalHost, 0));
    QCOMPARE(client.writeDatagram("ping", QHostAddress::LocalHost, m_ui->localPort(relay)), qint64(4));
    QTRY_VERIFY_WITH_TIMEOUT(target.hasPendingDatagrams(), 10000);
    QByteArray datagram(64, '\0');
    datagram.truncate(target.readDatagram(datagram.data(), datagram.size()));
    QCOMPARE(datagram, QByteArray("ping"));
    // The relay's socket for this client is listed under the relay, naming the client.
    QTRY_COMPARE_WITH_TIMEOUT(m_ui->childrenOf(relay).size(), 1, 10000);
    const EndpointId upstream = m_ui->childrenOf(relay).first();
    QVERIFY2(m_ui->cell(upstream, ConnectionModel::NameColumn).startsWith(QStringLiteral("Relay socket #")),
             qPrintable(m_ui->cell(upstream, ConnectionModel::NameColumn)));
    QVERIFY(m_ui->cell(upstream, ConnectionModel::NameColumn, Qt::ToolTipRole)
                .contains(QStringLiteral("127.0.0.1:%1").arg(client.localPort())));

    // Its Faults tab offers the datagram faults.
    m_ui->selectRow(upstream);
    auto *pane = m_window->findChild<DetailPane *>();
    pane->showFaults();
    FaultPanel *panel = pane->faultPanel();
    QTRY_COMPARE(panel->target(), upstream);
    QVERIFY(field<QWidget>(panel, "upDropCheck")->isVisible());
    QVERIFY(!field<QWidget>(panel, "upSliceCheck")->isVisible());
    QVERIFY(!field<QWidget>(panel, "faultResetNowButton")->isVisible());

    // A second client's datagram goes through the same relay socket, to its own socket to the target.
    QUdpSocket other;
    QVERIFY(other.bind(QHostAddress::LocalHost, 0));
    QCOMPARE(other.writeDatagram("other", QHostAddress::LocalHost, m_ui->localPort(relay)), qint64(5));
    QTRY_COMPARE_WITH_TIMEOUT(m_ui->childrenOf(relay).size(), 2, 10000);
    // The target answers the first client: the answer goes back through the relay.
    QTRY_VERIFY_WITH_TIMEOUT(target.hasPendingDatagrams(), 10000);
    const QNetworkDatagram seen = target.receiveDatagram();
    QCOMPARE(seen.data(), QByteArray("other"));
    QCOMPARE(target.writeDatagram("pong", QHostAddress::LocalHost,
                                  m_window->workbench()->info(upstream).local.port),
             qint64(4));
    QTRY_VERIFY_WITH_TIMEOUT(client.hasPendingDatagrams(), 10000);
    // The first client's socket to the target, selected: its conversation is that client's
    // exchange through both sockets, and none of the other client's.
    auto *view = m_window->findChild<ConversationView *>(QStringLiteral("conversationView"));
    m_ui->selectRow(upstream);
    QTRY_VERIFY_WITH_TIMEOUT(!view->isIndexing() && indexOfLine(conversationLines(view),
                                                                QStringLiteral("client ← relay|pong")) >= 0,
                             10000);
    const QStringList lines = conversationLines(view);
    const QString all = lines.join(QLatin1Char('\n'));
    const qsizetype asked = indexOfLine(lines, QStringLiteral("client → relay|ping"));
    const qsizetype forwarded = indexOfLine(lines, QStringLiteral("relay → target|ping"));
    const qsizetype answered = indexOfLine(lines, QStringLiteral("relay ← target|pong"));
    const qsizetype delivered = indexOfLine(lines, QStringLiteral("client ← relay|pong"));
    QVERIFY2(asked >= 0 && forwarded > asked && answered > forwarded && delivered > answered,
             qPrintable(all));
    QVERIFY2(!all.contains(QStringLiteral("|other")), qPrintable(all));
    // The relay socket's events speak of every client: left out; the client's own socket's are in.
    QVERIFY2(indexOfLine(lines, QStringLiteral("client leg|event:")) < 0, qPrintable(all));
    QVERIFY2(indexOfLine(lines, QStringLiteral("target leg|event: Relaying for")) >= 0, qPrintable(all));
}

SOCKBENCH_TEST_MAIN(TestWindowRelay)
#include "tst_windowrelay.moc"

void TestWindowRelay::conversationShowsThePairAsOne() {
    EndpointId target = 0;
    const quint16 targetPort = startTarget(&target);
    QVERIFY(targetPort != 0);
    const EndpointId relay = startRelay(targetPort);
    QVERIFY(relay != 0);
    QTcpSocket client;
    client.connectToHost(QStringLiteral("127.0.0.1"), m_ui->localPort(relay));
    QTRY_COMPARE_WITH_TIMEOUT(m_ui->childrenOf(relay).size(), 2, 10000);
    Workbench *wb = m_window->workbench();
    const EndpointId clientLeg = m_ui->childrenOf(relay).first();
    const EndpointId targetLeg = wb->info(clientLeg).relayPeer;
    QVERIFY(targetLeg != 0);
    QTRY_VERIFY_WITH_TIMEOUT(wb->info(targetLeg).state == EndpointState::Connected, 10000);

    // The answer comes back 30 ms late, so that a fault event has its place in the conversation.
    RelayFaults faults;
    faults.down.latencyMs = 30;
    QSignalSpy changed(wb, &Workbench::relayFaultsChanged);
    QVERIFY(wb->setRelayFaults(clientLeg, faults));
    QTRY_VERIFY_WITH_TIMEOUT(changed.count() >= 1, 10000);

    // A real exchange: the client asks, the server (behind the relay) answers.
    client.write("ping\n");
    QTRY_COMPARE_WITH_TIMEOUT(m_ui->childrenOf(target).size(), 1, 10000);
    const EndpointId served = m_ui->childrenOf(target).first();
    QTRY_COMPARE_WITH_TIMEOUT(readsOf(served).join(), QByteArray("ping\n"), 10000);
    QVERIFY(wb->send(served, "pong\n"));
    QByteArray got;
    QTRY_VERIFY_WITH_TIMEOUT((got += client.readAll()) == "pong\n", 10000);

    // Selecting the client leg shows both legs, each line naming its way, in time order.
    m_ui->selectRow(clientLeg);
    auto *view = m_window->findChild<ConversationView *>(QStringLiteral("conversationView"));
    QVERIFY(view);
    QTRY_VERIFY_WITH_TIMEOUT(!view->isIndexing() && indexOfLine(conversationLines(view),
                                                                QStringLiteral("client ← relay|pong")) >= 0,
                             10000);
    const QStringList lines = conversationLines(view);
    const qsizetype asked = indexOfLine(lines, QStringLiteral("client → relay|ping"));
    const qsizetype forwarded = indexOfLine(lines, QStringLiteral("relay → target|ping"));
    const qsizetype answered = indexOfLine(lines, QStringLiteral("relay ← target|pong"));
    const qsizetype delayed = indexOfLine(lines, QStringLiteral("client leg|event: delayed"));
    const qsizetype delivered = indexOfLine(lines, QStringLiteral("client ← relay|pong"));
    const QString all = lines.join(QLatin1Char('\n'));
    QVERIFY2(asked >= 0 && forwarded > asked && answered > forwarded, qPrintable(all));
    // The latency fault acted on the answer: its event sits between the target's answer and what
    // the client got.
    QVERIFY2(delayed > answered && delivered > delayed, qPrintable(all));
    // Only the two legs: the server's own connection is not part of the relay's conversation.
    QVERIFY2(std::all_of(lines.begin(), lines.end(), [](const QString &l) { return !l.startsWith(u'|'); }),
             qPrintable(all));

    // The target leg, selected, shows the same conversation.
    const qsizetype count = view->lineCount();
    m_ui->selectRow(targetLeg);
    QTRY_VERIFY_WITH_TIMEOUT(!view->isIndexing() && view->lineCount() == count, 10000);
    QCOMPARE(conversationLines(view), lines);

    // A plain connection keeps its plain conversation: no sides, no events.
    m_ui->selectRow(served);
    QTRY_VERIFY_WITH_TIMEOUT(!view->isIndexing() && view->lineCount() == 2, 10000);
    QCOMPARE(view->lineSide(0), QString());
    QCOMPARE(view->lineText(0), QStringLiteral("ping\\n"));
}

void TestWindowRelay::composerSendsToTheRelaysClientsOnly() {
    EndpointId target = 0;
    const quint16 targetPort = startTarget(&target);
    QVERIFY(targetPort != 0);
    const EndpointId relay = startRelay(targetPort);
    QVERIFY(relay != 0);
    QTcpSocket client;
    client.connectToHost(QStringLiteral("127.0.0.1"), m_ui->localPort(relay));
    QTRY_COMPARE_WITH_TIMEOUT(m_ui->childrenOf(relay).size(), 2, 10000);
    Workbench *wb = m_window->workbench();
    const EndpointId clientLeg = m_ui->childrenOf(relay).first();
    const EndpointId targetLeg = wb->info(clientLeg).relayPeer;
    QTRY_VERIFY_WITH_TIMEOUT(wb->info(targetLeg).state == EndpointState::Connected, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(m_ui->childrenOf(target).size(), 1, 10000);
    const EndpointId served = m_ui->childrenOf(target).first();

    // One client, whatever the engine counts under the relay: its target leg is no client.
    m_ui->selectRow(relay);
    auto *targetLabel = m_ui->child<QLabel>("targetLabel");
    QTRY_COMPARE(targetLabel->text(),
                 QStringLiteral("To: every client of relay #%1 (1 connected)").arg(relay));
    m_ui->typeInComposer(QStringLiteral("hi"));
    QTRY_VERIFY(m_ui->sendButton()->isEnabled());
    QTest::mouseClick(m_ui->sendButton(), Qt::LeftButton);
    QByteArray got;
    QTRY_VERIFY_WITH_TIMEOUT((got += client.readAll()) == "hi", 10000);
    // The server behind the relay got nothing: the target leg sent nothing.
    QCOMPARE(wb->journal().counters(targetLeg).bytesOut, quint64(0));
    QCOMPARE(wb->journal().counters(served).bytesIn, quint64(0));
}
