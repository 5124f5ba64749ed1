// loadgen: the benchmark's load generator (scripts/bench). Plain POSIX sockets, no Qt, so that it
// measures the peer and not itself. Each mode prints one JSON object on stdout.
//
//   loadgen tcp-stream HOST PORT BYTES [--chunk N]
//       streams BYTES into the peer, sends FIN, and waits for the peer to close: the time covers
//       the peer reading every byte.
//   loadgen tcp-echo HOST PORT BYTES [--chunk N]
//       sends BYTES and reads them back (content checked), both directions at once.
//   loadgen udp-burst HOST PORT COUNT [--size N]
//       sends COUNT datagrams of N bytes flat out (sendmmsg).
//   loadgen udp-sink PORT [--idle-ms N]
//       the physical limit: recvmmsg into a 32 MiB buffer until N ms without a datagram.
//   loadgen tcp-conns HOST PORT COUNT [--hold S] [--greeting] [--watch-pid PID] [--wait-stdin]
//       opens COUNT concurrent connections as fast as the kernel lets it; with --greeting a
//       connection counts as accepted when the listener's first byte arrives. After S seconds it
//       counts the connections still alive, reads the watched process's memory, reports, and
//       with --wait-stdin keeps them open until stdin ends.
//   loadgen tcp-pingpong HOST PORT COUNT [--conns N] [--depth D] [--seconds S]
//       request/response rate: N connections (default 1), each keeping up to D requests in flight
//       (pipelined; default 64 with one connection, 1 with more: many clients that each wait for
//       their answer), send "PING k\n" with k counting 0, 1, ... per connection, COUNT requests
//       in all, and check every reply is exactly "PONG k\n" in order; a wrong, extra or missing
//       byte fails (exit 1, the reason on stderr and in the JSON). Each connection's request 0 is
//       a warm-up answered before the clock starts; the time runs from there to the last reply.
//       With --seconds, no request goes out after S seconds (COUNT is then the most): the rate of
//       a fast and of a slow peer is measured over about the same time.
//   loadgen tls-stream HOST PORT BYTES [--chunk N] [--cipher SUITE]
//       tcp-stream over TLS 1.3 (OpenSSL, no verification, one pinned cipher suite, default
//       TLS_AES_128_GCM_SHA256, key exchange P-256): the handshake, BYTES of application data,
//       close_notify and FIN, then it waits for the peer to close. The time covers all of it.
//   loadgen tls-handshakes HOST PORT COUNT [--concurrency N] [--cipher SUITE]
//       COUNT full TLS 1.3 handshakes (the same pinned parameters), at most N in flight (1:
//       sequential, the default; COUNT: all at once). Each connection handshakes, sends
//       close_notify and FIN, and counts once the peer has closed its side: the server finished
//       the handshake and saw the close. The rate is successful connections over the whole time.

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <string>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void die(const char *what) {
    std::fprintf(stderr, "loadgen: %s: %s\n", what, std::strerror(errno));
    std::exit(1);
}

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: loadgen tcp-stream|tcp-echo HOST PORT BYTES [--chunk N]\n"
                 "       loadgen udp-burst HOST PORT COUNT [--size N]\n"
                 "       loadgen udp-sink PORT [--idle-ms N]\n"
                 "       loadgen tcp-conns HOST PORT COUNT [--hold S] [--greeting] [--watch-pid PID] "
                 "[--wait-stdin]\n"
                 "       loadgen tcp-pingpong HOST PORT COUNT [--conns N] [--depth D] [--seconds S]\n"
                 "       loadgen tls-stream HOST PORT BYTES [--chunk N] [--cipher SUITE]\n"
                 "       loadgen tls-handshakes HOST PORT COUNT [--concurrency N] [--cipher SUITE]\n");
    std::exit(2);
}

struct Target {
    sockaddr_storage address = {};
    socklen_t length = 0;
};

Target resolve(const char *host, const char *port, int type) {
    addrinfo hints = {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = type;
    addrinfo *result = nullptr;
    if (getaddrinfo(host, port, &hints, &result) != 0 || !result) {
        std::fprintf(stderr, "loadgen: cannot resolve %s\n", host);
        std::exit(1);
    }
    Target t;
    std::memcpy(&t.address, result->ai_addr, result->ai_addrlen);
    t.length = result->ai_addrlen;
    freeaddrinfo(result);
    return t;
}

int connectBlocking(const Target &t) {
    const int fd = ::socket(t.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&t.address), t.length) != 0)
        die("connect");
    return fd;
}

long long option(int argc, char **argv, const char *name, long long fallback) {
    for (int i = 0; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0)
            return std::atoll(argv[i + 1]);
    }
    return fallback;
}

