#include "engine/streamhandler.h"

#include "engine/tcpstream.h"

namespace sockbench {

void StreamHandler::outgoing(TcpStream &stream, QByteArray bytes) {
    stream.writeRaw(std::move(bytes));
}

void StreamHandler::setAutoReply(AutoReply) {}

} // namespace sockbench
