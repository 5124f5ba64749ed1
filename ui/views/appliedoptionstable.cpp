#include "views/appliedoptionstable.h"
#include "style/presentation.h"

#include <QApplication>
#include <QHeaderView>
#include <QStyle>

namespace sockbench {

AppliedOptionsTable::AppliedOptionsTable(QWidget *parent)
    : QTableWidget(0, ColumnCount, parent) {
    setObjectName(QStringLiteral("appliedOptionsTable"));
    setAccessibleName(tr("Socket options as applied"));
    setToolTip(tr("Each option asked for, the value the kernel actually applied (read back), or why "
                  "it was refused"));
    setHorizontalHeaderLabels({tr("Option"), tr("Asked"), tr("Applied"), tr("Note")});
    verticalHeader()->hide();
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setWordWrap(false);
    horizontalHeader()->setStretchLastSection(true);
    horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
}

AppliedOptionsTable::~AppliedOptionsTable() = default;

void AppliedOptionsTable::setOptions(const QList<AppliedOption> &options) {
    if (options == m_options && rowCount() == options.size())
        return;
    m_options = options;
    setRowCount(int(options.size()));
    const QIcon warning = QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
    for (int row = 0; row < options.size(); ++row) {
        const AppliedOption &o = options[row];
        auto *name = new QTableWidgetItem(o.name);
        auto *requested = new QTableWidgetItem(o.requested);
        auto *actual = new QTableWidgetItem(o.isRefused() ? tr("not applied") : o.actual);
        auto *note = new QTableWidgetItem;
        if (o.isRefused()) {
            note->setText(tr("Refused: %1").arg(o.error));
            note->setIcon(warning);
            for (QTableWidgetItem *item : {name, requested, actual, note})
                item->setForeground(errorColor());
        } else if (!o.actual.isEmpty() && o.actual != o.requested) {
            // The kernel's own adjustment (SO_RCVBUF doubled, a rounded TOS): worth a word.
            note->setText(tr("the kernel adjusted it"));
        }
        for (QTableWidgetItem *item : {name, requested, actual, note})
            item->setToolTip(o.isRefused()
                                 ? tr("%1 %2: refused, %3").arg(o.name, o.requested, o.error)
                                 : tr("%1: asked %2, applied %3").arg(o.name, o.requested, o.actual));
        setItem(row, NameColumn, name);
        setItem(row, RequestedColumn, requested);
        setItem(row, ActualColumn, actual);
        setItem(row, NoteColumn, note);
    }
    resizeColumnsToContents();
}

} // namespace sockbench
