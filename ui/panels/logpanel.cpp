#include "panels/logpanel.h"

#include "engine/workbench.h"
#include "journal/recordformat.h"
#include "language/payload.h"
#include "models/journalfeed.h"
#include "models/messageindex.h"
#include "models/messagelogmodel.h"
#include "models/trafficmodel.h"
#include "style/presentation.h"
#include "views/elidingdelegate.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMimeData>
#include <QRegularExpression>
#include <QScrollBar>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace sockbench {

namespace {

constexpr int SelectedConnectionIndex = 1;
constexpr int SearchPauseMs = 250;

} // namespace

LogPanel::LogPanel(Workbench *workbench, const JournalFeed *feed, QWidget *parent)
    : QWidget(parent)
    , m_workbench(workbench)
    , m_model(new TrafficModel(&workbench->journal(), this))
    , m_messageModel(new MessageLogModel(&workbench->journal(), this))
    , m_messagesAction(new QAction(tr("&Messages"), this))
    , m_timeOfDayAction(new QAction(tr("Time of &day only"), this))
    , m_messagesButton(new QToolButton(this))
    , m_connectionFilterCombo(new QComboBox(this))
    , m_directionFilterCombo(new QComboBox(this))
    , m_searchEdit(new QLineEdit(this))
    , m_searchModeCombo(new QComboBox(this))
    , m_matchCaseButton(new QToolButton(this))
    , m_view(new QTableView(this))
    , m_droppedLabel(new QLabel(this)) {
    setObjectName(QStringLiteral("logPanel"));
    m_model->setEndpointLabeler([workbench](EndpointId id) { return endpointLabel(*workbench, id); });
    m_model->follow(feed);
    m_messageModel->setEndpointLabeler([workbench](EndpointId id) { return endpointLabel(*workbench, id); });
    MessageIndex *messages = m_messageModel->messages();
    messages->setFrameLookup([workbench](EndpointId id) { return workbench->info(id).frame; });
    messages->follow(feed);
    // Once the journal's budget drops records, the top of the log says so: what is gone, up to when.
    m_droppedLabel->setObjectName(QStringLiteral("droppedLabel"));
    m_droppedLabel->setVisible(false);
    m_droppedLabel->setWordWrap(true);
    m_droppedLabel->setToolTip(tr("The journal keeps the traffic within its memory budget (File → "
                                  "Preferences): past it the oldest records go. The counters stay exact."));
    connect(feed, &JournalFeed::recordsAppended, this, [this] {
        const QString text = droppedRecordsText(m_workbench->journal().dropped());
        if (text == m_droppedLabel->text())
            return;
        m_droppedLabel->setText(text);
        m_droppedLabel->setVisible(!text.isEmpty());
    });
    setUpMessagesAction();
    setUpHexColumnAction();
    setUpFilters();
    buildLayout();
    setUpTimeOfDayAction();
    connectSignals();
}

void LogPanel::setUpHexColumnAction() {
    m_hexColumnAction = new QAction(tr("He&x column"), this);
    m_hexColumnAction->setObjectName(QStringLiteral("hexColumnAction"));
    m_hexColumnAction->setCheckable(true);
    m_hexColumnAction->setToolTip(tr("Show each payload in hex too, in a column beside its text"));
    m_hexColumnAction->setStatusTip(m_hexColumnAction->toolTip());
    connect(m_hexColumnAction, &QAction::toggled, this,
            [this](bool on) { m_view->setColumnHidden(TrafficModel::HexColumn, !on); });
}

