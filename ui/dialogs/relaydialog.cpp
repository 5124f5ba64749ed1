#include "dialogs/relaydialog.h"

#include "dialogs/faultseditor.h"
#include "dialogs/formproblems.h"
#include "dialogs/tlsforms.h"
#include "language/address.h"
#include "style/presentation.h"
#include "style/screenfit.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QToolButton>
#include <QVBoxLayout>

namespace sockbench {

namespace {

/// Empty when the host can be listened on or relayed to, else why not. `what` names the field.
QString hostProblem(const QString &host, const QString &what) {
    if (host.isEmpty())
        return QObject::tr("%1: type an address or a host name").arg(what);
    if (isNumericAddress(host))
        return {};
    if (host.startsWith(QLatin1Char('[')))
        return QObject::tr("%1: write an IPv6 address without brackets").arg(what);
    // What looks like an address but is none is a typo, not a host name.
    static const QRegularExpression numericish(QStringLiteral("^[0-9.]+$"));
    if (numericish.match(host).hasMatch() || host.contains(QLatin1Char(':')))
        return QObject::tr("%1: \"%2\" is not a valid address").arg(what, host);
    static const QRegularExpression label(QStringLiteral("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$"));
    const QStringList labels = host.endsWith(QLatin1Char('.')) ? host.chopped(1).split(QLatin1Char('.'))
                                                               : host.split(QLatin1Char('.'));
    for (const QString &l : labels) {
        if (!label.match(l).hasMatch())
            return QObject::tr("%1: \"%2\" is neither an address nor a host name").arg(what, host);
    }
    return {};
}

/// Empty when the port text is usable; zeroAllowed for where the relay listens.
QString portProblem(const QString &text, bool zeroAllowed, const QString &what) {
    if (text.isEmpty())
        return QObject::tr("%1: type a port number").arg(what);
    const HostPortResult port = parsePort(text);
    if (!port.ok())
        return QObject::tr("%1: %2").arg(what, port.error);
    if (!zeroAllowed && port.value.port == 0)
        return QObject::tr("%1: port 0 cannot be connected to").arg(what);
    return {};
}

} // namespace

RelayDialog::RelayDialog(const QStringList &recentAddresses, QWidget *parent)
    : QDialog(parent)
    , m_protocolCombo(new QComboBox(this))
    , m_addressCombo(new QComboBox(this))
    , m_portEdit(new QLineEdit(QStringLiteral("0"), this))
    , m_targetHostEdit(new QLineEdit(this))
    , m_targetPortEdit(new QLineEdit(this))
    , m_relayResetsCheck(new QCheckBox(tr("A reset on one side &resets the other"), this))
    , m_targetFailureCombo(new QComboBox(this))
    , m_targetFailureLabel(new QLabel(tr("When the target &fails:"), this))
    , m_clientTlsCheck(new QCheckBox(tr("TLS from the &client (the relay serves it)"), this))
    , m_clientTlsForm(new TlsServerForm(this))
    , m_targetTlsCheck(new QCheckBox(tr("TLS to the tar&get (the relay is its client)"), this))
    , m_targetTlsForm(new TlsClientForm(this))
    , m_faultsButton(new QToolButton(this))
    , m_faultsEditor(new FaultsEditor(this))
    , m_wildcardLabel(new QLabel(this))
    , m_errorLabel(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
    setObjectName(QStringLiteral("relayDialog"));
    setWindowTitle(tr("New relay"));
    m_protocolCombo->setObjectName(QStringLiteral("relayProtocolCombo"));
    m_addressCombo->setObjectName(QStringLiteral("relayAddressCombo"));
    m_portEdit->setObjectName(QStringLiteral("relayPortEdit"));
    m_targetHostEdit->setObjectName(QStringLiteral("relayTargetHostEdit"));
    m_targetPortEdit->setObjectName(QStringLiteral("relayTargetPortEdit"));
    m_relayResetsCheck->setObjectName(QStringLiteral("relayResetsCheck"));
    m_targetFailureCombo->setObjectName(QStringLiteral("relayTargetFailureCombo"));
    m_clientTlsCheck->setObjectName(QStringLiteral("relayClientTlsCheck"));
    m_targetTlsCheck->setObjectName(QStringLiteral("relayTargetTlsCheck"));
    m_faultsButton->setObjectName(QStringLiteral("relayFaultsButton"));
    m_wildcardLabel->setObjectName(QStringLiteral("wildcardLabel"));
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_buttons->setObjectName(QStringLiteral("buttonBox"));

    m_protocolCombo->addItem(tr("TCP"), false);
    m_protocolCombo->addItem(tr("UDP"), true);
    m_addressCombo->setEditable(true);
    m_addressCombo->setInsertPolicy(QComboBox::NoInsert);
    QStringList choices = recentAddresses;
    for (const QString &fixed : {QStringLiteral("127.0.0.1"), QStringLiteral("::1"),
                                 QStringLiteral("0.0.0.0"), QStringLiteral("::")})
        choices.append(fixed);
    choices.removeDuplicates();
    m_addressCombo->addItems(choices);
    m_addressCombo->setCurrentText(QStringLiteral("127.0.0.1"));
    m_addressCombo->setToolTip(
        tr("Where clients reach the relay. 127.0.0.1 and ::1 are this machine only; 0.0.0.0 and :: are "
           "every interface"));
    setUpFields();
    setUpFaultsSection();
    buildLayout();
    connectSignals();

    setMinimumWidth(480);
    updateSections();
    m_targetHostEdit->setFocus(Qt::OtherFocusReason);
}

void RelayDialog::setUpFields() {
    m_portEdit->setMaxLength(5);
    m_portEdit->setPlaceholderText(tr("0 = any free port"));
    m_portEdit->setToolTip(tr("0 lets the system choose a free port; the chosen one shows once listening"));
    m_targetHostEdit->setPlaceholderText(tr("host name or address"));
    m_targetHostEdit->setToolTip(tr("Where each client is relayed to; a name is looked up for each client"));
    m_targetPortEdit->setMaxLength(5);
    m_targetPortEdit->setPlaceholderText(tr("target port"));
    m_relayResetsCheck->setChecked(true);
    m_relayResetsCheck->setToolTip(
        tr("On: an RST from the client or the target is relayed as an RST. Off: the other side gets a FIN"));
    m_targetFailureCombo->addItem(tr("close the client (FIN)"), int(RelayEnd::Close));
    m_targetFailureCombo->addItem(tr("reset the client (RST)"), int(RelayEnd::Reset));
    m_targetFailureCombo->setToolTip(
        tr("What a client gets when its target refuses, cannot be found or does not answer"));
    m_targetFailureLabel->setBuddy(m_targetFailureCombo);
    m_clientTlsForm->hide();
    m_targetTlsForm->hide();
    m_wildcardLabel->setWordWrap(true);
    m_wildcardLabel->setStyleSheet(warningTextStyle());
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setStyleSheet(errorTextStyle());
}

void RelayDialog::setUpFaultsSection() {
    // Faults are one line until asked for; the whole form scrolls when it is taller than the screen.
    m_faultsButton->setCheckable(true);
    m_faultsButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_faultsButton->setArrowType(Qt::RightArrow);
    m_faultsButton->setAutoRaise(true);
    m_faultsButton->setText(tr("Fau&lts to start with"));
    m_faultsButton->setToolTip(tr("Faults the relay injects from its first byte; the Faults tab changes them "
                                  "later, while traffic flows"));
    m_faultsEditor->hide();
}

void RelayDialog::buildLayout() {
    auto *form = new QFormLayout;
    auto *protocolLabel = new QLabel(tr("&Protocol:"), this);
    protocolLabel->setBuddy(m_protocolCombo);
    form->addRow(protocolLabel, m_protocolCombo);
    auto *listen = new QHBoxLayout;
    listen->addWidget(m_addressCombo, 1);
    listen->addWidget(new QLabel(tr("port"), this));
    listen->addWidget(m_portEdit);
    auto *listenLabel = new QLabel(tr("&Listen on:"), this);
    listenLabel->setBuddy(m_addressCombo);
    form->addRow(listenLabel, listen);
    auto *target = new QHBoxLayout;
    target->addWidget(m_targetHostEdit, 1);
    target->addWidget(new QLabel(tr("port"), this));
    target->addWidget(m_targetPortEdit);
    auto *targetLabel = new QLabel(tr("&Target:"), this);
    targetLabel->setBuddy(m_targetHostEdit);
    form->addRow(targetLabel, target);
    form->addRow(QString(), m_relayResetsCheck);
    form->addRow(m_targetFailureLabel, m_targetFailureCombo);
    m_portEdit->setMaximumWidth(m_portEdit->fontMetrics().horizontalAdvance(QStringLiteral("888888")) + 16);
    m_targetPortEdit->setMaximumWidth(m_portEdit->maximumWidth());

    // The fields scroll, one scroll bar for all of them; the warnings and OK stay in view below.
    auto *fields = new QWidget(this);
    auto *fieldsLayout = new QVBoxLayout(fields);
    fieldsLayout->setContentsMargins(0, 0, 0, 0);
    fieldsLayout->addLayout(form);
    fieldsLayout->addWidget(m_clientTlsCheck);
    fieldsLayout->addWidget(m_clientTlsForm);
    fieldsLayout->addWidget(m_targetTlsCheck);
    fieldsLayout->addWidget(m_targetTlsForm);
    fieldsLayout->addWidget(m_faultsButton);
    fieldsLayout->addWidget(m_faultsEditor);
    fieldsLayout->addStretch();
    m_fieldsArea = new FormScrollArea(fields, this);
    m_fieldsArea->setObjectName(QStringLiteral("relayFieldsArea"));

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_fieldsArea, 1);
    layout->addWidget(m_wildcardLabel);
    layout->addWidget(m_errorLabel);
    layout->addWidget(m_buttons);
}

