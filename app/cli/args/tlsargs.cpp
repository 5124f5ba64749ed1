#include "cli/args/tlsargs.h"

#include "cli/args/optiontable.h"
#include "tls/certificate.h"

#include <QFile>
#include <QFileInfo>

namespace sockbench {

void noteTlsOption(const QString &option, TlsGiven *out) {
    if (out->firstOption.isEmpty())
        out->firstOption = option;
}

QString setAlpn(const QString &value, TlsGiven *out) {
    // Each name is one length-prefixed string in the ClientHello: 1 to 255 bytes.
    const QStringList names = value.split(u',');
    for (const QString &name : names) {
        const qsizetype bytes = name.toUtf8().size();
        if (bytes == 0 || bytes > 255 || name.contains(u' '))
            return QStringLiteral(
                       "--alpn %1: expected protocol names of 1 to 255 bytes, separated by commas, "
                       "e.g. h2,http/1.1")
                .arg(quoted(value));
    }
    out->alpn = names;
    return {};
}

QString setTlsMin(const QString &value, TlsGiven *out) {
    if (value == u"1.2")
        out->minVersion = TlsMinVersion::Tls1_2;
    else if (value == u"1.3")
        out->minVersion = TlsMinVersion::Tls1_3;
    else
        return QStringLiteral("--tls-min %1: expected 1.2 or 1.3").arg(quoted(value));
    return {};
}

QString setServerName(const QString &value, TlsGiven *out) {
    if (value.isEmpty() || value.toUtf8().size() > 255 || value.contains(u' '))
        return QStringLiteral("--sni %1: expected a host name of 1 to 255 characters").arg(quoted(value));
    out->serverName = value;
    return {};
}

QString setTlsFile(const QString &option, const QString &value, QString *file) {
    if (value.isEmpty())
        return QStringLiteral("%1 needs a file name").arg(option);
    *file = value;
    return {};
}

namespace {

/// A certificate, key or CA file must be there and readable before anything is opened.
QString unreadableFile(const QString &option, const QString &path) {
    if (path.isEmpty())
        return {};
    if (QFileInfo(path).isDir())
        return QStringLiteral("%1 %2: is a directory, not a PEM file").arg(option, quoted(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("%1 %2: %3").arg(option, quoted(path), file.errorString());
    return {};
}

} // namespace

QString finishTls(const TlsGiven &given, bool udp) {
    if (!given.tls) {
        // Decided: a TLS option does not turn TLS on by itself, so that a forgotten --tls never
        // sends in plain text what was meant to be encrypted, nor the reverse by surprise.
        if (!given.firstOption.isEmpty())
            return QStringLiteral("%1 needs --tls").arg(given.firstOption);
        return {};
    }
    if (udp)
        return QStringLiteral("--tls needs TCP: TLS over UDP (DTLS) is not supported");
    if (given.insecure && !given.caFile.isEmpty())
        return QStringLiteral("--insecure and --ca exclude each other: --insecure verifies nothing");
    if (!given.keyFile.isEmpty() && given.certificateFile.isEmpty())
        return QStringLiteral("--key needs --cert: the key belongs to a certificate");
    if (given.requireClientCert && given.clientCaFile.isEmpty())
        return QStringLiteral(
            "--require-client-cert needs --client-ca: the CAs that client certificates are checked against");
    const std::pair<const char *, const QString *> files[] = {
        {"--ca", &given.caFile},
        {"--cert", &given.certificateFile},
        {"--key", &given.keyFile},
        {"--client-ca", &given.clientCaFile},
    };
    for (const auto &[option, path] : files) {
        if (const QString why = unreadableFile(QLatin1StringView(option), *path); !why.isEmpty())
            return why;
    }
    // What can be told without OpenSSL's context is told now, as a usage error: a certificate
    // file without a certificate, or without the key when --key is not given.
    for (const auto &[option, path] : files) {
        if (path->isEmpty() || path == &given.keyFile)
            continue;
        QString why;
        if (!readCertificates(*path, &why)) {
            // readCertificates says "path: reason"; the option names the path already.
            const QString prefix = *path + QStringLiteral(": ");
            return QStringLiteral("%1 %2: %3")
                .arg(QLatin1StringView(option), quoted(*path),
                     why.startsWith(prefix) ? why.mid(prefix.size()) : why);
        }
    }
    if (!given.certificateFile.isEmpty() && given.keyFile.isEmpty()) {
        QFile file(given.certificateFile);
        if (file.open(QIODevice::ReadOnly) && !file.readAll().contains("PRIVATE KEY-----"))
            return QStringLiteral("--cert %1 holds no private key: give it with --key FILE")
                .arg(quoted(given.certificateFile));
    }
    return {};
}

TlsClientOptions clientOptions(const TlsGiven &given) {
    TlsClientOptions options;
    options.verify = given.insecure           ? TlsVerify::None
                     : given.caFile.isEmpty() ? TlsVerify::System
                                              : TlsVerify::CaFile;
    options.caFile = given.caFile;
    options.serverName = given.serverName;
    options.alpn = given.alpn;
    options.certificateFile = given.certificateFile;
    options.keyFile = given.keyFile;
    options.minVersion = given.minVersion.value_or(TlsMinVersion::Default);
    return options;
}

TlsServerOptions serverOptions(const TlsGiven &given) {
    TlsServerOptions options;
    options.certificateFile = given.certificateFile;
    options.keyFile = given.keyFile;
    options.clientCaFile = given.clientCaFile;
    options.clientCert = given.requireClientCert        ? ClientCertMode::Require
                         : given.clientCaFile.isEmpty() ? ClientCertMode::None
                                                        : ClientCertMode::Request;
    options.alpn = given.alpn;
    return options;
}

} // namespace sockbench