void LogPanel::setUpMessagesAction() {
    m_messagesAction->setObjectName(QStringLiteral("messagesAction"));
    m_messagesAction->setCheckable(true);
    // The log's bar must not widen the window (usable at 1024 px): the button says it short.
    m_messagesAction->setIconText(tr("Msgs"));
    m_messagesAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_M));
    const QString messagesTip =
        tr("With \"Selected connection\": show messages, split by each connection's framing, instead of "
           "read chunks (raw connections: chunks; UDP: datagrams). A message shows once it has ended.");
    m_messagesAction->setToolTip(messagesTip);
    m_messagesAction->setStatusTip(messagesTip);
    // A full index is said on the button itself, where the user who counts on it is looking.
    connect(m_messageModel->messages(), &MessageIndex::filledUp, this, [this, messagesTip] {
        const QString full = tr("%1\nThe list stopped at %2 messages, to keep memory bounded: later ones are "
                                "not listed. Turn Messages off to see every read.")
                                 .arg(messagesTip, QLocale().toString(MessageIndex::MaxMessages));
        m_messagesAction->setIconText(tr("Msgs!"));
        m_messagesAction->setToolTip(full);
    });
    connect(m_messageModel->messages(), &MessageIndex::reset, this, [this, messagesTip] {
        m_messagesAction->setIconText(tr("Msgs"));
        m_messagesAction->setToolTip(messagesTip);
    });
    m_messagesButton->setObjectName(QStringLiteral("messagesButton"));
    m_messagesButton->setDefaultAction(m_messagesAction);
}

void LogPanel::setUpFilters() {
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
    m_searchModeCombo->addItem(tr("Text"), int(SearchKind::Text));
    m_searchModeCombo->addItem(tr("Hex"), int(SearchKind::Hex));
    m_searchModeCombo->addItem(tr("Regular expression"), int(SearchKind::Pattern));
    m_searchModeCombo->setToolTip(
        tr("Search for text (with escapes), for hex bytes, or for a regular expression; a pattern reads "
           "a payload as UTF-8 when it is valid UTF-8, else as Latin-1, one character per byte (\\xHH)"));
    m_matchCaseButton->setObjectName(QStringLiteral("matchCaseButton"));
    m_matchCaseButton->setText(tr("Aa"));
    m_matchCaseButton->setCheckable(true);
    m_matchCaseButton->setToolTip(tr("Match case; when off, letters match in either case (in text, ASCII "
                                     "letters only)"));
    m_searchEdit->setObjectName(QStringLiteral("searchEdit"));
    m_searchEdit->setPlaceholderText(tr("Search payloads (Ctrl+F)"));
    m_searchEdit->setClearButtonEnabled(true);

    // The filter bar must not set the log's minimum width (the window is usable at 1024 px): the
    // combos shrink to a few characters and show their whole text in the popup.
    for (QComboBox *combo : {m_connectionFilterCombo, m_directionFilterCombo, m_searchModeCombo}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(5);
    }
    m_searchEdit->setMinimumWidth(m_searchEdit->fontMetrics().horizontalAdvance(QLatin1Char('x')) * 10);
}

