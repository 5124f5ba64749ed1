// A TCP peer in a process of its own, so that a test can kill it with SIGKILL mid-transfer and the
// kernel, not a polite close(), decides what the other end sees.
//
// Usage: sockbench_faultpeer HOST PORT BYTES
// Connects, sends BYTES of testutil.h's pattern(), prints "sent BYTES" on stdout and then waits
// forever without reading: whatever the other end sends stays unread, so a SIGKILL makes the
// kernel answer with a reset.

#include "testutil.h"

#include <QByteArray>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

int main(int argc, char *argv[]) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s HOST PORT BYTES\n", argv[0]);
        return 2;
    }
    const sockbench::NetAddress to{QString::fromLatin1(argv[1]), quint16(std::atoi(argv[2]))};
    const qsizetype bytes = qsizetype(std::atoll(argv[3]));
    int error = 0;
    auto peer = sockbench::test::LoopbackPeer::connectTcp(to, &error);
    if (!peer) {
        std::fprintf(stderr, "connect: %s\n", std::strerror(error));
        return 1;
    }
    if (!peer->sendAll(sockbench::test::pattern(bytes))) {
        std::fprintf(stderr, "send failed\n");
        return 1;
    }
    std::printf("sent %lld\n", static_cast<long long>(bytes));
    std::fflush(stdout);
    for (;;)
        pause(); // the test ends us with SIGKILL
}
