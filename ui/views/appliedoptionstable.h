#pragma once

#include "engine/socketoptions.h"

#include <QTableWidget>

namespace sockbench {

/// The socket options of one endpoint as the kernel took them: the option's name, what was asked,
/// what getsockopt() reads back (the doubled buffer size, say), and a refusal in words, marked in
/// the error colour with a warning icon.
class AppliedOptionsTable final : public QTableWidget {
    Q_OBJECT

public:
    enum Column { NameColumn, RequestedColumn, ActualColumn, NoteColumn, ColumnCount };

    explicit AppliedOptionsTable(QWidget *parent = nullptr);
    ~AppliedOptionsTable() override;
    Q_DISABLE_COPY_MOVE(AppliedOptionsTable)

    void setOptions(const QList<AppliedOption> &options);
    const QList<AppliedOption> &options() const { return m_options; }

private:
    QList<AppliedOption> m_options;
};

} // namespace sockbench
