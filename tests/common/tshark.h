#pragma once

// tshark as the judge of the captures we write: runs it on a file and hands back what it printed.
// Tests skip when it is missing, except in CI (the CI variable set), where scripts/deps installs it
// and its absence is a failure.

#include <QByteArray>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QStringList>

namespace sockbench::test {

/// Path of tshark, or empty when it is not installed.
inline QString tsharkPath() {
    return QStandardPaths::findExecutable(QStringLiteral("tshark"));
}

/// True when a missing tshark must fail the test rather than skip it.
inline bool tsharkRequired() {
    return qEnvironmentVariableIsSet("CI");
}

struct TsharkRun {
    bool ok = false;  ///< started and exited with status 0
    QByteArray out;   ///< standard output
    QByteArray error; ///< standard error, or why it did not run
};

/// Runs tshark with `arguments` (blocking: it reads a file and exits) and collects its output.
inline TsharkRun runTshark(const QStringList &arguments, int timeoutMs = 60000) {
    TsharkRun run;
    QProcess process;
    // The user's Wireshark profile must not change what we are judged by.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("WIRESHARK_CONFIG_DIR"), QStringLiteral("/nonexistent-sockbench-profile"));
    process.setProcessEnvironment(env);
    process.start(tsharkPath(), arguments);
    if (!process.waitForStarted(10000)) {
        run.error = "tshark did not start: " + process.errorString().toUtf8();
        return run;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        run.error = "tshark did not finish in time";
        return run;
    }
    run.out = process.readAllStandardOutput();
    run.error = process.readAllStandardError();
    run.ok = process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    return run;
}

/// The options that make tshark check every IP, TCP and UDP checksum it can.
inline QStringList tsharkChecksumOptions() {
    return {QStringLiteral("-o"), QStringLiteral("tcp.check_checksum:TRUE"),
            QStringLiteral("-o"), QStringLiteral("udp.check_checksum:TRUE"),
            QStringLiteral("-o"), QStringLiteral("ip.check_checksum:TRUE")};
}

} // namespace sockbench::test
