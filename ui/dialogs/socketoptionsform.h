#pragma once

#include "engine/endpoint.h"
#include "engine/socketoptions.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLineEdit;

namespace sockbench {

/// The socket options a form can set, for one endpoint kind: TCP_NODELAY, keepalive and its timing,
/// the buffers, TOS with DSCP names, TTL, linger, TCP_USER_TIMEOUT, a client's source address and
/// port, SO_BINDTODEVICE and SO_REUSEPORT. Only the options that apply to the kind (and, on a live
/// socket, that can still change) are shown. An empty field leaves the kernel's default alone.
/// Every field is checked as it is typed; a wrong one is marked and problem() says why.
class SocketOptionsForm final : public QWidget {
    Q_OBJECT

public:
    /// Opening: the options set before bind/connect. Live: those a socket takes while open.
    enum class Use { Opening, Live };

    explicit SocketOptionsForm(QWidget *parent = nullptr);
    ~SocketOptionsForm() override;
    Q_DISABLE_COPY_MOVE(SocketOptionsForm)

    void setKind(EndpointKind kind, Use use = Use::Opening);
    EndpointKind kind() const { return m_kind; }
    /// Fills the fields (options of other kinds are kept but not shown).
    void setOptions(const SocketOptions &options);
    /// What the shown fields ask for; meaningful when problem() is empty.
    SocketOptions options() const;
    /// Why the options cannot be used (every wrong field, one line each), or empty.
    QString problem() const { return m_problem; }
    /// How many of the shown options are set (not left to the kernel).
    int setCount() const;

Q_SIGNALS:
    /// A field changed; problem() and options() are current.
    void changed();

private:
    void setUpFields();
    void buildRows();
    void connectSignals();

    void validate();
    void updateRows();
    bool shows(QWidget *field) const;

    EndpointKind m_kind = EndpointKind::TcpListener;
    Use m_use = Use::Opening;
    QFormLayout *m_form;
    QComboBox *m_noDelayCombo;
    QComboBox *m_keepAliveCombo;
    QLineEdit *m_keepAliveTimingEdit;
    QLineEdit *m_sendBufferEdit;
    QLineEdit *m_receiveBufferEdit;
    QComboBox *m_tosCombo;
    QLineEdit *m_ttlEdit;
    QLineEdit *m_lingerEdit;
    QLineEdit *m_userTimeoutEdit;
    QLineEdit *m_sourceAddressEdit;
    QLineEdit *m_sourcePortEdit;
    QComboBox *m_deviceCombo;
    QCheckBox *m_reusePortCheck;
    QString m_problem;
};

/// The options an endpoint was given, from its read-back list (what was asked, not what the kernel
/// made of it: a doubled buffer asked again would double again).
SocketOptions socketOptionsFromApplied(const QList<AppliedOption> &applied);

} // namespace sockbench
