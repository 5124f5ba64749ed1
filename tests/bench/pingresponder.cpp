// pingresponder: scripts/bench's hand-written limit for scenario 8. A small TCP server in
// plain POSIX C++ (no Qt, like loadgen) that answers each line "PING n" with "PONG n\n" and any
// other line with "ERR\n": what a rule-driven listener does, with nothing else around it.
//
//   pingresponder [--port P] [--threads N]
//       listens on 127.0.0.1:P (0, the default, picks a free port) and prints
//       "listening on 127.0.0.1:PORT" on stderr. With N > 1, N threads each run their own epoll
//       loop over their own SO_REUSEPORT socket on the same port (the kernel spreads connections
//       over them). Runs until killed.
//
// Each thread is a level-triggered epoll loop over non-blocking sockets. A connection reads up to
// 64 KiB per event (so that one busy client cannot starve the others), answers every complete line
// of it into one buffer, and writes that buffer at once; what the socket does not take waits for
// EPOLLOUT, and reading pauses while more than 1 MiB waits, so a client that does not read cannot
// grow our memory.

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <netinet/in.h>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

constexpr size_t ReadChunk = 64 * 1024;
constexpr size_t MaxPendingOut = 1024 * 1024;
/// A line longer than this without its LF is answered "ERR" and dropped, so memory stays bounded.
constexpr size_t MaxLine = 64 * 1024;

[[noreturn]] void die(const char *what) {
    std::fprintf(stderr, "pingresponder: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

long long option(int argc, char **argv, const char *name, long long fallback) {
    for (int i = 0; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0)
            return std::atoll(argv[i + 1]);
    }
    return fallback;
}

int listenOn(uint16_t port, bool reusePort) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (reusePort && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
        die("SO_REUSEPORT");
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0)
        die("bind");
    if (::listen(fd, 4096) != 0)
        die("listen");
    return fd;
}

uint16_t portOf(int fd) {
    sockaddr_in a = {};
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    return ntohs(a.sin_port);
}

/// Appends the answer to one line (without its LF): "PONG n\n" for "PING n" (n one or more
/// digits), else "ERR\n". Same as the rules "^PING (\d+)$" → "PONG \1\n" and any → "ERR\n".
void answer(const char *line, size_t length, std::string &out) {
    constexpr char Ping[] = "PING ";
    constexpr size_t PingLength = sizeof Ping - 1;
    bool ok = length > PingLength && std::memcmp(line, Ping, PingLength) == 0;
    for (size_t i = PingLength; ok && i < length; ++i)
        ok = line[i] >= '0' && line[i] <= '9';
    if (!ok) {
        out.append("ERR\n");
        return;
    }
    out.append("PONG ");
    out.append(line + PingLength, length - PingLength);
    out.push_back('\n');
}

struct Connection {
    int fd = -1;
    std::string in;  ///< the line being collected (bytes after the last LF)
    std::string out; ///< answers the socket has not taken yet
    size_t outSent = 0;
    bool wantOut = false;
    bool paused = false;
};

class Loop final {
public:
    explicit Loop(int listener)
        : m_listener(listener)
        , m_epoll(::epoll_create1(EPOLL_CLOEXEC)) {
        if (m_epoll < 0)
            die("epoll_create1");
        watch(m_listener, EPOLLIN, EPOLL_CTL_ADD);
    }
    Loop(const Loop &) = delete;
    Loop &operator=(const Loop &) = delete;

    [[noreturn]] void run() {
        std::vector<char> buffer(ReadChunk);
        std::vector<epoll_event> events(256);
        for (;;) {
            const int n = ::epoll_wait(m_epoll, events.data(), int(events.size()), -1);
            if (n < 0 && errno != EINTR)
                die("epoll_wait");
            for (int i = 0; i < n; ++i) {
                const int fd = events[i].data.fd;
                if (fd == m_listener) {
                    acceptAll();
                    continue;
                }
                const auto it = m_connections.find(fd);
                if (it == m_connections.end())
                    continue;
                Connection &c = *it->second;
                const uint32_t ev = events[i].events;
                bool alive = true;
                if (ev & EPOLLOUT)
                    alive = flush(c);
                if (alive && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c.paused)
                    alive = readFrom(c, buffer);
                if (alive)
                    updateInterest(c);
                else
                    drop(fd);
            }
        }
    }

private:
    void watch(int fd, uint32_t events, int op) {
        epoll_event e = {};
        e.events = events;
        e.data.fd = fd;
        if (::epoll_ctl(m_epoll, op, fd, &e) != 0)
            die("epoll_ctl");
    }

