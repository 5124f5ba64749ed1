#include "dialogs/faultseditor.h"

#include "engine/faulttable.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>
#include <type_traits>
#include <variant>

namespace sockbench {

namespace {

/// "slow close" -> "SlowClose": a fault's name in its widgets' object names ("upSlowCloseCheck").
QString objectStem(const FaultKind &kind) {
    QString stem;
    for (const QString &word : QString::fromLatin1(kind.name).split(QLatin1Char(' '), Qt::SkipEmptyParts))
        stem += word.left(1).toUpper() + word.mid(1);
    return stem;
}

/// The type of the FaultSet field a pointer to member (or a reference to one) names.
template <typename P>
using MemberType =
    std::remove_cvref_t<decltype(std::declval<FaultSet &>().*std::declval<std::remove_cvref_t<P>>())>;

/// The field's value from its input into the set.
void readInput(const QWidget *input, const FaultField &field, FaultSet *f) {
    std::visit(
        [&](auto member) {
            using T = MemberType<decltype(member)>;
            if constexpr (std::is_same_v<T, RelayEnd>)
                f->*member = RelayEnd(static_cast<const QComboBox *>(input)->currentData().toInt());
            else if constexpr (std::is_same_v<T, double>)
                f->*member = static_cast<const QDoubleSpinBox *>(input)->value();
            else
                f->*member = static_cast<const QSpinBox *>(input)->value();
        },
        field.member);
}

/// The field's value in the set shown in its input (a spin box holds an int: larger values show as
/// its maximum).
void showInput(QWidget *input, const FaultField &field, const FaultSet &f) {
    std::visit(
        [&](auto member) {
            using T = MemberType<decltype(member)>;
            if constexpr (std::is_same_v<T, RelayEnd>) {
                auto *combo = static_cast<QComboBox *>(input);
                combo->setCurrentIndex(combo->findData(int(f.*member)));
            } else if constexpr (std::is_same_v<T, double>) {
                static_cast<QDoubleSpinBox *>(input)->setValue(f.*member);
            } else {
                static_cast<QSpinBox *>(input)->setValue(
                    int(std::min<qint64>(f.*member, std::numeric_limits<int>::max())));
            }
        },
        field.member);
}

/// The field's input as a new form shows it.
void showInitial(QWidget *input, const FaultField &field) {
    if (auto *combo = qobject_cast<QComboBox *>(input))
        combo->setCurrentIndex(0);
    else if (auto *real = qobject_cast<QDoubleSpinBox *>(input))
        real->setValue(field.formInitial);
    else if (auto *whole = qobject_cast<QSpinBox *>(input))
        whole->setValue(int(field.formInitial));
}

} // namespace

FaultsEditor::FaultsEditor(QWidget *parent)
    : QWidget(parent)
    , m_grid(new QGridLayout)
    , m_seedEdit(new QLineEdit(this)) {
    setObjectName(QStringLiteral("faultsEditor"));
    m_upHeader = new QLabel(tr("client → target"), this);
    m_downHeader = new QLabel(tr("target → client"), this);
    QFont bold = m_upHeader->font();
    bold.setBold(true);
    m_upHeader->setFont(bold);
    m_downHeader->setFont(bold);
    m_grid->addWidget(m_upHeader, 0, 1);
    m_grid->addWidget(m_downHeader, 0, 2);
    const std::span<const FaultKind> kinds = faultKinds();
    for (size_t r = 0; r < kinds.size(); ++r) {
        auto *label = new QLabel(tr(kinds[r].label), this);
        label->setToolTip(tr(kinds[r].tip));
        m_grid->addWidget(label, int(r) + 1, 0);
        m_rowLabels.push_back(label);
        std::array<QLabel *, 2> marks{new QLabel(tr("→ target"), this), new QLabel(tr("→ client"), this)};
        for (QLabel *mark : marks)
            mark->hide();
        m_rowMarks.push_back(marks);
    }
    m_rowCells.resize(kinds.size());
    buildDirection(m_up, QStringLiteral("up"), 1);
    buildDirection(m_down, QStringLiteral("down"), 2);
    m_grid->setColumnStretch(3, 1);
    m_grid->setVerticalSpacing(2);
    m_grid->setContentsMargins(0, 0, 0, 0);

    m_seedEdit->setObjectName(QStringLiteral("faultSeedEdit"));
    m_seedEdit->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{1,20}")), m_seedEdit));
    m_seedEdit->setText(QStringLiteral("1"));
    m_seedEdit->setToolTip(tr("Seeds every random choice (jitter, slice sizes, drops, …): the same seed "
                              "repeats a run exactly"));
    m_seedEdit->setMaximumWidth(180);
    auto *seedLabel = new QLabel(tr("S&eed:"), this);
    seedLabel->setBuddy(m_seedEdit);
    connect(m_seedEdit, &QLineEdit::textChanged, this, &FaultsEditor::onFieldChanged);
    // The seed above the grid: in a short Faults tab it is in view without scrolling to the end.
    auto *seedRow = new QHBoxLayout;
    seedRow->addWidget(seedLabel);
    seedRow->addWidget(m_seedEdit);
    seedRow->addStretch();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(seedRow);
    layout->addLayout(m_grid);
    layout->addStretch();
    setUdp(false);
    updateEnabled();
}

FaultsEditor::~FaultsEditor() = default;

void FaultsEditor::buildDirection(Direction &d, const QString &prefix, int column) {
    const std::span<const FaultKind> kinds = faultKinds();
    d.resize(kinds.size());
    for (size_t r = 0; r < kinds.size(); ++r) {
        const FaultKind &kind = kinds[r];
        auto *cell = new QWidget(this);
        auto *h = new QHBoxLayout(cell);
        h->setContentsMargins(0, 0, 0, 0);
        h->setSpacing(3);
        FaultFields &fields = d[r];
        fields.check = new QCheckBox(cell);
        fields.check->setObjectName(prefix + objectStem(kind) + QStringLiteral("Check"));
        fields.check->setToolTip(tr(kind.tip));
        connect(fields.check, &QCheckBox::toggled, this, &FaultsEditor::onFieldChanged);
        h->addWidget(fields.check);
        for (const FaultField &field : kind.fields) {
            QWidget *input = nullptr;
            if (std::holds_alternative<RelayEnd FaultSet::*>(field.member)) {
                auto *combo = new QComboBox(cell);
                combo->addItem(tr("then close"), int(RelayEnd::Close));
                combo->addItem(tr("then reset"), int(RelayEnd::Reset));
                connect(combo, &QComboBox::currentIndexChanged, this, &FaultsEditor::onFieldChanged);
                input = combo;
            } else if (std::holds_alternative<double FaultSet::*>(field.member)) {
                auto *box = new QDoubleSpinBox(cell);
                box->setRange(0, 100); // a percentage
                box->setDecimals(1);
                box->setValue(field.formInitial);
                box->setSuffix(QStringLiteral(" %"));
                connect(box, &QDoubleSpinBox::valueChanged, this, &FaultsEditor::onFieldChanged);
                input = box;
            } else {
                auto *box = new QSpinBox(cell);
                box->setRange(field.formLowest, field.formHighest);
                box->setValue(int(field.formInitial));
                box->setPrefix(tr(field.prefix));
                box->setSuffix(tr(field.suffix));
                box->setSpecialValueText(tr(field.specialValue));
                box->setAccelerated(true);
                connect(box, &QSpinBox::valueChanged, this, &FaultsEditor::onFieldChanged);
                input = box;
            }
            input->setObjectName(prefix + QLatin1String(field.widgetName));
            if (*field.tip)
                input->setToolTip(tr(field.tip));
            h->addWidget(input);
            fields.inputs.push_back(input);
        }
        h->addStretch();
        m_grid->addWidget(cell, int(r) + 1, column);
        m_rowCells[r].push_back(cell);
    }
}

void FaultsEditor::onFieldChanged() {
    updateEnabled();
    if (!m_loading)
        Q_EMIT changed();
}

void FaultsEditor::updateEnabled() {
    // A fault's numbers are greyed while its box is off: what is greyed does not act.
    for (Direction *d : {&m_up, &m_down}) {
        for (const FaultFields &fields : *d) {
            for (QWidget *input : fields.inputs)
                input->setEnabled(fields.check->isChecked());
        }
    }
}

void FaultsEditor::setUdp(bool udp) {
    m_udp = udp;
    const std::span<const FaultKind> kinds = faultKinds();
    for (size_t r = 0; r < kinds.size(); ++r) {
        const bool shown = actsOn(kinds[r].scope, udp);
        m_rowLabels[r]->setVisible(shown);
        for (QWidget *w : m_rowCells[r])
            w->setVisible(shown);
        for (QLabel *mark : m_rowMarks[r])
            mark->setVisible(shown && m_stacked);
    }
}

void FaultsEditor::setStacked(bool stacked) {
    if (stacked == m_stacked)
        return;
    m_stacked = stacked;
    placeCells();
    setUdp(m_udp);
}

void FaultsEditor::placeCells() {
    m_upHeader->setVisible(!m_stacked);
    m_downHeader->setVisible(!m_stacked);
    for (size_t r = 0; r < m_rowLabels.size(); ++r) {
        const int row = int(r);
        QWidget *up = m_rowCells[r].at(0);
        QWidget *down = m_rowCells[r].at(1);
        for (QWidget *w :
             {static_cast<QWidget *>(m_rowLabels[r]), up, down, static_cast<QWidget *>(m_rowMarks[r][0]),
              static_cast<QWidget *>(m_rowMarks[r][1])})
            m_grid->removeWidget(w);
        if (m_stacked) {
            // Two lines a fault, named by their direction: half the width of two columns.
            m_grid->addWidget(m_rowLabels[r], 2 * row + 1, 0);
            m_grid->addWidget(m_rowMarks[r][0], 2 * row + 1, 1);
            m_grid->addWidget(up, 2 * row + 1, 2);
            m_grid->addWidget(m_rowMarks[r][1], 2 * row + 2, 1);
            m_grid->addWidget(down, 2 * row + 2, 2);
        } else {
            m_grid->addWidget(m_rowLabels[r], row + 1, 0);
            m_grid->addWidget(up, row + 1, 1);
            m_grid->addWidget(down, row + 1, 2);
        }
    }
}

FaultSet FaultsEditor::faultSet(const Direction &d) const {
    FaultSet f;
    const std::span<const FaultKind> kinds = faultKinds();
    for (size_t r = 0; r < kinds.size(); ++r) {
        // Faults of the other kind of relay are hidden, and do not act.
        if (!actsOn(kinds[r].scope, m_udp) || !d[r].check->isChecked())
            continue;
        for (size_t i = 0; i < kinds[r].fields.size(); ++i)
            readInput(d[r].inputs[i], kinds[r].fields[i], &f);
    }
    return f;
}

void FaultsEditor::setFaultSet(Direction &d, const FaultSet &f) {
    // A fault that is off keeps the numbers last shown, so that ticking it again brings them back.
    const std::span<const FaultKind> kinds = faultKinds();
    for (size_t r = 0; r < kinds.size(); ++r) {
        const bool on = kinds[r].isOn(f);
        d[r].check->setChecked(on);
        if (!on)
            continue;
        for (size_t i = 0; i < kinds[r].fields.size(); ++i)
            showInput(d[r].inputs[i], kinds[r].fields[i], f);
    }
}

RelayFaults FaultsEditor::faults() const {
    RelayFaults faults;
    faults.up = faultSet(m_up);
    faults.down = faultSet(m_down);
    bool ok = false;
    const quint64 seed = m_seedEdit->text().toULongLong(&ok);
    faults.seed = ok ? seed : RelayFaults{}.seed;
    return faults;
}

void FaultsEditor::setFaults(const RelayFaults &faults) {
    m_loading = true;
    setFaultSet(m_up, faults.up);
    setFaultSet(m_down, faults.down);
    m_seedEdit->setText(QString::number(faults.seed));
    m_loading = false;
    updateEnabled();
}

void FaultsEditor::reset() {
    m_loading = true;
    const std::span<const FaultKind> kinds = faultKinds();
    for (Direction *d : {&m_up, &m_down}) {
        for (size_t r = 0; r < kinds.size(); ++r) {
            (*d)[r].check->setChecked(false);
            for (size_t i = 0; i < kinds[r].fields.size(); ++i)
                showInitial((*d)[r].inputs[i], kinds[r].fields[i]);
        }
    }
    m_seedEdit->setText(QString::number(RelayFaults{}.seed));
    m_loading = false;
    updateEnabled();
}

} // namespace sockbench
