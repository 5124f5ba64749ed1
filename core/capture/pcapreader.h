#pragma once

#include "capture/packetsink.h"

namespace sockbench::capture {

/// Whether a file that begins with these four bytes (read little-endian) is a pcap file, of
/// either byte order and either timestamp unit.
bool isPcapMagic(quint32 magicLe);

/// Reads a pcap file's packet records into `sink`. False with *error when nothing can be read (a
/// cut file header, an unsupported link type); a record that does not fit ends the reading with a
/// warning.
bool readPcap(CaptureBytes bytes, PacketSink &sink, QString *error);

} // namespace sockbench::capture
