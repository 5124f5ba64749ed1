#pragma once

#include "engine/workbench.h"
#include "protocol/framing.h"

#include <QDialog>
#include <QWidget>

class QComboBox;
class QDialogButtonBox;
class QLabel;

namespace sockbench {

/// The "Framing" field of the TCP forms: an editable choice of the usual SPECs (raw, line,
/// len:2be, …) read with parseFrameSpec() as it is typed. A SPEC that does not parse is marked in
/// the field, and problem() says why in the core's words.
class FramingField final : public QWidget {
    Q_OBJECT

public:
    explicit FramingField(QWidget *parent = nullptr);
    ~FramingField() override;
    Q_DISABLE_COPY_MOVE(FramingField)

    /// The SPEC as typed; raw when it does not parse (check problem()).
    FrameSpec spec() const;
    void setSpec(const FrameSpec &spec);
    /// Why the typed SPEC is refused ("fixed:0: the size must be at least 1"), or empty.
    QString problem() const { return m_problem; }
    /// The same in the core's words alone, without the field's name; empty when it parses.
    QString reason() const { return m_reason; }
    QComboBox *combo() const { return m_combo; }

Q_SIGNALS:
    /// Emitted on every edit, once problem() and spec() are up to date.
    void changed();

private:
    void onTextChanged();

    QComboBox *m_combo;
    FrameSpec m_spec;
    QString m_problem;
    QString m_reason;
};

/// Connection > Framing…: changes how a live TCP listener or connection is split into messages,
/// with the form's field and its checks. On OK it calls Workbench::setFraming().
class FramingDialog final : public QDialog {
    Q_OBJECT

public:
    FramingDialog(Workbench *workbench, EndpointId id, QWidget *parent = nullptr);
    ~FramingDialog() override;
    Q_DISABLE_COPY_MOVE(FramingDialog)

    EndpointId endpoint() const { return m_id; }
    FramingField *field() const { return m_field; }

private:
    void onFieldChanged();
    void onAccepted();

    Workbench *m_workbench;
    EndpointId m_id;
    FramingField *m_field;
    QLabel *m_errorLabel;
    QDialogButtonBox *m_buttons;
};

} // namespace sockbench
