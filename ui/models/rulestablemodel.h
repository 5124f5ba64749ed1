#pragma once

#include "protocol/rules.h"

#include <QAbstractTableModel>

#include <memory>
#include <optional>
#include <vector>

namespace sockbench {

/// The rules dialog's table: the rules as being edited, in order, each with the live hit count of
/// the rule it was applied as. A rule that is new or changed since the last apply has no count yet
/// ("–"); moving rules keeps their counts with them.
class RulesTableModel final : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { MatchColumn, ActionColumn, HitsColumn, ColumnCount };

    explicit RulesTableModel(QObject *parent = nullptr);
    ~RulesTableModel() override;
    Q_DISABLE_COPY_MOVE(RulesTableModel)

    /// Replaces the list. When `applied` is given, the rules are its rules, row i its rule i.
    void setRules(std::vector<Rule> rules, std::shared_ptr<const RuleBook> applied = nullptr);
    /// The rules as edited, in order.
    std::vector<Rule> rules() const;
    const Rule &rule(int row) const { return m_rows[size_t(row)].rule; }

    void insertRule(int row, Rule rule);
    /// The rule at row becomes `rule`; it counts as not applied until the next apply.
    void replaceRule(int row, Rule rule);
    void removeRule(int row);
    /// Swaps row with row + 1 (down) or row - 1 (up); false at either end.
    bool moveRule(int row, bool down);
    /// The list as it stands was applied as `book` (null: no rules any more): row i is the
    /// book's rule i from now on.
    void markApplied(std::shared_ptr<const RuleBook> book);
    /// True when the list is exactly what was last applied (an empty list when nothing was), and,
    /// when given, the frame is the applied one.
    bool isAsApplied(const std::optional<FrameSpec> &frame) const;
    /// True when `book` is the one whose hits the table shows.
    bool isBook(const std::shared_ptr<RuleBook> &book) const { return book.get() == m_book.get(); }
    /// Repaints the hit counts that changed since the last call.
    void refreshHits();
    /// The hit count shown for a row, nullopt for "not applied".
    std::optional<quint64> hits(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        Rule rule;
        int applied = -1;      ///< index in m_book's rules, -1: not applied
        quint64 shownHits = 0; ///< what the Hits cell shows, so that only changes repaint
    };

    std::vector<Row> m_rows;
    std::shared_ptr<const RuleBook> m_book;
};

} // namespace sockbench