void LogPanel::buildLayout() {
    auto *searchLabel = new QLabel(tr("Searc&h:"), this);
    searchLabel->setBuddy(m_searchEdit);
    auto *filters = new QHBoxLayout;
    filters->setContentsMargins(0, 0, 0, 0);
    filters->addWidget(m_connectionFilterCombo);
    filters->addWidget(m_directionFilterCombo);
    filters->addWidget(searchLabel);
    filters->addWidget(m_searchEdit, 1);
    filters->addWidget(m_matchCaseButton);
    filters->addWidget(m_searchModeCombo);
    filters->addWidget(m_messagesButton);

    m_view->setObjectName(QStringLiteral("trafficView"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
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
    sizeColumns();
    // A longer sender (IPv6) is cut in the middle, keeping its port; the tooltip has it whole.
    m_view->setItemDelegateForColumn(TrafficModel::ConnectionColumn,
                                     new ElidingDelegate(Qt::ElideMiddle, this));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(filters);
    layout->addWidget(m_droppedLabel);
    layout->addWidget(m_view, 1);
    // Tabbing into the log lands on its first filter.
    setFocusProxy(m_connectionFilterCombo);
}

void LogPanel::connectSignals() {
    m_searchTimer.setSingleShot(true);
    m_searchTimer.setInterval(SearchPauseMs);
    connect(&m_searchTimer, &QTimer::timeout, this, &LogPanel::onSearchTimerTimeout);
    connect(m_searchEdit, &QLineEdit::textChanged, &m_searchTimer, qOverload<>(&QTimer::start));
    connect(m_searchModeCombo, &QComboBox::currentIndexChanged, this,
            &LogPanel::onSearchModeComboCurrentIndexChanged);
    connect(m_matchCaseButton, &QToolButton::toggled, this, &LogPanel::onMatchCaseButtonToggled);
    connect(m_connectionFilterCombo, &QComboBox::currentIndexChanged, this,
            &LogPanel::onConnectionFilterComboCurrentIndexChanged);
    connect(m_directionFilterCombo, &QComboBox::currentIndexChanged, this,
            &LogPanel::onDirectionFilterComboCurrentIndexChanged);
    connectSelectionModel();
    connect(m_model, &QAbstractItemModel::modelReset, this, &LogPanel::updateRecordActions);
    connect(m_messageModel, &QAbstractItemModel::modelReset, this, &LogPanel::updateRecordActions);
    connect(m_messagesAction, &QAction::toggled, this, &LogPanel::applyMessagesMode);
    connect(m_workbench, &Workbench::rulesChanged, this, &LogPanel::onWorkbenchRulesChanged);
    createRecordActions();
    QScrollBar *bar = m_view->verticalScrollBar();
    connect(bar, &QScrollBar::rangeChanged, this, &LogPanel::onScrollBarRangeChanged);
    connect(bar, &QScrollBar::valueChanged, this, &LogPanel::onScrollBarValueChanged);
}

LogPanel::~LogPanel() = default;

void LogPanel::sizeColumns() {
    QHeaderView *columns = m_view->horizontalHeader();
    // Data takes whatever the other columns leave, so that event texts show; its tooltip has the rest.
    columns->setStretchLastSection(true);
    columns->setSectionResizeMode(TrafficModel::DataColumn, QHeaderView::Stretch);
    // The others get what their usual text needs, measured once, never per row.
    const QFontMetrics metrics(m_view->font());
    const auto fit = [&metrics](const QString &sample) { return metrics.horizontalAdvance(sample) + 10; };
    // Numbers as the view shows them (the locale's group separators): up to 9,999,999.
    const QString sevenDigits = QLocale().toString(9999999);
    columns->resizeSection(TrafficModel::NumberColumn, fit(sevenDigits));
    // A datagram's row names its sender: "#12 UDP from 127.0.0.1:65535" is shown whole.
    columns->resizeSection(TrafficModel::ConnectionColumn,
                           fit(tr("#888 UDP ← %1").arg(QStringLiteral("127.0.0.1:65535"))));
    columns->resizeSection(TrafficModel::DirectionColumn, fit(directionText(RecordKind::Event)));
    // A record is one read or one datagram: under a million bytes.
    columns->resizeSection(TrafficModel::LengthColumn, fit(QLocale().toString(999999)));
    // The hex column, when shown, gets its share of the width beside Data, as wide as Data's start.
    columns->resizeSection(TrafficModel::HexColumn, fit(QStringLiteral("00 ").repeated(16)));
    columns->setSectionHidden(TrafficModel::HexColumn, !m_hexColumnAction->isChecked());
    if (!columns->actions().contains(m_hexColumnAction)) {
        columns->setContextMenuPolicy(Qt::ActionsContextMenu);
        columns->addAction(m_hexColumnAction);
    }
    sizeTimeColumn();
}

void LogPanel::sizeTimeColumn() {
    const QFontMetrics metrics(m_view->font());
    const QString sample = m_timeDelta                      ? formatDelta(qint64(9999) * 1000000000)
                           : m_timeOfDayAction->isChecked() ? QStringLiteral("00:00:00.000000")
                                                            : QStringLiteral("0000-00-00 00:00:00.000000");
    m_view->horizontalHeader()->resizeSection(TrafficModel::TimeColumn,
                                              metrics.horizontalAdvance(sample) + 10);
}

void LogPanel::setUpTimeOfDayAction() {
    m_timeOfDayAction->setObjectName(QStringLiteral("timeOfDayAction"));
    m_timeOfDayAction->setCheckable(true);
    m_timeOfDayAction->setChecked(true);
    m_timeOfDayAction->setToolTip(
        tr("Show the time of day alone in the Time column; its tooltip has the date and the full stamp"));
    m_model->setTimeOfDay(true);
    m_messageModel->setTimeOfDay(true);
    connect(m_timeOfDayAction, &QAction::toggled, this, [this](bool on) {
        m_model->setTimeOfDay(on);
        m_messageModel->setTimeOfDay(on);
        sizeTimeColumn();
    });
    // The columns' own menu offers how the time is shown.
    QHeaderView *header = m_view->horizontalHeader();
    header->setContextMenuPolicy(Qt::ActionsContextMenu);
    header->addAction(m_timeOfDayAction);
    sizeTimeColumn();
}

void LogPanel::connectSelectionModel() {
    // Each model the view is given comes with a new selection model.
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &LogPanel::onViewCurrentRowChanged);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &LogPanel::updateRecordActions);
}

