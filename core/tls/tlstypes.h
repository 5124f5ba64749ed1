#pragma once

// TLS as the Workbench's users see it: what to ask for, and what a handshake showed. Plain Qt
// values, no OpenSSL types: the window and the command line include this, the engine turns it
// into OpenSSL calls (tls/tlscontext.h, engine/tlstransform.h).

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace sockbench {

/// Which server certificates a TLS client accepts.
enum class TlsVerify : quint8 {
    System, ///< the system trust store (/etc/ssl/certs), and the name must match (the default)
    CaFile, ///< only chains that end in a CA of TlsClientOptions::caFile; the name must match
    None,   ///< anything: insecure, shown as a warning wherever the connection is shown
};

/// The lowest protocol version offered or accepted.
enum class TlsMinVersion : quint8 {
    Default, ///< the system's OpenSSL configuration (TLS 1.2 on Debian 12)
    Tls1_0,
    Tls1_1,
    Tls1_2,
    Tls1_3,
};

/// What a TLS listener asks of its clients' certificates.
enum class ClientCertMode : quint8 {
    None,    ///< does not ask
    Request, ///< asks; a client without one, or with one that does not verify, is still served
    Require, ///< asks, and refuses a client without a certificate that verifies against clientCaFile
};

/// TLS as a client: on connectTcp() (ConnectOptions::tls) or on Start TLS.
struct TlsClientOptions {
    TlsVerify verify = TlsVerify::System;
    QString caFile; ///< PEM, one or more CA certificates; used when verify == CaFile
    /// Server name sent (SNI) and checked against the certificate. Empty: the host as the user
    /// typed it, and no SNI at all when that is an IP literal (the address is still checked
    /// against the certificate's IP SANs).
    QString serverName;
    QStringList alpn;        ///< protocols offered in order, e.g. {"h2", "http/1.1"}; empty: no ALPN
    QString certificateFile; ///< client certificate (PEM; may hold the chain); empty: none
    QString keyFile;         ///< its private key (PEM); empty: the key is in certificateFile
    TlsMinVersion minVersion = TlsMinVersion::Default;
    int handshakeTimeoutMs = 10000; ///< "handshake timed out" after this long; 0: never

    friend bool operator==(const TlsClientOptions &, const TlsClientOptions &) = default;
};

/// TLS as a server: on startTcpListener() (ListenerOptions::tls) or on Start TLS.
struct TlsServerOptions {
    /// Certificate (PEM, may hold the chain) and key. Both empty: the self-signed certificate for
    /// localhost, 127.0.0.1 and ::1 from selfSignedDirectory, made there on first use (0600).
    QString certificateFile;
    QString keyFile; ///< empty: the key is in certificateFile
    ClientCertMode clientCert = ClientCertMode::None;
    QString clientCaFile; ///< PEM CAs that client certificates are checked against
    QStringList alpn;     ///< protocols the server accepts, in its order of preference
    TlsMinVersion minVersion = TlsMinVersion::Default;
    int handshakeTimeoutMs = 10000;
    /// Where the self-signed certificate lives; empty: defaultTlsDirectory() (certificate.h).
    QString selfSignedDirectory;

    friend bool operator==(const TlsServerOptions &, const TlsServerOptions &) = default;
};

/// One X.509 certificate, as a person reads it.
struct CertificateInfo {
    QString subject;             ///< one line, RFC 2253 order, e.g. "CN=example.org,O=Example"
    QString issuer;              ///< the same for the issuer
    QStringList subjectAltNames; ///< "DNS:example.org", "IP:127.0.0.1", "email:…", "URI:…"
    QDateTime notBefore;         ///< UTC
    QDateTime notAfter;          ///< UTC
    QByteArray sha256;           ///< digest of the DER (32 bytes); see formatFingerprint()
    QByteArray sha1;             ///< 20 bytes
    QString serialNumber;        ///< hex
    QString publicKey;           ///< e.g. "EC P-256", "RSA 2048"
    bool selfSigned = false;     ///< subject == issuer and the signature checks with its own key
    QByteArray pem;

    /// Whole days from now until notAfter; negative once expired.
    qint64 daysLeft(const QDateTime &now = QDateTime::currentDateTimeUtc()) const;
    friend bool operator==(const CertificateInfo &, const CertificateInfo &) = default;
};

/// What a connection's TLS is doing, or a TLS listener serves. EndpointInfo::tls holds the latest;
/// Workbench::tlsChanged() tells when it changes.
struct TlsInfo {
    enum class Phase : quint8 {
        Serving,     ///< a listener: localCertificate is what its clients get
        Handshaking, ///< the handshake is under way
        Established, ///< application data flows; the fields below are filled in
        Failed,      ///< the handshake (or a later alert) failed: see failure
        Closed,      ///< the TLS session ended (close_notify, or the TCP connection ended)
    };
    Phase phase = Phase::Handshaking;
    bool server = false;   ///< we are the TLS server (a listener's connection, or Start TLS as server)
    bool startTls = false; ///< upgraded from plaintext with Start TLS
    bool insecure = false; ///< a client with TlsVerify::None: nothing about the peer was checked

    QString protocol;   ///< "TLSv1.3"
    QString cipher;     ///< "TLS_AES_256_GCM_SHA384"
    QString alpn;       ///< the protocol both chose; empty: none
    QString serverName; ///< SNI sent (client) or received (server); empty: none
    /// The peer's chain as it sent it, leaf first; empty when it sent none.
    QList<CertificateInfo> peerChain;
    /// Our own certificate, when we present one (a server, or a client with a certificate).
    QList<CertificateInfo> localCertificate;
    /// Path of the self-signed certificate in use, when a listener uses it; else empty.
    QString selfSignedPath;
    /// "ok", or in words why the peer's certificate did not verify (it may still have been
    /// accepted: insecure, or ClientCertMode::Request), e.g. "certificate verify failed:
    /// self-signed certificate". Empty until the peer's certificate was looked at.
    QString verification;
    bool verified = false; ///< verification is "ok"
    /// Phase::Failed: the reason in words, e.g. "hostname mismatch: the certificate is for
    /// example.org", "handshake timed out", "the peer answered in plain text, not TLS".
    QString failure;
    /// The failure is about the peer's certificate (what "Connect anyway (insecure)" can skip).
    bool verificationFailed = false;

    friend bool operator==(const TlsInfo &, const TlsInfo &) = default;
};

QString toString(TlsMinVersion version);
QString toString(TlsInfo::Phase phase);

} // namespace sockbench

Q_DECLARE_METATYPE(sockbench::TlsInfo)
