#include "dialogs/endpointdialog.h"
#include "dialogs/autoreplyfields.h"
#include "dialogs/formproblems.h"
#include "dialogs/framingfield.h"
#include "dialogs/socketoptionsform.h"
#include "dialogs/tlsforms.h"
#include "language/address.h"
#include "style/presentation.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkInterface>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace sockbench {

namespace {

/// Empty when the host is acceptable, else why not.
QString checkHost(const QString &host) {
    if (host.isEmpty())
        return QObject::tr("Type an address or a host name");
    if (isNumericAddress(host))
        return {};
    if (host.startsWith(QLatin1Char('[')))
        return QObject::tr("Write an IPv6 address without brackets here");
    static const QRegularExpression numericish(QStringLiteral("^[0-9.]+$"));
    if (numericish.match(host).hasMatch())
        return QObject::tr("\"%1\" is not a valid IPv4 address").arg(host);
    if (host.contains(QLatin1Char(':')))
        return QObject::tr("\"%1\" is not a valid IPv6 address").arg(host);
    static const QRegularExpression hostName(
        QStringLiteral("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
                       "(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?$"));
    if (!hostName.match(host).hasMatch())
        return QObject::tr("\"%1\" is neither an address nor a host name").arg(host);
    return {};
}

/// What the address box offers: the recent ones, loopback and wildcards, this machine's addresses.
QStringList addressChoices(const QStringList &recentAddresses) {
    QStringList choices = recentAddresses;
    for (const QString &fixed : {QStringLiteral("127.0.0.1"), QStringLiteral("::1"),
                                 QStringLiteral("0.0.0.0"), QStringLiteral("::")})
        choices.append(fixed);
    // Reading the interface table is a local ioctl, no network traffic: fine on the GUI thread.
    for (const QHostAddress &address : QNetworkInterface::allAddresses()) {
        if (address.isLinkLocal())
            continue;
        QHostAddress plain = address;
        plain.setScopeId(QString());
        choices.append(plain.toString());
    }
    choices.removeDuplicates();
    return choices;
}

} // namespace