bool flag(int argc, char **argv, const char *name) {
    for (int i = 0; i < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0)
            return true;
    }
    return false;
}

/// A repeating pseudo-random pattern whose period (a prime) never lines up with buffer sizes, so
/// a lost, repeated or reordered chunk shows up in the check.
constexpr size_t kPeriod = 65521;

std::vector<char> makePattern(size_t length) {
    std::vector<char> p(length + kPeriod);
    unsigned x = 2463534242u;
    for (size_t i = 0; i < kPeriod; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = char(x);
    }
    for (size_t i = kPeriod; i < p.size(); ++i)
        p[i] = p[i - kPeriod];
    return p;
}

int tcpStream(const Target &t, long long total, long long chunk) {
    std::vector<char> buffer(size_t(chunk), 'x');
    const auto start = Clock::now();
    const int fd = connectBlocking(t);
    long long sent = 0;
    while (sent < total) {
        const size_t n = size_t(std::min<long long>(chunk, total - sent));
        const ssize_t w = ::send(fd, buffer.data(), n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("send");
        }
        sent += w;
    }
    const double sendSeconds = secondsSince(start);
    ::shutdown(fd, SHUT_WR);
    // The peer closes once it has read everything (socat, ncat and our listener all do).
    char sink[4096];
    long long unexpected = 0;
    for (;;) {
        const ssize_t r = ::recv(fd, sink, sizeof sink, 0);
        if (r > 0) {
            unexpected += r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        break;
    }
    const double seconds = secondsSince(start);
    ::close(fd);
    std::printf("{\"mode\":\"tcp-stream\",\"bytes_sent\":%lld,\"seconds\":%.6f,\"send_seconds\":%.6f,"
                "\"mb_per_s\":%.1f,\"bytes_back\":%lld}\n",
                sent, seconds, sendSeconds, double(sent) / seconds / 1e6, unexpected);
    return 0;
}

int tcpEcho(const Target &t, long long total, long long chunk) {
    const std::vector<char> pattern = makePattern(size_t(chunk));
    std::vector<char> in(static_cast<size_t>(chunk));
    const auto start = Clock::now();
    const int fd = connectBlocking(t);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    long long sent = 0;
    long long received = 0;
    long long mismatches = 0;
    bool peerClosed = false;
    while (received < total && !peerClosed) {
        pollfd p = {fd, short(POLLIN | (sent < total ? POLLOUT : 0)), 0};
        if (::poll(&p, 1, 30000) <= 0) {
            std::fprintf(stderr, "loadgen: echo stalled at %lld of %lld bytes back\n", received, total);
            break;
        }
        if (sent < total && (p.revents & POLLOUT)) {
            const size_t n = size_t(std::min<long long>(chunk, total - sent));
            const ssize_t w = ::send(fd, pattern.data() + size_t(sent % kPeriod), n, MSG_NOSIGNAL);
            if (w > 0)
                sent += w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                die("send");
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t r = ::recv(fd, in.data(), in.size(), 0);
            if (r > 0) {
                if (std::memcmp(in.data(), pattern.data() + size_t(received % kPeriod), size_t(r)) != 0)
                    ++mismatches;
                received += r;
            } else if (r == 0) {
                peerClosed = true;
            } else if (errno != EAGAIN && errno != EINTR) {
                die("recv");
            }
        }
    }
    const double seconds = secondsSince(start);
    ::close(fd);
    std::printf(
        "{\"mode\":\"tcp-echo\",\"bytes_sent\":%lld,\"bytes_received\":%lld,\"mismatched_reads\":%lld,"
        "\"seconds\":%.6f,\"mb_per_s\":%.1f}\n",
        sent, received, mismatches, seconds, double(received) / seconds / 1e6);
    return received == total && mismatches == 0 ? 0 : 1;
}

int udpBurst(const Target &t, long long count, long long size) {
    const int fd = ::socket(t.address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&t.address), t.length) != 0)
        die("connect");
    constexpr int kBatch = 64;
    std::vector<char> payload(size_t(size), 'u');
    iovec iov[kBatch];
    mmsghdr messages[kBatch];
    std::memset(messages, 0, sizeof messages);
    for (int i = 0; i < kBatch; ++i) {
        iov[i] = {payload.data(), payload.size()};
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    long long sent = 0;
    long long refused = 0;
    const auto start = Clock::now();
    while (sent < count) {
        const int n = int(std::min<long long>(kBatch, count - sent));
        const int r = ::sendmmsg(fd, messages, unsigned(n), 0);
        if (r > 0) {
            sent += r;
        } else if (r < 0 && errno == ECONNREFUSED) {
            ++refused; // an ICMP error from an earlier datagram; the next ones still go out
        } else if (r < 0 && errno != EINTR && errno != EAGAIN && errno != ENOBUFS) {
            die("sendmmsg");
        }
    }
    const double seconds = secondsSince(start);
    ::close(fd);
    std::printf("{\"mode\":\"udp-burst\",\"datagrams_sent\":%lld,\"size\":%lld,\"seconds\":%.6f,"
                "\"datagrams_per_s\":%.0f,\"refused\":%lld}\n",
                sent, size, seconds, double(sent) / seconds, refused);
    return 0;
}

