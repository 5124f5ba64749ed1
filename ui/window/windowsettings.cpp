#include "window/windowsettings.h"
#include "platform/privatefile.h"

namespace sockbench {

namespace {

QString keyOf(WindowSettings::Recent list) {
    switch (list) {
    case WindowSettings::Recent::Addresses:
        return QStringLiteral("recent/addresses");
    case WindowSettings::Recent::Ports:
        return QStringLiteral("recent/ports");
    }
    return {};
}

} // namespace

WindowSettings::WindowSettings() = default;

WindowSettings::~WindowSettings() = default;

QStringList WindowSettings::recent(Recent list) const {
    return m_settings.value(keyOf(list)).toStringList();
}

void WindowSettings::remember(Recent list, const QString &value) {
    QStringList entries = recent(list);
    entries.removeAll(value);
    entries.prepend(value);
    while (entries.size() > MaxRecent)
        entries.removeLast();
    m_settings.setValue(keyOf(list), entries);
    save();
}

void WindowSettings::save() {
    m_settings.sync();
    restrictToOwner(m_settings.fileName());
}

} // namespace sockbench
