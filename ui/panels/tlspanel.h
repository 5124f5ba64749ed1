#pragma once

#include "engine/endpoint.h"

#include <QDateTime>
#include <QWidget>

#include <array>

class QLabel;
class QTextBrowser;

namespace sockbench {

class Workbench;

/// The TLS of the selected connection or listener: its protocol, cipher, ALPN, server name and
/// verification result, then the peer's certificate chain (leaf first) and our own certificate,
/// each with its subject, alternative names, issuer, validity with the days left, and SHA-256 and
/// SHA-1 fingerprints as selectable text. A TLS listener shows the certificate it serves (the
/// self-signed one, with where it is kept). Follows Workbench::tlsChanged().
class TlsPanel final : public QWidget {
    Q_OBJECT

public:
    enum Field { ProtocolField, CipherField, AlpnField, ServerNameField, VerificationField, FieldCount };

    TlsPanel(Workbench *workbench, QWidget *parent = nullptr);
    ~TlsPanel() override;
    Q_DISABLE_COPY_MOVE(TlsPanel)

    /// The endpoint shown (0: none).
    void setEndpoint(EndpointId id);
    EndpointId endpoint() const { return m_id; }

    /// The sentence at the top: what the TLS is doing, or why there is none.
    QString statusText() const;
    /// The value shown for a field; empty while nothing is shown.
    QString fieldText(Field field) const;
    /// The certificates as plain text (what a user selects and copies from the panel).
    QString certificatesText() const;

private:
    void onTlsChanged(EndpointId id);
    void updateView();

    Workbench *m_workbench;
    EndpointId m_id = 0;
    QLabel *m_statusLabel;
    QWidget *m_fieldsBox;
    std::array<QLabel *, FieldCount> m_values{};
    QTextBrowser *m_certificates;
};

/// A certificate as the panel shows it, in HTML: subject, alternative names, issuer, validity
/// ("until 2027-03-01 (452 days left)", an expired one in the error colour), key, serial and
/// fingerprints. number > 0 puts "1." before the subject.
QString certificateHtml(const CertificateInfo &certificate, int number,
                        const QDateTime &now = QDateTime::currentDateTimeUtc());
/// "until 2027-03-01 (452 days left)", "expired on 2025-03-01 (3 days ago)", "not valid before …".
QString validityText(const CertificateInfo &certificate,
                     const QDateTime &now = QDateTime::currentDateTimeUtc());

} // namespace sockbench
