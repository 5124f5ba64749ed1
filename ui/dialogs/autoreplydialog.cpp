#include "dialogs/autoreplydialog.h"

#include "dialogs/autoreplyfields.h"
#include "dialogs/formproblems.h"
#include "style/presentation.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace sockbench {

AutoReplyDialog::AutoReplyDialog(EndpointId id, EndpointKind kind, AutoReply reply,
                                 const QByteArray &greeting, QWidget *parent)
    : QDialog(parent)
    , m_id(id)
    , m_fields(new AutoReplyFields(this))
    , m_errorLabel(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
    setObjectName(QStringLiteral("autoReplyDialog"));
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_buttons->setObjectName(QStringLiteral("buttonBox"));
    const bool listener = kind == EndpointKind::TcpListener;
    setWindowTitle(listener ? tr("Auto-reply of listener #%1").arg(id)
                            : tr("Auto-reply of UDP socket #%1").arg(id));
    m_fields->setKind(kind);
    m_fields->set(reply, greeting);
    if (!listener)
        m_fields->combo()->removeItem(m_fields->combo()->findData(int(AutoReply::Greeting)));

    auto *note =
        new QLabel(listener ? tr("Clients that connect from now on get the new reply. Clients already "
                                 "connected follow echo on or off from their next bytes; they are "
                                 "not greeted, their start is past.")
                            : tr("Echo sends every datagram back to its sender."),
                   this);
    note->setWordWrap(true);
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setStyleSheet(errorTextStyle());

    auto *form = new QFormLayout;
    m_fields->addRowsTo(form);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_errorLabel);
    layout->addStretch();
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_fields, &AutoReplyFields::changed, this, &AutoReplyDialog::validate);
    setMinimumWidth(420);
    validate();
}

AutoReplyDialog::~AutoReplyDialog() = default;

AutoReply AutoReplyDialog::reply() const {
    return m_fields->reply();
}

QByteArray AutoReplyDialog::greeting() const {
    return m_fields->greeting();
}

void AutoReplyDialog::validate() {
    gateOnProblem(m_fields->problem(), m_errorLabel, m_buttons->button(QDialogButtonBox::Ok),
                  tr("Apply it now"));
}

} // namespace sockbench
