#pragma once

#include <QByteArray>
#include <QJsonParseError>
#include <QString>

namespace sockbench {

/// A JSON syntax error as a user can find it in an editor: "line 3, column 7: unterminated string"
/// (columns count characters, not bytes). For files the user writes by hand: sessions, the library.
QString jsonSyntaxError(const QByteArray &text, const QJsonParseError &error);

} // namespace sockbench
