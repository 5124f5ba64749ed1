#pragma once

#include "engine/endpoint.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;

namespace sockbench {

class AutoReplyFields;

/// Changes what a running listener does with its clients, or whether a UDP socket echoes. Opens
/// with the endpoint's current choice; OK is disabled, saying why, while the greeting is invalid.
class AutoReplyDialog final : public QDialog {
    Q_OBJECT

public:
    AutoReplyDialog(EndpointId id, EndpointKind kind, AutoReply reply, const QByteArray &greeting,
                    QWidget *parent = nullptr);
    ~AutoReplyDialog() override;
    Q_DISABLE_COPY_MOVE(AutoReplyDialog)

    EndpointId endpoint() const { return m_id; }
    AutoReply reply() const;
    QByteArray greeting() const;

private:
    void validate();

    EndpointId m_id;
    AutoReplyFields *m_fields;
    QLabel *m_errorLabel;
    QDialogButtonBox *m_buttons;
};

} // namespace sockbench
