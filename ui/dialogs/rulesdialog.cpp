#include "dialogs/rulesdialog.h"

#include "dialogs/framingfield.h"
#include "dialogs/ruleeditdialog.h"
#include "engine/workbench.h"
#include "language/payload.h"
#include "models/rulestablemodel.h"
#include "protocol/rulesfile.h"
#include "style/presentation.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QTableView>
#include <QVBoxLayout>

namespace sockbench {

namespace {

// Four reads a second: a counter that moves looks live without costing the GUI thread anything.
constexpr int HitsRefreshMs = 250;
constexpr QLatin1String RulesFilter("*.json");

/// The peer ${peer} names in the test box when the endpoint has none (a listener, a UDP socket).
QString examplePeer() {
    return QStringLiteral("127.0.0.1:50000");
}

QString thenText(RuleThen then) {
    switch (then) {
    case RuleThen::Stop:
        return RulesDialog::tr("later rules do not run");
    case RuleThen::Continue:
        return RulesDialog::tr("the next rule runs too");
    case RuleThen::Close:
        return RulesDialog::tr("then the connection closes (FIN)");
    case RuleThen::Abort:
        return RulesDialog::tr("then the connection is aborted (RST)");
    }
    return {};
}

} // namespace

RulesDialog::RulesDialog(Workbench *workbench, EndpointId id, QWidget *parent)
    : QDialog(parent)
    , m_workbench(workbench)
    , m_id(id)
    , m_kind(workbench->info(id).kind)
    , m_model(new RulesTableModel(this))
    , m_frameField(new FramingField(this))
    , m_frameError(new QLabel(this))
    , m_table(new QTableView(this))
    , m_addButton(new QPushButton(tr("&Add..."), this))
    , m_editButton(new QPushButton(tr("&Edit..."), this))
    , m_removeButton(new QPushButton(tr("&Remove"), this))
    , m_upButton(new QPushButton(tr("Move &up"), this))
    , m_downButton(new QPushButton(tr("Move &down"), this))
    , m_loadButton(new QPushButton(tr("&Load..."), this))
    , m_saveButton(new QPushButton(tr("&Save..."), this))
    , m_testEdit(new QLineEdit(this))
    , m_testResult(new QPlainTextEdit(this))
    , m_messageLabel(new QLabel(this))
    , m_buttons(new QDialogButtonBox(
          QDialogButtonBox::Ok | QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this))
    , m_clearButton(m_buttons->addButton(tr("Clear rules"), QDialogButtonBox::ResetRole)) {
    setObjectName(QStringLiteral("rulesDialog"));
    setWindowTitle(tr("Response rules of %1").arg(endpointLabel(*workbench, id)));
    const EndpointInfo info = workbench->info(id);
    m_peer = info.peer.isValid() ? info.peer.toString() : examplePeer();
    setUpFrameField();
    setUpTable();
    setUpTestAndButtons();
    buildLayout();
    connectSignals();

    if (info.rules) {
        setRuleSet(info.rules->rules(), info.rules);
    } else {
        RuleSet none;
        none.frame = info.frame;
        setRuleSet(none, nullptr);
    }
    resize(720, 560);
    onStateChanged(id);
}

void RulesDialog::setUpFrameField() {
    m_frameField->combo()->setToolTip(
        tr("What one message is: raw (each read as it came), line (up to LF), "
           "line:crlf, delim:HEX, fixed:N bytes, len:1/2be/2le/4be/4le with "
           "+incl when the length counts its header, idle:MS (a pause ends it)"));
    m_frameError->setObjectName(QStringLiteral("frameErrorLabel"));
    m_frameError->setWordWrap(true);
    m_frameError->setStyleSheet(errorTextStyle());
    if (m_kind == EndpointKind::UdpSocket) {
        m_frameField->setEnabled(false);
        m_frameField->combo()->setToolTip(tr("UDP: each datagram is one message"));
    }
}

void RulesDialog::setUpTable() {
    m_table->setObjectName(QStringLiteral("rulesTable"));
    m_table->setModel(m_model);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(RulesTableModel::MatchColumn, QHeaderView::Interactive);
    m_table->horizontalHeader()->setSectionResizeMode(RulesTableModel::ActionColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->resizeSection(RulesTableModel::MatchColumn, 220);
    m_table->horizontalHeader()->setSectionResizeMode(RulesTableModel::HitsColumn,
                                                      QHeaderView::ResizeToContents);
    m_addButton->setObjectName(QStringLiteral("addRuleButton"));
    m_editButton->setObjectName(QStringLiteral("editRuleButton"));
    m_removeButton->setObjectName(QStringLiteral("removeRuleButton"));
    m_upButton->setObjectName(QStringLiteral("moveRuleUpButton"));
    m_downButton->setObjectName(QStringLiteral("moveRuleDownButton"));
    m_loadButton->setObjectName(QStringLiteral("loadRulesButton"));
    m_saveButton->setObjectName(QStringLiteral("saveRulesButton"));
    m_loadButton->setToolTip(tr("Read a rules file (JSON) into the list; Apply puts it to work"));
    m_saveButton->setToolTip(tr("Write the list and the frame to a rules file (JSON)"));
}

void RulesDialog::setUpTestAndButtons() {
    m_testEdit->setObjectName(QStringLiteral("testEdit"));
    m_testEdit->setPlaceholderText(tr("a message, with escapes: PING 42, \\x01\\x03…"));
    m_testResult->setObjectName(QStringLiteral("testResult"));
    m_testResult->setReadOnly(true);
    m_testResult->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_testResult->setPlaceholderText(tr("Which rule fires and the exact bytes it sends"));
    m_testResult->setMaximumHeight(m_testResult->fontMetrics().lineSpacing() * 8);
    m_messageLabel->setObjectName(QStringLiteral("rulesMessage"));
    m_messageLabel->setWordWrap(true);
    m_buttons->setObjectName(QStringLiteral("buttonBox"));
    m_clearButton->setObjectName(QStringLiteral("clearRulesButton"));
    m_clearButton->setToolTip(tr("Take every rule off the socket now"));
    m_buttons->button(QDialogButtonBox::Apply)->setToolTip(tr("Run these rules from the next message on"));
}

void RulesDialog::buildLayout() {
    auto *frameRow = new QFormLayout;
    frameRow->addRow(tr("&Frame:"), m_frameField);
    frameRow->addRow(QString(), m_frameError);
    auto *side = new QVBoxLayout;
    for (QPushButton *button : {m_addButton, m_editButton, m_removeButton, m_upButton, m_downButton})
        side->addWidget(button);
    side->addStretch();
    side->addWidget(m_loadButton);
    side->addWidget(m_saveButton);
    auto *tableRow = new QHBoxLayout;
    tableRow->addWidget(m_table, 1);
    tableRow->addLayout(side);
    auto *testBox = new QGroupBox(tr("Test (the rules as edited, not yet applied)"), this);
    auto *testForm = new QFormLayout(testBox);
    testForm->addRow(tr("&Message:"), m_testEdit);
    testForm->addRow(m_testResult);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(frameRow);
    layout->addLayout(tableRow, 1);
    layout->addWidget(testBox);
    layout->addWidget(m_messageLabel);
    layout->addWidget(m_buttons);
}

void RulesDialog::connectSignals() {
    connect(m_frameField, &FramingField::changed, this, &RulesDialog::revalidate);
    connect(m_table, &QAbstractItemView::doubleClicked, this, &RulesDialog::onEditClicked);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &RulesDialog::updateButtons);
    connect(m_addButton, &QPushButton::clicked, this, &RulesDialog::onAddClicked);
    connect(m_editButton, &QPushButton::clicked, this, &RulesDialog::onEditClicked);
    connect(m_removeButton, &QPushButton::clicked, this, &RulesDialog::onRemoveClicked);
    connect(m_upButton, &QPushButton::clicked, this, [this] { onMoveClicked(false); });
    connect(m_downButton, &QPushButton::clicked, this, [this] { onMoveClicked(true); });
    connect(m_loadButton, &QPushButton::clicked, this, &RulesDialog::onLoadClicked);
    connect(m_saveButton, &QPushButton::clicked, this, &RulesDialog::onSaveClicked);
    connect(m_testEdit, &QLineEdit::textChanged, this, &RulesDialog::updateTest);
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &RulesDialog::apply);
    connect(m_clearButton, &QPushButton::clicked, this, &RulesDialog::onClearClicked);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        // OK re-applies only what changed: applying anew would restart every connection's framing.
        const std::optional<RuleSet> set = ruleSet();
        if (set && m_model->isAsApplied(set->frame)) {
            accept();
            return;
        }
        if (apply())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_workbench, &Workbench::rulesChanged, this, &RulesDialog::onRulesChanged);
    connect(m_workbench, &Workbench::stateChanged, this,
            [this](EndpointId changed, EndpointState, const QString &) { onStateChanged(changed); });
    m_hitsTimer.setInterval(HitsRefreshMs);
    connect(&m_hitsTimer, &QTimer::timeout, m_model, &RulesTableModel::refreshHits);
}

