#include "dialogs/starttlsdialog.h"

#include "dialogs/formproblems.h"
#include "dialogs/tlsforms.h"
#include "style/presentation.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace sockbench {

StartTlsDialog::StartTlsDialog(EndpointId id, bool asServer, QWidget *parent)
    : QDialog(parent)
    , m_id(id)
    , m_clientRadio(new QRadioButton(tr("As the &client (we send the ClientHello)"), this))
    , m_serverRadio(new QRadioButton(tr("As the &server (the peer sends it)"), this))
    , m_clientForm(new TlsClientForm(this))
    , m_serverForm(new TlsServerForm(this))
    , m_errorLabel(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
    setObjectName(QStringLiteral("startTlsDialog"));
    setWindowTitle(tr("Start TLS on connection #%1").arg(id));
    m_clientRadio->setObjectName(QStringLiteral("startTlsClientRadio"));
    m_serverRadio->setObjectName(QStringLiteral("startTlsServerRadio"));
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_buttons->setObjectName(QStringLiteral("buttonBox"));
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Start TLS"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setStyleSheet(errorTextStyle());
    (asServer ? m_serverRadio : m_clientRadio)->setChecked(true);

    auto *note =
        new QLabel(tr("What is already queued goes out in plain text first; then the handshake."), this);
    note->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_clientRadio);
    layout->addWidget(m_serverRadio);
    layout->addWidget(m_clientForm);
    layout->addWidget(m_serverForm);
    layout->addWidget(note);
    layout->addWidget(m_errorLabel);
    layout->addStretch();
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_clientRadio, &QRadioButton::toggled, this, &StartTlsDialog::onRoleChanged);
    connect(m_clientForm, &TlsClientForm::changed, this, &StartTlsDialog::validate);
    connect(m_serverForm, &TlsServerForm::changed, this, &StartTlsDialog::validate);
    setMinimumWidth(420);
    onRoleChanged();
}

StartTlsDialog::~StartTlsDialog() = default;

bool StartTlsDialog::asServer() const {
    return m_serverRadio->isChecked();
}

TlsClientOptions StartTlsDialog::clientOptions() const {
    return m_clientForm->options();
}

TlsServerOptions StartTlsDialog::serverOptions() const {
    return m_serverForm->options();
}

void StartTlsDialog::onRoleChanged() {
    m_clientForm->setVisible(!asServer());
    m_serverForm->setVisible(asServer());
    validate();
    adjustSize();
}

void StartTlsDialog::validate() {
    m_problem = asServer() ? m_serverForm->problem() : m_clientForm->problem();
    gateOnProblem(m_problem, m_errorLabel, m_buttons->button(QDialogButtonBox::Ok),
                  tr("Start the handshake now"));
}

} // namespace sockbench