    void acceptAll() {
        for (;;) {
            const int fd = ::accept4(m_listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED)
                    continue;
                return; // EAGAIN, or out of descriptors: the client waits in the backlog
            }
            auto c = std::make_unique<Connection>();
            c->fd = fd;
            watch(fd, EPOLLIN, EPOLL_CTL_ADD);
            m_connections.emplace(fd, std::move(c));
        }
    }

    /// Reads one chunk and answers its complete lines. False: the connection is finished.
    bool readFrom(Connection &c, std::vector<char> &buffer) {
        const ssize_t r = ::recv(c.fd, buffer.data(), buffer.size(), 0);
        if (r == 0)
            return false;
        if (r < 0)
            return errno == EAGAIN || errno == EINTR;
        const char *data = buffer.data();
        const char *end = data + r;
        while (data < end) {
            const char *lf = static_cast<const char *>(std::memchr(data, '\n', size_t(end - data)));
            if (!lf) {
                c.in.append(data, size_t(end - data));
                if (c.in.size() > MaxLine) {
                    c.out.append("ERR\n");
                    c.in.clear();
                }
                break;
            }
            if (c.in.empty()) {
                answer(data, size_t(lf - data), c.out);
            } else {
                c.in.append(data, size_t(lf - data));
                answer(c.in.data(), c.in.size(), c.out);
                c.in.clear();
            }
            data = lf + 1;
        }
        return flush(c);
    }

    /// Writes what waits. False on a write error (the peer is gone).
    bool flush(Connection &c) {
        while (c.outSent < c.out.size()) {
            const ssize_t w = ::send(c.fd, c.out.data() + c.outSent, c.out.size() - c.outSent, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN)
                    break;
                return false;
            }
            c.outSent += size_t(w);
        }
        if (c.outSent == c.out.size()) {
            c.out.clear();
            c.outSent = 0;
        }
        return true;
    }

    void updateInterest(Connection &c) {
        const bool wantOut = !c.out.empty();
        const bool paused = c.out.size() - c.outSent > MaxPendingOut;
        if (wantOut != c.wantOut || paused != c.paused) {
            c.wantOut = wantOut;
            c.paused = paused;
            watch(c.fd, (paused ? 0u : uint32_t(EPOLLIN)) | (wantOut ? uint32_t(EPOLLOUT) : 0u),
                  EPOLL_CTL_MOD);
        }
    }

    void drop(int fd) {
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        m_connections.erase(fd);
    }

    int m_listener;
    int m_epoll;
    std::unordered_map<int, std::unique_ptr<Connection>> m_connections;
};

} // namespace

int main(int argc, char **argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) {
            std::fprintf(stderr, "usage: pingresponder [--port P] [--threads N]\n");
            return 2;
        }
    }
    const long long threads = option(argc, argv, "--threads", 1);
    if (threads < 1 || threads > 64) {
        std::fprintf(stderr, "pingresponder: --threads must be 1 to 64\n");
        return 2;
    }
    const bool reusePort = threads > 1;
    // The first socket picks the port (when asked for 0); the others join it with SO_REUSEPORT.
    std::vector<int> listeners{listenOn(uint16_t(option(argc, argv, "--port", 0)), reusePort)};
    const uint16_t port = portOf(listeners.front());
    for (long long i = 1; i < threads; ++i)
        listeners.push_back(listenOn(port, true));
    std::signal(SIGPIPE, SIG_IGN);
    std::fprintf(stderr, "listening on 127.0.0.1:%u\n", unsigned(port));
    std::fflush(stderr);
    std::vector<std::thread> workers;
    for (size_t i = 1; i < listeners.size(); ++i)
        workers.emplace_back([fd = listeners[i]] { Loop(fd).run(); });
    Loop(listeners.front()).run();
}
