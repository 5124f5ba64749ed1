#pragma once

#include "capture/packetsink.h"

namespace sockbench::capture {

/// Whether a file that begins with these four bytes (read little-endian) is a pcapng file: its
/// first block is a Section Header Block.
bool isPcapngMagic(quint32 magicLe);

/// Reads a pcapng file's blocks into `sink`: sections, interfaces (link type, timestamp
/// resolution and offset) and packets (enhanced, simple, and the obsolete packet block). False
/// with *error when nothing can be read (no section header first, damage before it, no interface
/// with a supported link type); damage further on ends the reading with a warning.
bool readPcapng(CaptureBytes bytes, PacketSink &sink, QString *error);

} // namespace sockbench::capture