RulesDialog::~RulesDialog() = default;

void RulesDialog::showEvent(QShowEvent *event) {
    m_model->refreshHits();
    m_hitsTimer.start();
    QDialog::showEvent(event);
}

void RulesDialog::hideEvent(QHideEvent *event) {
    m_hitsTimer.stop();
    QDialog::hideEvent(event);
}

QString RulesDialog::message() const {
    return m_messageLabel->text();
}

int RulesDialog::currentRow() const {
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    return current.isValid() ? current.row() : -1;
}

std::optional<FrameSpec> RulesDialog::frame(QString *error) const {
    FrameSpec spec;
    if (m_kind != EndpointKind::UdpSocket) {
        if (!m_frameField->problem().isEmpty()) {
            if (error)
                *error = m_frameField->reason();
            return std::nullopt;
        }
        spec = m_frameField->spec();
    }
    spec.maxMessageBytes = m_maxMessage;
    return spec;
}

std::optional<RuleSet> RulesDialog::ruleSet(QString *error) const {
    std::optional<FrameSpec> spec = frame(error);
    if (!spec)
        return std::nullopt;
    RuleSet set;
    set.frame = *spec;
    const std::vector<Rule> rules = m_model->rules();
    // Each rule again under the frame as it now stands: a length prefix needs a len: frame.
    for (size_t i = 0; i < rules.size(); ++i) {
        RuleParseResult parsed =
            parseRule(ruleToJson(rules[i]), QStringLiteral("rules[%1]").arg(i), set.frame);
        if (!parsed.ok()) {
            if (error)
                *error = parsed.error;
            return std::nullopt;
        }
        set.rules.push_back(std::move(parsed.rule));
    }
    return set;
}

