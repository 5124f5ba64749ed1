#include "dialogs/tlsforms.h"
#include "style/presentation.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QToolButton>

namespace sockbench {

namespace {

/// ALPN protocol names are 1 to 255 bytes on the wire (RFC 7301).
constexpr int MaxAlpnBytes = 255;

QFormLayout *compactForm(QWidget *on) {
    auto *form = new QFormLayout(on);
    // Indented under the check box or role it belongs to.
    form->setContentsMargins(20, 0, 0, 0);
    form->setVerticalSpacing(3);
    return form;
}

void addMinVersions(QComboBox *combo) {
    for (TlsMinVersion v : {TlsMinVersion::Default, TlsMinVersion::Tls1_0, TlsMinVersion::Tls1_1,
                            TlsMinVersion::Tls1_2, TlsMinVersion::Tls1_3})
        combo->addItem(toString(v), int(v));
}

} // namespace

QStringList parseAlpnList(const QString &text) {
    QStringList list;
    for (const QString &part : text.split(QLatin1Char(','))) {
        const QString name = part.trimmed();
        if (!name.isEmpty())
            list.append(name);
    }
    return list;
}

// --- PemFileField ---

PemFileField::PemFileField(const QString &name, const QString &what, const QString &placeholder,
                           QWidget *parent)
    : QWidget(parent)
    , m_what(what)
    , m_edit(new QLineEdit(this))
    , m_browseButton(new QToolButton(this)) {
    m_edit->setObjectName(name);
    m_edit->setPlaceholderText(placeholder);
    m_edit->setClearButtonEnabled(true);
    m_browseButton->setObjectName(name + QStringLiteral("Button"));
    m_browseButton->setText(QStringLiteral("…"));
    m_browseButton->setToolTip(tr("Choose the %1").arg(what));
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(2);
    row->addWidget(m_edit, 1);
    row->addWidget(m_browseButton);
    setFocusProxy(m_edit);
    connect(m_edit, &QLineEdit::textChanged, this, &PemFileField::changed);
    connect(m_browseButton, &QToolButton::clicked, this, &PemFileField::onBrowseButtonClicked);
}

PemFileField::~PemFileField() = default;

QString PemFileField::path() const {
    return m_edit->text().trimmed();
}

void PemFileField::setPath(const QString &path) {
    m_edit->setText(path);
}

QString PemFileField::check(bool required) {
    const QString p = path();
    QString problem;
    if (p.isEmpty()) {
        if (required)
            problem = tr("%1: choose a file").arg(m_what);
    } else {
        const QFileInfo file(p);
        if (!file.exists())
            problem = tr("%1: %2 does not exist").arg(m_what, p);
        else if (file.isDir())
            problem = tr("%1: %2 is a folder, not a file").arg(m_what, p);
        else if (!file.isReadable())
            problem = tr("%1: %2 cannot be read").arg(m_what, p);
    }
    // An empty required field is not typed yet: it says why in the form, without the red.
    m_edit->setStyleSheet(problem.isEmpty() || p.isEmpty() ? QString() : errorFieldStyle());
    m_edit->setToolTip(problem);
    return problem;
}

void PemFileField::onBrowseButtonClicked() {
    // Opened, not exec()uted: the sockets keep running while the user looks for the file.
    const QString start = path().isEmpty() ? QDir::homePath() : QFileInfo(path()).absolutePath();
    auto *dialog = new QFileDialog(this, tr("Choose the %1").arg(m_what), start,
                                   tr("PEM files (*.pem *.crt *.cer *.key);;All files (*)"));
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, m_edit, &QLineEdit::setText);
    dialog->open();
}

// --- TlsClientForm ---

