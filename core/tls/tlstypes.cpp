#include "tls/tlstypes.h"

#include <QCoreApplication>

namespace sockbench {

qint64 CertificateInfo::daysLeft(const QDateTime &now) const {
    const qint64 secs = now.secsTo(notAfter);
    // Whole days, rounded towards the past: a certificate that expired an hour ago has -1 days.
    return secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
}

QString toString(TlsMinVersion version) {
    switch (version) {
    case TlsMinVersion::Default:
        return QCoreApplication::translate("sockbench", "system default");
    case TlsMinVersion::Tls1_0:
        return QStringLiteral("TLSv1");
    case TlsMinVersion::Tls1_1:
        return QStringLiteral("TLSv1.1");
    case TlsMinVersion::Tls1_2:
        return QStringLiteral("TLSv1.2");
    case TlsMinVersion::Tls1_3:
        return QStringLiteral("TLSv1.3");
    }
    return {};
}

QString toString(TlsInfo::Phase phase) {
    switch (phase) {
    case TlsInfo::Phase::Serving:
        return QCoreApplication::translate("sockbench", "serving");
    case TlsInfo::Phase::Handshaking:
        return QCoreApplication::translate("sockbench", "handshaking");
    case TlsInfo::Phase::Established:
        return QCoreApplication::translate("sockbench", "established");
    case TlsInfo::Phase::Failed:
        return QCoreApplication::translate("sockbench", "failed");
    case TlsInfo::Phase::Closed:
        return QCoreApplication::translate("sockbench", "closed");
    }
    return {};
}

} // namespace sockbench
