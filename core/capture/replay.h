#pragma once

#include "capture/capturefile.h"
#include "engine/endpoint.h"
#include "journal/journal.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>

namespace sockbench {

class Workbench;
struct EndpointInfo;

/// One message of a recorded conversation.
struct ReplayMessage {
    bool fromClient = true;
    qint64 timeNs = 0;
    QByteArray bytes;
    /// Bytes the client had sent before this message (server messages: the gate of its turn).
    quint64 clientBytesBefore = 0;
};

/// A recorded conversation, from the journal (a live or captured connection or UDP socket) or
/// straight from a capture file, ready to be played back as its client or as its server.
struct ReplayScript {
    bool udp = false;
    QString source; ///< for people: "capture.pcapng#3", "TCP connection #12"
    QList<ReplayMessage> messages;
    /// The recorded server ended its side (FIN or reset) after its last message: a ReplayServer
    /// half-closes each connection once it has given it every server message.
    bool serverClosed = false;

    int clientMessageCount() const;
    int serverMessageCount() const;
    quint64 clientByteCount() const;
    quint64 serverByteCount() const;
    /// Sets each message's clientBytesBefore from the client messages before it.
    void computeGates();

    /// The conversation of one endpoint in the journal. Its client is the side that connected
    /// (outgoing: our DataOut; accepted: the peer's, our DataIn); a UDP socket's is our side.
    /// False and *error when it has no data, its payloads were evicted, or it is a capture's stream
    /// with bytes missing.
    static bool fromJournal(const Journal &journal, const EndpointInfo &endpoint, ReplayScript *out,
                            QString *error);
    /// Stream `streamNumber` (Wireshark's tcp.stream, else udp.stream when there is no such TCP
    /// stream) of a capture; -1: the first stream. False and *error when it has bytes missing.
    static bool fromCapture(const CaptureFile &capture, int streamNumber, ReplayScript *out, QString *error);
    /// "FILE" or "FILE#N": reads the file and takes the stream (without #N: the first stream
    /// that has payload). The command line's --replay. A FILE that exists with its "#N" is taken whole.
    static bool fromCaptureSpec(const QString &spec, ReplayScript *out, QString *error);
    /// Why a stream the capture has only in part is not replayed: its holes would close up and a
    /// different byte stream go out.
    static QString missingBytesError(const QString &source, quint64 missing);
};

/// Plays the client side of a script to host:port through the workbench (a new TCP connection or
/// UDP socket), in order, back to back (speed 0) or with the original gaps divided by speed.
class ReplayClient final : public QObject {
    Q_OBJECT
public:
    ReplayClient(Workbench &workbench, ReplayScript script, QString host, quint16 port, double speed,
                 QObject *parent = nullptr);
    ~ReplayClient() override;
    Q_DISABLE_COPY_MOVE(ReplayClient)

    /// Opens the connection (or socket) and starts; returns its endpoint id.
    EndpointId start();
    void cancel();
    EndpointId endpoint() const;
    /// After the last message (TCP: after our FIN), how long to wait for the server to close (TCP)
    /// or for more replies (UDP), counted from the last bytes received; then finished(). Default 2 s.
    void setCloseGrace(int ms);
    /// Options for the connection or socket start() opens (before start()).
    void setSocketOptions(const SocketOptions &options);

Q_SIGNALS:
    /// After each message: messages and bytes sent so far, of how many.
    void progress(int messagesSent, int messagesTotal, quint64 bytesSent, quint64 bytesTotal);
    /// Once: every message sent (TCP: then half-closed), or why not.
    void finished(bool ok, const QString &summary);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Becomes the recorded server: listens on address:port and gives each client the script's server
/// messages turn by turn, each once that client has sent at least as many bytes as the original
/// client had sent before it (TCP), or once it has sent as many datagrams (UDP).
class ReplayServer final : public QObject {
    Q_OBJECT
public:
    ReplayServer(Workbench &workbench, ReplayScript script, QString address, quint16 port,
                 QObject *parent = nullptr);
    ~ReplayServer() override;
    Q_DISABLE_COPY_MOVE(ReplayServer)

    /// Starts the listener (or UDP socket); returns its id. listenerStarted()/udpBound() tell the port.
    EndpointId start();
    void stop();
    EndpointId endpoint() const;
    /// Options for the listener (and its connections) or socket start() opens (before start()).
    void setSocketOptions(const SocketOptions &options);

Q_SIGNALS:
    /// A client got a server message: which client, messages given to it so far, of how many.
    /// UDP: client is the socket's id (all clients share it); clientDone() follows per address.
    void progress(sockbench::EndpointId client, int messagesSent, int messagesTotal);
    /// A client got every server message (TCP: the connection is then half-closed).
    void clientDone(sockbench::EndpointId client);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace sockbench
