#pragma once

#include "protocol/rules.h"

#include <QDialog>
#include <QJsonObject>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace sockbench {

/// The form for one response rule: what it matches, what it replies, and what comes after. The
/// fields become the rule's JSON object and the core's parseRule() reads it, so the form accepts
/// exactly what a rules file does; its error shows under the form and OK stays disabled meanwhile.
class RuleEditDialog final : public QDialog {
    Q_OBJECT

public:
    /// `where` prefixes errors as in a rules file ("rules[2]"); `frame` is the rule set's, which a
    /// length prefix needs.
    RuleEditDialog(const QString &where, const FrameSpec &frame, QWidget *parent = nullptr);
    ~RuleEditDialog() override;
    Q_DISABLE_COPY_MOVE(RuleEditDialog)

    /// Fills the form from a rule (as ruleToJson() writes it).
    void setRule(const Rule &rule);
    /// The rule as the form stands; valid while problem() is empty.
    const Rule &rule() const { return m_rule; }
    /// The core's message for what is wrong, empty when the rule is valid.
    QString problem() const { return m_problem; }

private:
    QJsonObject toJson() const;
    void validate();

    QString m_where;
    FrameSpec m_frame;
    Rule m_rule;
    QString m_problem;
    QLineEdit *m_name;
    QComboBox *m_matchKind;
    QLineEdit *m_matchText;
    QCheckBox *m_utf8;
    QComboBox *m_replyKind;
    QLineEdit *m_reply;
    QSpinBox *m_delay;
    QComboBox *m_append;
    QCheckBox *m_lengthPrefix;
    QComboBox *m_then;
    QLabel *m_errorLabel;
    QLabel *m_warningLabel; ///< a regex that can take exponential time
    QDialogButtonBox *m_buttons;
};

} // namespace sockbench