TlsClientForm::TlsClientForm(QWidget *parent)
    : QWidget(parent)
    , m_verifyCombo(new QComboBox(this))
    , m_insecureLabel(new QLabel(this))
    , m_caLabel(new QLabel(tr("CA file:"), this))
    , m_caFile(new PemFileField(QStringLiteral("tlsCaFileEdit"), tr("CA file"),
                                tr("PEM file of the CA(s) to trust"), this))
    , m_serverNameEdit(new QLineEdit(this))
    , m_alpnEdit(new QLineEdit(this))
    , m_certificateFile(new PemFileField(QStringLiteral("tlsCertificateEdit"), tr("Client certificate"),
                                         tr("none (optional)"), this))
    , m_keyFile(new PemFileField(QStringLiteral("tlsKeyEdit"), tr("Client key"),
                                 tr("in the certificate file"), this))
    , m_minVersionCombo(new QComboBox(this)) {
    setObjectName(QStringLiteral("tlsClientForm"));
    m_verifyCombo->setObjectName(QStringLiteral("tlsVerifyCombo"));
    m_insecureLabel->setObjectName(QStringLiteral("tlsInsecureLabel"));
    m_serverNameEdit->setObjectName(QStringLiteral("tlsServerNameEdit"));
    m_alpnEdit->setObjectName(QStringLiteral("tlsAlpnEdit"));
    m_minVersionCombo->setObjectName(QStringLiteral("tlsMinVersionCombo"));

    m_verifyCombo->addItem(tr("System trust store"), int(TlsVerify::System));
    m_verifyCombo->addItem(tr("CA file…"), int(TlsVerify::CaFile));
    m_verifyCombo->addItem(tr("Don't verify (insecure)"), int(TlsVerify::None));
    m_verifyCombo->setItemData(2, warningColor(), Qt::ForegroundRole);
    m_verifyCombo->setToolTip(tr("Which server certificates are accepted; the name must match too"));
    m_insecureLabel->setText(tr("⚠ Nothing about the server is checked"));
    m_insecureLabel->setStyleSheet(warningTextStyle());
    m_insecureLabel->setToolTip(
        tr("Insecure: anyone in between can pose as the server and read the traffic"));
    m_insecureLabel->hide();
    m_serverNameEdit->setPlaceholderText(tr("host as typed"));
    m_serverNameEdit->setToolTip(tr("The name sent (SNI) and checked against the certificate; by default "
                                    "the host as typed, and none for an IP address"));
    m_alpnEdit->setPlaceholderText(tr("e.g. h2, http/1.1 (optional)"));
    m_alpnEdit->setToolTip(tr("Application protocols offered, in order, separated by commas"));
    addMinVersions(m_minVersionCombo);
    m_minVersionCombo->setToolTip(tr("The lowest protocol version offered"));

    auto *verifyLabel = new QLabel(tr("&Verify:"), this);
    verifyLabel->setBuddy(m_verifyCombo);
    m_caLabel->setBuddy(m_caFile);
    auto *nameLabel = new QLabel(tr("Server na&me:"), this);
    nameLabel->setBuddy(m_serverNameEdit);
    auto *alpnLabel = new QLabel(tr("ALP&N:"), this);
    alpnLabel->setBuddy(m_alpnEdit);
    auto *certLabel = new QLabel(tr("Client certificate:"), this);
    certLabel->setBuddy(m_certificateFile);
    auto *keyLabel = new QLabel(tr("Client key:"), this);
    keyLabel->setBuddy(m_keyFile);
    auto *minLabel = new QLabel(tr("Lowest version:"), this);
    minLabel->setBuddy(m_minVersionCombo);
    QFormLayout *form = compactForm(this);
    form->addRow(verifyLabel, m_verifyCombo);
    form->addRow(QString(), m_insecureLabel);
    form->addRow(m_caLabel, m_caFile);
    form->addRow(nameLabel, m_serverNameEdit);
    form->addRow(alpnLabel, m_alpnEdit);
    form->addRow(certLabel, m_certificateFile);
    form->addRow(keyLabel, m_keyFile);
    form->addRow(minLabel, m_minVersionCombo);

    connect(m_verifyCombo, &QComboBox::currentIndexChanged, this, &TlsClientForm::onVerifyChanged);
    connect(m_minVersionCombo, &QComboBox::currentIndexChanged, this, &TlsClientForm::changed);
    connect(m_serverNameEdit, &QLineEdit::textChanged, this, &TlsClientForm::changed);
    connect(m_alpnEdit, &QLineEdit::textChanged, this, &TlsClientForm::changed);
    for (PemFileField *f : {m_caFile, m_certificateFile, m_keyFile})
        connect(f, &PemFileField::changed, this, &TlsClientForm::changed);
    onVerifyChanged();
}

