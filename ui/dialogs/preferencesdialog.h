#pragma once

#include <QDialog>

class QCheckBox;
class QLabel;
class QSpinBox;

namespace sockbench {

class Journal;

/// File → Preferences: what the window keeps, and how it behaves. The journal's memory budget: one
/// figure for the payloads, record headers and per-connection state the journal holds, past which
/// its oldest records go whole (key journal/budgetMiB). Whether quitting with connections open asks
/// first (window/askBeforeQuit; the question's own "Don't ask again" turns it off, this turns it
/// back on). Saved in the window's settings and applied at once.
class PreferencesDialog final : public QDialog {
    Q_OBJECT

public:
    static constexpr int MinimumBudgetMiB = 16;
    static constexpr int MaximumBudgetMiB = 1024 * 1024;
    static constexpr int DefaultBudgetMiB = 256;

    PreferencesDialog(const Journal &journal, bool askBeforeQuit, QWidget *parent = nullptr);
    ~PreferencesDialog() override;
    Q_DISABLE_COPY_MOVE(PreferencesDialog)

    /// What the user chose, in bytes.
    qint64 budgetBytes() const;
    bool askBeforeQuit() const;

private:
    QSpinBox *m_budgetSpin;
    QLabel *m_usageLabel;
    QCheckBox *m_askBeforeQuit;
};

} // namespace sockbench
