#include "dialogs/socketoptionsdialog.h"
#include "dialogs/socketoptionsform.h"
#include "engine/workbench.h"
#include "style/presentation.h"
#include "views/appliedoptionstable.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace sockbench {

SocketOptionsDialog::SocketOptionsDialog(Workbench *workbench, EndpointId id, QWidget *parent)
    : QDialog(parent)
    , m_workbench(workbench)
    , m_id(id)
    , m_form(new SocketOptionsForm(this))
    , m_table(new AppliedOptionsTable(this))
    , m_messageLabel(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Apply | QDialogButtonBox::Close, this)) {
    setObjectName(QStringLiteral("socketOptionsDialog"));
    const EndpointInfo info = workbench->info(id);
    setWindowTitle(tr("Socket options of %1").arg(endpointLabel(*workbench, id)));
    m_form->setKind(info.kind, SocketOptionsForm::Use::Live);
    m_form->setOptions(socketOptionsFromApplied(info.options));
    m_table->setOptions(info.options);
    m_messageLabel->setObjectName(QStringLiteral("socketOptionsMessage"));
    m_messageLabel->setWordWrap(true);
    m_buttons->setObjectName(QStringLiteral("buttonBox"));
    QPushButton *apply = m_buttons->button(QDialogButtonBox::Apply);
    apply->setDefault(true);
    apply->setToolTip(tr("Set these options on the open socket now"));

    auto *tableTitle = new QLabel(tr("As the kernel applied them:"), this);
    tableTitle->setBuddy(m_table);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_form);
    layout->addWidget(m_messageLabel);
    layout->addWidget(tableTitle);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_buttons);

    connect(m_form, &SocketOptionsForm::changed, this, &SocketOptionsDialog::onFormChanged);
    connect(apply, &QPushButton::clicked, this, &SocketOptionsDialog::onApplyClicked);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_workbench, &Workbench::optionsApplied, this, &SocketOptionsDialog::onOptionsApplied);
    connect(m_workbench, &Workbench::stateChanged, this, &SocketOptionsDialog::onStateChanged);
    setMinimumWidth(480);
    onFormChanged();
    onStateChanged(id);
}

SocketOptionsDialog::~SocketOptionsDialog() = default;

QString SocketOptionsDialog::message() const {
    return m_messageLabel->text();
}

void SocketOptionsDialog::onFormChanged() {
    const QString problem = m_form->problem();
    const bool open = !isFinal(m_workbench->info(m_id).state);
    QPushButton *apply = m_buttons->button(QDialogButtonBox::Apply);
    apply->setEnabled(open && problem.isEmpty() && !m_waiting);
    // A wrong field is what the user must see first; once fixed, the last news comes back.
    showMessage(problem.isEmpty() ? m_status : problem, !problem.isEmpty() || m_statusIsError);
}

void SocketOptionsDialog::setStatus(const QString &text, bool error) {
    m_status = text;
    m_statusIsError = error;
    onFormChanged();
}

void SocketOptionsDialog::showMessage(const QString &text, bool error) {
    m_messageLabel->setStyleSheet(error ? errorTextStyle() : QString());
    m_messageLabel->setText(text);
}

void SocketOptionsDialog::onApplyClicked() {
    if (!m_form->problem().isEmpty())
        return;
    if (!m_workbench->setSocketOptions(m_id, m_form->options())) {
        setStatus(tr("The socket is gone: nothing to set."), true);
        return;
    }
    m_waiting = true;
    setStatus(tr("Applying…"), false);
}

void SocketOptionsDialog::onOptionsApplied(EndpointId id) {
    if (id != m_id)
        return;
    const QList<AppliedOption> options = m_workbench->info(id).options;
    m_table->setOptions(options);
    const auto refused =
        std::count_if(options.begin(), options.end(), [](const AppliedOption &o) { return o.isRefused(); });
    m_waiting = false;
    setStatus(refused == 0   ? tr("Applied; the table shows what the kernel made of each option.")
              : refused == 1 ? tr("1 option refused; the table says why.")
                             : tr("%1 options refused; the table says why.").arg(refused),
              refused != 0);
}

void SocketOptionsDialog::onStateChanged(EndpointId id) {
    if (id != m_id || !isFinal(m_workbench->info(id).state))
        return;
    setStatus(tr("This socket is %1: its options can no longer change.")
                  .arg(finalStateWord(m_workbench->info(id).state)),
              true);
}

} // namespace sockbench
