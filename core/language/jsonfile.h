#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonParseError>
#include <QJsonValue>
#include <QString>

#include <optional>

namespace sockbench {

// Sockbench's own JSON files (sessions, the payload library) share one envelope:
//   {"sockbench_<kind>": VERSION, "<list>": [...]}
// read strictly: a key a later version adds is an error, not something silently dropped.

/// A JSON syntax error as a user can find it in an editor: "line 3, column 7: unterminated string"
/// (columns count characters, not bytes).
QString jsonSyntaxError(const QByteArray &text, const QJsonParseError &error);

/// What one kind of file is called in its envelope and in error messages.
struct JsonFileFormat {
    const char *kind;    ///< "session": the version key is "sockbench_session"
    const char *listKey; ///< "endpoints"
    int newestVersion;   ///< the newest this build reads (and the one it writes)
};

/// The list of a file in the envelope, or nullopt and *error naming the line or the key at fault,
/// e.g. `sockbench_session: format 2 is newer than this Sockbench reads (1)`.
std::optional<QJsonArray> readJsonFileList(const QByteArray &text, const JsonFileFormat &format,
                                           QString *error);

/// A JSON number that is a whole number within [lowest, highest], else nullopt (a string, 1.5, 1e30).
std::optional<qint64> jsonWholeNumber(const QJsonValue &value, qint64 lowest, qint64 highest);

/// The envelope around a list, as indented JSON, at the newest version.
QByteArray writeJsonFile(const JsonFileFormat &format, const QJsonArray &list);

} // namespace sockbench
