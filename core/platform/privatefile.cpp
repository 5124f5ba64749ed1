#include "platform/privatefile.h"

#include <QFile>

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

bool isPrivateToOwner(const QString &path) {
    struct stat st {};
    const QByteArray name = QFile::encodeName(path);
    return ::stat(name.constData(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) == 0;
}

} // namespace sockbench