void RulesDialog::setRuleSet(const RuleSet &rules, std::shared_ptr<const RuleBook> applied) {
    m_maxMessage = rules.frame.maxMessageBytes;
    m_model->setRules(rules.rules, std::move(applied));
    m_frameField->setSpec(m_kind == EndpointKind::UdpSocket ? FrameSpec{} : rules.frame);
    revalidate();
}

void RulesDialog::revalidate() {
    QString frameError;
    const bool frameOk = frame(&frameError).has_value();
    m_frameError->setText(frameError);
    m_frameError->setVisible(!frameOk);
    m_problem.clear();
    if (!ruleSet(&m_problem) && m_problem.isEmpty())
        m_problem = tr("The rules are not valid.");
    setStatus(m_status, m_statusIsError);
    updateButtons();
    updateTest();
}

void RulesDialog::setStatus(const QString &text, bool error) {
    m_status = text;
    m_statusIsError = error;
    // A wrong frame or rule is what must be fixed first; once fixed, the last news comes back.
    const bool showProblem = !m_problem.isEmpty();
    m_messageLabel->setText(showProblem ? m_problem : m_status);
    m_messageLabel->setStyleSheet(showProblem || m_statusIsError ? errorTextStyle() : QString());
}

void RulesDialog::updateButtons() {
    const int row = currentRow();
    const int rows = m_model->rowCount();
    m_editButton->setEnabled(row >= 0);
    m_removeButton->setEnabled(row >= 0);
    m_upButton->setEnabled(row > 0);
    m_downButton->setEnabled(row >= 0 && row + 1 < rows);
    m_saveButton->setEnabled(m_problem.isEmpty());
    const EndpointInfo info = m_workbench->info(m_id);
    const bool open = info.id != 0 && !isFinal(info.state);
    const bool valid = m_problem.isEmpty();
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(open && valid);
    m_buttons->button(QDialogButtonBox::Apply)->setEnabled(open && valid);
    m_clearButton->setEnabled(open && info.rules != nullptr);
}

