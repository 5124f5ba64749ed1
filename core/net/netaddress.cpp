#include "net/netaddress.h"

namespace sockbench {

QString NetAddress::toString() const {
    if (isV6())
        return u'[' + ip + QStringLiteral("]:") + QString::number(port);
    return ip + u':' + QString::number(port);
}

} // namespace sockbench
