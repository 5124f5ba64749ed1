#include "cli/clitls.h"

#include "tls/certificate.h"

namespace sockbench {

namespace {

/// The certificate's names as a person reads them: "localhost, 127.0.0.1, ::1".
QString namesOf(const CertificateInfo &certificate) {
    QStringList names;
    for (const QString &san : certificate.subjectAltNames) {
        const qsizetype colon = san.indexOf(u':');
        names << (colon > 0 ? san.mid(colon + 1) : san);
    }
    return names.isEmpty() ? certificate.subject : names.join(QStringLiteral(", "));
}

} // namespace

QString tlsSummaryLine(const TlsInfo &tls, bool alpnOffered) {
    QString line = QStringLiteral("TLS %1 %2").arg(tls.protocol, tls.cipher);
    if (!tls.alpn.isEmpty())
        line += QStringLiteral(", ALPN %1").arg(tls.alpn);
    else if (alpnOffered)
        line += QStringLiteral(", no ALPN protocol chosen");
    if (tls.peerChain.isEmpty()) {
        line += QStringLiteral(", no certificate");
        return line;
    }
    const CertificateInfo &leaf = tls.peerChain.first();
    if (leaf.selfSigned)
        line += QStringLiteral(", self-signed certificate %1").arg(leaf.subject);
    else
        line += QStringLiteral(", certificate %1 (issuer %2)").arg(leaf.subject, leaf.issuer);
    line += tls.insecure ? QStringLiteral(" NOT verified (--insecure)") : QStringLiteral(" verified");
    return line;
}

QString insecureWarning(const TlsInfo &tls) {
    if (!tls.insecure)
        return {};
    QString found;
    if (tls.verification.isEmpty())
        found = QStringLiteral("it was not looked at");
    else if (tls.verified)
        found = QStringLiteral("it would have verified");
    else
        found = QStringLiteral("it would have failed: %1").arg(tls.verification);
    return QStringLiteral("WARNING: --insecure: the server's certificate was not verified (%1); anyone "
                          "on the path can read and change this connection")
        .arg(found);
}

QStringList listenerCertificateLines(const TlsInfo &tls, const QString &certificateFile) {
    if (tls.localCertificate.isEmpty())
        return {};
    const CertificateInfo &certificate = tls.localCertificate.first();
    QString what;
    if (!tls.selfSignedPath.isEmpty())
        what = QStringLiteral("self-signed for %1 (%2)").arg(namesOf(certificate), tls.selfSignedPath);
    else
        what = QStringLiteral("%1 for %2, %3, valid until %4 (%5)")
                   .arg(certificate.subject, namesOf(certificate),
                        certificate.selfSigned ? QStringLiteral("self-signed")
                                               : QStringLiteral("issuer %1").arg(certificate.issuer),
                        certificate.notAfter.toString(Qt::ISODate), certificateFile);
    return {QStringLiteral("TLS certificate: %1").arg(what),
            QStringLiteral("SHA-256 fingerprint: %1").arg(formatFingerprint(certificate.sha256))};
}

QString listenerCertificateWarning(const TlsInfo &tls) {
    if (tls.localCertificate.isEmpty())
        return {};
    const CertificateInfo &certificate = tls.localCertificate.first();
    if (!certificate.notAfter.isValid())
        return {};
    const qint64 days = certificate.daysLeft();
    if (certificate.notAfter < QDateTime::currentDateTimeUtc())
        return QStringLiteral("warning: the certificate expired on %1; clients that verify will refuse it")
            .arg(certificate.notAfter.toString(Qt::ISODate));
    if (days < 14)
        return QStringLiteral("warning: the certificate expires %1, on %2")
            .arg(days == 0   ? QStringLiteral("within a day")
                 : days == 1 ? QStringLiteral("in 1 day")
                             : QStringLiteral("in %1 days").arg(days),
                 certificate.notAfter.toString(Qt::ISODate));
    return {};
}

} // namespace sockbench
