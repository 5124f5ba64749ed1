#include "panels/tlspanel.h"
#include "engine/workbench.h"
#include "style/presentation.h"

#include <QGridLayout>
#include <QLabel>
#include <QScrollArea>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace sockbench {

namespace {

QString day(const QDateTime &t) {
    return t.toUTC().toString(QStringLiteral("yyyy-MM-dd"));
}

QString escaped(const QString &text) {
    return text.toHtmlEscaped();
}

QString row(const QString &name, const QString &valueHtml) {
    return QStringLiteral("<tr><td style=\"padding-right:8px\"><i>%1</i></td><td>%2</td></tr>")
        .arg(escaped(name), valueHtml);
}

/// "AB:CD:…", as certificate.h's formatFingerprint() and openssl x509 -fingerprint write it.
QString fingerprint(const QByteArray &digest) {
    return QString::fromLatin1(digest.toHex(':').toUpper());
}

QString coloured(const QColor &colour, const QString &html) {
    return QStringLiteral("<span style=\"color:%1\">%2</span>").arg(colour.name(), html);
}

} // namespace

QString validityText(const CertificateInfo &c, const QDateTime &now) {
    if (c.notBefore.isValid() && now < c.notBefore)
        return TlsPanel::tr("not valid before %1 (until %2)").arg(day(c.notBefore), day(c.notAfter));
    const qint64 days = c.daysLeft(now);
    if (days < 0)
        return days == -1 ? TlsPanel::tr("expired on %1 (1 day ago)").arg(day(c.notAfter))
                          : TlsPanel::tr("expired on %1 (%2 days ago)").arg(day(c.notAfter)).arg(-days);
    return days == 1 ? TlsPanel::tr("until %1 (1 day left)").arg(day(c.notAfter))
                     : TlsPanel::tr("until %1 (%2 days left)").arg(day(c.notAfter)).arg(days);
}

QString certificateHtml(const CertificateInfo &c, int number, const QDateTime &now) {
    const bool outOfDate = c.daysLeft(now) < 0 || (c.notBefore.isValid() && now < c.notBefore);
    QString validity = escaped(validityText(c, now));
    if (outOfDate)
        validity = coloured(errorColor(), QStringLiteral("<b>%1</b>").arg(validity));
    else
        validity = TlsPanel::tr("from %1 %2").arg(day(c.notBefore), validity);
    const QString title =
        number > 0 ? QStringLiteral("%1. %2").arg(number).arg(escaped(c.subject)) : escaped(c.subject);
    QString html = QStringLiteral("<p style=\"margin-top:6px;margin-bottom:2px\"><b>%1</b>%2</p><table>")
                       .arg(title, c.selfSigned && !c.subject.contains(QStringLiteral("self-signed"),
                                                                       Qt::CaseInsensitive)
                                       ? escaped(TlsPanel::tr(" (self-signed)"))
                                       : QString());
    html += row(TlsPanel::tr("Subject:"), escaped(c.subject));
    html += row(TlsPanel::tr("Alt names:"), c.subjectAltNames.isEmpty()
                                                ? escaped(TlsPanel::tr("none"))
                                                : escaped(c.subjectAltNames.join(QStringLiteral(", "))));
    html += row(TlsPanel::tr("Issuer:"), escaped(c.issuer));
    html += row(TlsPanel::tr("Valid:"), validity);
    if (!c.publicKey.isEmpty())
        html += row(TlsPanel::tr("Key:"), escaped(c.publicKey));
    if (!c.serialNumber.isEmpty())
        html += row(TlsPanel::tr("Serial:"), QStringLiteral("<tt>%1</tt>").arg(escaped(c.serialNumber)));
    html += row(TlsPanel::tr("SHA-256:"), QStringLiteral("<tt>%1</tt>").arg(fingerprint(c.sha256)));
    html += row(TlsPanel::tr("SHA-1:"), QStringLiteral("<tt>%1</tt>").arg(fingerprint(c.sha1)));
    html += QStringLiteral("</table>");
    return html;
}