int udpSink(const char *port, long long idleMs) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int bytes = 32 * 1024 * 1024;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(std::atoi(port)));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0)
        die("bind");
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    std::printf("{\"mode\":\"udp-sink\",\"port\":%u}\n", unsigned(ntohs(a.sin_port)));
    std::fflush(stdout);
    constexpr int kBatch = 256;
    std::vector<char> buffers(size_t(kBatch) * 2048);
    iovec iov[kBatch];
    mmsghdr messages[kBatch];
    long long datagrams = 0;
    long long received = 0;
    for (;;) {
        pollfd p = {fd, POLLIN, 0};
        // Wait as long as needed for the first datagram, then stop after a quiet spell.
        if (::poll(&p, 1, datagrams == 0 ? 60000 : int(idleMs)) <= 0)
            break;
        std::memset(messages, 0, sizeof messages);
        for (int i = 0; i < kBatch; ++i) {
            iov[i] = {buffers.data() + size_t(i) * 2048, 2048};
            messages[i].msg_hdr.msg_iov = &iov[i];
            messages[i].msg_hdr.msg_iovlen = 1;
        }
        const int r = ::recvmmsg(fd, messages, kBatch, MSG_DONTWAIT, nullptr);
        if (r > 0) {
            datagrams += r;
            for (int i = 0; i < r; ++i)
                received += messages[i].msg_len;
        }
    }
    std::printf("{\"mode\":\"udp-sink\",\"datagrams_in\":%lld,\"bytes_in\":%lld}\n", datagrams, received);
    return 0;
}

long long statusKib(long long pid, const char *key) {
    if (pid <= 0)
        return -1;
    const std::string path = "/proc/" + std::to_string(pid) + "/status";
    FILE *f = std::fopen(path.c_str(), "r");
    if (!f)
        return -1;
    char line[256];
    long long value = -1;
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, key, std::strlen(key)) == 0)
            value = std::atoll(line + std::strlen(key) + 1);
    }
    std::fclose(f);
    return value;
}

