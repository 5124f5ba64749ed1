#pragma once

// Internal to core: how an outgoing TCP connection gets established.

#include "engine/endpoint.h"
#include "engine/resolver.h"

#include <QList>
#include <QString>

namespace sockbench {

class TcpStream;

/// The set-up of an outgoing connection: looks the host up (off the reactor thread), tries its
/// addresses in order with non-blocking connects, and gives up after ConnectOptions::timeoutMs.
///
/// Owned by its TcpStream while the stream is Resolving or Connecting; it works on the stream's
/// descriptor and timers, so that the established connection simply carries on with them.
class TcpConnector final {
public:
    TcpConnector(TcpStream &stream, const ConnectOptions &options);
    Q_DISABLE_COPY_MOVE(TcpConnector)

    /// Arms the timeout and starts the lookup.
    void start(const QString &host, quint16 port);
    /// The connecting descriptor is writable or failed. True when the handshake succeeded;
    /// otherwise the next address is being tried, or the stream has failed.
    bool handshakeDone();
    /// The connect timeout expired while resolving or connecting: the stream fails.
    void timedOut();
    /// The socket options as the current attempt's descriptor took them.
    const QList<AppliedOption> &appliedOptions() const { return m_applied; }
    /// Why the last attempt failed, for words by the real reason: its errno (0 when it was not a
    /// socket error), and whether the connect timed out.
    int lastErrno() const { return m_lastErrno; }
    bool hasTimedOut() const { return m_timedOut; }
    /// Options set while resolving or connecting: kept for every later attempt, and applied to the
    /// current attempt's descriptor if there is one (its read-back is returned, and merged into
    /// appliedOptions()). A source address cannot change any more: its bind is past or to come.
    QList<AppliedOption> addOptions(const SocketOptions &options);

private:
    void resolved(const Resolver::Result &result);
    void tryNext();
    void attemptFailed(const QString &reason, int error = 0);
    /// Binds the source address and port asked for, if any, before connect(); the reason in
    /// words (naming the address) when it cannot.
    QString bindSource(int fd, int family);

    TcpStream &m_stream;
    ConnectOptions m_options;
    QList<NetAddress> m_candidates;
    qsizetype m_candidate = 0;
    QString m_lastError;
    int m_lastErrno = 0;
    bool m_timedOut = false;
    QList<AppliedOption> m_applied;
};

} // namespace sockbench