TlsPanel::TlsPanel(Workbench *workbench, QWidget *parent)
    : QWidget(parent)
    , m_workbench(workbench)
    , m_statusLabel(new QLabel(this))
    , m_fieldsBox(new QWidget(this))
    , m_certificates(new QTextBrowser(this)) {
    setObjectName(QStringLiteral("tlsPanel"));
    setAccessibleName(tr("TLS and certificates"));
    m_statusLabel->setObjectName(QStringLiteral("tlsStatus"));
    m_statusLabel->setWordWrap(true);
    m_statusLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_fieldsBox->setObjectName(QStringLiteral("tlsFields"));
    m_certificates->setObjectName(QStringLiteral("tlsCertificates"));
    m_certificates->setOpenLinks(false);
    m_certificates->setFrameShape(QFrame::NoFrame);
    m_certificates->setMinimumHeight(5 * fontMetrics().height());

    const QString names[FieldCount] = {tr("Protocol:"), tr("Cipher:"), tr("ALPN:"), tr("Server name:"),
                                       tr("Verification:")};
    const QString tips[FieldCount] = {
        tr("The TLS version both ends agreed on"), tr("The cipher suite of the session"),
        tr("The application protocol both ends chose (ALPN)"),
        tr("The name the client sent (SNI), which the certificate is checked against"),
        tr("Whether the peer's certificate chain verified, and if not, why")};
    const QString objectNames[FieldCount] = {
        QStringLiteral("tlsProtocolValue"), QStringLiteral("tlsCipherValue"), QStringLiteral("tlsAlpnValue"),
        QStringLiteral("tlsServerNameValue"), QStringLiteral("tlsVerificationValue")};
    auto *grid = new QGridLayout(m_fieldsBox);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(8);
    grid->setVerticalSpacing(2);
    for (int f = 0; f < FieldCount; ++f) {
        auto *name = new QLabel(names[f], m_fieldsBox);
        auto *value = new QLabel(m_fieldsBox);
        value->setObjectName(objectNames[f]);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setAccessibleName(names[f]);
        name->setToolTip(tips[f]);
        value->setToolTip(tips[f]);
        name->setBuddy(value);
        m_values[size_t(f)] = value;
        // Two pairs of columns, as on the TCP tab: the detail pane is wide and short. The
        // verification result is a sentence: it gets a row of its own.
        const int r = f / 2;
        const int column = f % 2 * 2;
        grid->addWidget(name, r, column);
        grid->addWidget(value, r, column + 1, 1, f == VerificationField ? 3 : 1);
    }
    m_values[VerificationField]->setWordWrap(true);
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(3, 1);

    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_statusLabel);
    layout->addWidget(m_fieldsBox);
    layout->addWidget(m_certificates, 1);
    layout->addStretch(); // keeps the lines together while there are no certificates to show
    // The detail pane may be short at 1024×640: scroll rather than squeeze or grow the window.
    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    connect(m_workbench, &Workbench::tlsChanged, this, &TlsPanel::onTlsChanged);
    connect(m_workbench, &Workbench::stateChanged, this,
            [this](EndpointId id, EndpointState, const QString &) { onTlsChanged(id); });
    updateView();
}

TlsPanel::~TlsPanel() = default;

void TlsPanel::setEndpoint(EndpointId id) {
    m_id = id;
    updateView();
}

void TlsPanel::onTlsChanged(EndpointId id) {
    if (id == m_id)
        updateView();
}

QString TlsPanel::statusText() const {
    return m_statusLabel->text();
}

QString TlsPanel::fieldText(Field field) const {
    return m_fieldsBox->isHidden() ? QString() : m_values[size_t(field)]->text();
}

QString TlsPanel::certificatesText() const {
    return m_certificates->toPlainText();
}

