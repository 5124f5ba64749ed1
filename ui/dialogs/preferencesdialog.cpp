#include "dialogs/preferencesdialog.h"

#include "journal/journal.h"
#include "style/presentation.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

namespace sockbench {

PreferencesDialog::PreferencesDialog(const Journal &journal, bool askBeforeQuit, QWidget *parent)
    : QDialog(parent)
    , m_budgetSpin(new QSpinBox(this))
    , m_usageLabel(new QLabel(this))
    , m_askBeforeQuit(new QCheckBox(tr("&Ask before quitting while connections are open"), this)) {
    setObjectName(QStringLiteral("preferencesDialog"));
    setWindowTitle(tr("Preferences"));
    m_budgetSpin->setObjectName(QStringLiteral("journalBudgetSpin"));
    m_budgetSpin->setRange(MinimumBudgetMiB, MaximumBudgetMiB);
    m_budgetSpin->setSuffix(tr(" MiB"));
    m_budgetSpin->setSingleStep(64);
    m_budgetSpin->setValue(
        int(std::clamp<qint64>(journal.budgetBytes() >> 20, MinimumBudgetMiB, MaximumBudgetMiB)));
    m_budgetSpin->setToolTip(tr("Memory for the history of the traffic: payloads, record headers and what "
                                "is kept of each connection. Past it the oldest records go whole; the "
                                "counters stay exact."));
    const DroppedRecords dropped = journal.dropped();
    QString usage = tr("In use now: %1.").arg(formatSize(double(journal.memoryBytes())));
    if (dropped.records > 0)
        usage += QLatin1Char(' ') + tr("%n older record(s) dropped so far.", nullptr,
                                       int(std::min<quint64>(dropped.records, INT_MAX)));
    m_usageLabel->setObjectName(QStringLiteral("journalUsageLabel"));
    m_usageLabel->setText(usage);
    m_usageLabel->setWordWrap(true);

    m_askBeforeQuit->setObjectName(QStringLiteral("askBeforeQuitCheck"));
    m_askBeforeQuit->setChecked(askBeforeQuit);

    auto *form = new QFormLayout;
    form->addRow(tr("&Journal budget:"), m_budgetSpin);
    form->addRow(QString(), m_usageLabel);
    form->addRow(QString(), m_askBeforeQuit);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->setObjectName(QStringLiteral("buttonBox"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

PreferencesDialog::~PreferencesDialog() = default;

qint64 PreferencesDialog::budgetBytes() const {
    return qint64(m_budgetSpin->value()) << 20;
}

bool PreferencesDialog::askBeforeQuit() const {
    return m_askBeforeQuit->isChecked();
}

} // namespace sockbench