int tcpConns(const Target &t, long long count, double holdSeconds, bool greeting, long long watchPid,
             bool waitStdin) {
    rlimit limit = {};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);

    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    struct Conn {
        int fd = -1;
        bool connected = false;
        bool greeted = false;
        bool failed = false;
    };
    std::vector<Conn> conns(static_cast<size_t>(count));
    long long connected = 0;
    long long greeted = 0;
    long long failed = 0;
    double connectedAt = 0;
    double greetedAt = 0;
    std::vector<epoll_event> events(1024);
    const auto start = Clock::now();

    auto handle = [&](int timeoutMs) {
        const int n = ::epoll_wait(ep, events.data(), int(events.size()), timeoutMs);
        for (int i = 0; i < n; ++i) {
            Conn &c = conns[events[i].data.u64];
            const uint32_t ev = events[i].events;
            if (!c.connected && !c.failed && (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
                int error = 0;
                socklen_t len = sizeof error;
                ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
                if (error == 0 && !(ev & EPOLLERR)) {
                    c.connected = true;
                    if (++connected == count)
                        connectedAt = secondsSince(start);
                } else {
                    c.failed = true;
                    ++failed;
                }
                // From now on only input (the greeting, or a close) matters.
                epoll_event e = {};
                e.events = EPOLLIN | EPOLLRDHUP;
                e.data.u64 = events[i].data.u64;
                ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &e);
                continue;
            }
            if (!c.greeted && !c.failed && (ev & EPOLLIN)) {
                char byte;
                if (::recv(c.fd, &byte, 1, MSG_DONTWAIT) == 1) {
                    // The greeting proves the handshake too; one epoll registration per connection.
                    if (!c.connected) {
                        c.connected = true;
                        if (++connected == count)
                            connectedAt = secondsSince(start);
                    }
                    c.greeted = true;
                    if (++greeted == count)
                        greetedAt = secondsSince(start);
                }
            }
        }
    };

    for (long long i = 0; i < count; ++i) {
        const int fd = ::socket(t.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            die("socket");
        conns[size_t(i)].fd = fd;
        if (::connect(fd, reinterpret_cast<const sockaddr *>(&t.address), t.length) != 0 &&
            errno != EINPROGRESS) {
            conns[size_t(i)].failed = true;
            ++failed;
            continue;
        }
        epoll_event e = {};
        // With a greeting, its arrival is the only event we need; EPOLLERR/HUP come anyway.
        e.events = greeting ? EPOLLIN : (EPOLLOUT | EPOLLIN | EPOLLRDHUP);
        e.data.u64 = uint64_t(i);
        ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
        if ((i & 63) == 63)
            handle(0);
    }
    // Everything is in flight; wait for the handshakes (and greetings) to finish, 60 s at most.
    while (secondsSince(start) < 60 && connected + failed < count)
        handle(100);
    while (greeting && secondsSince(start) < 60 && greeted + failed < count)
        handle(100);
    const double setupSeconds = secondsSince(start);

    // Hold: the listener must keep every connection open.
    const auto holdStart = Clock::now();
    while (secondsSince(holdStart) < holdSeconds)
        handle(100);
    long long alive = 0;
    for (const Conn &c : conns) {
        if (!c.connected)
            continue;
        char byte;
        const ssize_t r = ::recv(c.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (r > 0 || (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)))
            ++alive;
    }
    const double accepted = greeting ? double(greeted) : double(connected);
    const double acceptSeconds = greeting ? (greetedAt > 0 ? greetedAt : setupSeconds)
                                          : (connectedAt > 0 ? connectedAt : setupSeconds);
    std::printf(
        "{\"mode\":\"tcp-conns\",\"count\":%lld,\"connected\":%lld,\"greeted\":%lld,\"failed\":%lld,"
        "\"accept_seconds\":%.6f,\"accepts_per_s\":%.0f,\"alive_after_hold\":%lld,\"hold_seconds\":%.1f,"
        "\"watched_rss_kib\":%lld,\"watched_peak_rss_kib\":%lld}\n",
        count, connected, greeted, failed, acceptSeconds, accepted / acceptSeconds, alive, holdSeconds,
        statusKib(watchPid, "VmRSS"), statusKib(watchPid, "VmHWM"));
    std::fflush(stdout);
    if (waitStdin) {
        char buffer[256];
        while (::read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
        }
    }
    for (const Conn &c : conns)
        ::close(c.fd);
    return alive == count ? 0 : 1;
}

/// One tcp-pingpong connection: requests go out ahead of their replies, up to the depth.
struct PingConn {
    int fd = -1;
    long long quota = 0;    ///< requests this connection sends
    long long sent = 0;     ///< requests queued so far (k of the next one)
    long long answered = 0; ///< replies checked so far (k of the next one expected)
    std::string out;        ///< requests the socket has not taken yet
    size_t outSent = 0;
    std::string in; ///< a reply without its LF yet
    bool wantOut = false;
};

/// The text of a failed run, for stderr and the JSON: printable ASCII kept, the rest escaped.
std::string printable(const char *data, size_t length) {
    std::string s;
    for (size_t i = 0; i < length && i < 40; ++i) {
        const unsigned char c = static_cast<unsigned char>(data[i]);
        char hex[8];
        if (c == '\n')
            s += "\\n";
        else if (c >= 0x20 && c < 0x7f)
            s += char(c);
        else if (std::snprintf(hex, sizeof hex, "\\x%02x", c) > 0)
            s += hex;
    }
    return length > 40 ? s + "..." : s;
}

/// text as the body of a JSON string.
std::string jsonEscaped(const std::string &text) {
    std::string s;
    for (const char c : text) {
        if (c == '"' || c == '\\')
            s += '\\';
        s += c;
    }
    return s;
}

