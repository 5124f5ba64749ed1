#pragma once

#include "engine/endpoint.h"
#include "protocol/rules.h"

#include <QDialog>
#include <QTimer>

#include <memory>
#include <optional>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace sockbench {

class FramingField;
class RulesTableModel;
class Workbench;

/// Edits the response rules of a listener, UDP socket or TCP connection (user guide, "Response
/// rules"): the frame that splits its stream into messages, the rules in order with their live hit
/// counts, a test box that runs the rules as edited over a typed message, rules files, and Apply,
/// which hands the engine a new RuleBook. Non-modal: traffic and hits go on while it is open.
class RulesDialog final : public QDialog {
    Q_OBJECT

public:
    RulesDialog(Workbench *workbench, EndpointId id, QWidget *parent = nullptr);
    ~RulesDialog() override;
    Q_DISABLE_COPY_MOVE(RulesDialog)

    EndpointId endpoint() const { return m_id; }
    RulesTableModel *model() const { return m_model; }
    /// Replaces the rules being edited with a rules file's (not applied yet). On failure nothing
    /// changes and message() names the file and where in it the error is.
    bool loadFile(const QString &path);
    /// Writes the rules being edited to a rules file, atomically.
    bool saveFile(const QString &path);
    /// The problem that disables Apply, or the news of the last action.
    QString message() const;

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void setUpFrameField();
    void setUpTable();
    void setUpTestAndButtons();
    void buildLayout();
    void connectSignals();

    void onAddClicked();
    void onEditClicked();
    void onRemoveClicked();
    void onMoveClicked(bool down);
    void onLoadClicked();
    void onSaveClicked();
    void onClearClicked();
    void onRulesChanged(EndpointId id);
    void onStateChanged(EndpointId id);
    /// Applies the rules as edited; false when they are not valid or the endpoint is gone.
    bool apply();
    void openRuleEditor(int row);
    /// Re-checks the frame and every rule against it, then the buttons, the message and the test.
    void revalidate();
    void updateButtons();
    void updateTest();
    /// The frame as typed, with the max_message of the rules it came with; nullopt if invalid.
    std::optional<FrameSpec> frame(QString *error = nullptr) const;
    /// The rules as edited under the current frame; nullopt (and *error) if one of them is invalid.
    std::optional<RuleSet> ruleSet(QString *error = nullptr) const;
    void setRuleSet(const RuleSet &rules, std::shared_ptr<const RuleBook> applied);
    void setStatus(const QString &text, bool error);
    int currentRow() const;

    Workbench *m_workbench;
    EndpointId m_id;
    EndpointKind m_kind;
    QString m_peer;                                  ///< ${peer} in the test box
    qsizetype m_maxMessage = DefaultMaxMessageBytes; ///< kept from the rules loaded or applied
    RulesTableModel *m_model;
    FramingField *m_frameField;
    QLabel *m_frameError;
    QTableView *m_table;
    QPushButton *m_addButton;
    QPushButton *m_editButton;
    QPushButton *m_removeButton;
    QPushButton *m_upButton;
    QPushButton *m_downButton;
    QPushButton *m_loadButton;
    QPushButton *m_saveButton;
    QLineEdit *m_testEdit;
    QPlainTextEdit *m_testResult;
    QLabel *m_messageLabel;
    QDialogButtonBox *m_buttons;
    QPushButton *m_clearButton;
    QString m_problem;
    QString m_status;
    bool m_statusIsError = false;
    std::shared_ptr<const RuleBook> m_pending; ///< applied, not yet confirmed by rulesChanged()
    bool m_waiting = false;                    ///< for rulesChanged() of our own apply or clear
    QTimer m_hitsTimer;                        ///< reads the hit counters while the dialog is shown
};

} // namespace sockbench
