#pragma once

// Debian's openssl(1) as a real TLS peer in tests (s_server, s_client, x509): one process, its
// output collected while the test's event loop turns (QTRY_*, QSignalSpy::wait).

#include <QObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStringList>
#include <QTest>

namespace sockbench::test {

class OpenSslProcess {
public:
    /// Starts `openssl arguments…`. With merged channels, err() stays empty and out() has both.
    explicit OpenSslProcess(const QStringList &arguments, int timeoutMs = 15000,
                            QProcess::ProcessChannelMode channels = QProcess::SeparateChannels)
        : m_timeoutMs(timeoutMs) {
        m_process.setProcessChannelMode(channels);
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput,
                         [this] { m_out += m_process.readAllStandardOutput(); });
        QObject::connect(&m_process, &QProcess::readyReadStandardError,
                         [this] { m_err += m_process.readAllStandardError(); });
        m_process.start(QStringLiteral("openssl"), arguments);
    }
    ~OpenSslProcess() { kill(); }
    Q_DISABLE_COPY_MOVE(OpenSslProcess)

    /// s_server: the port of its "ACCEPT host:PORT" line (printed for -accept with port 0 unless
    /// -quiet or -brief); waits for it, and gives 0 when none came.
    quint16 acceptPort() {
        static const QRegularExpression accept(QStringLiteral(R"(ACCEPT \S+:(\d+)\n)"));
        QRegularExpressionMatch match;
        (void)QTest::qWaitFor(
            [&] {
                match = accept.match(QString::fromLatin1(m_out));
                return match.hasMatch() || m_process.state() == QProcess::NotRunning;
            },
            m_timeoutMs);
        return match.hasMatch() ? quint16(match.captured(1).toUInt()) : 0;
    }
    /// Writes and waits until the pipe took it all.
    void write(const QByteArray &bytes) {
        m_process.write(bytes);
        while (m_process.bytesToWrite() > 0 && m_process.waitForBytesWritten(m_timeoutMs)) {
        }
    }
    void closeInput() { m_process.closeWriteChannel(); }
    /// Waits (event loop running) until the process has ended; false on timeout.
    bool finish() {
        if (m_process.state() != QProcess::NotRunning) {
            QSignalSpy spy(&m_process, &QProcess::finished);
            if (!spy.wait(m_timeoutMs))
                return false;
        }
        m_out += m_process.readAllStandardOutput();
        m_err += m_process.readAllStandardError();
        return true;
    }
    /// SIGKILL: the kernel closes its sockets with a FIN, and no close_notify.
    void kill() {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    int exitCode() const {
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    const QByteArray &out() const { return m_out; }
    const QByteArray &err() const { return m_err; }
    QByteArray log() const { return "openssl stdout:\n" + m_out + "\nopenssl stderr:\n" + m_err; }

private:
    const int m_timeoutMs;
    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
};

} // namespace sockbench::test
