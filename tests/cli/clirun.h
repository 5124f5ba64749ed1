#pragma once

// One run of the real sockbench binary (SOCKBENCH_BINARY) for the command-line suites, with no
// display, its output collected while the test's event loop turns so that peers in the test
// process keep working.

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <csignal>

namespace sockbench::test {

constexpr int CliTimeoutMs = 15000;

/// One run of the binary. Finished runs are waited for with the event loop turning, so that
/// the peers in this process keep working.
class Cli final {
public:
    /// Runs the program (by default sockbench) with the arguments.
    explicit Cli(const QStringList &arguments, const QProcessEnvironment &extra = {},
                 const QString &program = qEnvironmentVariable("SOCKBENCH_BINARY")) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        // No display at all: a QGuiApplication would abort here, so a passing run proves the
        // verbs are headless.
        env.remove(QStringLiteral("DISPLAY"));
        env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
        for (const QString &key : extra.keys())
            env.insert(key, extra.value(key));
        m_process.setProcessEnvironment(env);
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput,
                         [this] { m_out += m_process.readAllStandardOutput(); });
        QObject::connect(&m_process, &QProcess::readyReadStandardError,
                         [this] { m_err += m_process.readAllStandardError(); });
        m_process.start(program, arguments);
    }
    ~Cli() {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    Q_DISABLE_COPY_MOVE(Cli)

    QProcess &process() { return m_process; }
    bool started() { return m_process.waitForStarted(CliTimeoutMs); }
    /// Writes to the process's stdin and waits until the pipe took it all.
    void write(const QByteArray &bytes) {
        m_process.write(bytes);
        while (m_process.bytesToWrite() > 0 && m_process.waitForBytesWritten(CliTimeoutMs)) {
        }
    }
    void closeInput() { m_process.closeWriteChannel(); }
    void signal(int number) { ::kill(pid_t(m_process.processId()), number); }
    void terminate() { m_process.terminate(); }

    /// Waits (event loop running) until the process has ended; false on timeout.
    bool finish() {
        if (m_process.state() != QProcess::NotRunning) {
            QSignalSpy spy(&m_process, &QProcess::finished);
            if (!spy.wait(CliTimeoutMs))
                return false;
        }
        m_out += m_process.readAllStandardOutput();
        m_err += m_process.readAllStandardError();
        return true;
    }
    int exitCode() const {
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    const QByteArray &out() const { return m_out; }
    const QByteArray &err() const { return m_err; }
    QList<QByteArray> errLines() const { return m_err.trimmed().split('\n'); }

    /// The port from "listening on ADDRESS:PORT", waiting for it to appear; 0 if it did not.
    quint16 listeningPort() {
        (void)QTest::qWaitFor(
            [this] { return m_err.contains('\n') || m_process.state() == QProcess::NotRunning; },
            CliTimeoutMs);
        const QByteArray first = errLines().value(0);
        if (!first.startsWith("listening on "))
            return 0;
        return quint16(first.mid(first.lastIndexOf(':') + 1).toUInt());
    }
    QByteArray listeningAddress() const { return errLines().value(0).mid(int(sizeof("listening on ")) - 1); }

    /// The --stats object, which must be the last line on stderr.
    QJsonObject stats() const {
        const QJsonDocument doc = QJsonDocument::fromJson(errLines().value(errLines().size() - 1));
        return doc.object();
    }

private:
    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
};

} // namespace sockbench::test

#define CLI_FINISH(cli) QVERIFY2((cli).finish(), "sockbench did not end: " + (cli).err())
