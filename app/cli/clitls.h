#pragma once

// The command line's words for TLS on stderr: the line after a client's handshake, the warning of
// --insecure, and the certificate a TLS listener serves.

#include "tls/tlstypes.h"

#include <QString>
#include <QStringList>

namespace sockbench {

/// "TLS TLSv1.3 TLS_AES_256_GCM_SHA384, ALPN h2, certificate CN=localhost (issuer CN=Test CA)
/// verified" (or "self-signed certificate CN=…"): one line for an established client connection.
QString tlsSummaryLine(const TlsInfo &tls, bool alpnOffered);

/// For an insecure connection: that nothing was verified, and what verification found; empty
/// when the connection is not insecure.
QString insecureWarning(const TlsInfo &tls);

/// What a TLS listener serves, once it serves (Phase::Serving): "TLS certificate: …" and
/// "SHA-256 fingerprint: AB:CD:…". certificateFile is the --cert given, or empty. Empty when
/// the listener reported no certificate.
QStringList listenerCertificateLines(const TlsInfo &tls, const QString &certificateFile);

/// A warning about the listener's certificate (expired, or expiring within days), or empty.
QString listenerCertificateWarning(const TlsInfo &tls);

} // namespace sockbench
