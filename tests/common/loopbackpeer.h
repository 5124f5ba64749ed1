#pragma once

// A plain BSD-socket peer for the engine tests. The engine must be checked by something other than
// itself, so this class talks to it with nothing but socket(2) calls. Every blocking call is bounded
// by poll() with a deadline, so a broken engine fails a test instead of hanging it.

#include "engine/endpoint.h"

#include <QByteArray>
#include <QString>
#include <QTest>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>

namespace sockbench::test {

/// Fills `ss` from a numeric address; returns the length to pass to bind/connect, 0 if unparsable.
inline socklen_t toSockaddr(const NetAddress &address, sockaddr_storage *ss) {
    std::memset(ss, 0, sizeof(*ss));
    const QByteArray ip = address.ip.toLatin1();
    if (address.isV6()) {
        auto *sin6 = reinterpret_cast<sockaddr_in6 *>(ss);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(address.port);
        if (inet_pton(AF_INET6, ip.constData(), &sin6->sin6_addr) != 1)
            return 0;
        return sizeof(sockaddr_in6);
    }
    auto *sin = reinterpret_cast<sockaddr_in *>(ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(address.port);
    if (inet_pton(AF_INET, ip.constData(), &sin->sin_addr) != 1)
        return 0;
    return sizeof(sockaddr_in);
}

inline NetAddress fromSockaddr(const sockaddr_storage &ss) {
    char text[INET6_ADDRSTRLEN] = {};
    NetAddress out;
    if (ss.ss_family == AF_INET6) {
        const auto *sin6 = reinterpret_cast<const sockaddr_in6 *>(&ss);
        inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
        out.port = ntohs(sin6->sin6_port);
    } else if (ss.ss_family == AF_INET) {
        const auto *sin = reinterpret_cast<const sockaddr_in *>(&ss);
        inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
        out.port = ntohs(sin->sin_port);
    } else {
        return out;
    }
    out.ip = QString::fromLatin1(text);
    return out;
}

/// How a read that waits for the end of the stream came to an end.
enum class StreamEnd { Eof, Reset, Timeout, Error };

inline const char *toText(StreamEnd end) {
    switch (end) {
    case StreamEnd::Eof:
        return "EOF";
    case StreamEnd::Reset:
        return "reset";
    case StreamEnd::Timeout:
        return "timeout";
    case StreamEnd::Error:
        return "error";
    }
    return "?";
}

/// One raw socket (TCP listener, TCP connection or UDP socket), optionally with a job running on a
/// std::thread so that the test's event loop can keep turning while the peer blocks.
///
/// Results of a job are handed back through variables the job captures by reference; they may be
/// read once wait() has returned true (the join orders the accesses).
class LoopbackPeer final {
public:
    static constexpr int DefaultTimeoutMs = 15000;

    ~LoopbackPeer() {
        if (m_thread.joinable())
            m_thread.join();
        closeNow();
    }
    Q_DISABLE_COPY_MOVE(LoopbackPeer)

    /// Blocking connect (loopback completes at once while the listener's backlog has room).
    /// On failure returns null and stores errno in *error.
    static std::unique_ptr<LoopbackPeer> connectTcp(const NetAddress &to, int *error = nullptr) {
        sockaddr_storage ss;
        const socklen_t len = toSockaddr(to, &ss);
        const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || len == 0 || ::connect(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0) {
            if (error)
                *error = len == 0 ? EINVAL : errno;
            if (fd >= 0)
                ::close(fd);
            return nullptr;
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        return std::unique_ptr<LoopbackPeer>(new LoopbackPeer(fd));
    }

    /// A TCP listener on ip, port chosen by the kernel. A small backlog that is never drained makes
    /// later SYNs go unanswered, which is how a test gets a connect that hangs.
    static std::unique_ptr<LoopbackPeer> listenTcp(const QString &ip = QStringLiteral("127.0.0.1"),
                                                   int backlog = SOMAXCONN) {
        auto peer = bindSocket(ip, SOCK_STREAM);
        if (peer && ::listen(peer->m_fd, backlog) != 0)
            return nullptr;
        return peer;
    }

    /// A TCP socket bound to ip:0 but not listening: connecting to its port is refused, and as long
    /// as it lives nobody else can take the port.
    static std::unique_ptr<LoopbackPeer> bindTcpOnly(const QString &ip = QStringLiteral("127.0.0.1")) {
        return bindSocket(ip, SOCK_STREAM);
    }

    static std::unique_ptr<LoopbackPeer> bindUdp(const QString &ip = QStringLiteral("127.0.0.1")) {
        auto peer = bindSocket(ip, SOCK_DGRAM);
        if (peer) {
            // Bursts of test datagrams must not be dropped by a small default buffer.
            const int size = 8 * 1024 * 1024;
            ::setsockopt(peer->m_fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
        }
        return peer;
    }

    int fd() const { return m_fd; }

    NetAddress local() const {
        sockaddr_storage ss{};
        socklen_t len = sizeof(ss);
        if (::getsockname(m_fd, reinterpret_cast<sockaddr *>(&ss), &len) != 0)
            return {};
        return fromSockaddr(ss);
    }

    NetAddress peer() const {
        sockaddr_storage ss{};
        socklen_t len = sizeof(ss);
        if (::getpeername(m_fd, reinterpret_cast<sockaddr *>(&ss), &len) != 0)
            return {};
        return fromSockaddr(ss);
    }

    /// For a listening peer: the next accepted connection, or null after timeoutMs.
    std::unique_ptr<LoopbackPeer> accept(int timeoutMs = DefaultTimeoutMs) {
        if (!waitFor(POLLIN, deadlineIn(timeoutMs)))
            return nullptr;
        const int fd = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0)
            return nullptr;
        return std::unique_ptr<LoopbackPeer>(new LoopbackPeer(fd));
    }

    bool sendAll(const char *data, qsizetype size, int timeoutMs = DefaultTimeoutMs) {
        const auto deadline = deadlineIn(timeoutMs);
        while (size > 0) {
            const ssize_t n = ::send(m_fd, data, size_t(size), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                data += n;
                size -= n;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (!waitFor(POLLOUT, deadline))
                    return false;
            } else {
                return false;
            }
        }
        return true;
    }
    bool sendAll(const QByteArray &bytes, int timeoutMs = DefaultTimeoutMs) {
        return sendAll(bytes.constData(), bytes.size(), timeoutMs);
    }

    /// Reads until `size` bytes arrived; returns fewer on EOF, error or timeout.
    QByteArray readExactly(qsizetype size, int timeoutMs = DefaultTimeoutMs) {
        QByteArray out;
        out.reserve(size);
        const auto deadline = deadlineIn(timeoutMs);
        char buffer[65536];
        while (out.size() < size) {
            const size_t want = size_t(std::min<qsizetype>(qsizetype(sizeof(buffer)), size - out.size()));
            const ssize_t n = ::recv(m_fd, buffer, want, MSG_DONTWAIT);
            if (n > 0) {
                out.append(buffer, n);
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (!waitFor(POLLIN, deadline))
                    break;
            } else {
                m_lastErrno = n < 0 ? errno : 0;
                break;
            }
        }
        return out;
    }

    /// Reads until the peer ends the stream; every chunk goes to sink.
    StreamEnd readToEnd(const std::function<void(const char *, qsizetype)> &sink,
                        int timeoutMs = DefaultTimeoutMs) {
        const auto deadline = deadlineIn(timeoutMs);
        std::unique_ptr<char[]> buffer(new char[256 * 1024]);
        for (;;) {
            const ssize_t n = ::recv(m_fd, buffer.get(), 256 * 1024, MSG_DONTWAIT);
            if (n > 0) {
                sink(buffer.get(), n);
            } else if (n == 0) {
                return StreamEnd::Eof;
            } else if (errno == EINTR) {
                continue;
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!waitFor(POLLIN, deadline))
                    return StreamEnd::Timeout;
            } else {
                m_lastErrno = errno;
                return errno == ECONNRESET ? StreamEnd::Reset : StreamEnd::Error;
            }
        }
    }
    StreamEnd readToEnd(QByteArray *into, int timeoutMs = DefaultTimeoutMs) {
        return readToEnd([into](const char *data, qsizetype n) { into->append(data, n); }, timeoutMs);
    }

    bool sendTo(const NetAddress &to, const QByteArray &datagram) {
        sockaddr_storage ss;
        const socklen_t len = toSockaddr(to, &ss);
        return len != 0 && ::sendto(m_fd, datagram.constData(), size_t(datagram.size()), MSG_NOSIGNAL,
                                    reinterpret_cast<sockaddr *>(&ss), len) == datagram.size();
    }

    /// One datagram, or a null QByteArray after timeoutMs.
    QByteArray receiveFrom(NetAddress *from = nullptr, int timeoutMs = DefaultTimeoutMs) {
        if (!waitFor(POLLIN, deadlineIn(timeoutMs)))
            return {};
        QByteArray buffer(65536, Qt::Uninitialized);
        sockaddr_storage ss{};
        socklen_t len = sizeof(ss);
        const ssize_t n = ::recvfrom(m_fd, buffer.data(), size_t(buffer.size()), MSG_DONTWAIT,
                                     reinterpret_cast<sockaddr *>(&ss), &len);
        if (n < 0)
            return {};
        if (from)
            *from = fromSockaddr(ss);
        buffer.truncate(n);
        if (buffer.isNull())
            buffer = QByteArray("");
        return buffer;
    }

    /// Makes the next close send RST instead of FIN.
    void setLingerZero() {
        const linger lg{1, 0};
        ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    void shutdownWrite() { ::shutdown(m_fd, SHUT_WR); }
    void closeNow() {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }
    int lastErrno() const { return m_lastErrno; }

    /// Runs job on a thread of its own. One job at a time.
    void run(std::function<void()> job) {
        if (m_thread.joinable())
            m_thread.join();
        m_done = false;
        m_thread = std::thread([this, job = std::move(job)] {
            job();
            m_done = true;
        });
    }

    /// Keeps the test's event loop turning until the job has finished, then joins it.
    [[nodiscard]] bool wait(int timeoutMs = DefaultTimeoutMs) {
        if (!QTest::qWaitFor([this] { return m_done.load(); }, timeoutMs))
            return false;
        if (m_thread.joinable())
            m_thread.join();
        return true;
    }
    bool isDone() const { return m_done; }

private:
    using Clock = std::chrono::steady_clock;

    explicit LoopbackPeer(int fd)
        : m_fd(fd) {}

    static std::unique_ptr<LoopbackPeer> bindSocket(const QString &ip, int type) {
        sockaddr_storage ss;
        const socklen_t len = toSockaddr(NetAddress{ip, 0}, &ss);
        if (len == 0)
            return nullptr;
        const int fd = ::socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return nullptr;
        if (::bind(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0) {
            ::close(fd);
            return nullptr;
        }
        return std::unique_ptr<LoopbackPeer>(new LoopbackPeer(fd));
    }

    static Clock::time_point deadlineIn(int ms) { return Clock::now() + std::chrono::milliseconds(ms); }

    bool waitFor(short events, Clock::time_point deadline) const {
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0)
                return false;
            pollfd p{m_fd, events, 0};
            const int r = ::poll(&p, 1, int(left));
            if (r > 0)
                return true; // readable, writable, or an error the next call reports
            if (r < 0 && errno != EINTR)
                return false;
        }
    }

    int m_fd = -1;
    int m_lastErrno = 0;
    std::thread m_thread;
    std::atomic<bool> m_done{true};
};

} // namespace sockbench::test
