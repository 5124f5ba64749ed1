#pragma once

#include <QString>

class QFormLayout;
class QLayout;
class QWidget;

namespace sockbench {

/// Adds a form row whose field is a layout (an edit and its button, a combo and its spin box).
/// QFormLayout gives a label a buddy only for a widget field; without one, the label shows its
/// mnemonic's "&" as is ("&File:") and Alt+F does nothing. Here `buddy` takes the focus instead.
void addLayoutRow(QFormLayout *form, const QString &text, QLayout *row, QWidget *buddy);

} // namespace sockbench
