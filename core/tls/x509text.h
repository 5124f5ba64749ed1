#pragma once

// Internal to core: OpenSSL's X.509 objects in words (for tls/ and certificate.cpp only).

#include "tls/tlstypes.h"

#include <openssl/x509.h>

namespace sockbench {

/// Everything CertificateInfo shows, read from one certificate.
CertificateInfo certificateInfo(X509 *certificate);

/// Why a chain did not verify, in words a user acts on; x509Error is X509_V_ERR_* (from
/// SSL_get_verify_result or X509_STORE_CTX_get_error). leaf may be null; expectedHost is the name
/// or address the client checked. At least:
///   X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT -> "certificate verify failed: self-signed certificate"
///   X509_V_ERR_HOSTNAME_MISMATCH / IP_ADDRESS_MISMATCH
///       -> "hostname mismatch: the certificate is for example.org" (its SANs, else its CN)
///   X509_V_ERR_CERT_HAS_EXPIRED -> "certificate expired on 2026-01-31 12:00:00 UTC"
///   X509_V_ERR_CERT_NOT_YET_VALID -> "certificate not valid before …"
///   X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY / SELF_SIGNED_CERT_IN_CHAIN
///       -> "certificate verify failed: issued by <issuer>, which is not a trusted CA"
/// and "certificate verify failed: " + X509_verify_cert_error_string() for the rest.
/// certificate is the one the error is about (leaf: the peer's own) and depth its place in the
/// chain: above 0, the words name that CA certificate
/// ("certificate expired on … (the CA certificate CN=… in the chain)").
QString describeVerifyError(long x509Error, X509 *certificate, const QString &expectedHost, int depth = 0);

} // namespace sockbench
