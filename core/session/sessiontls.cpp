#include "session/sessiontls.h"

#include "language/translate.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonValue>

#include <array>

namespace sockbench {

namespace {

template <typename E> struct Spelling {
    E value;
    const char *name;
};

constexpr std::array<Spelling<TlsVerify>, 3> VerifyNames{{
    {TlsVerify::System, "system"},
    {TlsVerify::CaFile, "ca-file"},
    {TlsVerify::None, "none"},
}};
constexpr std::array<Spelling<TlsMinVersion>, 5> VersionNames{{
    {TlsMinVersion::Default, "default"},
    {TlsMinVersion::Tls1_0, "TLSv1"},
    {TlsMinVersion::Tls1_1, "TLSv1.1"},
    {TlsMinVersion::Tls1_2, "TLSv1.2"},
    {TlsMinVersion::Tls1_3, "TLSv1.3"},
}};
constexpr std::array<Spelling<ClientCertMode>, 3> ClientCertNames{{
    {ClientCertMode::None, "none"},
    {ClientCertMode::Request, "ask"},
    {ClientCertMode::Require, "require"},
}};

template <typename E, size_t N> QString nameOf(const std::array<Spelling<E>, N> &names, E value) {
    for (const Spelling<E> &s : names) {
        if (s.value == value)
            return QLatin1String(s.name);
    }
    return {};
}

template <typename E, size_t N> QString choices(const std::array<Spelling<E>, N> &names) {
    QStringList list;
    for (const Spelling<E> &s : names)
        list << QStringLiteral("\"%1\"").arg(QLatin1String(s.name));
    return list.join(QStringLiteral(", "));
}

/// Reads the named choice at key into *out; false and *error when it is not one of them.
template <typename E, size_t N>
bool readChoice(const QJsonObject &o, const char *key, const std::array<Spelling<E>, N> &names, E *out,
                QString *error) {
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined())
        return true;
    for (const Spelling<E> &s : names) {
        if (v.isString() && v.toString() == QLatin1String(s.name)) {
            *out = s.value;
            return true;
        }
    }
    *error = QStringLiteral(".%1: ").arg(QLatin1String(key)) + tr("one of %1").arg(choices(names));
    return false;
}

bool readPath(const QJsonObject &o, const char *key, QString *out, QString *error) {
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined())
        return true;
    if (!v.isString() || v.toString().trimmed().isEmpty()) {
        *error = QStringLiteral(".%1: ").arg(QLatin1String(key)) + tr("a file path");
        return false;
    }
    *out = v.toString();
    return true;
}

bool readAlpn(const QJsonObject &o, QStringList *out, QString *error) {
    const QJsonValue v = o.value(QStringLiteral("alpn"));
    if (v.isUndefined())
        return true;
    const QString wrong =
        QStringLiteral(".alpn: ") + tr("a list of protocol names, e.g. [\"h2\", \"http/1.1\"]");
    if (!v.isArray()) {
        *error = wrong;
        return false;
    }
    for (const QJsonValue &name : v.toArray()) {
        // RFC 7301: 1 to 255 bytes each.
        if (!name.isString() || name.toString().isEmpty() || name.toString().toUtf8().size() > 255) {
            *error = wrong;
            return false;
        }
        out->append(name.toString());
    }
    return true;
}

bool onlyKnownKeys(const QJsonObject &o, const QStringList &keys, const char *what, QString *error) {
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!keys.contains(it.key())) {
            *error = QStringLiteral(".%1: ").arg(it.key()) +
                     tr("unknown key for the TLS of a %1").arg(QLatin1String(what));
            return false;
        }
    }
    return true;
}

QJsonArray toArray(const QStringList &list) {
    QJsonArray array;
    for (const QString &s : list)
        array.append(s);
    return array;
}

} // namespace

QJsonObject tlsClientToJson(const TlsClientOptions &options) {
    QJsonObject o;
    if (options.verify != TlsVerify::System)
        o.insert(QStringLiteral("verify"), nameOf(VerifyNames, options.verify));
    if (options.verify == TlsVerify::CaFile)
        o.insert(QStringLiteral("ca_file"), options.caFile);
    if (!options.serverName.isEmpty())
        o.insert(QStringLiteral("server_name"), options.serverName);
    if (!options.alpn.isEmpty())
        o.insert(QStringLiteral("alpn"), toArray(options.alpn));
    if (!options.certificateFile.isEmpty())
        o.insert(QStringLiteral("certificate"), options.certificateFile);
    if (!options.keyFile.isEmpty())
        o.insert(QStringLiteral("key"), options.keyFile);
    if (options.minVersion != TlsMinVersion::Default)
        o.insert(QStringLiteral("min_version"), nameOf(VersionNames, options.minVersion));
    return o;
}