EndpointDialog::EndpointDialog(EndpointKind kind, const QStringList &recentAddresses,
                               const QStringList &recentPorts, QWidget *parent)
    : QDialog(parent)
    , m_kindCombo(new QComboBox(this))
    , m_addressCombo(new QComboBox(this))
    , m_addressLabel(new QLabel(this))
    , m_portEdit(new QLineEdit(this))
    , m_portHint(new QLabel(this))
    , m_autoReply(new AutoReplyFields(this))
    , m_framingField(new FramingField(this))
    , m_framingLabel(new QLabel(tr("&Framing:"), this))
    , m_dualStackCheck(new QCheckBox(tr("IPv6 socket also takes &IPv4 (dual stack)"), this))
    , m_broadcastCheck(new QCheckBox(tr("Allow &broadcast"), this))
    , m_multicastEdit(new QLineEdit(this))
    , m_multicastLabel(new QLabel(tr("&Multicast:"), this))
    , m_timeoutSpin(new QSpinBox(this))
    , m_timeoutLabel(new QLabel(tr("&Timeout:"), this))
    , m_socketOptionsButton(new QToolButton(this))
    , m_socketOptionsForm(new SocketOptionsForm(this))
    , m_socketOptionsArea(new QScrollArea(this))
    , m_tlsCheck(new QCheckBox(tr("Use T&LS"), this))
    , m_tlsClientForm(new TlsClientForm(this))
    , m_tlsServerForm(new TlsServerForm(this))
    , m_wildcardLabel(new QLabel(this))
    , m_errorLabel(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
    , m_recentPorts(recentPorts) {
    setObjectName(QStringLiteral("endpointDialog"));
    m_kindCombo->setObjectName(QStringLiteral("kindCombo"));
    m_addressCombo->setObjectName(QStringLiteral("addressCombo"));
    m_portEdit->setObjectName(QStringLiteral("portEdit"));
    m_dualStackCheck->setObjectName(QStringLiteral("dualStackCheck"));
    m_broadcastCheck->setObjectName(QStringLiteral("broadcastCheck"));
    m_multicastEdit->setObjectName(QStringLiteral("multicastEdit"));
    m_timeoutSpin->setObjectName(QStringLiteral("timeoutSpin"));
    m_wildcardLabel->setObjectName(QStringLiteral("wildcardLabel"));
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_buttons->setObjectName(QStringLiteral("buttonBox"));

    m_kindCombo->addItem(tr("TCP listener"), int(EndpointKind::TcpListener));
    m_kindCombo->addItem(tr("TCP connection"), int(EndpointKind::TcpConnection));
    m_kindCombo->addItem(tr("UDP socket"), int(EndpointKind::UdpSocket));

    m_addressCombo->setEditable(true);
    m_addressCombo->setInsertPolicy(QComboBox::NoInsert);
    m_addressCombo->addItems(addressChoices(recentAddresses));
    m_addressCombo->setCurrentText(QStringLiteral("127.0.0.1"));
    m_addressCombo->setToolTip(
        tr("127.0.0.1 and ::1 are this machine only; 0.0.0.0 and :: are every interface"));
    setUpFields();
    buildLayout();
    connectSignals();

    setMinimumWidth(480);
    setKind(kind);
    onKindChanged();
}

void EndpointDialog::setUpFields() {
    m_portEdit->setToolTip(tr("0 lets the system choose a free port; the chosen one shows once bound"));
    m_portEdit->setMaxLength(5);
    m_portHint->setWordWrap(false); // a wrapped label in a form row gets clipped; keep it one line

    m_dualStackCheck->setToolTip(tr("Clears IPV6_V6ONLY so IPv4 peers reach the IPv6 socket too"));
    m_broadcastCheck->setToolTip(tr("SO_BROADCAST: lets the socket send to broadcast addresses"));
    m_multicastEdit->setPlaceholderText(tr("group to join, e.g. 239.1.2.3 or 239.1.2.3%eth0 (optional)"));
    m_multicastEdit->setToolTip(
        tr("Joins this multicast group once bound; %INTERFACE picks the interface for "
           "joining and for what this socket sends to groups"));
    m_multicastLabel->setBuddy(m_multicastEdit);
    m_timeoutSpin->setRange(0, 600);
    m_timeoutSpin->setValue(30);
    m_timeoutSpin->setSuffix(tr(" s"));
    m_timeoutSpin->setSpecialValueText(tr("system default"));
    m_timeoutLabel->setBuddy(m_timeoutSpin);
    m_framingLabel->setBuddy(m_framingField);
    m_wildcardLabel->setWordWrap(true);
    m_wildcardLabel->setStyleSheet(warningTextStyle());
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setStyleSheet(errorTextStyle());
    m_socketOptionsButton->setObjectName(QStringLiteral("socketOptionsButton"));
    m_socketOptionsButton->setCheckable(true);
    m_socketOptionsButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_socketOptionsButton->setArrowType(Qt::RightArrow);
    m_socketOptionsButton->setAutoRaise(true);
    m_socketOptionsButton->setToolTip(tr("Show or hide the socket options (TCP_NODELAY, keepalive, buffers, "
                                         "TOS, TTL, …); those set apply even while hidden"));
    // The dialog must fit a 640-pixel-high screen with the section open: its rows scroll.
    m_socketOptionsArea->setObjectName(QStringLiteral("socketOptionsArea"));
    m_socketOptionsArea->setWidget(m_socketOptionsForm);
    m_socketOptionsArea->setWidgetResizable(true);
    m_socketOptionsArea->setFrameShape(QFrame::NoFrame);
    m_socketOptionsArea->setMaximumHeight(240);
    m_socketOptionsArea->hide();
    // TLS is one line until asked for, so that the form still fits a 640-pixel-high screen.
    m_tlsCheck->setObjectName(QStringLiteral("tlsCheck"));
    m_tlsCheck->setToolTip(tr("Speak TLS on the connection, or on every connection the listener accepts"));
    m_tlsClientForm->hide();
    m_tlsServerForm->hide();
}

void EndpointDialog::buildLayout() {
    auto *kindLabel = new QLabel(tr("&Kind:"), this);
    kindLabel->setBuddy(m_kindCombo);
    m_addressLabel->setBuddy(m_addressCombo);
    auto *portLabel = new QLabel(tr("&Port:"), this);
    portLabel->setBuddy(m_portEdit);
    auto *form = new QFormLayout;
    form->addRow(kindLabel, m_kindCombo);
    form->addRow(m_addressLabel, m_addressCombo);
    form->addRow(portLabel, m_portEdit);
    form->addRow(QString(), m_portHint);
    m_autoReply->addRowsTo(form);
    form->addRow(m_framingLabel, m_framingField);
    form->addRow(m_timeoutLabel, m_timeoutSpin);
    form->addRow(QString(), m_dualStackCheck);
    form->addRow(QString(), m_broadcastCheck);
    form->addRow(m_multicastLabel, m_multicastEdit);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_tlsCheck);
    layout->addWidget(m_tlsClientForm);
    layout->addWidget(m_tlsServerForm);
    layout->addWidget(m_socketOptionsButton);
    layout->addWidget(m_socketOptionsArea);
    layout->addWidget(m_wildcardLabel);
    layout->addWidget(m_errorLabel);
    layout->addStretch();
    layout->addWidget(m_buttons);
}

