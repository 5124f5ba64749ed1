#pragma once

#include "tls/tlstypes.h"

#include <QWidget>

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QToolButton;

namespace sockbench {

/// A PEM file's path, typed or picked with its "…" button. An empty path is allowed (the form
/// decides what that means); a path that names no readable file is not.
class PemFileField final : public QWidget {
    Q_OBJECT

public:
    /// name: the line edit's object name; what: the field's name in a problem ("CA file").
    PemFileField(const QString &name, const QString &what, const QString &placeholder, QWidget *parent);
    ~PemFileField() override;
    Q_DISABLE_COPY_MOVE(PemFileField)

    QString path() const;
    void setPath(const QString &path);
    QLineEdit *edit() const { return m_edit; }
    /// Why the path cannot be used ("CA file: /x/ca.pem does not exist"), or empty; a required
    /// field also needs a path. Marks the field red when there is a reason.
    QString check(bool required);

Q_SIGNALS:
    void changed();

private:
    void onBrowseButtonClicked();

    QString m_what;
    QLineEdit *m_edit;
    QToolButton *m_browseButton;
};

/// The TLS rows of a client: how the server's certificate is verified (the system's trust store,
/// a CA file, or not at all, which is shown as the warning it is), the name sent and checked
/// (SNI), the ALPN list, a client certificate and key, the lowest protocol version. Used by the
/// connect form and by Start TLS as the client.
class TlsClientForm final : public QWidget {
    Q_OBJECT

public:
    explicit TlsClientForm(QWidget *parent = nullptr);
    ~TlsClientForm() override;
    Q_DISABLE_COPY_MOVE(TlsClientForm)

    /// What the fields ask for; only meaningful while problem() is empty.
    TlsClientOptions options() const;
    void setOptions(const TlsClientOptions &options);
    /// Why the fields cannot be used, one reason a line, or empty. Checks the files (each is
    /// marked red when wrong) and the lists.
    QString problem();

Q_SIGNALS:
    void changed();

private:
    void onVerifyChanged();

    QComboBox *m_verifyCombo;
    QLabel *m_insecureLabel;
    QLabel *m_caLabel;
    PemFileField *m_caFile;
    QLineEdit *m_serverNameEdit;
    QLineEdit *m_alpnEdit;
    PemFileField *m_certificateFile;
    PemFileField *m_keyFile;
    QComboBox *m_minVersionCombo;
};

/// The TLS rows of a server: its certificate and key (none: the self-signed certificate for
/// localhost), and whether it asks clients for a certificate, checked against a CA file. Used by
/// the listener form and by Start TLS as the server.
class TlsServerForm final : public QWidget {
    Q_OBJECT

public:
    explicit TlsServerForm(QWidget *parent = nullptr);
    ~TlsServerForm() override;
    Q_DISABLE_COPY_MOVE(TlsServerForm)

    TlsServerOptions options() const;
    void setOptions(const TlsServerOptions &options);
    QString problem();

Q_SIGNALS:
    void changed();

private:
    void onClientCertChanged();

    PemFileField *m_certificateFile;
    PemFileField *m_keyFile;
    QComboBox *m_clientCertCombo;
    QLabel *m_clientCaLabel;
    PemFileField *m_clientCaFile;
};

/// "h2, http/1.1" as a list; empty entries dropped.
QStringList parseAlpnList(const QString &text);

} // namespace sockbench
