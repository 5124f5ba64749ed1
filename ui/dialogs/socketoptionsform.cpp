#include "dialogs/socketoptionsform.h"
#include "language/address.h"
#include "style/presentation.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkInterface>
#include <QRegularExpression>

#include <limits>

namespace sockbench {

namespace {

enum Choice { DefaultChoice, OnChoice, OffChoice };

constexpr int MaxBufferBytes = std::numeric_limits<int>::max() / 2; ///< the kernel doubles it

void fillChoice(QComboBox *combo) {
    combo->addItem(SocketOptionsForm::tr("kernel default"), int(DefaultChoice));
    combo->addItem(SocketOptionsForm::tr("on"), int(OnChoice));
    combo->addItem(SocketOptionsForm::tr("off"), int(OffChoice));
}

std::optional<bool> choice(const QComboBox *combo) {
    switch (combo->currentData().toInt()) {
    case OnChoice:
        return true;
    case OffChoice:
        return false;
    default:
        return std::nullopt;
    }
}

void setChoice(QComboBox *combo, std::optional<bool> value) {
    combo->setCurrentIndex(!value ? DefaultChoice : *value ? OnChoice : OffChoice);
}

/// An optional integer field: empty is "not set"; else it must be a number in [min, max].
std::optional<int> readInt(const QLineEdit *edit, const QString &what, qint64 min, qint64 max,
                           QString *problem) {
    const QString text = edit->text().trimmed();
    if (text.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok)
        *problem = SocketOptionsForm::tr("%1: \"%2\" is not a number").arg(what, text);
    else if (value < min || value > max)
        *problem = SocketOptionsForm::tr("%1: %2 is out of range (%3 to %4)")
                       .arg(what, text, QString::number(min), QString::number(max));
    else
        return int(value);
    return std::nullopt;
}

/// The TOS byte of what the TOS field holds: a DSCP name (an item reads "AF41 (TOS 136)"), or a
/// number, decimal or 0x hex.
std::optional<int> readTos(const QString &input, QString *problem) {
    const QString text = input.trimmed();
    if (text.isEmpty())
        return std::nullopt;
    const QString word = text.section(QLatin1Char(' '), 0, 0);
    if (const std::optional<int> tos = tosForDscpName(word))
        return tos;
    bool ok = false;
    const int value = word.toInt(&ok, 0);
    if (!ok)
        *problem = SocketOptionsForm::tr("TOS: \"%1\" is neither a DSCP name (EF, AF41, CS1, …) nor a number")
                       .arg(text);
    else if (value < 0 || value > 255)
        *problem = SocketOptionsForm::tr("TOS: %1 is out of range (0 to 255)").arg(word);
    else
        return value;
    return std::nullopt;
}

void mark(QWidget *field, bool wrong) {
    field->setStyleSheet(wrong ? errorFieldStyle() : QString());
}

} // namespace

SocketOptionsForm::SocketOptionsForm(QWidget *parent)
    : QWidget(parent)
    , m_form(new QFormLayout(this))
    , m_noDelayCombo(new QComboBox(this))
    , m_keepAliveCombo(new QComboBox(this))
    , m_keepAliveTimingEdit(new QLineEdit(this))
    , m_sendBufferEdit(new QLineEdit(this))
    , m_receiveBufferEdit(new QLineEdit(this))
    , m_tosCombo(new QComboBox(this))
    , m_ttlEdit(new QLineEdit(this))
    , m_lingerEdit(new QLineEdit(this))
    , m_userTimeoutEdit(new QLineEdit(this))
    , m_sourceAddressEdit(new QLineEdit(this))
    , m_sourcePortEdit(new QLineEdit(this))
    , m_deviceCombo(new QComboBox(this))
    , m_reusePortCheck(new QCheckBox(tr("SO_REUSEPORT: share the port with other sockets"), this)) {
    setObjectName(QStringLiteral("socketOptionsForm"));
    setAccessibleName(tr("Socket options"));
    m_form->setContentsMargins(0, 0, 0, 0);
    setUpFields();
    buildRows();
    connectSignals();

    updateRows();
    validate();
}

void SocketOptionsForm::setUpFields() {
    m_noDelayCombo->setObjectName(QStringLiteral("noDelayCombo"));
    fillChoice(m_noDelayCombo);
    m_noDelayCombo->setToolTip(tr("TCP_NODELAY: send small writes at once instead of gathering them "
                                  "(Nagle); a client's default is on"));
    m_keepAliveCombo->setObjectName(QStringLiteral("keepAliveCombo"));
    fillChoice(m_keepAliveCombo);
    m_keepAliveCombo->setToolTip(tr("SO_KEEPALIVE: probe an idle connection to find a dead peer"));
    m_keepAliveTimingEdit->setObjectName(QStringLiteral("keepAliveTimingEdit"));
    m_keepAliveTimingEdit->setPlaceholderText(tr("IDLE,INTERVAL,COUNT e.g. 60,10,5 (kernel default)"));
    m_keepAliveTimingEdit->setToolTip(tr("TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT: first probe after IDLE s "
                                         "of silence, then every INTERVAL s; fail after COUNT unanswered"));
    m_sendBufferEdit->setObjectName(QStringLiteral("sendBufferEdit"));
    m_sendBufferEdit->setPlaceholderText(tr("bytes (kernel default)"));
    m_sendBufferEdit->setToolTip(tr("SO_SNDBUF in bytes; the kernel doubles it for its bookkeeping"));
    m_receiveBufferEdit->setObjectName(QStringLiteral("receiveBufferEdit"));
    m_receiveBufferEdit->setPlaceholderText(tr("bytes (kernel default)"));
    m_receiveBufferEdit->setToolTip(tr("SO_RCVBUF in bytes; the kernel doubles it for its bookkeeping"));
    m_tosCombo->setObjectName(QStringLiteral("tosCombo"));
    m_tosCombo->setEditable(true);
    m_tosCombo->setInsertPolicy(QComboBox::NoInsert);
    m_tosCombo->addItem(QString());
    for (const QString &name : dscpNames())
        m_tosCombo->addItem(tr("%1 (TOS %2)").arg(name).arg(*tosForDscpName(name)));
    m_tosCombo->lineEdit()->setPlaceholderText(tr("DSCP name or number 0-255 (kernel default)"));
    m_tosCombo->setToolTip(tr("IP_TOS / IPV6_TCLASS: a DSCP name (EF, AF41, CS1, …) or the whole byte as a "
                              "number 0 to 255 (DSCP × 4 + ECN)"));
    m_ttlEdit->setObjectName(QStringLiteral("ttlEdit"));
    m_ttlEdit->setPlaceholderText(tr("1-255 (kernel default)"));
    m_ttlEdit->setToolTip(tr("IP_TTL / IPV6_UNICAST_HOPS: how many routers a packet may cross"));
    m_lingerEdit->setObjectName(QStringLiteral("lingerEdit"));
    m_lingerEdit->setPlaceholderText(tr("seconds (off)"));
    m_lingerEdit->setToolTip(
        tr("SO_LINGER: how long close waits for unsent data; 0 makes close send a reset"));
    m_userTimeoutEdit->setObjectName(QStringLiteral("userTimeoutEdit"));
    m_userTimeoutEdit->setPlaceholderText(tr("milliseconds (kernel default)"));
    m_userTimeoutEdit->setToolTip(tr("TCP_USER_TIMEOUT: fail the connection when sent data stays "
                                     "unacknowledged this long"));
    m_sourceAddressEdit->setObjectName(QStringLiteral("sourceAddressEdit"));
    m_sourceAddressEdit->setPlaceholderText(tr("address (the kernel's choice)"));
    m_sourceAddressEdit->setToolTip(tr("Bind the client to this local address before connecting"));
    m_sourcePortEdit->setObjectName(QStringLiteral("sourcePortEdit"));
    m_sourcePortEdit->setPlaceholderText(tr("port (the kernel's choice)"));
    m_sourcePortEdit->setToolTip(tr("Bind the client to this local port before connecting"));
    m_sourcePortEdit->setMaxLength(5);
    m_deviceCombo->setObjectName(QStringLiteral("deviceCombo"));
    m_deviceCombo->setEditable(true);
    m_deviceCombo->setInsertPolicy(QComboBox::NoInsert);
    m_deviceCombo->addItem(QString());
    // Reading the interface table is a local ioctl, no network traffic: fine on the GUI thread.
    for (const QNetworkInterface &i : QNetworkInterface::allInterfaces())
        m_deviceCombo->addItem(i.name());
    m_deviceCombo->lineEdit()->setPlaceholderText(tr("interface (any)"));
    m_deviceCombo->setToolTip(tr("SO_BINDTODEVICE: use only this interface (needs CAP_NET_RAW on older "
                                 "kernels)"));
    m_reusePortCheck->setObjectName(QStringLiteral("reusePortCheck"));
    m_reusePortCheck->setToolTip(tr("Several sockets of this user may bind the same port; the kernel spreads "
                                    "connections or datagrams among them"));
}

void SocketOptionsForm::buildRows() {
    auto row = [this](const QString &label, QWidget *field) {
        auto *l = new QLabel(label, this);
        l->setBuddy(field);
        m_form->addRow(l, field);
    };
    row(tr("TCP_NODELAY:"), m_noDelayCombo);
    row(tr("Keepalive:"), m_keepAliveCombo);
    row(tr("Keepalive timing:"), m_keepAliveTimingEdit);
    row(tr("Send buffer:"), m_sendBufferEdit);
    row(tr("Receive buffer:"), m_receiveBufferEdit);
    row(tr("TOS / DSCP:"), m_tosCombo);
    row(tr("TTL / hop limit:"), m_ttlEdit);
    row(tr("Linger:"), m_lingerEdit);
    row(tr("User timeout:"), m_userTimeoutEdit);
    row(tr("Source address:"), m_sourceAddressEdit);
    row(tr("Source port:"), m_sourcePortEdit);
    row(tr("Device:"), m_deviceCombo);
    m_form->addRow(QString(), m_reusePortCheck);
}

void SocketOptionsForm::connectSignals() {
    for (QComboBox *combo : {m_noDelayCombo, m_keepAliveCombo})
        connect(combo, &QComboBox::currentIndexChanged, this, &SocketOptionsForm::validate);
    for (QComboBox *combo : {m_tosCombo, m_deviceCombo})
        connect(combo, &QComboBox::currentTextChanged, this, &SocketOptionsForm::validate);
    for (QLineEdit *edit : {m_keepAliveTimingEdit, m_sendBufferEdit, m_receiveBufferEdit, m_ttlEdit,
                            m_lingerEdit, m_userTimeoutEdit, m_sourceAddressEdit, m_sourcePortEdit})
        connect(edit, &QLineEdit::textChanged, this, &SocketOptionsForm::validate);
    connect(m_reusePortCheck, &QCheckBox::toggled, this, &SocketOptionsForm::validate);
}

SocketOptionsForm::~SocketOptionsForm() = default;

void SocketOptionsForm::setKind(EndpointKind kind, Use use) {
    m_kind = kind;
    m_use = use;
    updateRows();
    validate();
}

bool SocketOptionsForm::shows(QWidget *field) const {
    const bool tcp = m_kind != EndpointKind::UdpSocket;
    const bool opening = m_use == Use::Opening;
    if (field == m_noDelayCombo || field == m_keepAliveCombo || field == m_keepAliveTimingEdit ||
        field == m_lingerEdit || field == m_userTimeoutEdit)
        return tcp;
    if (field == m_sourceAddressEdit || field == m_sourcePortEdit)
        return opening && m_kind == EndpointKind::TcpConnection;
    if (field == m_reusePortCheck)
        return opening && m_kind != EndpointKind::TcpConnection;
    if (field == m_deviceCombo)
        return opening;
    return true; // buffers, TOS, TTL: every kind, any time
}

void SocketOptionsForm::updateRows() {
    // A client sets TCP_NODELAY unless told otherwise (a workbench sends small messages and wants
    // them out now); the kernel's own default, for accepted connections, is off.
    m_noDelayCombo->setItemText(DefaultChoice, m_kind == EndpointKind::TcpConnection && m_use == Use::Opening
                                                   ? tr("default (on)")
                                                   : tr("kernel default"));
    for (QWidget *field : std::initializer_list<QWidget *>{
             m_noDelayCombo, m_keepAliveCombo, m_keepAliveTimingEdit, m_sendBufferEdit, m_receiveBufferEdit,
             m_tosCombo, m_ttlEdit, m_lingerEdit, m_userTimeoutEdit, m_sourceAddressEdit, m_sourcePortEdit,
             m_deviceCombo, m_reusePortCheck})
        m_form->setRowVisible(field, shows(field));
}

void SocketOptionsForm::setOptions(const SocketOptions &o) {
    setChoice(m_noDelayCombo, o.noDelay);
    setChoice(m_keepAliveCombo, o.keepAliveTiming ? std::optional<bool>(true) : o.keepAlive);
    m_keepAliveTimingEdit->setText(o.keepAliveTiming ? QStringLiteral("%1,%2,%3")
                                                           .arg(o.keepAliveTiming->idleSeconds)
                                                           .arg(o.keepAliveTiming->intervalSeconds)
                                                           .arg(o.keepAliveTiming->count)
                                                     : QString());
    auto number = [](const std::optional<int> &v) { return v ? QString::number(*v) : QString(); };
    m_sendBufferEdit->setText(number(o.sendBufferBytes));
    m_receiveBufferEdit->setText(number(o.receiveBufferBytes));
    QString tos;
    if (o.tos) {
        // A name only when it means exactly this byte: an unnamed code point or ECN bits stay a number.
        const QString name = dscpName(*o.tos);
        tos =
            tosForDscpName(name) == o.tos ? tr("%1 (TOS %2)").arg(name).arg(*o.tos) : QString::number(*o.tos);
    }
    m_tosCombo->setCurrentText(tos);
    m_ttlEdit->setText(number(o.ttl));
    m_lingerEdit->setText(number(o.lingerSeconds));
    m_userTimeoutEdit->setText(number(o.userTimeoutMs));
    m_sourceAddressEdit->setText(o.sourceAddress);
    m_sourcePortEdit->setText(o.sourcePort != 0 ? QString::number(o.sourcePort) : QString());
    m_deviceCombo->setCurrentText(o.bindToDevice);
    m_reusePortCheck->setChecked(o.reusePort);
    validate();
}

SocketOptions SocketOptionsForm::options() const {
    SocketOptions o;
    QString ignored;
    if (shows(m_noDelayCombo))
        o.noDelay = choice(m_noDelayCombo);
    if (shows(m_keepAliveCombo)) {
        o.keepAlive = choice(m_keepAliveCombo);
        if (o.keepAlive.value_or(false) && !m_keepAliveTimingEdit->text().trimmed().isEmpty())
            o.keepAliveTiming = parseKeepAliveTiming(m_keepAliveTimingEdit->text().trimmed(), &ignored);
    }
    o.sendBufferBytes = readInt(m_sendBufferEdit, QString(), 1, MaxBufferBytes, &ignored);
    o.receiveBufferBytes = readInt(m_receiveBufferEdit, QString(), 1, MaxBufferBytes, &ignored);
    o.tos = readTos(m_tosCombo->currentText(), &ignored);
    o.ttl = readInt(m_ttlEdit, QString(), 1, 255, &ignored);
    if (shows(m_lingerEdit)) {
        o.lingerSeconds = readInt(m_lingerEdit, QString(), 0, MaxLingerSeconds, &ignored);
        o.userTimeoutMs = readInt(m_userTimeoutEdit, QString(), 0, MaxUserTimeoutMs, &ignored);
    }
    if (shows(m_sourceAddressEdit)) {
        o.sourceAddress = m_sourceAddressEdit->text().trimmed();
        o.sourcePort = parsePort(m_sourcePortEdit->text().trimmed()).value.port;
    }
    if (shows(m_deviceCombo))
        o.bindToDevice = m_deviceCombo->currentText().trimmed();
    if (shows(m_reusePortCheck))
        o.reusePort = m_reusePortCheck->isChecked();
    return o;
}

int SocketOptionsForm::setCount() const {
    const SocketOptions o = options();
    int n = 0;
    for (bool set : {o.noDelay.has_value(), o.keepAlive.has_value() || o.keepAliveTiming.has_value(),
                     o.sendBufferBytes.has_value(), o.receiveBufferBytes.has_value(), o.tos.has_value(),
                     o.ttl.has_value(), o.lingerSeconds.has_value(), o.userTimeoutMs.has_value(),
                     !o.sourceAddress.isEmpty() || o.sourcePort != 0, !o.bindToDevice.isEmpty(), o.reusePort})
        n += set ? 1 : 0;
    return n;
}

void SocketOptionsForm::validate() {
    QStringList problems;
    auto check = [&problems](QWidget *field, bool shown, const QString &problem) {
        const bool wrong = shown && !problem.isEmpty();
        mark(field, wrong);
        if (wrong)
            problems.append(problem);
    };
    QString p;

    const bool keepAliveOn = choice(m_keepAliveCombo).value_or(false);
    m_keepAliveTimingEdit->setEnabled(keepAliveOn);
    p.clear();
    const QString timing = m_keepAliveTimingEdit->text().trimmed();
    if (keepAliveOn && !timing.isEmpty()) {
        QString error;
        const std::optional<KeepAliveTiming> parsed = parseKeepAliveTiming(timing, &error);
        if (!parsed)
            p = tr("Keepalive timing: %1").arg(error.isEmpty() ? tr("write IDLE,INTERVAL,COUNT") : error);
        else if (parsed->idleSeconds <= 0 || parsed->intervalSeconds <= 0 || parsed->count <= 0)
            p = tr("Keepalive timing: idle, interval and count must each be at least 1");
    }
    check(m_keepAliveTimingEdit, shows(m_keepAliveTimingEdit), p);

    p.clear();
    readInt(m_sendBufferEdit, tr("Send buffer"), 1, MaxBufferBytes, &p);
    check(m_sendBufferEdit, true, p);
    p.clear();
    readInt(m_receiveBufferEdit, tr("Receive buffer"), 1, MaxBufferBytes, &p);
    check(m_receiveBufferEdit, true, p);
    p.clear();
    readTos(m_tosCombo->currentText(), &p);
    check(m_tosCombo, true, p);
    p.clear();
    readInt(m_ttlEdit, tr("TTL"), 1, 255, &p);
    check(m_ttlEdit, true, p);
    p.clear();
    readInt(m_lingerEdit, tr("Linger"), 0, MaxLingerSeconds, &p);
    check(m_lingerEdit, shows(m_lingerEdit), p);
    p.clear();
    readInt(m_userTimeoutEdit, tr("User timeout"), 0, MaxUserTimeoutMs, &p);
    check(m_userTimeoutEdit, shows(m_userTimeoutEdit), p);

    p.clear();
    const QString source = m_sourceAddressEdit->text().trimmed();
    if (!source.isEmpty() && !isNumericAddress(source))
        p = tr("Source address: \"%1\" is not an IPv4 or IPv6 address").arg(source);
    check(m_sourceAddressEdit, shows(m_sourceAddressEdit), p);
    p.clear();
    const QString sourcePort = m_sourcePortEdit->text().trimmed();
    if (!sourcePort.isEmpty()) {
        const HostPortResult port = parsePort(sourcePort);
        if (!port.ok())
            p = tr("Source port: %1").arg(port.error);
    }
    check(m_sourcePortEdit, shows(m_sourcePortEdit), p);

    p.clear();
    const QString device = m_deviceCombo->currentText().trimmed();
    if (!device.isEmpty() && !QNetworkInterface::interfaceFromName(device).isValid())
        p = tr("Device: this machine has no interface named %1").arg(device);
    check(m_deviceCombo, shows(m_deviceCombo), p);

    m_problem = problems.join(QLatin1Char('\n'));
    Q_EMIT changed();
}

SocketOptions socketOptionsFromApplied(const QList<AppliedOption> &applied) {
    SocketOptions o;
    static const QRegularExpression firstNumber(QStringLiteral("(-?\\d+)"));
    auto number = [](const QString &text) -> std::optional<int> {
        // "65536", "AF41 (136)", "5 s": the number in parentheses, else the first one.
        const qsizetype open = text.indexOf(QLatin1Char('('));
        const QString where = open >= 0 ? text.mid(open) : text;
        const QRegularExpressionMatch m = firstNumber.match(where);
        if (!m.hasMatch())
            return std::nullopt;
        return m.captured(1).toInt();
    };
    auto on = [](const QString &text) {
        const QString t = text.trimmed().toLower();
        return t == QLatin1String("on") || t == QLatin1String("1") || t == QLatin1String("true") ||
               t == QLatin1String("yes");
    };
    KeepAliveTiming timing;
    bool hasTiming = false;
    for (const AppliedOption &a : applied) {
        const QString &n = a.name;
        const QString &r = a.requested;
        if (n == QLatin1String("TCP_NODELAY"))
            o.noDelay = on(r);
        else if (n == QLatin1String("SO_KEEPALIVE"))
            o.keepAlive = on(r);
        else if (n == QLatin1String("TCP_KEEPIDLE"))
            timing.idleSeconds = number(r).value_or(0), hasTiming = true;
        else if (n == QLatin1String("TCP_KEEPINTVL"))
            timing.intervalSeconds = number(r).value_or(0), hasTiming = true;
        else if (n == QLatin1String("TCP_KEEPCNT"))
            timing.count = number(r).value_or(0), hasTiming = true;
        else if (n == QLatin1String("SO_SNDBUF"))
            o.sendBufferBytes = number(r);
        else if (n == QLatin1String("SO_RCVBUF"))
            o.receiveBufferBytes = number(r);
        else if (n == QLatin1String("IP_TOS") || n == QLatin1String("IPV6_TCLASS")) {
            // The byte in parentheses first: "AF41 (137)" keeps its ECN bit, which the name drops.
            o.tos = number(r) ? number(r) : tosForDscpName(r.section(QLatin1Char(' '), 0, 0));
        } else if (n == QLatin1String("IP_TTL") || n == QLatin1String("IPV6_UNICAST_HOPS"))
            o.ttl = number(r);
        else if (n == QLatin1String("SO_LINGER"))
            o.lingerSeconds = number(r);
        else if (n == QLatin1String("TCP_USER_TIMEOUT"))
            o.userTimeoutMs = number(r);
        else if (n == QLatin1String("SO_BINDTODEVICE"))
            o.bindToDevice = r;
        else if (n == QLatin1String("SO_REUSEPORT"))
            o.reusePort = on(r);
    }
    if (hasTiming && timing.idleSeconds > 0 && timing.intervalSeconds > 0 && timing.count > 0) {
        o.keepAliveTiming = timing;
        o.keepAlive = true;
    }
    return o;
}

} // namespace sockbench