void EndpointDialog::connectSignals() {
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_kindCombo, &QComboBox::currentIndexChanged, this, &EndpointDialog::onKindChanged);
    connect(m_addressCombo, &QComboBox::currentTextChanged, this, &EndpointDialog::validate);
    connect(m_portEdit, &QLineEdit::textChanged, this, &EndpointDialog::validate);
    connect(m_autoReply, &AutoReplyFields::changed, this, &EndpointDialog::validate);
    connect(m_framingField, &FramingField::changed, this, &EndpointDialog::validate);
    connect(m_multicastEdit, &QLineEdit::textChanged, this, &EndpointDialog::validate);
    connect(m_socketOptionsForm, &SocketOptionsForm::changed, this, &EndpointDialog::validate);
    connect(m_socketOptionsButton, &QToolButton::toggled, this,
            &EndpointDialog::onSocketOptionsButtonToggled);
    connect(m_tlsCheck, &QCheckBox::toggled, this, &EndpointDialog::updateTlsSection);
    connect(m_tlsClientForm, &TlsClientForm::changed, this, &EndpointDialog::validate);
    connect(m_tlsServerForm, &TlsServerForm::changed, this, &EndpointDialog::validate);
}

EndpointDialog::~EndpointDialog() = default;

void EndpointDialog::setKind(EndpointKind kind) {
    m_kindCombo->setCurrentIndex(m_kindCombo->findData(int(kind)));
}

void EndpointDialog::setConnectTarget(const QString &host, quint16 port) {
    m_targetHost = host;
    m_targetPort = port;
    onKindChanged();
}

void EndpointDialog::onSocketOptionsButtonToggled(bool open) {
    m_socketOptionsButton->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
    m_socketOptionsArea->setVisible(open);
    adjustSize();
}

void EndpointDialog::updateTlsSection() {
    const EndpointKind k = kind();
    const bool on = m_tlsCheck->isChecked();
    m_tlsCheck->setVisible(k != EndpointKind::UdpSocket);
    m_tlsClientForm->setVisible(on && k == EndpointKind::TcpConnection);
    m_tlsServerForm->setVisible(on && k == EndpointKind::TcpListener);
    validate();
    adjustSize();
}

void EndpointDialog::focusFirstFieldToType() {
    const bool connecting = kind() == EndpointKind::TcpConnection;
    if (connecting && m_addressCombo->currentText().trimmed().isEmpty())
        m_addressCombo->setFocus(Qt::OtherFocusReason);
    else if (m_portEdit->text().trimmed().isEmpty()) {
        m_portEdit->setFocus(Qt::OtherFocusReason);
        m_portEdit->selectAll();
    } else if (QPushButton *ok = m_buttons->button(QDialogButtonBox::Ok); ok->isEnabled())
        ok->setFocus(Qt::OtherFocusReason);
    else
        m_addressCombo->setFocus(Qt::OtherFocusReason);
}