bool LogPanel::showsMessages() const {
    return m_view->model() == m_messageModel;
}

quint64 LogPanel::seqAtRow(int row) const {
    return showsMessages() ? m_messageModel->seqAt(row) : m_model->seqAt(row);
}

void LogPanel::setHexPreview(bool hex) {
    m_model->setHexPreview(hex);
    m_messageModel->setHexPreview(hex);
}

void LogPanel::setTimeDelta(bool delta) {
    m_timeDelta = delta;
    m_model->setTimeDelta(delta);
    m_messageModel->setTimeDelta(delta);
    sizeTimeColumn();
}

void LogPanel::applyMessagesMode() {
    const bool messages =
        m_messagesAction->isChecked() && m_connectionFilterCombo->currentIndex() == SelectedConnectionIndex;
    MessageIndex *index = m_messageModel->messages();
    // Off, the index follows no endpoint and costs nothing.
    index->setEndpoints(messages ? m_selected : QSet<EndpointId>{});
    if (messages) {
        const auto direction = TrafficModel::Direction(m_directionFilterCombo->currentData().toInt());
        const bool all = direction == TrafficModel::Direction::All;
        index->setKinds(all || direction == TrafficModel::Direction::In,
                        all || direction == TrafficModel::Direction::Out,
                        all || direction == TrafficModel::Direction::Events);
        const TrafficModel *model = m_model;
        index->setFilter(model->hasSearch()
                             ? std::function<bool(QByteArrayView)>(
                                   [model](QByteArrayView bytes) { return model->payloadMatches(bytes); })
                             : nullptr);
    }
    QAbstractItemModel *wanted = messages ? static_cast<QAbstractItemModel *>(m_messageModel) : m_model;
    if (m_view->model() == wanted)
        return;
    QItemSelectionModel *old = m_view->selectionModel();
    m_view->setModel(wanted);
    delete old;
    connectSelectionModel();
    sizeColumns();
    updateRecordActions();
    if (m_following)
        m_view->scrollToBottom();
}

void LogPanel::onWorkbenchRulesChanged(EndpointId id) {
    // A new framing frames the whole history again (it is a way of looking, not of recording).
    const QSet<EndpointId> shown = m_messageModel->messages()->endpoints();
    if (shown.contains(id) || shown.contains(m_workbench->info(id).listener))
        m_messageModel->messages()->restart();
    else if (!shown.isEmpty() && m_workbench->info(id).kind == EndpointKind::TcpListener) {
        for (EndpointId e : shown) {
            if (m_workbench->info(e).listener == id) {
                m_messageModel->messages()->restart();
                return;
            }
        }
    }
}

