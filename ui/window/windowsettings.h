#pragma once

#include <QSettings>
#include <QStringList>

namespace sockbench {

/// The window's settings file (QSettings under the application's name). It holds the hosts the user
/// talked to and what they sent, so every write leaves it readable and writable by its owner alone.
class WindowSettings final {
public:
    /// Lists of recently used entries, which the endpoint form offers first.
    enum class Recent { Addresses, Ports };
    static constexpr int MaxRecent = 20;
    /// Whether closing the window with connections open asks first (true unless the user ticked
    /// "Don't ask again").
    static constexpr QLatin1String AskBeforeQuitKey{"window/askBeforeQuit"};

    WindowSettings();
    ~WindowSettings();
    Q_DISABLE_COPY_MOVE(WindowSettings)

    QSettings &values() { return m_settings; }
    /// Newest first.
    QStringList recent(Recent list) const;
    /// Puts value first in the list (dropping an older copy, and the oldest past MaxRecent) and
    /// writes the file.
    void remember(Recent list, const QString &value);
    /// Writes the file now and makes it private to its owner.
    void save();

private:
    QSettings m_settings;
};

} // namespace sockbench
