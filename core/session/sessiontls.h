#pragma once

// The "tls" object of a session endpoint: a TLS client's or listener's options as its form asked
// for them, so that a reopened session speaks TLS again alike. Only what differs from the
// defaults is written ({} is TLS with every default); the reader is as strict as the rest of the
// session reader. File paths are kept as written: a file that has gone fails the endpoint when it
// opens, naming the file, as the form's own would.
//
//   client:   "tls": {"verify": "ca-file", "ca_file": "/etc/ssl/my-ca.pem", "server_name": "example.org",
//                     "alpn": ["h2", "http/1.1"], "certificate": "me.pem", "key": "me.key",
//                     "min_version": "TLSv1.2"}
//   listener: "tls": {"certificate": "server.pem", "key": "server.key",
//                     "client_certificates": "require", "client_ca_file": "clients-ca.pem"}

#include "tls/tlstypes.h"

#include <QJsonObject>

#include <optional>

namespace sockbench {

QJsonObject tlsClientToJson(const TlsClientOptions &options);
/// nullopt and *error (".key: message", to follow "endpoints[i].tls") for a wrong object.
std::optional<TlsClientOptions> tlsClientFromJson(const QJsonObject &object, QString *error);

QJsonObject tlsServerToJson(const TlsServerOptions &options);
std::optional<TlsServerOptions> tlsServerFromJson(const QJsonObject &object, QString *error);

} // namespace sockbench