void RulesDialog::updateTest() {
    const QString typed = m_testEdit->text();
    if (typed.isEmpty()) {
        m_testResult->clear();
        return;
    }
    const PayloadResult message = parsePayload(typed, PayloadSpec{});
    if (!message.ok()) {
        m_testResult->setPlainText(tr("The message is not valid at character %1: %2")
                                       .arg(message.errorPosition + 1)
                                       .arg(message.error));
        return;
    }
    QString problem;
    const std::optional<RuleSet> set = ruleSet(&problem);
    if (!set) {
        m_testResult->setPlainText(tr("The rules cannot run: %1").arg(problem));
        return;
    }
    MessageContext context;
    context.seq = 1;
    context.timeUs = QDateTime::currentMSecsSinceEpoch() * 1000;
    context.peer = m_peer;
    std::vector<int> gaveUp;
    const std::vector<RuleAction> actions = evaluateRules(*set, message.bytes, context, &gaveUp);
    QStringList lines;
    for (const int rule : gaveUp) {
        lines << tr("Rule %1's pattern gave up after %2 steps: treated as no match")
                     .arg(rule + 1)
                     .arg(QLocale().toString(qulonglong(RulePattern::MatchLimit)));
    }
    if (actions.empty()) {
        lines << tr("No rule fires on these %1: nothing is sent.")
                     .arg(formatByteCount(quint64(message.bytes.size())));
        m_testResult->setPlainText(lines.join(QLatin1Char('\n')));
        return;
    }
    for (const RuleAction &action : actions) {
        const Rule &rule = set->rules[size_t(action.rule)];
        lines << tr("Rule %1 fires: %2 → %3")
                     .arg(action.rule + 1)
                     .arg(rule.matchSummary(), rule.actionSummary());
        if (action.sends) {
            const QString when = action.delayMs > 0 ? tr(" after %1 ms").arg(action.delayMs) : QString();
            lines << tr("  sends %1%2:").arg(formatByteCount(quint64(action.reply.size())), when);
            lines << tr("  hex:  %1").arg(bytesToHex(action.reply));
            lines << tr("  text: %1").arg(bytesToEscapedText(action.reply));
        } else {
            lines << tr("  sends nothing");
        }
        lines << QStringLiteral("  ") + thenText(action.then);
    }
    m_testResult->setPlainText(lines.join(QLatin1Char('\n')));
}