void TlsPanel::updateView() {
    const EndpointInfo info = m_workbench->info(m_id);
    const bool known = m_id != 0 && m_workbench->endpoints().contains(m_id);
    QString status;
    QString statusStyle;
    if (!known || !info.tls) {
        if (!known)
            status = tr("Select a TLS connection or listener to see its certificates.");
        else if (info.kind == EndpointKind::UdpSocket)
            status = tr("#%1 is a UDP socket: no TLS.").arg(m_id);
        else
            status = tr("#%1 is plain TCP: no TLS.").arg(m_id) +
                     (info.kind == EndpointKind::TcpConnection && info.state == EndpointState::Connected
                          ? tr(" Connection > Start TLS upgrades it.")
                          : QString());
        m_statusLabel->setText(status);
        m_statusLabel->setStyleSheet(QString());
        m_fieldsBox->hide();
        m_certificates->clear();
        m_certificates->hide();
        return;
    }

    const TlsInfo &tls = *info.tls;
    const QString role = tls.server ? tr("as the server") : tr("as the client");
    switch (tls.phase) {
    case TlsInfo::Phase::Serving:
        status = tls.selfSignedPath.isEmpty()
                     ? tr("Listener #%1 serves TLS with this certificate.").arg(m_id)
                     : tr("Listener #%1 serves TLS with the self-signed certificate kept in %2.")
                           .arg(m_id)
                           .arg(tls.selfSignedPath);
        break;
    case TlsInfo::Phase::Handshaking:
        status = tr("TLS handshake under way, %1.").arg(role);
        break;
    case TlsInfo::Phase::Established:
        status =
            (tls.startTls ? tr("TLS established with Start TLS, %1.") : tr("TLS established, %1.")).arg(role);
        break;
    case TlsInfo::Phase::Failed:
        status = tr("TLS failed: %1").arg(tls.failure.isEmpty() ? info.error : tls.failure);
        statusStyle = errorTextStyle();
        break;
    case TlsInfo::Phase::Closed:
        status = tr("The TLS session has ended (%1).").arg(role);
        break;
    }
    if (tls.insecure && tls.phase != TlsInfo::Phase::Failed) {
        status += tr(" ⚠ Insecure: the server's certificate was not checked.");
        statusStyle = warningTextStyle();
    }
    m_statusLabel->setText(status);
    m_statusLabel->setStyleSheet(statusStyle);

    const bool listener = info.kind == EndpointKind::TcpListener;
    m_fieldsBox->setVisible(!listener);
    const QString none = tr("none");
    m_values[ProtocolField]->setText(tls.protocol.isEmpty() ? QStringLiteral("—") : tls.protocol);
    m_values[CipherField]->setText(tls.cipher.isEmpty() ? QStringLiteral("—") : tls.cipher);
    m_values[AlpnField]->setText(tls.alpn.isEmpty() ? none : tls.alpn);
    m_values[ServerNameField]->setText(tls.serverName.isEmpty() ? none : tls.serverName);
    QString verification = tls.verification.isEmpty() ? QStringLiteral("—") : tls.verification;
    QString verificationStyle;
    if (tls.insecure) {
        verification = tr("⚠ not enforced (insecure): %1").arg(verification);
        verificationStyle = warningTextStyle();
    } else if (!tls.verification.isEmpty() && !tls.verified) {
        verificationStyle = errorTextStyle();
    }
    m_values[VerificationField]->setText(verification);
    m_values[VerificationField]->setStyleSheet(verificationStyle);

    const QDateTime now = QDateTime::currentDateTimeUtc();
    QString html;
    if (!tls.peerChain.isEmpty()) {
        const QString whose =
            tls.server ? tr("The client's certificate chain") : tr("The server's certificate chain");
        html += QStringLiteral("<h4 style=\"margin-bottom:0\">%1</h4>")
                    .arg(escaped(tls.peerChain.size() > 1 ? tr("%1 (leaf first)").arg(whose) : whose));
        for (int i = 0; i < tls.peerChain.size(); ++i)
            html += certificateHtml(tls.peerChain[i], tls.peerChain.size() > 1 ? i + 1 : 0, now);
    } else if (tls.phase == TlsInfo::Phase::Established && !listener) {
        html += QStringLiteral("<p>%1</p>")
                    .arg(escaped(tls.server ? tr("The client sent no certificate.")
                                            : tr("The server sent no certificate.")));
    }
    if (!tls.localCertificate.isEmpty()) {
        html += QStringLiteral("<h4 style=\"margin-bottom:0\">%1</h4>")
                    .arg(escaped(listener ? tr("Its certificate") : tr("Our certificate")));
        for (int i = 0; i < tls.localCertificate.size(); ++i)
            html +=
                certificateHtml(tls.localCertificate[i], tls.localCertificate.size() > 1 ? i + 1 : 0, now);
    }
    m_certificates->setHtml(html);
    m_certificates->setVisible(!html.isEmpty());
}

} // namespace sockbench