std::optional<TlsClientOptions> tlsClientFromJson(const QJsonObject &o, QString *error) {
    static const QStringList keys{QStringLiteral("verify"),      QStringLiteral("ca_file"),
                                  QStringLiteral("server_name"), QStringLiteral("alpn"),
                                  QStringLiteral("certificate"), QStringLiteral("key"),
                                  QStringLiteral("min_version")};
    TlsClientOptions options;
    if (!onlyKnownKeys(o, keys, "client", error) ||
        !readChoice(o, "verify", VerifyNames, &options.verify, error) ||
        !readPath(o, "ca_file", &options.caFile, error) || !readAlpn(o, &options.alpn, error) ||
        !readPath(o, "certificate", &options.certificateFile, error) ||
        !readPath(o, "key", &options.keyFile, error) ||
        !readChoice(o, "min_version", VersionNames, &options.minVersion, error))
        return std::nullopt;
    if (options.verify == TlsVerify::CaFile && options.caFile.isEmpty()) {
        *error = QStringLiteral(".ca_file: ") + tr("missing; \"verify\": \"ca-file\" needs the CA file");
        return std::nullopt;
    }
    if (options.verify != TlsVerify::CaFile && !options.caFile.isEmpty()) {
        *error = QStringLiteral(".ca_file: ") + tr("given, but \"verify\" is not \"ca-file\"");
        return std::nullopt;
    }
    if (o.contains(QStringLiteral("server_name"))) {
        const QJsonValue name = o.value(QStringLiteral("server_name"));
        if (!name.isString() || name.toString().trimmed().isEmpty() ||
            name.toString().contains(QLatin1Char(' '))) {
            *error = QStringLiteral(".server_name: ") + tr("a host name");
            return std::nullopt;
        }
        options.serverName = name.toString();
    }
    if (!options.keyFile.isEmpty() && options.certificateFile.isEmpty()) {
        *error = QStringLiteral(".key: ") + tr("given without \"certificate\"");
        return std::nullopt;
    }
    return options;
}

QJsonObject tlsServerToJson(const TlsServerOptions &options) {
    QJsonObject o;
    if (!options.certificateFile.isEmpty())
        o.insert(QStringLiteral("certificate"), options.certificateFile);
    if (!options.keyFile.isEmpty())
        o.insert(QStringLiteral("key"), options.keyFile);
    if (options.clientCert != ClientCertMode::None)
        o.insert(QStringLiteral("client_certificates"), nameOf(ClientCertNames, options.clientCert));
    if (options.clientCert != ClientCertMode::None && !options.clientCaFile.isEmpty())
        o.insert(QStringLiteral("client_ca_file"), options.clientCaFile);
    if (!options.alpn.isEmpty())
        o.insert(QStringLiteral("alpn"), toArray(options.alpn));
    if (options.minVersion != TlsMinVersion::Default)
        o.insert(QStringLiteral("min_version"), nameOf(VersionNames, options.minVersion));
    return o;
}

std::optional<TlsServerOptions> tlsServerFromJson(const QJsonObject &o, QString *error) {
    static const QStringList keys{
        QStringLiteral("certificate"),    QStringLiteral("key"),  QStringLiteral("client_certificates"),
        QStringLiteral("client_ca_file"), QStringLiteral("alpn"), QStringLiteral("min_version")};
    TlsServerOptions options;
    if (!onlyKnownKeys(o, keys, "listener", error) ||
        !readPath(o, "certificate", &options.certificateFile, error) ||
        !readPath(o, "key", &options.keyFile, error) ||
        !readChoice(o, "client_certificates", ClientCertNames, &options.clientCert, error) ||
        !readPath(o, "client_ca_file", &options.clientCaFile, error) || !readAlpn(o, &options.alpn, error) ||
        !readChoice(o, "min_version", VersionNames, &options.minVersion, error))
        return std::nullopt;
    if (!options.keyFile.isEmpty() && options.certificateFile.isEmpty()) {
        *error = QStringLiteral(".key: ") + tr("given without \"certificate\"");
        return std::nullopt;
    }
    if (options.clientCert == ClientCertMode::Require && options.clientCaFile.isEmpty()) {
        *error = QStringLiteral(".client_ca_file: ") +
                 tr("missing; requiring client certificates needs the CA they are checked against");
        return std::nullopt;
    }
    if (options.clientCert == ClientCertMode::None && !options.clientCaFile.isEmpty()) {
        *error = QStringLiteral(".client_ca_file: ") + tr("given, but \"client_certificates\" is \"none\"");
        return std::nullopt;
    }
    return options;
}

} // namespace sockbench
