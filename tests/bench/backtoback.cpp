// backtoback: opens connections to a TCP listener one after another, each with a blocking
// connect(), as fast as the kernel completes them, and says how fast that went. It is the client
// that shows a listener falling behind: when the accept queue overflows, the kernel drops a SYN and
// that connect() waits for its 1 s retransmit, which this reports ("retransmitted").
//
// Usage: backtoback HOST PORT [COUNT] [--close]
//   COUNT    connections (default 10,000)
//   --close  closes each connection as soon as it is connected (default: all stay open until the
//            last one is connected, then all close)
// Prints one JSON line: connections, failed, seconds, connects_per_s, slowest_connect_ms,
// retransmitted (connects that took 900 ms or more).
//
// Plain POSIX, no Qt: the client must cost as little as possible beside the listener it measures.

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

double now() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

int usage() {
    std::fprintf(stderr, "usage: backtoback HOST PORT [COUNT] [--close]\n");
    return 2;
}

} // namespace

int main(int argc, char **argv) {
    std::vector<std::string> args;
    bool closeEach = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--close") == 0)
            closeEach = true;
        else
            args.emplace_back(argv[i]);
    }
    if (args.size() < 2 || args.size() > 3)
        return usage();
    char *end = nullptr;
    const long count = args.size() == 3 ? std::strtol(args[2].c_str(), &end, 10) : 10000;
    if (count <= 0 || (end && *end))
        return usage();

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *target = nullptr;
    if (const int rc = ::getaddrinfo(args[0].c_str(), args[1].c_str(), &hints, &target); rc != 0) {
        std::fprintf(stderr, "backtoback: %s: %s\n", args[0].c_str(), ::gai_strerror(rc));
        return 1;
    }
    // Every connection stays open until the last: the descriptors must fit.
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }

    std::vector<int> open;
    open.reserve(size_t(count));
    long failed = 0;
    long retransmitted = 0;
    double slowest = 0;
    int firstError = 0;
    const double start = now();
    for (long i = 0; i < count; ++i) {
        const int fd = ::socket(target->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            firstError = firstError ? firstError : errno;
            ++failed;
            continue;
        }
        const double before = now();
        const int rc = ::connect(fd, target->ai_addr, target->ai_addrlen);
        const double took = now() - before;
        slowest = took > slowest ? took : slowest;
        retransmitted += took >= 0.9 ? 1 : 0;
        if (rc != 0) {
            firstError = firstError ? firstError : errno;
            ++failed;
            ::close(fd);
            continue;
        }
        if (closeEach)
            ::close(fd);
        else
            open.push_back(fd);
    }
    const double seconds = now() - start;
    for (const int fd : open)
        ::close(fd);
    ::freeaddrinfo(target);

    std::printf("{\"connections\": %ld, \"failed\": %ld, \"seconds\": %.6f, \"connects_per_s\": %.0f, "
                "\"slowest_connect_ms\": %.3f, \"retransmitted\": %ld}\n",
                count - failed, failed, seconds, double(count - failed) / seconds, slowest * 1000,
                retransmitted);
    if (firstError)
        std::fprintf(stderr, "backtoback: %ld connects failed, the first: %s\n", failed,
                     std::strerror(firstError));
    return failed ? 1 : 0;
}
