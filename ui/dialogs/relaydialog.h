#pragma once

#include "engine/relayoptions.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QScrollArea;
class QToolButton;

namespace sockbench {

class FaultsEditor;
class TlsClientForm;
class TlsServerForm;

/// The "New relay" form: where the relay listens, where it relays to, TCP or UDP, how its ends
/// behave, TLS on either leg, and the faults it starts with. Every field is checked as it is typed;
/// a wrong one is marked and the disabled OK button says why, as in the other forms.
class RelayDialog final : public QDialog {
    Q_OBJECT

public:
    struct Request {
        QString address; ///< where the relay listens
        quint16 port = 0;
        RelayOptions options;
    };

    explicit RelayDialog(const QStringList &recentAddresses, QWidget *parent = nullptr);
    ~RelayDialog() override;
    Q_DISABLE_COPY_MOVE(RelayDialog)

    /// Prefills the target (e.g. the selected listener).
    void setTarget(const QString &host, quint16 port);
    /// What the fields ask for; only meaningful while problem() is empty.
    Request request() const;
    /// Why OK is disabled, one reason a line; empty when it is enabled.
    QString problem() const { return m_problem; }
    FaultsEditor *faultsEditor() const { return m_faultsEditor; }

private:
    void setUpFields();
    void setUpFaultsSection();
    void buildLayout();
    void connectSignals();

    void validate();
    void updateSections();
    void onFaultsButtonToggled(bool open);
    bool isUdp() const;

    QComboBox *m_protocolCombo;
    QComboBox *m_addressCombo;
    QLineEdit *m_portEdit;
    QLineEdit *m_targetHostEdit;
    QLineEdit *m_targetPortEdit;
    QCheckBox *m_relayResetsCheck;
    QComboBox *m_targetFailureCombo;
    QLabel *m_targetFailureLabel;
    QCheckBox *m_clientTlsCheck;
    TlsServerForm *m_clientTlsForm;
    QCheckBox *m_targetTlsCheck;
    TlsClientForm *m_targetTlsForm;
    QToolButton *m_faultsButton;
    QScrollArea *m_fieldsArea = nullptr; ///< every field: the form scrolls on a short screen
    FaultsEditor *m_faultsEditor;
    QLabel *m_wildcardLabel;
    QLabel *m_errorLabel;
    QDialogButtonBox *m_buttons;
    QString m_problem;
};

} // namespace sockbench
