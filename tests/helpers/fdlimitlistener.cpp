// A Workbench TCP listener running under a low open-file limit, for the descriptor-exhaustion
// test. The limit must apply to a process of its own: lowering it in the test process would starve
// the test's own sockets.
//
// Usage: sockbench_fdlimitlistener LIMIT
// Prints on stdout, one line each:
//   listening PORT
//   accepted TOTAL            (after each accepted connection)
//   warning MESSAGE           (Workbench::listenerWarning)
//   aborted N                 (answer to the "abort" command)
// Reads commands on stdin: "abort" aborts every accepted connection still open (RST, so their
// descriptors are free at once).

#include "engine/workbench.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

using namespace sockbench;

namespace {

void say(const QString &line) {
    const QByteArray bytes = line.toUtf8() + '\n';
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char *argv[]) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s LIMIT\n", argv[0]);
        return 2;
    }
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = rlim_t(std::atoi(argv[1]));
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
        std::perror("setrlimit");
        return 1;
    }

    QCoreApplication app(argc, argv);
    WorkbenchConfig config;
    config.reactorThreads = 1;
    Workbench wb(config);
    quint64 accepted = 0;
    QObject::connect(&wb, &Workbench::listenerStarted, [](EndpointId, const NetAddress &local) {
        say(QStringLiteral("listening %1").arg(local.port));
    });
    QObject::connect(&wb, &Workbench::listenerFailed, [](EndpointId, const QString &reason) {
        say(QStringLiteral("failed %1").arg(reason));
        QCoreApplication::exit(1);
    });
    QObject::connect(&wb, &Workbench::listenerWarning, [](EndpointId, const QString &message) {
        say(QStringLiteral("warning %1").arg(message));
    });
    EndpointId listener = 0;
    QObject::connect(&wb, &Workbench::connectionAccepted,
                     [&](EndpointId, EndpointId from, const NetAddress &, const NetAddress &) {
                         if (from == listener)
                             say(QStringLiteral("accepted %1").arg(++accepted));
                     });
    listener = wb.startTcpListener(QStringLiteral("127.0.0.1"), 0);

    QSocketNotifier input(STDIN_FILENO, QSocketNotifier::Read);
    QByteArray pending;
    QObject::connect(&input, &QSocketNotifier::activated, [&] {
        char buffer[256];
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n <= 0) {
            QCoreApplication::quit(); // the test went away
            return;
        }
        pending.append(buffer, n);
        qsizetype eol;
        while ((eol = pending.indexOf('\n')) >= 0) {
            const QByteArray command = pending.left(eol).trimmed();
            pending.remove(0, eol + 1);
            if (command == "abort") {
                const QList<EndpointId> clients = wb.clientsOf(listener);
                for (EndpointId id : clients)
                    wb.abort(id);
                say(QStringLiteral("aborted %1").arg(clients.size()));
            }
        }
    });
    return QCoreApplication::exec();
}