TlsClientForm::~TlsClientForm() = default;

void TlsClientForm::onVerifyChanged() {
    const auto verify = TlsVerify(m_verifyCombo->currentData().toInt());
    m_caLabel->setVisible(verify == TlsVerify::CaFile);
    m_caFile->setVisible(verify == TlsVerify::CaFile);
    m_insecureLabel->setVisible(verify == TlsVerify::None);
    m_verifyCombo->setStyleSheet(verify == TlsVerify::None ? warningTextStyle() : QString());
    Q_EMIT changed();
}

TlsClientOptions TlsClientForm::options() const {
    TlsClientOptions o;
    o.verify = TlsVerify(m_verifyCombo->currentData().toInt());
    if (o.verify == TlsVerify::CaFile)
        o.caFile = m_caFile->path();
    o.serverName = m_serverNameEdit->text().trimmed();
    o.alpn = parseAlpnList(m_alpnEdit->text());
    o.certificateFile = m_certificateFile->path();
    o.keyFile = m_keyFile->path();
    o.minVersion = TlsMinVersion(m_minVersionCombo->currentData().toInt());
    return o;
}

void TlsClientForm::setOptions(const TlsClientOptions &o) {
    m_verifyCombo->setCurrentIndex(m_verifyCombo->findData(int(o.verify)));
    m_caFile->setPath(o.caFile);
    m_serverNameEdit->setText(o.serverName);
    m_alpnEdit->setText(o.alpn.join(QStringLiteral(", ")));
    m_certificateFile->setPath(o.certificateFile);
    m_keyFile->setPath(o.keyFile);
    m_minVersionCombo->setCurrentIndex(m_minVersionCombo->findData(int(o.minVersion)));
}

QString TlsClientForm::problem() {
    QStringList problems;
    const auto verify = TlsVerify(m_verifyCombo->currentData().toInt());
    const QString ca = m_caFile->check(verify == TlsVerify::CaFile);
    if (verify == TlsVerify::CaFile && !ca.isEmpty())
        problems << ca;
    for (PemFileField *f : {m_certificateFile, m_keyFile}) {
        if (const QString p = f->check(false); !p.isEmpty())
            problems << p;
    }
    if (!m_keyFile->path().isEmpty() && m_certificateFile->path().isEmpty())
        problems << tr("Client key: give the certificate it belongs to as well");
    static const QRegularExpression space(QStringLiteral("\\s"));
    const QString name = m_serverNameEdit->text().trimmed();
    QString nameProblem;
    if (name.contains(space))
        nameProblem = tr("Server name: \"%1\" has a space in it").arg(name);
    m_serverNameEdit->setStyleSheet(nameProblem.isEmpty() ? QString() : errorFieldStyle());
    if (!nameProblem.isEmpty())
        problems << nameProblem;
    QString alpnProblem;
    for (const QString &protocol : parseAlpnList(m_alpnEdit->text())) {
        if (protocol.toUtf8().size() > MaxAlpnBytes)
            alpnProblem = tr("ALPN: a protocol name is at most %1 bytes").arg(MaxAlpnBytes);
        else if (protocol.contains(space))
            alpnProblem = tr("ALPN: \"%1\" has a space in it; separate names with commas").arg(protocol);
    }
    m_alpnEdit->setStyleSheet(alpnProblem.isEmpty() ? QString() : errorFieldStyle());
    if (!alpnProblem.isEmpty())
        problems << alpnProblem;
    return problems.join(QLatin1Char('\n'));
}

// --- TlsServerForm ---

