#include "dialogs/autoreplyfields.h"

#include "language/payload.h"
#include "style/presentation.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>

namespace sockbench {

AutoReplyFields::AutoReplyFields(QWidget *parent)
    : QObject(parent)
    , m_combo(new QComboBox(parent))
    , m_label(new QLabel(tr("Auto-&reply:"), parent))
    , m_greetingEdit(new QLineEdit(parent))
    , m_greetingLabel(new QLabel(tr("&Greeting:"), parent)) {
    m_combo->setObjectName(QStringLiteral("autoReplyCombo"));
    m_greetingEdit->setObjectName(QStringLiteral("greetingEdit"));
    m_combo->addItem(tr("None: only record"), int(AutoReply::None));
    m_combo->addItem(tr("Echo everything back"), int(AutoReply::Echo));
    m_combo->addItem(tr("Send a greeting on connect"), int(AutoReply::Greeting));
    m_label->setBuddy(m_combo);
    m_greetingEdit->setText(QStringLiteral("Hello from Sockbench\\r\\n"));
    m_greetingEdit->setToolTip(tr("Text with escapes (\\r \\n \\xHH), sent to each client as it connects"));
    m_greetingLabel->setBuddy(m_greetingEdit);
    connect(m_combo, &QComboBox::currentIndexChanged, this, &AutoReplyFields::updateGreetingRow);
    connect(m_combo, &QComboBox::currentIndexChanged, this, &AutoReplyFields::changed);
    connect(m_greetingEdit, &QLineEdit::textChanged, this, &AutoReplyFields::changed);
    updateGreetingRow();
}

AutoReplyFields::~AutoReplyFields() = default;

void AutoReplyFields::addRowsTo(QFormLayout *form) {
    form->addRow(m_label, m_combo);
    form->addRow(m_greetingLabel, m_greetingEdit);
}

void AutoReplyFields::setKind(EndpointKind kind) {
    m_kind = kind;
    if (kind == EndpointKind::UdpSocket && reply() == AutoReply::Greeting)
        m_combo->setCurrentIndex(m_combo->findData(int(AutoReply::None)));
    updateGreetingRow();
}

void AutoReplyFields::setVisible(bool visible) {
    m_visible = visible;
    m_label->setVisible(visible);
    m_combo->setVisible(visible);
    updateGreetingRow();
}

void AutoReplyFields::set(AutoReply reply, const QByteArray &greeting) {
    if (!greeting.isEmpty())
        m_greetingEdit->setText(bytesToEscapedText(greeting));
    m_combo->setCurrentIndex(m_combo->findData(int(reply)));
}

AutoReply AutoReplyFields::reply() const {
    return AutoReply(m_combo->currentData().toInt());
}

QByteArray AutoReplyFields::greeting() const {
    if (reply() != AutoReply::Greeting)
        return {};
    return parsePayload(m_greetingEdit->text(), PayloadSpec{}).bytes;
}

QString AutoReplyFields::problem() const {
    QString problem;
    if (m_kind == EndpointKind::UdpSocket && reply() == AutoReply::Greeting) {
        problem = tr("A UDP socket has no connection to greet: choose None or Echo");
    } else if (m_visible && reply() == AutoReply::Greeting) {
        const PayloadResult parsed = parsePayload(m_greetingEdit->text(), PayloadSpec{});
        if (!parsed.ok())
            problem = tr("Greeting, column %1: %2").arg(parsed.errorPosition + 1).arg(parsed.error);
        else if (parsed.bytes.isEmpty())
            problem = tr("Type the greeting text");
    }
    m_greetingEdit->setStyleSheet(problem.isEmpty() ? QString() : errorFieldStyle());
    return problem;
}

void AutoReplyFields::updateGreetingRow() {
    const bool greeting = m_visible && m_kind == EndpointKind::TcpListener && reply() == AutoReply::Greeting;
    m_greetingLabel->setVisible(greeting);
    m_greetingEdit->setVisible(greeting);
}

} // namespace sockbench
