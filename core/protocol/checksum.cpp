#include "protocol/checksum.h"

#include <array>

namespace sockbench {

namespace {

struct KindName {
    ChecksumKind kind;
    const char *name;
};

// In the order of ChecksumKind, for checksumNames().
constexpr std::array<KindName, 8> KindNames{{
    {ChecksumKind::Crc16Modbus, "crc16-modbus"},
    {ChecksumKind::Crc16CcittFalse, "crc16-ccitt-false"},
    {ChecksumKind::Crc16Xmodem, "crc16-xmodem"},
    {ChecksumKind::Crc32, "crc32"},
    {ChecksumKind::Crc32c, "crc32c"},
    {ChecksumKind::Sum8, "sum8"},
    {ChecksumKind::Xor8, "xor8"},
    {ChecksumKind::Lrc, "lrc"},
}};

using CrcTable = std::array<quint32, 256>;

// Table for a reflected CRC (least significant bit first): poly is the reversed polynomial.
constexpr CrcTable reflectedTable(quint32 poly) {
    CrcTable table{};
    for (quint32 i = 0; i < 256; ++i) {
        quint32 crc = i;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 1) ? (crc >> 1) ^ poly : crc >> 1;
        table[i] = crc;
    }
    return table;
}

// Table for a 16-bit CRC that is not reflected (most significant bit first).
constexpr CrcTable forwardTable16(quint16 poly) {
    CrcTable table{};
    for (quint32 i = 0; i < 256; ++i) {
        quint32 crc = i << 8;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 0x8000) ? ((crc << 1) ^ poly) & 0xFFFF : (crc << 1) & 0xFFFF;
        table[i] = crc;
    }
    return table;
}

constexpr CrcTable Crc16ModbusTable = reflectedTable(0xA001); // 0x8005 reversed
constexpr CrcTable Crc16CcittTable = forwardTable16(0x1021);  // ccitt-false and xmodem
constexpr CrcTable Crc32Table = reflectedTable(0xEDB88320);   // 0x04C11DB7 reversed
constexpr CrcTable Crc32cTable = reflectedTable(0x82F63B78);  // 0x1EDC6F41 reversed

quint32 reflectedCrc(const CrcTable &table, quint32 init, QByteArrayView data) {
    quint32 crc = init;
    for (const char c : data)
        crc = (crc >> 8) ^ table[(crc ^ quint8(c)) & 0xFF];
    return crc;
}

quint32 forwardCrc16(quint16 init, QByteArrayView data) {
    quint32 crc = init;
    for (const char c : data)
        crc = ((crc << 8) ^ Crc16CcittTable[((crc >> 8) ^ quint8(c)) & 0xFF]) & 0xFFFF;
    return crc;
}

QString knownNamesSentence() {
    return QStringLiteral("Known checksums: %1.").arg(checksumNames().join(QStringLiteral(", ")));
}

} // namespace

std::optional<ChecksumSpec> parseChecksumSpec(QStringView text, QString *error) {
    const QStringView trimmed = text.trimmed();
    QStringView name = trimmed;
    ChecksumOrder order = ChecksumOrder::Natural;
    const qsizetype colon = trimmed.indexOf(u':');
    if (colon >= 0) {
        name = trimmed.left(colon);
        const QStringView suffix = trimmed.mid(colon + 1);
        if (suffix.compare(u"le", Qt::CaseInsensitive) == 0) {
            order = ChecksumOrder::Little;
        } else if (suffix.compare(u"be", Qt::CaseInsensitive) == 0) {
            order = ChecksumOrder::Big;
        } else {
            if (error)
                *error = QStringLiteral("'%1' is not a checksum: the byte order after ':' must be 'le' or "
                                        "'be', not '%2'. %3")
                             .arg(text.toString(), suffix.toString(), knownNamesSentence());
            return std::nullopt;
        }
    }
    for (const KindName &entry : KindNames) {
        if (name.compare(QLatin1StringView(entry.name), Qt::CaseInsensitive) != 0)
            continue;
        // A single byte has no order: the suffix is accepted but means nothing, so it is dropped
        // and toString() gives the plain name.
        if (checksumWidth(entry.kind) == 1)
            order = ChecksumOrder::Natural;
        return ChecksumSpec{entry.kind, order};
    }
    if (error)
        *error = QStringLiteral("'%1' is not a checksum. %2").arg(text.toString(), knownNamesSentence());
    return std::nullopt;
}

QString toString(ChecksumSpec spec) {
    QString name = QLatin1StringView(KindNames[size_t(spec.kind)].name);
    if (checksumWidth(spec.kind) > 1) {
        if (spec.order == ChecksumOrder::Little)
            name += QStringLiteral(":le");
        else if (spec.order == ChecksumOrder::Big)
            name += QStringLiteral(":be");
    }
    return name;
}

QStringList checksumNames() {
    QStringList names;
    names.reserve(qsizetype(KindNames.size()));
    for (const KindName &entry : KindNames)
        names.append(QLatin1StringView(entry.name));
    return names;
}

int checksumWidth(ChecksumKind kind) {
    switch (kind) {
    case ChecksumKind::Crc16Modbus:
    case ChecksumKind::Crc16CcittFalse:
    case ChecksumKind::Crc16Xmodem:
        return 2;
    case ChecksumKind::Crc32:
    case ChecksumKind::Crc32c:
        return 4;
    case ChecksumKind::Sum8:
    case ChecksumKind::Xor8:
    case ChecksumKind::Lrc:
        return 1;
    }
    return 1;
}

quint32 checksumValue(ChecksumKind kind, QByteArrayView data) {
    switch (kind) {
    case ChecksumKind::Crc16Modbus:
        return reflectedCrc(Crc16ModbusTable, 0xFFFF, data);
    case ChecksumKind::Crc16CcittFalse:
        return forwardCrc16(0xFFFF, data);
    case ChecksumKind::Crc16Xmodem:
        return forwardCrc16(0, data);
    case ChecksumKind::Crc32:
        return reflectedCrc(Crc32Table, 0xFFFFFFFF, data) ^ 0xFFFFFFFF;
    case ChecksumKind::Crc32c:
        return reflectedCrc(Crc32cTable, 0xFFFFFFFF, data) ^ 0xFFFFFFFF;
    case ChecksumKind::Sum8:
    case ChecksumKind::Lrc: {
        quint8 sum = 0;
        for (const char c : data)
            sum = quint8(sum + quint8(c));
        return kind == ChecksumKind::Sum8 ? sum : quint8(-sum);
    }
    case ChecksumKind::Xor8: {
        quint8 x = 0;
        for (const char c : data)
            x ^= quint8(c);
        return x;
    }
    }
    return 0;
}

QByteArray checksumBytes(ChecksumSpec spec, QByteArrayView data) {
    const int width = checksumWidth(spec.kind);
    const quint32 value = checksumValue(spec.kind, data);
    bool little = spec.order == ChecksumOrder::Little;
    if (spec.order == ChecksumOrder::Natural)
        little = spec.kind == ChecksumKind::Crc16Modbus; // Modbus RTU sends the CRC low byte first
    QByteArray bytes(width, Qt::Uninitialized);
    for (int i = 0; i < width; ++i) {
        const int shift = 8 * (little ? i : width - 1 - i);
        bytes[i] = char((value >> shift) & 0xFF);
    }
    return bytes;
}

} // namespace sockbench
