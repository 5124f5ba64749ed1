#pragma once

#include "engine/endpoint.h"

#include <QObject>

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QWidget;

namespace sockbench {

/// The auto-reply rows of a form: what a listener does with each client (none, echo, a greeting
/// in the payload language) or a UDP socket with each datagram (none, echo). Shared by the form
/// that opens an endpoint and the one that changes a running one, so both read and check alike.
class AutoReplyFields final : public QObject {
    Q_OBJECT

public:
    /// The widgets are children of parent; addRowsTo() places them.
    explicit AutoReplyFields(QWidget *parent);
    ~AutoReplyFields() override;
    Q_DISABLE_COPY_MOVE(AutoReplyFields)

    void addRowsTo(QFormLayout *form);
    /// Which endpoint the choice is for: a UDP socket has no connection to greet.
    void setKind(EndpointKind kind);
    void setVisible(bool visible);
    void set(AutoReply reply, const QByteArray &greeting);

    AutoReply reply() const;
    /// The greeting's bytes when reply() is Greeting and problem() is empty, else empty.
    QByteArray greeting() const;
    /// Why the choice cannot be used ("Greeting, column 3: …"), or empty. Marks the greeting red.
    QString problem() const;
    QComboBox *combo() const { return m_combo; }

Q_SIGNALS:
    void changed();

private:
    void updateGreetingRow();

    EndpointKind m_kind = EndpointKind::TcpListener;
    bool m_visible = true;
    QComboBox *m_combo;
    QLabel *m_label;
    QLineEdit *m_greetingEdit;
    QLabel *m_greetingLabel;
};

} // namespace sockbench
