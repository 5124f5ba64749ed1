#pragma once

// Resolvers injected through WorkbenchConfig::resolver, so that name lookups in tests never reach
// a real DNS server and their timing is under the test's control.

#include "engine/resolver.h"

#include <QStringList>

#include <condition_variable>
#include <mutex>

namespace sockbench::test {

/// Fails every lookup with a fixed message and remembers what it was asked.
class FailingResolver final : public Resolver {
public:
    static inline const QString Message = QStringLiteral("test resolver: host does not exist");

    FailingResolver() = default;
    Q_DISABLE_COPY_MOVE(FailingResolver)

    Result resolve(const QString &host, quint16, int) override {
        std::lock_guard lock(m_mutex);
        m_hosts << host;
        return {{}, Message};
    }
    QStringList hosts() const {
        std::lock_guard lock(m_mutex);
        return m_hosts;
    }

private:
    mutable std::mutex m_mutex;
    QStringList m_hosts;
};

/// Blocks every lookup until open() is called, then answers 127.0.0.1 with the asked port.
/// Lets a test act while a connection is still Resolving.
class GateResolver final : public Resolver {
public:
    GateResolver() = default;
    Q_DISABLE_COPY_MOVE(GateResolver)

    Result resolve(const QString &, quint16 port, int) override {
        std::unique_lock lock(m_mutex);
        ++m_started;
        m_cv.wait(lock, [this] { return m_open; });
        ++m_finished;
        Result result;
        result.addresses << NetAddress{QStringLiteral("127.0.0.1"), port};
        return result;
    }
    void open() {
        {
            std::lock_guard lock(m_mutex);
            m_open = true;
        }
        m_cv.notify_all();
    }
    int started() const {
        std::lock_guard lock(m_mutex);
        return m_started;
    }
    /// Lookups that have been answered (the count is raised just before resolve() returns).
    int finished() const {
        std::lock_guard lock(m_mutex);
        return m_finished;
    }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_open = false;
    int m_started = 0;
    int m_finished = 0;
};

} // namespace sockbench::test
