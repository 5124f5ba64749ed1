#pragma once

// The values of the options several verbs share, parsed: numbers, addresses, output formats and
// socket options. Each returns an error message in the command line's words, or empty.

#include "cli/cliargs.h"

#include <QString>

#include <optional>

namespace sockbench {

/// A whole number in [min, max], written without '+'.
std::optional<qint64> parseInteger(const QString &text, qint64 min, qint64 max);

/// ADDRESS:PORT (listening) or HOST:PORT (connecting) with the command line's extra checks.
QString parseWhere(const QString &text, bool connecting, HostPort *out);

/// "--send 'x': reason at character N".
QString payloadError(const QString &option, const QString &input, const PayloadResult &r);

/// --duration S.
QString parseDuration(const QString &value, double *seconds);

/// --hex or --log: the two exclude each other.
QString setOutputFormat(OutputFormat format, OutputArgs *out);

/// --journal-budget SIZE: bytes, or with a binary unit K, M, G (KiB, MiB, GiB also read), from
/// 1M to 1024G.
QString setJournalBudget(const QString &value, OutputArgs *out);

/// --pcap FILE: the file is opened when the run starts.
QString setPcapFile(const QString &value, OutputArgs *out);

/// --nodelay (on) or --no-nodelay (off): the two exclude each other.
QString setNoDelay(bool on, SocketOptions *out);

/// The values of --keepalive, --sndbuf and --rcvbuf (into *bytes), --tos, --ttl, --interface.
QString setKeepAlive(const QString &value, SocketOptions *out);
QString setBufferSize(const QString &option, const QString &value, std::optional<int> *bytes);
QString setTos(const QString &value, SocketOptions *out);
QString setTtl(const QString &value, SocketOptions *out);
QString setInterface(const QString &value, SocketOptions *out);

/// --bind ADDRESS[:PORT]: 192.0.2.1, 192.0.2.1:4000, ::1, [::1], [::1]:4000.
QString parseBind(const QString &value, SocketOptions *out);

/// The first TCP-only socket option set, as the user wrote it; empty when none is.
QString tcpOnlyOption(const SocketOptions &o);

} // namespace sockbench