void RelayDialog::connectSignals() {
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_protocolCombo, &QComboBox::currentIndexChanged, this, &RelayDialog::updateSections);
    connect(m_addressCombo, &QComboBox::currentTextChanged, this, &RelayDialog::validate);
    for (QLineEdit *edit : {m_portEdit, m_targetHostEdit, m_targetPortEdit})
        connect(edit, &QLineEdit::textChanged, this, &RelayDialog::validate);
    connect(m_clientTlsCheck, &QCheckBox::toggled, this, &RelayDialog::updateSections);
    connect(m_targetTlsCheck, &QCheckBox::toggled, this, &RelayDialog::updateSections);
    connect(m_clientTlsForm, &TlsServerForm::changed, this, &RelayDialog::validate);
    connect(m_targetTlsForm, &TlsClientForm::changed, this, &RelayDialog::validate);
    connect(m_faultsButton, &QToolButton::toggled, this, &RelayDialog::onFaultsButtonToggled);
}

RelayDialog::~RelayDialog() = default;

bool RelayDialog::isUdp() const {
    return m_protocolCombo->currentData().toBool();
}

void RelayDialog::setTarget(const QString &host, quint16 port) {
    m_targetHostEdit->setText(host);
    m_targetPortEdit->setText(port != 0 ? QString::number(port) : QString());
}

