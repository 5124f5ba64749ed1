#pragma once

#include "language/payload.h"
#include "protocol/checksum.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace sockbench {

// The library of saved payloads (user guide, "Library"): what a user sends again and again, one click
// away. Kept as JSON in the user's config directory (private, saved atomically):
//
//   {"sockbench_library": 1,
//    "entries": [{"name": "Read holding registers", "folder": "Modbus/Unit 1",
//                 "payload": "01 03 00 00 00 0a", "mode": "hex", "line_ending": "none",
//                 "escapes": true, "encoding": "utf-8", "append": "crc16-modbus",
//                 "target": {"kind": "tcp", "host": "192.168.1.10", "port": 502},
//                 (kind "tcp", "udp" or "tls": TCP with TLS, as a session's "tls" client)
//                 "notes": "..."}]}
//
// The same format is what Export writes and Import reads. The reader is strict like the session
// reader: unknown keys are errors naming the entry and key.

constexpr int LibraryFormatVersion = 1;

/// Where an entry is meant to go; the user may still send it anywhere.
struct LibraryTarget {
    /// Tls: a TCP connection that speaks TLS (a session's client with "tls", --tls on the command
    /// line). Appended last: the entry form keeps the values as its combo box's data.
    enum class Kind : quint8 { Tcp, Udp, Tls };
    Kind kind = Kind::Tcp;
    QString host;
    quint16 port = 0;
    friend bool operator==(const LibraryTarget &, const LibraryTarget &) = default;
};

struct LibraryEntry {
    QString name;     ///< not empty
    QString folder;   ///< "" for the top level; nested folders separated by '/'
    QString payload;  ///< as typed, in the payload language
    PayloadSpec spec; ///< mode, encoding, escapes, line ending
    std::optional<ChecksumSpec> append;
    std::optional<LibraryTarget> target;
    QString notes;

    /// The bytes to send: the payload parsed by spec (line ending included), then the checksum of
    /// all those bytes appended last. Sets *error (if given) to "character N: why" and returns
    /// empty bytes when the payload does not parse.
    QByteArray bytes(QString *error = nullptr) const;
    friend bool operator==(const LibraryEntry &, const LibraryEntry &) = default;
};

struct LibraryParseResult {
    QList<LibraryEntry> entries;
    /// Empty when valid; else e.g. `entries[3].target.port: 70000 is out of range (0-65535)`.
    QString error;
    /// Import of Packet Sender's file: what was skipped or changed and why, one line each (the rest
    /// imports as is). Always empty for parseLibrary().
    QStringList warnings;
    /// Import of Packet Sender's file: every packet the file holds, imported or skipped, so that
    /// "N of M" counts what the user saved there. 0 for parseLibrary().
    qsizetype packets = 0;
    bool ok() const { return error.isEmpty(); }
};

/// Reads a library (or an export) from JSON text. On error no entry is returned: a file is taken
/// whole or not at all. Payloads are not parsed here; an entry may hold one that does not parse yet.
LibraryParseResult parseLibrary(const QByteArray &json);
/// The entries as indented JSON, defaults left out, which parseLibrary() reads back equal.
QByteArray serializeLibrary(const QList<LibraryEntry> &entries);

/// Reads Packet Sender's saved packets (its packets.ini, a QSettings INI file: one group per
/// packet). Takes each packet's name, hex bytes (as a hex-mode payload), destination address and
/// port, and its protocol: TCP, UDP, SSL (a TLS target). An HTTP or HTTPS packet (GET or POST, its
/// requestPath and, for POST, its bytes as the body) becomes the request it sends, as text, to a
/// TCP or TLS target. A packet that cannot be taken (no name, bad hex, an unknown protocol) is
/// skipped with a warning naming it and why; DTLS packets come in as plain UDP with a warning; an
/// unusable destination is dropped with a warning; Packet Sender's macros ({{DATE}} ...), which
/// Sockbench's payloads have no equivalent for, are named in a warning and kept as written.
/// Entries go to the folder "Packet Sender". Any bytes may be given: values are read as text only,
/// never as QSettings' serialised "@Variant(...)" data. A file without a single packet is an error.
LibraryParseResult importPacketSenderIni(const QByteArray &iniText);
/// Where Packet Sender keeps its packets.ini: ~/.local/share/PacketSender (version 8 on), else
/// ~/.config/PacketSender (older versions), the first that exists; empty when neither does.
QString packetSenderFolder();

/// The library's file in the user's config directory, next to the window's settings file:
/// ~/.config/Sockbench/library.json (the organisation's folder, else the application's).
QString defaultLibraryPath();
/// A missing file is an empty library, not an error. Other errors begin with the path.
LibraryParseResult loadLibrary(const QString &path);
/// Atomic (QSaveFile) and mode 0600; creates the folder if missing. Returns false and sets *error
/// (beginning with the path) on failure.
bool saveLibrary(const QString &path, const QList<LibraryEntry> &entries, QString *error);

} // namespace sockbench
