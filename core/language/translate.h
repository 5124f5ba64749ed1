#pragma once

#include <QCoreApplication>
#include <QString>

namespace sockbench {

/// What core's free functions say to users (parse errors, journal texts), translatable under one
/// context, "sockbench". Classes with Q_OBJECT use their own tr(), which hides this one.
inline QString tr(const char *text) {
    return QCoreApplication::translate("sockbench", text);
}

/// "value" in double quotes: how a message names what the user wrote.
inline QString inQuotes(const QString &text) {
    return QLatin1Char('"') + text + QLatin1Char('"');
}

} // namespace sockbench
