#pragma once

#include <QDialog>

class QLabel;
class QSpinBox;

namespace sockbench {

class Journal;

/// File → Preferences: what the window keeps. Today the journal's memory budget: one figure for
/// the payloads, record headers and per-connection state the journal holds, past which its oldest
/// records go whole. Saved in the window's settings (key journal/budgetMiB) and applied at once.
class PreferencesDialog final : public QDialog {
    Q_OBJECT

public:
    static constexpr int MinimumBudgetMiB = 16;
    static constexpr int MaximumBudgetMiB = 1024 * 1024;
    static constexpr int DefaultBudgetMiB = 256;

    explicit PreferencesDialog(const Journal &journal, QWidget *parent = nullptr);
    ~PreferencesDialog() override;
    Q_DISABLE_COPY_MOVE(PreferencesDialog)

    /// What the user chose, in bytes.
    qint64 budgetBytes() const;

private:
    QSpinBox *m_budgetSpin;
    QLabel *m_usageLabel;
};

} // namespace sockbench
