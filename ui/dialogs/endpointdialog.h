#pragma once

#include "engine/endpoint.h"
#include "language/address.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QScrollArea;
class QSpinBox;
class QToolButton;

namespace sockbench {

class AutoReplyFields;
class FramingField;
class SocketOptionsForm;
class TlsClientForm;
class TlsServerForm;

/// The form for a new listener, outgoing connection or UDP socket. Every field is checked as it
/// is typed; a wrong one is marked where it is and the disabled OK button says why.
class EndpointDialog final : public QDialog {
    Q_OBJECT

public:
    struct Request {
        EndpointKind kind = EndpointKind::TcpListener;
        QString address;
        quint16 port = 0;
        ListenerOptions listener;
        ConnectOptions connect;
        UdpOptions udp;
        /// The socket options section; also in listener/connect/udp (as .socket), whichever is used.
        SocketOptions socket;
    };

    /// recentAddresses and recentPorts come first in their fields' choices.
    EndpointDialog(EndpointKind kind, const QStringList &recentAddresses, const QStringList &recentPorts,
                   QWidget *parent = nullptr);
    ~EndpointDialog() override;
    Q_DISABLE_COPY_MOVE(EndpointDialog)

    void setKind(EndpointKind kind);
    /// Prefills where a connection goes (a selected listener, or the last target); the focus moves
    /// to the first field still to type.
    void setConnectTarget(const QString &host, quint16 port);
    EndpointKind kind() const;
    Request request() const;
    /// Why OK is disabled, or empty.
    QString problem() const { return m_problem; }
    SocketOptionsForm *socketOptionsForm() const { return m_socketOptionsForm; }
    FramingField *framingField() const { return m_framingField; }
    TlsClientForm *tlsClientForm() const { return m_tlsClientForm; }
    TlsServerForm *tlsServerForm() const { return m_tlsServerForm; }

private:
    void setUpFields();
    void buildLayout();
    void connectSignals();

    void validate();
    void onKindChanged();
    void focusFirstFieldToType();
    void onSocketOptionsButtonToggled(bool open);
    void updateTlsSection();

    QComboBox *m_kindCombo;
    QComboBox *m_addressCombo;
    QLabel *m_addressLabel;
    QLineEdit *m_portEdit;
    QLabel *m_portHint;
    AutoReplyFields *m_autoReply;
    FramingField *m_framingField;
    QLabel *m_framingLabel;
    QCheckBox *m_dualStackCheck;
    QCheckBox *m_broadcastCheck;
    QLineEdit *m_multicastEdit;
    QLabel *m_multicastLabel;
    QSpinBox *m_timeoutSpin;
    QLabel *m_timeoutLabel;
    QToolButton *m_socketOptionsButton;
    SocketOptionsForm *m_socketOptionsForm;
    QScrollArea *m_socketOptionsArea;
    QCheckBox *m_tlsCheck;
    TlsClientForm *m_tlsClientForm;
    TlsServerForm *m_tlsServerForm;
    QLabel *m_wildcardLabel;
    QLabel *m_errorLabel;
    QDialogButtonBox *m_buttons;
    QStringList m_recentPorts;
    QString m_targetHost;
    quint16 m_targetPort = 0;
    QString m_problem;
};

} // namespace sockbench
