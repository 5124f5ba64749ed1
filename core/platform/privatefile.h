#pragma once

#include <QByteArray>
#include <QString>

namespace sockbench {

// Files Sockbench writes (settings, saved logs, exports) may hold what crossed the wire: addresses,
// payloads, credentials typed into a protocol by hand. They are the user's alone.

/// Makes an existing file readable and writable by its owner only (mode 0600). Returns false, and
/// sets *error when given, if the file does not exist or its mode cannot be changed.
bool restrictToOwner(const QString &path, QString *error = nullptr);

/// Writes contents to path atomically (QSaveFile: a crash never leaves half a file) with mode 0600
/// from the first byte on. Returns false, and sets *error when given to "path: reason", on failure.
bool writePrivateFile(const QString &path, const QByteArray &contents, QString *error = nullptr);

/// True when neither the group nor others have any access to the file.
bool isPrivateToOwner(const QString &path);

} // namespace sockbench
