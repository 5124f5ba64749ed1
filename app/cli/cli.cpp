#include "cli/cli.h"

#include "cli/cliargs.h"
#include "cli/connectcommand.h"
#include "cli/listencommand.h"
#include "cli/relaycommand.h"
#include "engine/workbench.h"

#include <QCoreApplication>

#include <csignal>
#include <cstdio>

namespace sockbench {

namespace {

QStringList argumentsOf(int argc, char *argv[]) {
    QStringList list;
    for (int i = 1; i < argc; ++i)
        list << QString::fromLocal8Bit(argv[i]);
    return list;
}

void writeOut(FILE *stream, const QString &text) {
    const QByteArray bytes = text.toLocal8Bit();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
    std::fflush(stream);
}

} // namespace

bool isCommandLineInvocation(int argc, char *argv[]) {
    return wantsCommandLine(argumentsOf(argc, argv));
}

QString sessionFileInvocation(int argc, char *argv[]) {
    return sessionFileArgument(argumentsOf(argc, argv));
}

int runCommandLine(int argc, char *argv[]) {
    const ParsedCommandLine parsed = parseCommandLine(argumentsOf(argc, argv));
    switch (parsed.action) {
    case ParsedCommandLine::Action::Help:
        writeOut(stdout, usageText(parsed.verb));
        return 0;
    case ParsedCommandLine::Action::Version:
        // First line "sockbench X.Y.Z" (scripts read it); then the Qt it runs on, and the one it was
        // built with when they differ.
        writeOut(stdout, QStringLiteral("sockbench %1\nQt %2%3\n")
                             .arg(QStringLiteral(SOCKBENCH_VERSION), QString::fromLatin1(qVersion()),
                                  QLatin1StringView(qVersion()) == QLatin1StringView(QT_VERSION_STR)
                                      ? QString()
                                      : QStringLiteral(" (built with Qt " QT_VERSION_STR ")")));
        return 0;
    case ParsedCommandLine::Action::UsageError: {
        const QString verb = verbName(parsed.verb);
        writeOut(stderr,
                 QStringLiteral("sockbench%1: %2\n%3\n")
                     .arg(verb.isEmpty() ? QString() : u' ' + verb, parsed.error, usageHint(parsed.verb)));
        return 2;
    }
    case ParsedCommandLine::Action::Window:
    case ParsedCommandLine::Action::Run:
        break;
    }

    // A vanished reader of stdout or a peer must give an error code, not kill us silently.
    std::signal(SIGPIPE, SIG_IGN);
    raiseOpenFileLimit();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("Sockbench"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SOCKBENCH_VERSION));
    if (parsed.verb == CliVerb::Listen) {
        ListenCommand command(parsed.listen);
        return command.exec();
    }
    if (parsed.verb == CliVerb::Relay) {
        RelayCommand command(parsed.relay);
        return command.exec();
    }
    ConnectCommand command(parsed.connect);
    return command.exec();
}

} // namespace sockbench
