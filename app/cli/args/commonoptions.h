#pragma once

// The options several verbs share, each declared once: names, value, the description most verbs
// give it (a verb may describe it otherwise, CliOption::described), and how it is parsed.
//
// A verb's State provides what an option writes to, under these names: `udp` (bool), `output`
// (OutputArgs), `durationSeconds` (double), `socket` (SocketOptions), `messages`
// (MessageOptions), `replay` (ReplayGiven); the TLS options take the TlsGiven they fill.

#include "cli/args/argvalues.h"
#include "cli/args/messageargs.h"
#include "cli/args/optiontable.h"
#include "cli/args/tlsargs.h"

namespace sockbench::options {

using Name = const QString &;
using Value = const QString &;

template <typename S> CliOption<S> udp() {
    return {{.longName = QStringLiteral("--udp"),
             .shortName = QStringLiteral("-u"),
             .help = QStringLiteral("bind a UDP socket instead of a TCP listener")},
            [](S &s, Name, Value) {
                s.udp = true;
                return QString();
            }};
}

template <typename S> CliOption<S> hex() {
    return {{.longName = QStringLiteral("--hex"),
             .help = QStringLiteral("write received data to stdout as a hex dump")},
            [](S &s, Name, Value) { return setOutputFormat(OutputFormat::Hex, &s.output); }};
}

template <typename S> CliOption<S> log() {
    return {
        {.longName = QStringLiteral("--log"),
         .help = QStringLiteral("write one timestamped line per record (direction, peer, bytes escaped)")},
        [](S &s, Name, Value) { return setOutputFormat(OutputFormat::Log, &s.output); }};
}

template <typename S> CliOption<S> quiet() {
    return {{.longName = QStringLiteral("--quiet"),
             .shortName = QStringLiteral("-q"),
             .help = QStringLiteral("write nothing to stdout")},
            [](S &s, Name, Value) {
                s.output.quiet = true;
                return QString();
            }};
}

template <typename S> CliOption<S> stats() {
    return {{.longName = QStringLiteral("--stats"),
             .help = QStringLiteral("print a JSON summary as the last line on stderr at exit")},
            [](S &s, Name, Value) {
                s.output.stats = true;
                return QString();
            }};
}

template <typename S> CliOption<S> pcap() {
    return {{.longName = QStringLiteral("--pcap"),
             .valueName = QStringLiteral("FILE"),
             .help = QStringLiteral("record the traffic to FILE (pcapng, for Wireshark) as it happens")},
            [](S &s, Name, Value value) { return setPcapFile(value, &s.output); }};
}

template <typename S> CliOption<S> journalBudget() {
    return {{.longName = QStringLiteral("--journal-budget"),
             .valueName = QStringLiteral("SIZE"),
             .help = QStringLiteral("memory for the traffic history, headers included (64M or 2G;\n"
                                    "default 64M, 8M with --quiet): past it the oldest records go")},
            [](S &s, Name, Value value) { return setJournalBudget(value, &s.output); }};
}

template <typename S> CliOption<S> duration() {
    return {{.longName = QStringLiteral("--duration"),
             .valueName = QStringLiteral("S"),
             .help = QStringLiteral("stop after S seconds (decimals allowed)")},
            [](S &s, Name, Value value) { return parseDuration(value, &s.durationSeconds); }};
}

// Socket options.

template <typename S> CliOption<S> noDelay(bool on) {
    return {{.longName = on ? QStringLiteral("--nodelay") : QStringLiteral("--no-nodelay"),
             .help = QStringLiteral("turn TCP_NODELAY on or off on each accepted connection")},
            [on](S &s, Name, Value) { return setNoDelay(on, &s.socket); }};
}

/// A socket option with a value: parse(option as written, value, the socket options).
template <typename S>
CliOption<S> socketValue(const char *name, const char *valueName, const char *help,
                         QString (*parse)(Name option, Value value, SocketOptions *out)) {
    return {{.longName = QLatin1StringView(name),
             .valueName = QLatin1StringView(valueName),
             .help = QLatin1StringView(help)},
            [parse](S &s, Name option, Value value) { return parse(option, value, &s.socket); }};
}

template <typename S> CliOption<S> keepAlive() {
    return socketValue<S>("--keepalive", "IDLE,INTERVAL,COUNT",
                          "TCP keepalive on each connection: the first probe\n"
                          "after IDLE seconds of silence, then every INTERVAL seconds; COUNT\n"
                          "unanswered probes end the connection",
                          [](Name, Value value, SocketOptions *out) { return setKeepAlive(value, out); });
}
template <typename S> CliOption<S> sndbuf() {
    return socketValue<S>("--sndbuf", "N", "send buffer in bytes (SO_SNDBUF; the kernel doubles it)",
                          [](Name option, Value value, SocketOptions *out) {
                              return setBufferSize(option, value, &out->sendBufferBytes);
                          });
}
template <typename S> CliOption<S> rcvbuf() {
    return socketValue<S>("--rcvbuf", "N", "receive buffer in bytes (SO_RCVBUF)",
                          [](Name option, Value value, SocketOptions *out) {
                              return setBufferSize(option, value, &out->receiveBufferBytes);
                          });
}
template <typename S> CliOption<S> tos() {
    return socketValue<S>("--tos", "N",
                          "IP_TOS / IPV6_TCLASS byte, 0 to 255, or a DSCP name: CS0..CS7,\n"
                          "AF11..AF43, EF, VA",
                          [](Name, Value value, SocketOptions *out) { return setTos(value, out); });
}
template <typename S> CliOption<S> ttl() {
    return socketValue<S>("--ttl", "N", "IP_TTL / IPV6_UNICAST_HOPS, 1 to 255",
                          [](Name, Value value, SocketOptions *out) { return setTtl(value, out); });
}
template <typename S> CliOption<S> interface() {
    return socketValue<S>("--interface", "IFACE", "use only this network interface (SO_BINDTODEVICE)",
                          [](Name, Value value, SocketOptions *out) { return setInterface(value, out); });
}

// Messages and response rules.

template <typename S> CliOption<S> rules() {
    return {
        {.longName = QStringLiteral("--rules"),
         .valueName = QStringLiteral("FILE"),
         .help = QStringLiteral("answer each message of each client (with --udp: each datagram, to its\n"
                                "sender) by the rules in FILE, a JSON file (README, \"Response rules\"). A\n"
                                "file that is not valid is a usage error naming the rule and key."),
         .set = OptionSet::NotWithReplay},
        [](S &s, Name, Value value) {
            s.messages.rulesFile = value;
            return QString();
        }};
}
template <typename S> CliOption<S> frame() {
    return {
        {.longName = QStringLiteral("--frame"),
         .valueName = QStringLiteral("SPEC"),
         .help = QStringLiteral("what one message is (TCP): raw (each read, the default), line (LF),\n"
                                "line:crlf, delim:HEX, fixed:N, len:1, len:2be, len:2le, len:4be,\n"
                                "len:4le (add +incl when the length counts its own header), idle:MS.\n"
                                "Overrides the rules file's \"frame\". With --log, one line per message.")},
        [](S &s, Name, Value value) { return setFrame(value, &s.messages); }};
}
template <typename S> CliOption<S> maxMessage() {
    return {{.longName = QStringLiteral("--max-message"),
             .valueName = QStringLiteral("N"),
             .help = QStringLiteral("cut a longer message at N bytes and skip the rest, said in the\n"
                                    "log (default 1048576)")},
            [](S &s, Name, Value value) { return setMaxMessage(value, &s.messages); }};
}

// TLS: each option fills the TlsGiven it is given (a relay has one per leg).

/// --tls, or a relay leg's own switch.
template <typename S>
CliOption<S> tlsSwitch(const char *name, TlsGiven S::*leg, OptionSet set, const char *help) {
    return {{.longName = QLatin1StringView(name), .help = QLatin1StringView(help), .set = set},
            [leg](S &s, Name, Value) {
                (s.*leg).tls = true;
                return QString();
            }};
}

template <typename S> CliOption<S> tls(TlsGiven S::*leg) {
    return tlsSwitch<S>("--tls", leg, OptionSet::NotWithReplay,
                        "speak TLS as the server on every accepted connection (echo, greeting,\n"
                        "rules and output see the plain text). Without --cert: a\n"
                        "self-signed certificate for localhost, 127.0.0.1 and ::1, made once,\n"
                        "kept in the config directory (mode 0600) and reused; its file and\n"
                        "SHA-256 fingerprint are printed on stderr after 'listening on'");
}

/// --insecure, --require-client-cert: a flag of the TLS options.
template <typename S>
CliOption<S> tlsFlag(const char *name, bool TlsGiven::*flag, TlsGiven S::*leg, const char *help) {
    return {{.longName = QLatin1StringView(name), .help = QLatin1StringView(help)},
            [flag, leg](S &s, Name option, Value) {
                noteTlsOption(option, &(s.*leg));
                (s.*leg).*flag = true;
                return QString();
            }};
}

/// A TLS option with a value: parse(option as written, value, the leg's TLS options).
template <typename S>
CliOption<S> tlsValue(const char *name, const char *valueName, TlsGiven S::*leg, const char *help,
                      QString (*parse)(Name option, Value value, TlsGiven *out)) {
    return {{.longName = QLatin1StringView(name),
             .valueName = QLatin1StringView(valueName),
             .help = QLatin1StringView(help)},
            [leg, parse](S &s, Name option, Value value) {
                noteTlsOption(option, &(s.*leg));
                return parse(option, value, &(s.*leg));
            }};
}

template <typename S> CliOption<S> cert(TlsGiven S::*leg) {
    return tlsValue<S>("--cert", "FILE", leg,
                       "the server's certificate (PEM; may hold the chain, and the key)",
                       [](Name option, Value value, TlsGiven *out) {
                           return setTlsFile(option, value, &out->certificateFile);
                       });
}
template <typename S> CliOption<S> key(TlsGiven S::*leg) {
    return tlsValue<S>(
        "--key", "FILE", leg, "its private key (PEM), when the --cert file does not hold it",
        [](Name option, Value value, TlsGiven *out) { return setTlsFile(option, value, &out->keyFile); });
}
template <typename S> CliOption<S> alpn(TlsGiven S::*leg) {
    return tlsValue<S>("--alpn", "LIST", leg,
                       "application protocols accepted, in order of preference: h2,http/1.1",
                       [](Name, Value value, TlsGiven *out) { return setAlpn(value, out); });
}
template <typename S> CliOption<S> ca(TlsGiven S::*leg) {
    return tlsValue<S>(
        "--ca", "FILE", leg, "trust only the CAs in FILE (PEM) instead of the system's",
        [](Name option, Value value, TlsGiven *out) { return setTlsFile(option, value, &out->caFile); });
}
template <typename S> CliOption<S> insecure(TlsGiven S::*leg) {
    return tlsFlag<S>("--insecure", &TlsGiven::insecure, leg,
                      "verify nothing; a warning on stderr says so, and what\n"
                      "verification would have found");
}
template <typename S> CliOption<S> sni(TlsGiven S::*leg) {
    return tlsValue<S>("--sni", "NAME", leg,
                       "the server name to send and check the certificate against.\n"
                       "Default: HOST as written; none is sent when HOST is an address",
                       [](Name, Value value, TlsGiven *out) { return setServerName(value, out); });
}
template <typename S> CliOption<S> tlsMin(TlsGiven S::*leg) {
    return tlsValue<S>("--tls-min", "VERSION", leg, "the lowest protocol version: 1.2 or 1.3",
                       [](Name, Value value, TlsGiven *out) { return setTlsMin(value, out); });
}
template <typename S> CliOption<S> clientCa(TlsGiven S::*leg) {
    return tlsValue<S>("--client-ca", "FILE", leg,
                       "ask each client for a certificate, checked against the CAs in\n"
                       "FILE; a client without one (or with one that fails) is still served",
                       [](Name option, Value value, TlsGiven *out) {
                           return setTlsFile(option, value, &out->clientCaFile);
                       });
}
template <typename S> CliOption<S> requireClientCert(TlsGiven S::*leg) {
    return tlsFlag<S>("--require-client-cert", &TlsGiven::requireClientCert, leg,
                      "refuse a client without a certificate that verifies\n"
                      "against --client-ca");
}

// Replay.

template <typename S> CliOption<S> replay() {
    return {
        {.longName = QStringLiteral("--replay"),
         .valueName = QStringLiteral("FILE[#STREAM]"),
         .help = QStringLiteral("become the server of a recorded stream: FILE is a pcap or\n"
                                "pcapng capture, STREAM Wireshark's tcp.stream (else udp.stream) number,\n"
                                "by default the first stream with payload. Each client gets the recorded\n"
                                "server's messages in order, each once the client has sent as many bytes\n"
                                "as the recorded client had sent before it (a UDP stream: as many\n"
                                "datagrams, per client address); then FIN if the recorded server closed.\n"
                                "A UDP stream makes a UDP socket. Progress lines go to stderr.")},
        [](S &s, Name, Value value) {
            s.replay.setSpec(value);
            return QString();
        }};
}

} // namespace sockbench::options
