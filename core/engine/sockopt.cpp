#include "engine/sockopt.h"

#include <cerrno>
#include <net/if.h>
#include <sys/socket.h>

namespace sockbench {

void setIntOption(int fd, int level, int option, int value) {
    setsockopt(fd, level, option, &value, sizeof value);
}

int pendingError(int fd) {
    int error = 0;
    socklen_t len = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0)
        return errno;
    return error;
}

bool interfaceIndex(const QString &name, unsigned *index) {
    *index = name.isEmpty() ? 0 : if_nametoindex(name.toLocal8Bit().constData());
    return name.isEmpty() || *index != 0;
}

} // namespace sockbench
