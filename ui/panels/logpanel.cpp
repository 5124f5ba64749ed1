#include "panels/logpanel.h"
#include "engine/workbench.h"
#include "language/payload.h"
#include "models/trafficmodel.h"
#include "style/presentation.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>

namespace sockbench {

namespace {

constexpr int SelectedConnectionIndex = 1;
constexpr int SearchPauseMs = 250;

} // namespace

LogPanel::LogPanel(Workbench *workbench, const JournalFeed *feed, QWidget *parent)
    : QWidget(parent)
    , m_model(new TrafficModel(&workbench->journal(), this))
    , m_connectionFilterCombo(new QComboBox(this))
    , m_directionFilterCombo(new QComboBox(this))
    , m_searchEdit(new QLineEdit(this))
    , m_searchModeCombo(new QComboBox(this))
    , m_view(new QTableView(this)) {
    setObjectName(QStringLiteral("logPanel"));
    m_model->setEndpointLabeler([workbench](EndpointId id) { return endpointLabel(*workbench, id); });
    m_model->follow(feed);

    m_connectionFilterCombo->setObjectName(QStringLiteral("connectionFilterCombo"));
    m_connectionFilterCombo->addItem(tr("All connections"));
    m_connectionFilterCombo->addItem(tr("Selected connection"));
    m_connectionFilterCombo->setToolTip(tr("Show every connection's records, or follow the selection"));
    m_directionFilterCombo->setObjectName(QStringLiteral("directionFilterCombo"));
    m_directionFilterCombo->addItem(tr("Both directions"), int(TrafficModel::Direction::All));
    m_directionFilterCombo->addItem(tr("← In only"), int(TrafficModel::Direction::In));
    m_directionFilterCombo->addItem(tr("→ Out only"), int(TrafficModel::Direction::Out));
    m_directionFilterCombo->addItem(tr("• Events only"), int(TrafficModel::Direction::Events));
    m_directionFilterCombo->setToolTip(tr("Show records of one direction only"));
    m_searchModeCombo->setObjectName(QStringLiteral("searchModeCombo"));
    m_searchModeCombo->addItem(tr("Text"), int(PayloadMode::Text));
    m_searchModeCombo->addItem(tr("Hex"), int(PayloadMode::Hex));
    m_searchModeCombo->setToolTip(tr("Search for text (with escapes) or for hex bytes"));
    m_searchEdit->setObjectName(QStringLiteral("searchEdit"));
    m_searchEdit->setPlaceholderText(tr("Search payloads (Ctrl+F)"));
    m_searchEdit->setClearButtonEnabled(true);
    auto *searchLabel = new QLabel(tr("Searc&h:"), this);
    searchLabel->setBuddy(m_searchEdit);

    auto *filters = new QHBoxLayout;
    filters->setContentsMargins(0, 0, 0, 0);
    filters->addWidget(m_connectionFilterCombo);
    filters->addWidget(m_directionFilterCombo);
    filters->addWidget(searchLabel);
    filters->addWidget(m_searchEdit, 1);
    filters->addWidget(m_searchModeCombo);

    m_view->setObjectName(QStringLiteral("trafficView"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setWordWrap(false);
    m_view->setShowGrid(false);
    m_view->setAlternatingRowColors(true);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->setToolTip(tr("Every record of what crossed the wire"));
    // Fixed row heights keep a million rows cheap: the header never measures contents.
    QHeaderView *rows = m_view->verticalHeader();
    rows->setVisible(false);
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(QFontMetrics(m_view->font()).height() + 4);
    QHeaderView *columns = m_view->horizontalHeader();
    columns->setStretchLastSection(true);
    columns->resizeSection(TrafficModel::NumberColumn, 60);
    columns->resizeSection(TrafficModel::TimeColumn, 192);
    columns->resizeSection(TrafficModel::ConnectionColumn, 175);
    columns->resizeSection(TrafficModel::DirectionColumn, 62);
    columns->resizeSection(TrafficModel::LengthColumn, 55);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(filters);
    layout->addWidget(m_view, 1);
    // Tabbing into the log lands on its first filter.
    setFocusProxy(m_connectionFilterCombo);

    m_searchTimer.setSingleShot(true);
    m_searchTimer.setInterval(SearchPauseMs);
    connect(&m_searchTimer, &QTimer::timeout, this, &LogPanel::onSearchTimerTimeout);
    connect(m_searchEdit, &QLineEdit::textChanged, &m_searchTimer, qOverload<>(&QTimer::start));
    connect(m_searchModeCombo, &QComboBox::currentIndexChanged, this,
            &LogPanel::onSearchModeComboCurrentIndexChanged);
    connect(m_connectionFilterCombo, &QComboBox::currentIndexChanged, this,
            &LogPanel::onConnectionFilterComboCurrentIndexChanged);
    connect(m_directionFilterCombo, &QComboBox::currentIndexChanged, this,
            &LogPanel::onDirectionFilterComboCurrentIndexChanged);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &LogPanel::onViewCurrentRowChanged);
    QScrollBar *bar = m_view->verticalScrollBar();
    connect(bar, &QScrollBar::rangeChanged, this, &LogPanel::onScrollBarRangeChanged);
    connect(bar, &QScrollBar::valueChanged, this, &LogPanel::onScrollBarValueChanged);
}

LogPanel::~LogPanel() = default;

void LogPanel::setSelectedEndpoints(const QSet<EndpointId> &endpoints) {
    m_selected = endpoints;
    applyConnectionFilter();
}

void LogPanel::applyConnectionFilter() {
    QSet<EndpointId> ids;
    if (m_connectionFilterCombo->currentIndex() == SelectedConnectionIndex) {
        // Following a selection of nothing shows nothing rather than everything: no endpoint has id 0.
        ids = m_selected.isEmpty() ? QSet<EndpointId>{0} : m_selected;
    }
    m_model->setEndpointFilter(ids);
}

void LogPanel::onConnectionFilterComboCurrentIndexChanged() {
    applyConnectionFilter();
}

void LogPanel::onDirectionFilterComboCurrentIndexChanged() {
    m_model->setDirectionFilter(TrafficModel::Direction(m_directionFilterCombo->currentData().toInt()));
}

void LogPanel::onSearchModeComboCurrentIndexChanged() {
    applySearch();
}

void LogPanel::onSearchTimerTimeout() {
    applySearch();
}

void LogPanel::applySearch() {
    PayloadSpec spec;
    spec.mode = PayloadMode(m_searchModeCombo->currentData().toInt());
    const PayloadResult result = parsePayload(m_searchEdit->text(), spec);
    if (!result.ok()) {
        // The filter that is on stays on: a half-typed search must not flood the log with everything.
        m_searchEdit->setStyleSheet(errorFieldStyle());
        m_searchEdit->setToolTip(tr("Column %1: %2").arg(result.errorPosition + 1).arg(result.error));
        return;
    }
    m_searchEdit->setStyleSheet(QString());
    m_searchEdit->setToolTip(tr("Only records whose payload contains these bytes"));
    m_model->setSearchBytes(result.bytes);
}

void LogPanel::focusSearch() {
    m_searchEdit->setFocus(Qt::ShortcutFocusReason);
    m_searchEdit->selectAll();
}

void LogPanel::onViewCurrentRowChanged(const QModelIndex &current) {
    if (!current.isValid()) {
        Q_EMIT currentRecordCleared();
        return;
    }
    Q_EMIT currentRecordChanged(m_model->seqAt(current.row()));
}

void LogPanel::setFollowing(bool following) {
    if (following == m_following)
        return;
    m_following = following;
    if (following) {
        QScrollBar *bar = m_view->verticalScrollBar();
        bar->setValue(bar->maximum());
    }
    Q_EMIT followingChanged(following);
}

void LogPanel::onScrollBarRangeChanged(int, int maximum) {
    if (m_following)
        m_view->verticalScrollBar()->setValue(maximum);
}

void LogPanel::onScrollBarValueChanged(int value) {
    // Looking at older rows pauses following; coming back to the bottom resumes it.
    setFollowing(value >= m_view->verticalScrollBar()->maximum());
}

} // namespace sockbench
