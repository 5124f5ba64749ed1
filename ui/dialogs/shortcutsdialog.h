#pragma once

#include <QDialog>
#include <QList>

class QAction;

namespace sockbench {

/// Help → Keyboard shortcuts: every action given to it that has a shortcut, with the shortcut as
/// the platform writes it. Built from the actions themselves, so it never disagrees with them.
class ShortcutsDialog final : public QDialog {
    Q_OBJECT

public:
    explicit ShortcutsDialog(const QList<QAction *> &actions, QWidget *parent = nullptr);
    ~ShortcutsDialog() override;
    Q_DISABLE_COPY_MOVE(ShortcutsDialog)
};

} // namespace sockbench
