#pragma once

// The TLS options of a verb (or of one relay leg) as given, checked against each other and the
// transport once all are read: a TLS option never turns TLS on by itself.

#include "tls/tlstypes.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace sockbench {

struct TlsGiven {
    bool tls = false;
    QString firstOption; ///< the first TLS option other than the switch, as written
    bool insecure = false;
    bool requireClientCert = false;
    QString caFile;
    QString serverName;
    QString certificateFile;
    QString keyFile;
    QString clientCaFile;
    QStringList alpn;
    std::optional<TlsMinVersion> minVersion;
};

/// Keeps the first TLS option other than the switch, for "--cert needs --tls".
void noteTlsOption(const QString &option, TlsGiven *out);

/// The values of --alpn, --tls-min, --sni, and of the file options (--ca, --cert, --key,
/// --client-ca); each returns an error message or empty.
QString setAlpn(const QString &value, TlsGiven *out);
QString setTlsMin(const QString &value, TlsGiven *out);
QString setServerName(const QString &value, TlsGiven *out);
QString setTlsFile(const QString &option, const QString &value, QString *file);

/// Checks the TLS options against each other and the transport, and that their files are there
/// and hold what they should; returns an error message or empty.
QString finishTls(const TlsGiven &given, bool udp);

TlsClientOptions clientOptions(const TlsGiven &given);
TlsServerOptions serverOptions(const TlsGiven &given);

} // namespace sockbench
