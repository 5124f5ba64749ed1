#include "models/rulestablemodel.h"

#include "style/presentation.h"

#include <algorithm>

namespace sockbench {

RulesTableModel::RulesTableModel(QObject *parent)
    : QAbstractTableModel(parent) {}

RulesTableModel::~RulesTableModel() = default;

void RulesTableModel::setRules(std::vector<Rule> rules, std::shared_ptr<const RuleBook> applied) {
    beginResetModel();
    m_rows.clear();
    m_rows.reserve(rules.size());
    for (Rule &rule : rules)
        m_rows.push_back(Row{std::move(rule), -1, 0});
    endResetModel();
    // Only a book that holds exactly these rules can count for them.
    if (applied && applied->rules().rules.size() == m_rows.size())
        markApplied(std::move(applied));
    else
        m_book.reset();
}

std::vector<Rule> RulesTableModel::rules() const {
    std::vector<Rule> out;
    out.reserve(m_rows.size());
    for (const Row &row : m_rows)
        out.push_back(row.rule);
    return out;
}

void RulesTableModel::insertRule(int row, Rule rule) {
    row = std::clamp(row, 0, rowCount());
    beginInsertRows({}, row, row);
    m_rows.insert(m_rows.begin() + row, Row{std::move(rule), -1, 0});
    endInsertRows();
}

void RulesTableModel::replaceRule(int row, Rule rule) {
    if (row < 0 || row >= rowCount())
        return;
    m_rows[size_t(row)] = Row{std::move(rule), -1, 0};
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void RulesTableModel::removeRule(int row) {
    if (row < 0 || row >= rowCount())
        return;
    beginRemoveRows({}, row, row);
    m_rows.erase(m_rows.begin() + row);
    endRemoveRows();
}

bool RulesTableModel::moveRule(int row, bool down) {
    const int other = down ? row + 1 : row - 1;
    if (row < 0 || row >= rowCount() || other < 0 || other >= rowCount())
        return false;
    // beginMoveRows names the destination as the row the moved one goes before.
    beginMoveRows({}, row, row, {}, down ? row + 2 : other);
    std::swap(m_rows[size_t(row)], m_rows[size_t(other)]);
    endMoveRows();
    return true;
}

void RulesTableModel::markApplied(std::shared_ptr<const RuleBook> book) {
    m_book = std::move(book);
    for (size_t i = 0; i < m_rows.size(); ++i) {
        m_rows[i].applied = m_book ? int(i) : -1;
        m_rows[i].shownHits = m_book ? m_book->hits(int(i)) : 0;
    }
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, HitsColumn), index(rowCount() - 1, HitsColumn));
}

bool RulesTableModel::isAsApplied(const std::optional<FrameSpec> &frame) const {
    if (!m_book)
        return m_rows.empty();
    if (m_book->rules().rules.size() != m_rows.size() || (frame && *frame != m_book->rules().frame))
        return false;
    for (size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].applied != int(i))
            return false;
    }
    return true;
}

void RulesTableModel::refreshHits() {
    if (!m_book)
        return;
    int first = -1;
    int last = -1;
    for (size_t i = 0; i < m_rows.size(); ++i) {
        Row &row = m_rows[i];
        if (row.applied < 0)
            continue;
        const quint64 now = m_book->hits(row.applied);
        if (now == row.shownHits)
            continue;
        row.shownHits = now;
        if (first < 0)
            first = int(i);
        last = int(i);
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, HitsColumn), index(last, HitsColumn), {Qt::DisplayRole});
}

std::optional<quint64> RulesTableModel::hits(int row) const {
    if (row < 0 || row >= rowCount() || m_rows[size_t(row)].applied < 0)
        return std::nullopt;
    return m_rows[size_t(row)].shownHits;
}

int RulesTableModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RulesTableModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RulesTableModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const Row &row = m_rows[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case MatchColumn:
            return row.rule.matchSummary();
        case ActionColumn:
            return row.rule.actionSummary();
        case HitsColumn:
            return row.applied < 0 ? QStringLiteral("–") : formatCount(row.shownHits);
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == HitsColumn)
            return row.applied < 0 ? tr("Not applied yet: Apply puts this rule to work")
                                   : tr("Messages this rule fired on since it was applied");
        return row.rule.name.isEmpty()
                   ? data(index, Qt::DisplayRole)
                   : tr("%1\n%2").arg(row.rule.name, data(index, Qt::DisplayRole).toString());
    case Qt::TextAlignmentRole:
        if (index.column() == HitsColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    }
    return {};
}

QVariant RulesTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Vertical)
        return section + 1;
    switch (section) {
    case MatchColumn:
        return tr("Match");
    case ActionColumn:
        return tr("Action");
    case HitsColumn:
        return tr("Hits");
    }
    return {};
}

} // namespace sockbench
