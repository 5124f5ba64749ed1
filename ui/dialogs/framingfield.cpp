#include "dialogs/framingfield.h"

#include "dialogs/formproblems.h"
#include "style/presentation.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace sockbench {

FramingField::FramingField(QWidget *parent)
    : QWidget(parent)
    , m_combo(new QComboBox(this)) {
    setObjectName(QStringLiteral("framingField"));
    m_combo->setObjectName(QStringLiteral("framingCombo"));
    m_combo->setEditable(true);
    m_combo->setInsertPolicy(QComboBox::NoInsert);
    m_combo->addItems({QStringLiteral("raw"), QStringLiteral("line"), QStringLiteral("line:crlf"),
                       QStringLiteral("delim:00"), QStringLiteral("fixed:16"), QStringLiteral("len:1"),
                       QStringLiteral("len:2be"), QStringLiteral("len:2le"), QStringLiteral("len:4be"),
                       QStringLiteral("len:4le"), QStringLiteral("len:2be+incl"), QStringLiteral("idle:50")});
    m_combo->setToolTip(tr("What one message is in the stream, for the log's Messages view and the "
                           "conversation: raw (each read as it came), line (up to LF), line:crlf, delim:HEX, "
                           "fixed:N, len:1/2be/2le/4be/4le (+incl), idle:MS"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_combo, 1);
    setFocusProxy(m_combo);
    connect(m_combo, &QComboBox::currentTextChanged, this, &FramingField::onTextChanged);
    m_combo->setCurrentIndex(0);
    onTextChanged();
}

FramingField::~FramingField() = default;

FrameSpec FramingField::spec() const {
    return m_spec;
}

void FramingField::setSpec(const FrameSpec &spec) {
    m_combo->setCurrentText(toString(spec));
    onTextChanged();
}

void FramingField::onTextChanged() {
    m_reason.clear();
    const std::optional<FrameSpec> parsed = parseFrameSpec(m_combo->currentText().trimmed(), &m_reason);
    m_spec = parsed.value_or(FrameSpec{});
    m_problem = parsed ? QString() : tr("Framing: %1").arg(m_reason);
    m_combo->setStyleSheet(m_problem.isEmpty() ? QString() : errorFieldStyle());
    Q_EMIT changed();
}

FramingDialog::FramingDialog(Workbench *workbench, EndpointId id, QWidget *parent)
    : QDialog(parent)
    , m_workbench(workbench)
    , m_id(id)
    , m_field(new FramingField(this))
    , m_errorLabel(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
    setObjectName(QStringLiteral("framingDialog"));
    setWindowTitle(tr("Framing of %1").arg(endpointLabel(*workbench, id)));
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setStyleSheet(errorTextStyle());
    m_buttons->setObjectName(QStringLiteral("buttonBox"));
    m_field->setSpec(workbench->info(id).frame);

    auto *label = new QLabel(tr("&Framing:"), this);
    label->setBuddy(m_field);
    auto *form = new QFormLayout;
    form->addRow(label, m_field);
    auto *note = new QLabel(tr("Splits what this endpoint sends and receives into messages for the log and "
                               "the conversation; response rules, when present, bring their own."),
                            this);
    note->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_errorLabel);
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(this, &QDialog::accepted, this, &FramingDialog::onAccepted);
    connect(m_field, &FramingField::changed, this, &FramingDialog::onFieldChanged);
    onFieldChanged();
}

FramingDialog::~FramingDialog() = default;

void FramingDialog::onFieldChanged() {
    gateOnProblem(m_field->problem(), m_errorLabel, m_buttons->button(QDialogButtonBox::Ok),
                  tr("Apply this framing"));
}

void FramingDialog::onAccepted() {
    // The endpoint may have ended while the form was open; the Workbench then refuses, and says so
    // by returning false: nothing else to do than not pretend.
    m_workbench->setFraming(m_id, m_field->spec());
}

} // namespace sockbench