int tcpPingpong(const Target &t, long long count, long long connCount, long long depth,
                long long maxSeconds) {
    // The longest reply we accept before its LF: "PONG " and 19 digits.
    constexpr size_t MaxReply = 32;
    rlimit limit = {};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);

    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    std::vector<PingConn> conns(static_cast<size_t>(connCount));
    for (size_t i = 0; i < conns.size(); ++i) {
        PingConn &c = conns[i];
        c.quota = 1; // the warm-up request; the rest come once every connection has answered it
        c.fd = connectBlocking(t);
        // Our requests go out at once: Nagle would hold a refill behind an unacknowledged one.
        const int on = 1;
        ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
        epoll_event e = {};
        e.events = EPOLLIN;
        e.data.u64 = i;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &e);
    }

    std::string failure;
    long long answered = 0;
    auto fail = [&](const PingConn &c, const std::string &why) {
        if (failure.empty())
            failure = "connection " + std::to_string(&c - conns.data()) + ", request " +
                      std::to_string(c.answered) + ": " + why;
    };
    // Queues requests up to the depth and writes what the socket takes.
    auto pump = [&](PingConn &c) {
        char line[32];
        while (c.sent < c.quota && c.sent - c.answered < depth) {
            const int n = std::snprintf(line, sizeof line, "PING %lld\n", c.sent++);
            c.out.append(line, size_t(n));
        }
        while (c.outSent < c.out.size()) {
            const ssize_t w = ::send(c.fd, c.out.data() + c.outSent, c.out.size() - c.outSent, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                if (errno != EAGAIN)
                    fail(c, std::string("send: ") + std::strerror(errno));
                break;
            }
            c.outSent += size_t(w);
        }
        if (c.outSent == c.out.size()) {
            c.out.clear();
            c.outSent = 0;
        }
        const bool wantOut = !c.out.empty();
        if (wantOut != c.wantOut) {
            c.wantOut = wantOut;
            epoll_event e = {};
            e.events = EPOLLIN | (wantOut ? uint32_t(EPOLLOUT) : 0u);
            e.data.u64 = uint64_t(&c - conns.data());
            ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &e);
        }
    };
    // Checks one complete reply (with its LF) against the next one expected.
    auto check = [&](PingConn &c, const char *reply, size_t length) {
        char expected[32];
        const int n = std::snprintf(expected, sizeof expected, "PONG %lld\n", c.answered);
        if (c.answered >= c.sent)
            fail(c, "a reply with no request outstanding: \"" + printable(reply, length) + "\"");
        else if (size_t(n) != length || std::memcmp(expected, reply, length) != 0)
            fail(c, "expected \"" + printable(expected, size_t(n)) + "\", got \"" + printable(reply, length) +
                        "\"");
        ++c.answered;
        ++answered;
    };

    std::vector<char> buffer(64 * 1024);
    std::vector<epoll_event> events(1024);
    // Sends and checks until `target` replies in all have arrived (or something failed). Past the
    // deadline no new request goes out and the ones in flight are waited for.
    auto serve = [&](long long target, Clock::time_point deadline) {
        for (PingConn &c : conns)
            pump(c);
        auto lastProgress = Clock::now();
        bool stopped = false;
        while (answered < target && failure.empty()) {
            if (!stopped && Clock::now() >= deadline) {
                stopped = true;
                target = 0;
                for (PingConn &c : conns) {
                    c.quota = c.sent;
                    target += c.sent;
                }
            }
            const int n = ::epoll_wait(ep, events.data(), int(events.size()), 1000);
            if (n == 0 && secondsSince(lastProgress) >= 10) {
                failure =
                    "no reply for 10 s after " + std::to_string(answered) + " of " + std::to_string(target);
                break;
            }
            for (int i = 0; i < n && failure.empty(); ++i) {
                PingConn &c = conns[events[i].data.u64];
                if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                    const ssize_t r = ::recv(c.fd, buffer.data(), buffer.size(), 0);
                    if (r == 0) {
                        fail(c, "the peer closed with " + std::to_string(c.quota - c.answered) +
                                    " replies missing");
                        break;
                    }
                    if (r < 0 && errno != EAGAIN && errno != EINTR) {
                        fail(c, std::string("recv: ") + std::strerror(errno));
                        break;
                    }
                    const char *data = buffer.data();
                    const char *end = data + (r > 0 ? r : 0);
                    while (data < end && failure.empty()) {
                        const char *lf =
                            static_cast<const char *>(std::memchr(data, '\n', size_t(end - data)));
                        if (!lf) {
                            c.in.append(data, size_t(end - data));
                            if (c.in.size() > MaxReply)
                                fail(c, "a reply longer than " + std::to_string(MaxReply) + " bytes: \"" +
                                            printable(c.in.data(), c.in.size()) + "\"");
                            break;
                        }
                        if (c.in.empty()) {
                            check(c, data, size_t(lf - data + 1));
                        } else {
                            c.in.append(data, size_t(lf - data + 1));
                            check(c, c.in.data(), c.in.size());
                            c.in.clear();
                        }
                        data = lf + 1;
                    }
                    lastProgress = Clock::now();
                }
                if (failure.empty())
                    pump(c);
            }
        }
    };

    // Warm-up: each connection's first request must be answered before the clock starts, so that
    // the rate is the established responders' (an exec'd responder starts its process per
    // connection).
    serve(connCount, Clock::time_point::max());
    for (size_t i = 0; i < conns.size(); ++i)
        conns[i].quota = 1 + count / connCount + (static_cast<long long>(i) < count % connCount ? 1 : 0);
    const auto start = Clock::now();
    serve(connCount + count,
          maxSeconds > 0 ? start + std::chrono::seconds(maxSeconds) : Clock::time_point::max());
    const double seconds = secondsSince(start);
    answered = std::max(0LL, answered - connCount);
    // Anything after the last reply is an extra byte: give the peer a moment to send it.
    for (PingConn &c : conns) {
        if (!failure.empty())
            break;
        if (!c.in.empty()) {
            fail(c, "a reply without its LF: \"" + printable(c.in.data(), c.in.size()) + "\"");
            break;
        }
        pollfd p = {c.fd, POLLIN, 0};
        if (::poll(&p, 1, &c == conns.data() ? 50 : 0) > 0) {
            const ssize_t r = ::recv(c.fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
            if (r > 0)
                fail(c, "bytes after the last reply: \"" + printable(buffer.data(), size_t(r)) + "\"");
        }
    }
    for (const PingConn &c : conns)
        ::close(c.fd);
    ::close(ep);
    if (!failure.empty())
        std::fprintf(stderr, "loadgen: tcp-pingpong failed: %s\n", failure.c_str());
    std::printf(
        "{\"mode\":\"tcp-pingpong\",\"conns\":%lld,\"depth\":%lld,\"max_requests\":%lld,\"requests\":%lld,"
        "\"seconds\":%.6f,\"rps\":%.0f,\"ok\":%s,\"failure\":\"%s\"}\n",
        connCount, depth, count, answered, seconds, double(answered) / seconds,
        failure.empty() ? "true" : "false", jsonEscaped(failure).c_str());
    return failure.empty() ? 0 : 1;
}

