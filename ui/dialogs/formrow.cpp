#include "dialogs/formrow.h"

#include <QFormLayout>
#include <QLabel>

namespace sockbench {

void addLayoutRow(QFormLayout *form, const QString &text, QLayout *row, QWidget *buddy) {
    auto *label = new QLabel(text);
    label->setBuddy(buddy);
    form->addRow(label, row);
}

} // namespace sockbench
