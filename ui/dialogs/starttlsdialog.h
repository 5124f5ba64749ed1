#pragma once

#include "engine/endpoint.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QRadioButton;

namespace sockbench {

class TlsClientForm;
class TlsServerForm;

/// Start TLS on a connected plaintext TCP connection: which end this is (the client sends the
/// ClientHello), and that role's options. The server's certificate is the self-signed one for
/// localhost unless files are given.
class StartTlsDialog final : public QDialog {
    Q_OBJECT

public:
    /// asServer: the role chosen at first (a listener's connection usually serves).
    StartTlsDialog(EndpointId id, bool asServer, QWidget *parent = nullptr);
    ~StartTlsDialog() override;
    Q_DISABLE_COPY_MOVE(StartTlsDialog)

    EndpointId endpoint() const { return m_id; }
    bool asServer() const;
    TlsClientOptions clientOptions() const;
    TlsServerOptions serverOptions() const;
    /// Why OK is disabled, or empty.
    QString problem() const { return m_problem; }

private:
    void onRoleChanged();
    void validate();

    EndpointId m_id;
    QRadioButton *m_clientRadio;
    QRadioButton *m_serverRadio;
    TlsClientForm *m_clientForm;
    TlsServerForm *m_serverForm;
    QLabel *m_errorLabel;
    QDialogButtonBox *m_buttons;
    QString m_problem;
};

} // namespace sockbench
