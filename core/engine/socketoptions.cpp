#include "engine/socketoptions.h"

#include <array>

namespace sockbench {

namespace {

struct DscpEntry {
    const char *name;
    int dscp;
};

// RFC 2474 class selectors, RFC 2597 assured forwarding (AFxy = 8x + 2y), RFC 3246 expedited
// forwarding and RFC 5865 voice-admit.
constexpr std::array<DscpEntry, 22> DscpNames{{
    {"CS0", 0},   {"CS1", 8},   {"AF11", 10}, {"AF12", 12}, {"AF13", 14}, {"CS2", 16},
    {"AF21", 18}, {"AF22", 20}, {"AF23", 22}, {"CS3", 24},  {"AF31", 26}, {"AF32", 28},
    {"AF33", 30}, {"CS4", 32},  {"AF41", 34}, {"AF42", 36}, {"AF43", 38}, {"CS5", 40},
    {"VA", 44},   {"EF", 46},   {"CS6", 48},  {"CS7", 56},
}};

// The kernel's limits (MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL, MAX_TCP_KEEPCNT): larger values are
// refused by setsockopt, so they are refused here already, where the user can be told which one.
constexpr int MaxKeepAliveSeconds = 32767;
constexpr int MaxKeepAliveCount = 127;

} // namespace

bool SocketOptions::isEmpty() const {
    return *this == SocketOptions{};
}

std::optional<int> tosForDscpName(const QString &name) {
    const QString upper = name.trimmed().toUpper();
    if (upper == QLatin1String("VOICE-ADMIT"))
        return 44 << 2;
    for (const DscpEntry &entry : DscpNames) {
        if (upper == QLatin1String(entry.name))
            return entry.dscp << 2;
    }
    return std::nullopt;
}

QStringList dscpNames() {
    QStringList names;
    for (const DscpEntry &entry : DscpNames)
        names.append(QString::fromLatin1(entry.name));
    return names;
}

QString dscpName(int tos) {
    const int dscp = (tos >> 2) & 0x3f;
    for (const DscpEntry &entry : DscpNames) {
        if (entry.dscp == dscp)
            return QString::fromLatin1(entry.name);
    }
    return QString::number(dscp);
}

std::optional<KeepAliveTiming> parseKeepAliveTiming(const QString &text, QString *error) {
    const auto fail = [error](const QString &why) -> std::optional<KeepAliveTiming> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QStringList parts = text.split(u',');
    if (parts.size() != 3)
        return fail(
            QStringLiteral("expected IDLE,INTERVAL,COUNT (three whole numbers), got \"%1\"").arg(text));
    static const char *const Names[] = {"IDLE", "INTERVAL", "COUNT"};
    int values[3] = {};
    for (int i = 0; i < 3; ++i) {
        bool ok = false;
        const QString part = parts[i].trimmed();
        const int value = part.toInt(&ok, 10);
        const int max = i == 2 ? MaxKeepAliveCount : MaxKeepAliveSeconds;
        if (!ok || value < 1 || value > max)
            return fail(QStringLiteral("%1 must be a whole number from 1 to %2, got \"%3\"")
                            .arg(QLatin1String(Names[i]))
                            .arg(max)
                            .arg(part));
        values[i] = value;
    }
    if (error)
        error->clear();
    return KeepAliveTiming{values[0], values[1], values[2]};
}

} // namespace sockbench