void LogPanel::createRecordActions() {
    auto make = [this](const char *name, const QString &text, const QString &tip) {
        auto *action = new QAction(text, this);
        action->setObjectName(QLatin1String(name));
        action->setStatusTip(tip);
        action->setToolTip(tip);
        // The view's own Copy would take one cell; this one copies whole rows, and only in the log.
        action->setShortcutContext(Qt::WidgetShortcut);
        m_view->addAction(action);
        return action;
    };
    m_copyRowsAction =
        make("copyRowsAction", tr("&Copy as text lines"),
             tr("Copy the selected rows as log lines, as the command line's --log writes them"));
    m_copyRowsAction->setShortcut(QKeySequence::Copy);
    m_copyHexAction =
        make("copyHexAction", tr("Copy as &hex"), tr("Copy the selected rows' payloads in hex, a line each"));
    m_copyRawAction = make("copyRawAction", tr("Copy as &raw bytes joined"),
                           tr("Copy the selected rows' payload bytes, one after the other"));
    auto *separator = new QAction(this);
    separator->setSeparator(true);
    m_view->addAction(separator);
    m_filterToConnectionAction = make("filterToConnectionAction", tr("&Filter to this connection"),
                                      tr("Show only the records of this row's connection"));
    m_sendAgainAction = make("sendAgainAction", tr("Send &again"),
                             tr("Put this outgoing record's bytes in the composer, to send them again"));
    m_showBytesAction = make("showBytesAction", tr("Show &bytes"),
                             tr("Show this record's bytes in the detail pane's hex view"));
    auto *tail = new QAction(this);
    tail->setSeparator(true);
    m_view->addAction(tail);
    connect(m_copyRowsAction, &QAction::triggered, this, &LogPanel::onCopyRowsActionTriggered);
    connect(m_copyHexAction, &QAction::triggered, this, &LogPanel::onCopyHexActionTriggered);
    connect(m_copyRawAction, &QAction::triggered, this, &LogPanel::onCopyRawActionTriggered);
    connect(m_filterToConnectionAction, &QAction::triggered, this,
            &LogPanel::onFilterToConnectionActionTriggered);
    connect(m_sendAgainAction, &QAction::triggered, this, &LogPanel::onSendAgainActionTriggered);
    connect(m_showBytesAction, &QAction::triggered, this, &LogPanel::onShowBytesActionTriggered);
    updateRecordActions();
}

void LogPanel::addContextAction(QAction *action) {
    m_view->addAction(action);
}

QList<quint64> LogPanel::selectedRecords() const {
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    QList<int> numbers;
    numbers.reserve(rows.size());
    for (const QModelIndex &index : rows)
        numbers.append(index.row());
    std::sort(numbers.begin(), numbers.end());
    QList<quint64> seqs;
    seqs.reserve(numbers.size());
    for (int row : std::as_const(numbers))
        seqs.append(seqAtRow(row));
    return seqs;
}

bool LogPanel::currentRecord(Record *record) const {
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid())
        return false;
    if (showsMessages()) {
        *record = m_messageModel->recordAt(current.row());
        return true;
    }
    return m_workbench->journal().record(m_model->seqAt(current.row()), record, true);
}

void LogPanel::updateRecordActions() {
    const bool any = m_view->selectionModel()->hasSelection();
    m_copyRowsAction->setEnabled(any);
    m_copyHexAction->setEnabled(any);
    m_copyRawAction->setEnabled(any);
    Record record;
    const bool current = currentRecord(&record);
    m_filterToConnectionAction->setEnabled(current);
    m_sendAgainAction->setEnabled(current && record.kind == RecordKind::DataOut && !record.isEvicted());
    m_showBytesAction->setEnabled(current && record.kind != RecordKind::Event);
}

void LogPanel::copyRows(CopyForm form) const {
    const Journal &journal = m_workbench->journal();
    const Workbench *workbench = m_workbench;
    const EndpointNamer namer = [workbench](EndpointId id) { return endpointAddress(*workbench, id); };
    QByteArray bytes;
    QString text;
    QList<Record> records;
    if (showsMessages()) {
        // Messages copy as what is shown: each message's payload, without delimiter or header.
        QModelIndexList rows = m_view->selectionModel()->selectedRows();
        std::sort(rows.begin(), rows.end());
        for (const QModelIndex &row : std::as_const(rows))
            records.append(m_messageModel->recordAt(row.row()));
    } else {
        for (quint64 seq : selectedRecords()) {
            Record record;
            if (journal.record(seq, &record, true))
                records.append(record);
        }
    }
    for (const Record &record : std::as_const(records)) {
        switch (form) {
        case CopyForm::LogLines:
            appendLogLine(&bytes, record, namer);
            break;
        case CopyForm::Hex:
            // Events carry no bytes of the wire; hex and raw copies are of traffic only.
            if (record.kind != RecordKind::Event)
                text += bytesToHex(record.payload) + u'\n';
            break;
        case CopyForm::Raw:
            if (record.kind != RecordKind::Event)
                appendRaw(&bytes, record);
            break;
        }
    }
    auto *mime = new QMimeData;
    switch (form) {
    case CopyForm::LogLines:
        mime->setText(QString::fromUtf8(bytes));
        break;
    case CopyForm::Hex:
        mime->setText(text);
        break;
    case CopyForm::Raw:
        // The exact bytes for tools that read them; as text they are read as UTF-8, like the log.
        mime->setData(QStringLiteral("application/octet-stream"), bytes);
        mime->setText(QString::fromUtf8(bytes));
        break;
    }
    QApplication::clipboard()->setMimeData(mime);
}