TlsServerForm::TlsServerForm(QWidget *parent)
    : QWidget(parent)
    , m_certificateFile(new PemFileField(QStringLiteral("tlsServerCertificateEdit"), tr("Certificate"),
                                         tr("self-signed for localhost"), this))
    , m_keyFile(new PemFileField(QStringLiteral("tlsServerKeyEdit"), tr("Key"), tr("in the certificate file"),
                                 this))
    , m_clientCertCombo(new QComboBox(this))
    , m_clientCaLabel(new QLabel(tr("Client CA file:"), this))
    , m_clientCaFile(new PemFileField(QStringLiteral("tlsClientCaEdit"), tr("Client CA file"),
                                      tr("PEM file of the CA(s) client certificates come from"), this)) {
    setObjectName(QStringLiteral("tlsServerForm"));
    m_clientCertCombo->setObjectName(QStringLiteral("tlsClientCertCombo"));
    m_certificateFile->setToolTip(tr("PEM certificate (with its chain); none: a self-signed certificate for "
                                     "localhost, 127.0.0.1 and ::1, made once and kept"));
    m_clientCertCombo->addItem(tr("Don't ask"), int(ClientCertMode::None));
    m_clientCertCombo->addItem(tr("Ask"), int(ClientCertMode::Request));
    m_clientCertCombo->addItem(tr("Require"), int(ClientCertMode::Require));
    m_clientCertCombo->setToolTip(tr("Ask: a client without a good certificate is still served; "
                                     "Require: it is refused"));

    auto *certLabel = new QLabel(tr("Certificate:"), this);
    certLabel->setBuddy(m_certificateFile);
    auto *keyLabel = new QLabel(tr("Key:"), this);
    keyLabel->setBuddy(m_keyFile);
    auto *clientLabel = new QLabel(tr("Client certificates:"), this);
    clientLabel->setBuddy(m_clientCertCombo);
    m_clientCaLabel->setBuddy(m_clientCaFile);
    QFormLayout *form = compactForm(this);
    form->addRow(certLabel, m_certificateFile);
    form->addRow(keyLabel, m_keyFile);
    form->addRow(clientLabel, m_clientCertCombo);
    form->addRow(m_clientCaLabel, m_clientCaFile);

    connect(m_clientCertCombo, &QComboBox::currentIndexChanged, this, &TlsServerForm::onClientCertChanged);
    for (PemFileField *f : {m_certificateFile, m_keyFile, m_clientCaFile})
        connect(f, &PemFileField::changed, this, &TlsServerForm::changed);
    onClientCertChanged();
}

TlsServerForm::~TlsServerForm() = default;

void TlsServerForm::onClientCertChanged() {
    const bool asks = ClientCertMode(m_clientCertCombo->currentData().toInt()) != ClientCertMode::None;
    m_clientCaLabel->setVisible(asks);
    m_clientCaFile->setVisible(asks);
    Q_EMIT changed();
}

TlsServerOptions TlsServerForm::options() const {
    TlsServerOptions o;
    o.certificateFile = m_certificateFile->path();
    o.keyFile = m_keyFile->path();
    o.clientCert = ClientCertMode(m_clientCertCombo->currentData().toInt());
    if (o.clientCert != ClientCertMode::None)
        o.clientCaFile = m_clientCaFile->path();
    return o;
}

void TlsServerForm::setOptions(const TlsServerOptions &o) {
    m_certificateFile->setPath(o.certificateFile);
    m_keyFile->setPath(o.keyFile);
    m_clientCertCombo->setCurrentIndex(m_clientCertCombo->findData(int(o.clientCert)));
    m_clientCaFile->setPath(o.clientCaFile);
}

QString TlsServerForm::problem() {
    QStringList problems;
    for (PemFileField *f : {m_certificateFile, m_keyFile}) {
        if (const QString p = f->check(false); !p.isEmpty())
            problems << p;
    }
    if (!m_keyFile->path().isEmpty() && m_certificateFile->path().isEmpty())
        problems << tr("Key: give the certificate it belongs to as well (none: the self-signed one)");
    const auto mode = ClientCertMode(m_clientCertCombo->currentData().toInt());
    // Requiring a certificate means checking it: against what must be given.
    const QString ca = m_clientCaFile->check(mode == ClientCertMode::Require);
    if (mode != ClientCertMode::None && !ca.isEmpty())
        problems << ca;
    return problems.join(QLatin1Char('\n'));
}

} // namespace sockbench
