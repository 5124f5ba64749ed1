#pragma once

#include "engine/endpoint.h"
#include "language/address.h"

#include <QHash>
#include <QList>
#include <QObject>

#include <utility>

namespace sockbench {

class Workbench;

/// The composer's "send to an address": bytes to a typed host:port with no connect step, as a
/// packet tool does. TCP reuses a connected client of ours to that very address, or opens one
/// through the Workbench and sends once it is connected; the connection stays open (and in the
/// connections panel). UDP sends a datagram from a socket opened for that host, opened as needed
/// and reused. What happens is told in words: at once by send()'s answer, later by the signals.
class AddressSender final : public QObject {
    Q_OBJECT

public:
    enum class Protocol { Tcp, Udp };

    explicit AddressSender(Workbench *workbench, QObject *parent = nullptr);
    ~AddressSender() override;
    Q_DISABLE_COPY_MOVE(AddressSender)

    /// Sends bytes to the address ("host:port", "[v6]:port"), or starts to. Returns why nothing is
    /// sent (a bad address, port 0, no bytes), or an empty string: then sent() or failed() follows,
    /// at once when a connection is there, or once it is made (or could not be).
    QString send(const QString &address, Protocol protocol, const QByteArray &bytes);

Q_SIGNALS:
    /// The bytes went to the workbench; text says how many, where and through which endpoint.
    void sent(const QString &text);
    /// Nothing was sent (the connection was refused, the name is unknown, ...); text says why.
    void failed(const QString &text);

private:
    /// Bytes waiting for a connection to be made or a socket to be bound, each with where it goes
    /// (a UDP socket opened for a host sends to any of its ports).
    struct Waiting {
        HostPort to; ///< what the connection or socket was opened for
        QList<std::pair<HostPort, QByteArray>> sends;
    };
    /// A connected plain TCP client of ours to exactly this address, or 0.
    EndpointId connectedClientTo(const HostPort &to) const;
    void deliverTcp(EndpointId id, const HostPort &to, const QByteArray &bytes);
    void deliverUdp(EndpointId id, const HostPort &to, const QByteArray &bytes);
    void onReady(EndpointId id);
    void onFailed(EndpointId id, const QString &reason);

    Workbench *m_workbench;
    QHash<EndpointId, Waiting> m_waiting;   ///< connections and sockets still being opened
    QHash<QString, EndpointId> m_udpByHost; ///< the socket opened to send to each host
};

} // namespace sockbench
