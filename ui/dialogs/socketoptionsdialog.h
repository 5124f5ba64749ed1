#pragma once

#include "engine/endpoint.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;

namespace sockbench {

class AppliedOptionsTable;
class SocketOptionsForm;
class Workbench;

/// Changes the socket options of an open endpoint, where the kernel allows it: the form starts from
/// what the endpoint was given, Apply hands the options to Workbench::setSocketOptions(), and the
/// table below shows what the kernel made of each one (the doubled buffer) or why it refused.
class SocketOptionsDialog final : public QDialog {
    Q_OBJECT

public:
    SocketOptionsDialog(Workbench *workbench, EndpointId id, QWidget *parent = nullptr);
    ~SocketOptionsDialog() override;
    Q_DISABLE_COPY_MOVE(SocketOptionsDialog)

    EndpointId endpoint() const { return m_id; }
    SocketOptionsForm *form() const { return m_form; }
    /// Why Apply is disabled, or what the last apply did.
    QString message() const;

private:
    void onFormChanged();
    void onApplyClicked();
    void onOptionsApplied(EndpointId id);
    void onStateChanged(EndpointId id);
    /// The news of the last apply (or of the socket's end), shown unless a field is wrong.
    void setStatus(const QString &text, bool error);
    void showMessage(const QString &text, bool error);

    Workbench *m_workbench;
    EndpointId m_id;
    SocketOptionsForm *m_form;
    AppliedOptionsTable *m_table;
    QLabel *m_messageLabel;
    QDialogButtonBox *m_buttons;
    bool m_waiting = false;
    QString m_status;
    bool m_statusIsError = false;
};

} // namespace sockbench