EndpointKind EndpointDialog::kind() const {
    return EndpointKind(m_kindCombo->currentData().toInt());
}

void EndpointDialog::onKindChanged() {
    const EndpointKind k = kind();
    const bool connecting = k == EndpointKind::TcpConnection;
    switch (k) {
    case EndpointKind::TcpListener:
        setWindowTitle(tr("New TCP listener"));
        break;
    case EndpointKind::TcpConnection:
        setWindowTitle(tr("Connect to a TCP server"));
        break;
    case EndpointKind::UdpSocket:
        setWindowTitle(tr("Open a UDP socket"));
        break;
    }
    m_addressLabel->setText(connecting ? tr("&Host:") : tr("Bind &address:"));
    if (connecting) {
        if (!m_targetHost.isEmpty())
            m_addressCombo->setCurrentText(m_targetHost);
        m_portEdit->setText(m_targetPort != 0 ? QString::number(m_targetPort) : m_recentPorts.value(0));
        m_portEdit->setPlaceholderText(tr("server port"));
    } else {
        m_portEdit->setText(QStringLiteral("0"));
        m_portEdit->setPlaceholderText(tr("0 = any free port"));
    }
    m_autoReply->setVisible(!connecting);
    m_autoReply->setKind(k);
    m_timeoutLabel->setVisible(connecting);
    m_timeoutSpin->setVisible(connecting);
    m_broadcastCheck->setVisible(k == EndpointKind::UdpSocket);
    m_multicastLabel->setVisible(k == EndpointKind::UdpSocket);
    m_multicastEdit->setVisible(k == EndpointKind::UdpSocket);
    m_dualStackCheck->setVisible(!connecting);
    // Each datagram is a message already: UDP has no framing to choose.
    m_framingLabel->setVisible(k != EndpointKind::UdpSocket);
    m_framingField->setVisible(k != EndpointKind::UdpSocket);
    m_socketOptionsForm->setKind(k);
    updateTlsSection();
    focusFirstFieldToType();
}