void RulesDialog::openRuleEditor(int row) {
    // row < 0: a new rule, inserted after the current one (or at the end).
    const bool adding = row < 0;
    const int at = adding ? (currentRow() < 0 ? m_model->rowCount() : currentRow() + 1) : row;
    const FrameSpec spec = frame().value_or(FrameSpec{});
    auto *editor = new RuleEditDialog(QStringLiteral("rules[%1]").arg(at), spec, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    if (!adding)
        editor->setRule(m_model->rule(row));
    connect(editor, &QDialog::accepted, this, [this, editor, adding, at] {
        if (adding)
            m_model->insertRule(at, editor->rule());
        else
            m_model->replaceRule(at, editor->rule());
        m_table->selectionModel()->setCurrentIndex(
            m_model->index(at, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        revalidate();
    });
    editor->open();
}

void RulesDialog::onAddClicked() {
    openRuleEditor(-1);
}

void RulesDialog::onEditClicked() {
    if (currentRow() >= 0)
        openRuleEditor(currentRow());
}

void RulesDialog::onRemoveClicked() {
    const int row = currentRow();
    if (row < 0)
        return;
    m_model->removeRule(row);
    revalidate();
}

void RulesDialog::onMoveClicked(bool down) {
    const int row = currentRow();
    if (!m_model->moveRule(row, down))
        return;
    m_table->selectionModel()->setCurrentIndex(m_model->index(down ? row + 1 : row - 1, 0),
                                               QItemSelectionModel::ClearAndSelect |
                                                   QItemSelectionModel::Rows);
    revalidate();
}

void RulesDialog::onLoadClicked() {
    auto *dialog = new QFileDialog(this, tr("Load rules"), QString(),
                                   tr("Rules files (%1);;All files (*)").arg(RulesFilter));
    dialog->setObjectName(QStringLiteral("loadRulesDialog"));
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, &RulesDialog::loadFile);
    dialog->open();
}

void RulesDialog::onSaveClicked() {
    auto *dialog =
        new QFileDialog(this, tr("Save rules"), QString(), tr("Rules files (%1)").arg(RulesFilter));
    dialog->setObjectName(QStringLiteral("saveRulesDialog"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("json"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, &RulesDialog::saveFile);
    dialog->open();
}

bool RulesDialog::loadFile(const QString &path) {
    const RulesFileResult parsed = readRulesFile(path);
    if (!parsed.fileError.isEmpty()) {
        setStatus(tr("Cannot read %1: %2").arg(path, parsed.fileError), true);
        return false;
    }
    if (!parsed.ok()) {
        setStatus(tr("%1 was not loaded: %2").arg(QFileInfo(path).fileName(), parsed.error), true);
        return false;
    }
    const QString loaded =
        tr("Loaded %n rule(s) from %1; Apply puts them to work.", nullptr, int(parsed.rules.rules.size()))
            .arg(QFileInfo(path).fileName());
    QString note;
    if (m_kind == EndpointKind::UdpSocket && !parsed.rules.frame.isRaw())
        note = tr(" Its frame (%1) does not apply: each datagram is one message.")
                   .arg(toString(parsed.rules.frame));
    m_status = loaded + note;
    m_statusIsError = false;
    setRuleSet(parsed.rules, nullptr);
    return true;
}

bool RulesDialog::saveFile(const QString &path) {
    QString problem;
    const std::optional<RuleSet> set = ruleSet(&problem);
    if (!set) {
        setStatus(tr("Nothing saved: %1").arg(problem), true);
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(serializeRules(*set)) < 0 || !file.commit()) {
        setStatus(tr("Cannot save %1: %2").arg(path, file.errorString()), true);
        return false;
    }
    setStatus(tr("Saved %n rule(s) to %1.", nullptr, int(set->rules.size())).arg(QFileInfo(path).fileName()),
              false);
    return true;
}

bool RulesDialog::apply() {
    QString problem;
    std::optional<RuleSet> set = ruleSet(&problem);
    if (!set) {
        setStatus(problem, true);
        return false;
    }
    // No rules at all means none: an empty book would only frame the stream.
    const size_t count = set->rules.size();
    std::shared_ptr<RuleBook> book = count == 0 ? nullptr : std::make_shared<RuleBook>(std::move(*set));
    if (!m_workbench->setRules(m_id, book)) {
        setStatus(tr("This socket is closed: its rules can no longer change."), true);
        updateButtons();
        return false;
    }
    m_model->markApplied(book);
    m_pending = book;
    m_waiting = true;
    setStatus(count == 0 ? tr("No rules in the list: removing them…") : tr("Applying…"), false);
    return true;
}

void RulesDialog::onClearClicked() {
    if (!m_workbench->setRules(m_id, nullptr)) {
        setStatus(tr("This socket is closed: its rules can no longer change."), true);
        updateButtons();
        return;
    }
    // The list empties too, so that it shows what runs; Save keeps a list for later.
    m_model->setRules({});
    m_pending.reset();
    m_waiting = true;
    m_status = tr("Removing the rules…");
    m_statusIsError = false;
    revalidate();
}

void RulesDialog::onRulesChanged(EndpointId id) {
    if (id != m_id)
        return;
    const EndpointInfo info = m_workbench->info(id);
    if (m_waiting && info.rules == m_pending) {
        m_waiting = false;
        m_pending.reset();
        setStatus(info.rules ? tr("Applied: %n rule(s) answer each message (frame %1).", nullptr,
                                  int(info.rules->rules().rules.size()))
                                   .arg(toString(info.rules->rules().frame))
                             : tr("No rules on this socket any more."),
                  false);
    } else if (!m_waiting && !m_model->isBook(info.rules)) {
        // Changed by someone else (a listener's rules reach its connections): show the new ones,
        // unless that would throw away edits not applied yet.
        if (m_model->isAsApplied(std::nullopt)) {
            if (info.rules)
                setRuleSet(info.rules->rules(), info.rules);
            else
                m_model->markApplied(nullptr);
            setStatus(tr("The rules were changed elsewhere; the list shows them now."), false);
        } else {
            setStatus(tr("The rules were changed elsewhere; Apply replaces them with this list."), true);
        }
    }
    updateButtons();
}

void RulesDialog::onStateChanged(EndpointId id) {
    if (id != m_id || !isFinal(m_workbench->info(id).state))
        return;
    setStatus(tr("This socket is %1: its rules can no longer change.")
                  .arg(finalStateWord(m_workbench->info(id).state)),
              true);
    updateButtons();
}

} // namespace sockbench
