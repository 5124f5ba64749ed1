#include "platform/privatefile.h"

#include <QFile>
#include <QSaveFile>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace sockbench {

bool restrictToOwner(const QString &path, QString *error) {
    // chmod(2) sets the exact mode, clearing too the bits QFileDevice::Permissions cannot express
    // (setuid, setgid, sticky).
    const QByteArray name = QFile::encodeName(path);
    if (::chmod(name.constData(), S_IRUSR | S_IWUSR) == 0)
        return true;
    if (error)
        *error = QStringLiteral("%1: %2").arg(path, QString::fromLocal8Bit(std::strerror(errno)));
    return false;
}

bool writePrivateFile(const QString &path, const QByteArray &contents, QString *error) {
    const auto fail = [&path, error](const QString &reason) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path, reason);
        return false;
    };
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(file.errorString());
    // The temporary file becomes the file: make it private before a byte is written, so that no
    // moment exists where others can read it (QSaveFile would copy an old file's mode).
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(contents);
    if (!file.commit())
        return fail(file.errorString());
    // Checked with the exact mode afterwards: setPermissions() on the temporary file reports no
    // failure here and cannot clear the bits it does not express (setuid, setgid, sticky).
    QString modeError;
    if (!restrictToOwner(path, &modeError)) {
        if (error)
            *error = modeError;
        return false;
    }
    return true;
}

bool isPrivateToOwner(const QString &path) {
    struct stat st {};
    const QByteArray name = QFile::encodeName(path);
    return ::stat(name.constData(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) == 0;
}

} // namespace sockbench