void RelayDialog::onFaultsButtonToggled(bool open) {
    m_faultsButton->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
    m_faultsEditor->setVisible(open);
    resizeToContent(this);
}

void RelayDialog::updateSections() {
    const bool udp = isUdp();
    // Ends and TLS are a stream's; a UDP relay has neither.
    m_relayResetsCheck->setVisible(!udp);
    m_targetFailureLabel->setVisible(!udp);
    m_targetFailureCombo->setVisible(!udp);
    m_clientTlsCheck->setVisible(!udp);
    m_targetTlsCheck->setVisible(!udp);
    m_clientTlsForm->setVisible(!udp && m_clientTlsCheck->isChecked());
    m_targetTlsForm->setVisible(!udp && m_targetTlsCheck->isChecked());
    m_faultsEditor->setUdp(udp);
    setWindowTitle(udp ? tr("New UDP relay") : tr("New TCP relay"));
    validate();
    resizeToContent(this);
}

void RelayDialog::validate() {
    const bool udp = isUdp();
    const QString address = m_addressCombo->currentText().trimmed();
    const QString listenHost = hostProblem(address, tr("Listen address"));
    const QString listenPort = portProblem(m_portEdit->text().trimmed(), true, tr("Listen port"));
    const QString targetHost = m_targetHostEdit->text().trimmed().isEmpty()
                                   ? tr("Target: type the host to relay to")
                                   : hostProblem(m_targetHostEdit->text().trimmed(), tr("Target"));
    const QString targetPort = portProblem(m_targetPortEdit->text().trimmed(), false, tr("Target port"));
    QString clientTls;
    QString targetTls;
    if (!udp && m_clientTlsCheck->isChecked())
        clientTls = m_clientTlsForm->problem();
    if (!udp && m_targetTlsCheck->isChecked())
        targetTls = m_targetTlsForm->problem();

    const QString errorStyle = errorFieldStyle();
    m_addressCombo->setStyleSheet(listenHost.isEmpty() ? QString() : errorStyle);
    m_portEdit->setStyleSheet(listenPort.isEmpty() ? QString() : errorStyle);
    // A target not typed yet is not wrong: only what was typed and is wrong turns red.
    m_targetHostEdit->setStyleSheet(
        targetHost.isEmpty() || m_targetHostEdit->text().trimmed().isEmpty() ? QString() : errorStyle);
    m_targetPortEdit->setStyleSheet(
        targetPort.isEmpty() || m_targetPortEdit->text().trimmed().isEmpty() ? QString() : errorStyle);
    const bool wildcard = isWildcardAddress(address);
    m_wildcardLabel->setVisible(wildcard);
    m_wildcardLabel->setText(
        wildcard
            ? tr("⚠ %1 is every interface: other machines on the network can use this relay.").arg(address)
            : QString());

    m_problem = joinProblems({listenHost, listenPort, targetHost, targetPort, clientTls, targetTls});
    gateOnProblem(m_problem, m_errorLabel, m_buttons->button(QDialogButtonBox::Ok), tr("Start the relay"));
}

RelayDialog::Request RelayDialog::request() const {
    Request r;
    r.address = m_addressCombo->currentText().trimmed();
    r.port = parsePort(m_portEdit->text().trimmed()).value.port;
    r.options.targetHost = m_targetHostEdit->text().trimmed();
    r.options.targetPort = parsePort(m_targetPortEdit->text().trimmed()).value.port;
    r.options.udp = isUdp();
    if (!r.options.udp) {
        r.options.relayResets = m_relayResetsCheck->isChecked();
        r.options.onTargetFailure = RelayEnd(m_targetFailureCombo->currentData().toInt());
        if (m_clientTlsCheck->isChecked())
            r.options.clientTls = m_clientTlsForm->options();
        if (m_targetTlsCheck->isChecked())
            r.options.targetTls = m_targetTlsForm->options();
    }
    r.options.faults = m_faultsEditor->faults();
    return r;
}

} // namespace sockbench
