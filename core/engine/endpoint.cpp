#include "engine/endpoint.h"

#include <QCoreApplication>

namespace sockbench {

QString datagramSizeError(qsizetype size) {
    if (size <= MaxDatagramPayloadBytes)
        return {};
    return QCoreApplication::translate("sockbench", "a UDP datagram holds at most %1 bytes; this one has %2")
        .arg(MaxDatagramPayloadBytes)
        .arg(size);
}

} // namespace sockbench
