#pragma once

#include <QObject>

class QSocketNotifier;

namespace sockbench {

/// Turns SIGINT and SIGTERM into a Qt signal. The handler only writes to a pipe (the one thing
/// that is async-signal-safe); the event loop reads the pipe and emits stopRequested().
class SignalWatcher final : public QObject {
    Q_OBJECT

public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;
    Q_DISABLE_COPY_MOVE(SignalWatcher)

Q_SIGNALS:
    /// Emitted in the event loop after SIGINT or SIGTERM arrived; signalNumber says which.
    void stopRequested(int signalNumber);

private:
    void onReadable();

    QSocketNotifier *m_notifier = nullptr;
};

} // namespace sockbench
