#include "net/endpointid.h"

#include <QCoreApplication>

namespace sockbench {

QString toString(EndpointKind kind) {
    switch (kind) {
    case EndpointKind::TcpListener:
        return QCoreApplication::translate("sockbench", "TCP listener");
    case EndpointKind::TcpConnection:
        return QCoreApplication::translate("sockbench", "TCP connection");
    case EndpointKind::UdpSocket:
        return QCoreApplication::translate("sockbench", "UDP socket");
    }
    return {};
}

QString toString(EndpointState state) {
    switch (state) {
    case EndpointState::Resolving:
        return QCoreApplication::translate("sockbench", "Resolving");
    case EndpointState::Connecting:
        return QCoreApplication::translate("sockbench", "Connecting");
    case EndpointState::Handshaking:
        return QCoreApplication::translate("sockbench", "Handshaking");
    case EndpointState::Listening:
        return QCoreApplication::translate("sockbench", "Listening");
    case EndpointState::Connected:
        return QCoreApplication::translate("sockbench", "Connected");
    case EndpointState::PeerClosed:
        return QCoreApplication::translate("sockbench", "PeerClosed");
    case EndpointState::Bound:
        return QCoreApplication::translate("sockbench", "Bound");
    case EndpointState::Stopped:
        return QCoreApplication::translate("sockbench", "Stopped");
    case EndpointState::Closed:
        return QCoreApplication::translate("sockbench", "Closed");
    case EndpointState::Reset:
        return QCoreApplication::translate("sockbench", "Reset");
    case EndpointState::Failed:
        return QCoreApplication::translate("sockbench", "Failed");
    }
    return {};
}

} // namespace sockbench