// --- TLS ------------------------------------------------------------------------------------

/// The oldest queued OpenSSL error in words (or errno's, for a socket error), and the queue emptied.
std::string tlsError(const char *what) {
    std::string text = what;
    const unsigned long code = ERR_get_error();
    if (code != 0) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        text += std::string(": ") + buffer;
    } else if (errno != 0) {
        text += std::string(": ") + std::strerror(errno);
    }
    ERR_clear_error();
    return text;
}

const char *stringOption(int argc, char **argv, const char *name, const char *fallback) {
    for (int i = 0; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0)
            return argv[i + 1];
    }
    return fallback;
}

/// Every peer meets the same client: TLS 1.3 only, one cipher suite, key exchange P-256 (socat 1.7
/// offers no other group), no verification (the servers share one self-signed certificate), no SNI,
/// no session resumption.
SSL_CTX *tlsClientContext(const char *suite) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_ciphersuites(ctx, suite) != 1 || SSL_CTX_set1_groups_list(ctx, "P-256") != 1) {
        std::fprintf(stderr, "loadgen: %s\n", tlsError("TLS client set-up").c_str());
        std::exit(2);
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return ctx;
}

/// CPU this process has used so far, user and system, in seconds.
double cpuSeconds() {
    rusage usage = {};
    ::getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/// Reads and drops raw bytes (session tickets, the peer's close_notify) until the peer closes;
/// false if it did not within the socket's receive timeout.
bool drainUntilClosed(int fd) {
    char sink[4096];
    for (;;) {
        const ssize_t r = ::recv(fd, sink, sizeof sink, 0);
        if (r > 0 || (r < 0 && errno == EINTR))
            continue;
        return r == 0 || errno == ECONNRESET;
    }
}

int tlsStream(const Target &t, long long total, long long chunk, const char *suite) {
    SSL_CTX *ctx = tlsClientContext(suite);
    std::vector<char> buffer(size_t(chunk), 'x');
    const auto start = Clock::now();
    const int fd = connectBlocking(t);
    // A peer that stops reading, or never closes, fails the run instead of hanging it.
    const timeval timeout = {30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
        const std::string why = tlsError("handshake");
        std::fprintf(stderr, "loadgen: tls-stream: %s\n", why.c_str());
        std::printf("{\"mode\":\"tls-stream\",\"ok\":false,\"failure\":\"%s\"}\n", jsonEscaped(why).c_str());
        return 1;
    }
    const double handshakeSeconds = secondsSince(start);
    const std::string protocol = SSL_get_version(ssl);
    const std::string cipher = SSL_get_cipher_name(ssl);
    long long sent = 0;
    std::string failure;
    while (sent < total) {
        // Blocking socket, no partial writes: SSL_write returns only once all n bytes are out.
        const int n = int(std::min<long long>(chunk, total - sent));
        const int w = SSL_write(ssl, buffer.data(), n);
        if (w <= 0) {
            failure = tlsError("SSL_write");
            break;
        }
        sent += w;
    }
    const double sendSeconds = secondsSince(start);
    SSL_shutdown(ssl); // our close_notify
    ::shutdown(fd, SHUT_WR);
    // The peer closes once it has read everything (socat, ncat and our listener all do).
    if (!drainUntilClosed(fd) && failure.empty())
        failure = "the peer did not close within 30 s of our close_notify";
    const double seconds = secondsSince(start);
    SSL_free(ssl);
    ::close(fd);
    SSL_CTX_free(ctx);
    if (!failure.empty())
        std::fprintf(stderr, "loadgen: tls-stream: %s\n", failure.c_str());
    std::printf("{\"mode\":\"tls-stream\",\"protocol\":\"%s\",\"cipher\":\"%s\",\"bytes_sent\":%lld,"
                "\"seconds\":%.6f,\"handshake_seconds\":%.6f,\"send_seconds\":%.6f,\"mb_per_s\":%.1f,"
                "\"client_cpu_seconds\":%.3f,\"ok\":%s,\"failure\":\"%s\"}\n",
                protocol.c_str(), cipher.c_str(), sent, seconds, handshakeSeconds, sendSeconds,
                double(sent) / seconds / 1e6, cpuSeconds(), failure.empty() ? "true" : "false",
                jsonEscaped(failure).c_str());
    return failure.empty() ? 0 : 1;
}

/// One tls-handshakes connection: connect, handshake, close_notify + FIN, wait for the peer's close.
struct HandshakeConn {
    enum class State { Idle, Handshaking, Closing };
    State state = State::Idle;
    int fd = -1;
    SSL *ssl = nullptr;
    uint32_t events = 0;
    Clock::time_point started;
};

int tlsHandshakes(const Target &t, long long count, long long concurrency, const char *suite) {
    constexpr double TimeLimitSeconds = 120;
    rlimit limit = {};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);

    SSL_CTX *ctx = tlsClientContext(suite);
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    std::vector<HandshakeConn> conns(static_cast<size_t>(std::min(count, concurrency)));
    std::vector<double> latencies; // connect to the client's Finished, per successful connection
    latencies.reserve(size_t(count));
    long long started = 0;
    long long ok = 0;
    long long failed = 0;
    std::string failure;
    std::string protocol;
    std::string cipher;

    auto watch = [&](HandshakeConn &c, uint32_t events) {
        if (events == c.events)
            return;
        epoll_event e = {};
        e.events = events;
        e.data.u64 = uint64_t(&c - conns.data());
        ::epoll_ctl(ep, c.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &e);
        c.events = events;
    };
    auto finish = [&](HandshakeConn &c, bool success, const std::string &why) {
        if (success) {
            ++ok;
        } else {
            ++failed;
            if (failure.empty())
                failure = why;
        }
        SSL_free(c.ssl);
        ::close(c.fd); // also leaves the epoll set
        c = HandshakeConn();
    };
    // Drives one connection as far as it goes without waiting.
    auto step = [&](HandshakeConn &c) {
        if (c.state == HandshakeConn::State::Handshaking) {
            ERR_clear_error();
            errno = 0;
            const int r = SSL_do_handshake(c.ssl);
            if (r != 1) {
                const int error = SSL_get_error(c.ssl, r);
                if (error == SSL_ERROR_WANT_READ)
                    watch(c, EPOLLIN);
                else if (error == SSL_ERROR_WANT_WRITE)
                    watch(c, EPOLLOUT);
                else
                    finish(c, false, tlsError("handshake"));
                return;
            }
            latencies.push_back(secondsSince(c.started));
            if (protocol.empty()) {
                protocol = SSL_get_version(c.ssl);
                cipher = SSL_get_cipher_name(c.ssl);
            }
            // close_notify fits in the empty send buffer; then FIN, and the peer's close is awaited.
            SSL_shutdown(c.ssl);
            ::shutdown(c.fd, SHUT_WR);
            c.state = HandshakeConn::State::Closing;
            watch(c, EPOLLIN | EPOLLRDHUP);
        }
        if (c.state == HandshakeConn::State::Closing) {
            char sink[4096];
            for (;;) {
                const ssize_t r = ::recv(c.fd, sink, sizeof sink, MSG_DONTWAIT);
                if (r > 0 || (r < 0 && errno == EINTR))
                    continue;
                if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                    return;
                // A clean close or a reset after the handshake: either way the server is done.
                finish(c, true, "");
                return;
            }
        }
    };
    auto launch = [&](HandshakeConn &c) {
        c.fd = ::socket(t.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0)
            die("socket");
        ++started;
        c.started = Clock::now();
        if (::connect(c.fd, reinterpret_cast<const sockaddr *>(&t.address), t.length) != 0 &&
            errno != EINPROGRESS) {
            const std::string why = std::string("connect: ") + std::strerror(errno);
            ::close(c.fd);
            c.fd = -1;
            ++failed;
            if (failure.empty())
                failure = why;
            return;
        }
        c.ssl = SSL_new(ctx);
        SSL_set_fd(c.ssl, c.fd);
        SSL_set_connect_state(c.ssl);
        c.state = HandshakeConn::State::Handshaking;
        // The ClientHello goes out once the connection is up: its write waits for EPOLLOUT.
        step(c);
    };

    std::vector<epoll_event> events(1024);
    const auto start = Clock::now();
    // A slot that finished (or failed to connect) at once takes the next connection at once: on
    // loopback a whole handshake can complete inside launch(), with no event left to come.
    auto refill = [&](HandshakeConn &c) {
        while (c.state == HandshakeConn::State::Idle && started < count)
            launch(c);
    };
    for (HandshakeConn &c : conns)
        refill(c);
    while (ok + failed < count && secondsSince(start) < TimeLimitSeconds) {
        const int n = ::epoll_wait(ep, events.data(), int(events.size()), 100);
        for (int i = 0; i < n; ++i) {
            HandshakeConn &c = conns[events[i].data.u64];
            if (c.state != HandshakeConn::State::Idle)
                step(c);
            refill(c);
        }
    }
    const double seconds = secondsSince(start);
    for (HandshakeConn &c : conns) {
        if (c.state != HandshakeConn::State::Idle)
            finish(c, false, "timed out after " + std::to_string(int(TimeLimitSeconds)) + " s");
    }
    failed += count - started; // never started: the time ran out first
    ::close(ep);
    SSL_CTX_free(ctx);
    std::sort(latencies.begin(), latencies.end());
    auto percentile = [&](double p) {
        return latencies.empty() ? 0.0 : latencies[size_t(p * double(latencies.size() - 1))] * 1e3;
    };
    if (!failure.empty())
        std::fprintf(stderr, "loadgen: tls-handshakes: %lld failed, the first: %s\n", failed,
                     failure.c_str());
    std::printf(
        "{\"mode\":\"tls-handshakes\",\"protocol\":\"%s\",\"cipher\":\"%s\",\"count\":%lld,"
        "\"concurrency\":%lld,\"ok\":%lld,\"failed\":%lld,\"seconds\":%.6f,\"handshakes_per_s\":%.0f,"
        "\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"client_cpu_seconds\":%.3f,\"failure\":\"%s\"}\n",
        protocol.c_str(), cipher.c_str(), count, std::min(count, concurrency), ok, failed, seconds,
        double(ok) / seconds, percentile(0.5), percentile(0.99), percentile(1.0), cpuSeconds(),
        jsonEscaped(failure).c_str());
    return failed == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
    if (argc < 3)
        usage();
    const std::string mode = argv[1];
    if (mode == "udp-sink")
        return udpSink(argv[2], option(argc, argv, "--idle-ms", 1000));
    if (argc < 5)
        usage();
    const long long amount = std::atoll(argv[4]);
    if (mode == "tcp-stream")
        return tcpStream(resolve(argv[2], argv[3], SOCK_STREAM), amount,
                         option(argc, argv, "--chunk", 256 * 1024));
    if (mode == "tcp-echo")
        return tcpEcho(resolve(argv[2], argv[3], SOCK_STREAM), amount,
                       option(argc, argv, "--chunk", 64 * 1024));
    if (mode == "udp-burst")
        return udpBurst(resolve(argv[2], argv[3], SOCK_DGRAM), amount, option(argc, argv, "--size", 64));
    if (mode == "tcp-conns")
        return tcpConns(resolve(argv[2], argv[3], SOCK_STREAM), amount,
                        double(option(argc, argv, "--hold", 5)), flag(argc, argv, "--greeting"),
                        option(argc, argv, "--watch-pid", 0), flag(argc, argv, "--wait-stdin"));
    if (mode == "tcp-pingpong") {
        const long long conns = option(argc, argv, "--conns", 1);
        const long long depth = option(argc, argv, "--depth", conns == 1 ? 64 : 1);
        if (amount < 1 || conns < 1 || depth < 1)
            usage();
        return tcpPingpong(resolve(argv[2], argv[3], SOCK_STREAM), amount, conns, depth,
                           option(argc, argv, "--seconds", 0));
    }
    const char *suite = stringOption(argc, argv, "--cipher", "TLS_AES_128_GCM_SHA256");
    if (mode == "tls-stream")
        return tlsStream(resolve(argv[2], argv[3], SOCK_STREAM), amount,
                         option(argc, argv, "--chunk", 256 * 1024), suite);
    if (mode == "tls-handshakes") {
        const long long concurrency = option(argc, argv, "--concurrency", 1);
        if (amount < 1 || concurrency < 1)
            usage();
        return tlsHandshakes(resolve(argv[2], argv[3], SOCK_STREAM), amount, concurrency, suite);
    }
    usage();
}
