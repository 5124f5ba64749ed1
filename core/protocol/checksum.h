#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <optional>

namespace sockbench {

// Checksums that a composed message or a rule's reply can end with (user guide, "Checksums"). Each one
// is the catalogue algorithm of its name (the CRC RevEng catalogue's parameters), checked in the
// tests against the catalogue's check value: the checksum of the nine bytes "123456789".

enum class ChecksumKind : quint8 {
    Crc16Modbus,     ///< "crc16-modbus": poly 0x8005 reflected, init 0xFFFF; check 0x4B37
    Crc16CcittFalse, ///< "crc16-ccitt-false": poly 0x1021, init 0xFFFF; check 0x29B1
    Crc16Xmodem,     ///< "crc16-xmodem": poly 0x1021, init 0; check 0x31C3
    Crc32,           ///< "crc32" (IEEE 802.3, zlib's); check 0xCBF43926
    Crc32c,          ///< "crc32c" (Castagnoli, iSCSI); check 0xE3069283
    Sum8,            ///< "sum8": sum of the bytes mod 256; check 0xDD
    Xor8,            ///< "xor8": XOR of the bytes; check 0x31
    Lrc,             ///< "lrc": two's complement of sum8 (Modbus ASCII); check 0x23
};

/// The order in which a checksum wider than a byte is appended.
enum class ChecksumOrder : quint8 {
    Natural, ///< the algorithm's usual order: crc16-modbus low byte first, the others high byte first
    Little,  ///< ":le"
    Big,     ///< ":be"
};

struct ChecksumSpec {
    ChecksumKind kind = ChecksumKind::Crc16Modbus;
    ChecksumOrder order = ChecksumOrder::Natural;
    friend bool operator==(const ChecksumSpec &, const ChecksumSpec &) = default;
};

/// Reads "crc16-modbus", "crc32:le", "sum8"... (case-insensitive). On failure returns nullopt and
/// sets *error (if given) to a sentence naming the text and listing the known names.
std::optional<ChecksumSpec> parseChecksumSpec(QStringView text, QString *error = nullptr);
/// The spelling parseChecksumSpec() reads back ("crc16-modbus", "crc32:le").
QString toString(ChecksumSpec spec);
/// Every algorithm's name, in the order of ChecksumKind, for menus and help texts.
QStringList checksumNames();
/// Width of the value in bytes: 1, 2 or 4.
int checksumWidth(ChecksumKind kind);
/// The checksum of data, in the low checksumWidth() bytes.
quint32 checksumValue(ChecksumKind kind, QByteArrayView data);
/// The bytes to append to data: the value in the spec's order.
QByteArray checksumBytes(ChecksumSpec spec, QByteArrayView data);

} // namespace sockbench
