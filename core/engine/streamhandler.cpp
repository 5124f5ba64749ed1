#include "engine/streamhandler.h"

#include "engine/tcpstream.h"

namespace sockbench {

void StreamHandler::outgoing(TcpStream &stream, QByteArray bytes) {
    stream.writeRaw(std::move(bytes));
}

void StreamHandler::setAutoReply(AutoReply) {}

void StreamHandler::setRules(TcpStream &, std::shared_ptr<RuleBook>, bool) {}

void StreamHandler::rulesTimer(TcpStream &) {}

void StreamHandler::faultTimer(TcpStream &) {}

bool StreamHandler::handshakesFirst() const {
    return false;
}

bool StreamHandler::speaksTls() const {
    return false;
}

quint64 StreamHandler::heldBytes() const {
    return 0;
}

void StreamHandler::closing(TcpStream &) {}

void StreamHandler::handshakeTimer(TcpStream &) {}

void StreamHandler::ending(TcpStream &, EndpointState &, QString &) {}

QByteArray StreamHandler::takeClientHello() {
    return {};
}

} // namespace sockbench