void EndpointDialog::validate() {
    const EndpointKind k = kind();
    const QString host = m_addressCombo->currentText().trimmed();
    const QString hostProblem = checkHost(host);
    QString portProblem;
    const bool portEmpty = m_portEdit->text().trimmed().isEmpty();
    const HostPortResult port = parsePort(m_portEdit->text().trimmed());
    if (m_portEdit->text().trimmed().isEmpty())
        portProblem = tr("Type a port number");
    else if (!port.ok())
        portProblem = port.error;
    else if (k == EndpointKind::TcpConnection && port.value.port == 0)
        portProblem = tr("Port 0 cannot be connected to: type the server's port");

    const QString greetingProblem = m_autoReply->problem();
    const QString framingProblem = k == EndpointKind::UdpSocket ? QString() : m_framingField->problem();

    QString multicastProblem;
    if (k == EndpointKind::UdpSocket && !m_multicastEdit->text().trimmed().isEmpty()) {
        MulticastGroup group;
        QString error;
        if (!parseMulticastGroup(m_multicastEdit->text(), &group, &error))
            multicastProblem = tr("Multicast: %1").arg(error);
        else if (!group.interfaceName.isEmpty() &&
                 !QNetworkInterface::interfaceFromName(group.interfaceName).isValid())
            multicastProblem =
                tr("Multicast: this machine has no interface named %1").arg(group.interfaceName);
        else if (!isWildcardAddress(host) && host != group.group)
            // Linux delivers group datagrams only to sockets bound to the wildcard or the group itself.
            multicastProblem = tr("Multicast: bind 0.0.0.0 or :: (or the group itself) to hear the group");
    }

    const QString errorStyle = errorFieldStyle();
    m_addressCombo->setStyleSheet(hostProblem.isEmpty() ? QString() : errorStyle);
    m_multicastEdit->setStyleSheet(multicastProblem.isEmpty() ? QString() : errorStyle);
    // A field not typed yet is not wrong: it gets the focus, not the red.
    m_portEdit->setStyleSheet(portProblem.isEmpty() || portEmpty ? QString() : errorStyle);
    m_portEdit->setToolTip(portProblem.isEmpty() ? tr("0 lets the system choose a free port") : portProblem);

    const bool v6 = host.contains(QLatin1Char(':'));
    m_dualStackCheck->setEnabled(v6);
    const bool wildcard = k != EndpointKind::TcpConnection && isWildcardAddress(host);
    m_wildcardLabel->setVisible(wildcard);
    m_wildcardLabel->setText(wildcard
                                 ? tr("⚠ %1 is every interface: other machines on the network can reach this "
                                      "socket.")
                                       .arg(host)
                                 : QString());
    m_portHint->setVisible(k != EndpointKind::TcpConnection);
    m_portHint->setText(tr("0 = any free port, shown in the panel once bound"));

    const QString optionsProblem = m_socketOptionsForm->problem();
    // A wrong option in a closed section would be a reason nobody can see: open it.
    if (!optionsProblem.isEmpty() && !m_socketOptionsButton->isChecked())
        m_socketOptionsButton->setChecked(true);
    const int optionsSet = m_socketOptionsForm->setCount();
    m_socketOptionsButton->setText(optionsSet == 0 ? tr("&Socket options")
                                                   : tr("&Socket options (%n set)", nullptr, optionsSet));
    QString tlsProblem;
    if (m_tlsCheck->isChecked() && k == EndpointKind::TcpConnection)
        tlsProblem = m_tlsClientForm->problem();
    else if (m_tlsCheck->isChecked() && k == EndpointKind::TcpListener)
        tlsProblem = m_tlsServerForm->problem();
    m_problem = joinProblems({hostProblem, portProblem, greetingProblem, framingProblem, multicastProblem,
                              tlsProblem, optionsProblem});
    gateOnProblem(m_problem, m_errorLabel, m_buttons->button(QDialogButtonBox::Ok), tr("Open it"));
}

EndpointDialog::Request EndpointDialog::request() const {
    Request r;
    r.kind = kind();
    r.address = m_addressCombo->currentText().trimmed();
    r.port = parsePort(m_portEdit->text().trimmed()).value.port;
    const AutoReply reply = m_autoReply->reply();
    r.listener.autoReply = reply;
    r.listener.dualStack = m_dualStackCheck->isEnabled() && m_dualStackCheck->isChecked();
    r.listener.greeting = m_autoReply->greeting();
    r.connect.timeoutMs = m_timeoutSpin->value() * 1000;
    r.listener.frame = m_framingField->spec();
    r.connect.frame = r.listener.frame;
    r.udp.echo = reply == AutoReply::Echo;
    r.udp.broadcast = m_broadcastCheck->isChecked();
    r.udp.dualStack = r.listener.dualStack;
    QString unused;
    MulticastGroup join;
    if (r.kind == EndpointKind::UdpSocket && !m_multicastEdit->text().trimmed().isEmpty() &&
        parseMulticastGroup(m_multicastEdit->text(), &join, &unused)) {
        r.udp.joinGroups = {join};
        r.udp.multicastInterface = join.interfaceName;
    }
    r.socket = m_socketOptionsForm->options();
    r.listener.socket = r.socket;
    r.connect.socket = r.socket;
    r.udp.socket = r.socket;
    // A client's Nagle choice has its own field in ConnectOptions (on by default): keep both saying
    // the same.
    r.connect.noDelay = r.socket.noDelay.value_or(r.connect.noDelay);
    if (m_tlsCheck->isChecked() && r.kind == EndpointKind::TcpConnection)
        r.connect.tls = m_tlsClientForm->options();
    if (m_tlsCheck->isChecked() && r.kind == EndpointKind::TcpListener)
        r.listener.tls = m_tlsServerForm->options();
    return r;
}

} // namespace sockbench