void LogPanel::onCopyRowsActionTriggered() {
    copyRows(CopyForm::LogLines);
}

void LogPanel::onCopyHexActionTriggered() {
    copyRows(CopyForm::Hex);
}

void LogPanel::onCopyRawActionTriggered() {
    copyRows(CopyForm::Raw);
}

void LogPanel::onFilterToConnectionActionTriggered() {
    Record record;
    if (currentRecord(&record))
        filterToEndpoint(record.endpoint);
}

void LogPanel::onSendAgainActionTriggered() {
    Record record;
    if (currentRecord(&record) && record.kind == RecordKind::DataOut && !record.isEvicted())
        Q_EMIT sendAgainRequested(record.payload);
}

void LogPanel::onShowBytesActionTriggered() {
    const QModelIndex current = m_view->currentIndex();
    if (current.isValid())
        Q_EMIT showBytesRequested(seqAtRow(current.row()));
}

void LogPanel::filterToEndpoint(EndpointId id) {
    m_selected = {id};
    if (m_connectionFilterCombo->currentIndex() == SelectedConnectionIndex) {
        applyConnectionFilter();
        applyMessagesMode();
    } else
        m_connectionFilterCombo->setCurrentIndex(SelectedConnectionIndex);
}

void LogPanel::setSelectedEndpoints(const QSet<EndpointId> &endpoints) {
    m_selected = endpoints;
    applyConnectionFilter();
    applyMessagesMode();
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
    applyMessagesMode();
}

void LogPanel::onDirectionFilterComboCurrentIndexChanged() {
    m_model->setDirectionFilter(TrafficModel::Direction(m_directionFilterCombo->currentData().toInt()));
    applyMessagesMode();
}

void LogPanel::onSearchModeComboCurrentIndexChanged() {
    applySearch();
}

void LogPanel::onSearchTimerTimeout() {
    applySearch();
}

void LogPanel::onMatchCaseButtonToggled() {
    applySearch();
}

void LogPanel::showSearchError(const QString &message, qsizetype position) {
    // The filter that is on stays on: a half-typed search must not flood the log with everything.
    m_searchEdit->setStyleSheet(errorFieldStyle());
    m_searchEdit->setToolTip(tr("Column %1: %2").arg(position + 1).arg(message));
}

void LogPanel::applySearch() {
    const auto kind = SearchKind(m_searchModeCombo->currentData().toInt());
    const Qt::CaseSensitivity cs = m_matchCaseButton->isChecked() ? Qt::CaseSensitive : Qt::CaseInsensitive;
    // Hex bytes have no case.
    m_matchCaseButton->setEnabled(kind != SearchKind::Hex);
    if (kind == SearchKind::Pattern) {
        QRegularExpression pattern(m_searchEdit->text(), cs == Qt::CaseSensitive
                                                             ? QRegularExpression::NoPatternOption
                                                             : QRegularExpression::CaseInsensitiveOption);
        if (!pattern.isValid()) {
            showSearchError(pattern.errorString(), pattern.patternErrorOffset());
            return;
        }
        m_searchEdit->setStyleSheet(QString());
        m_searchEdit->setToolTip(tr("Only records whose payload has a match of this regular expression"));
        m_model->setSearchPattern(pattern);
        applyMessagesMode();
        return;
    }
    PayloadSpec spec;
    spec.mode = kind == SearchKind::Hex ? PayloadMode::Hex : PayloadMode::Text;
    const PayloadResult result = parsePayload(m_searchEdit->text(), spec);
    if (!result.ok()) {
        showSearchError(result.error, result.errorPosition);
        return;
    }
    m_searchEdit->setStyleSheet(QString());
    m_searchEdit->setToolTip(tr("Only records whose payload contains these bytes"));
    m_model->setSearchBytes(result.bytes, kind == SearchKind::Hex ? Qt::CaseSensitive : cs);
    applyMessagesMode();
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
    Q_EMIT currentRecordChanged(seqAtRow(current.row()));
    updateRecordActions();
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
