#include "dialogs/ruleeditdialog.h"

#include "dialogs/formproblems.h"
#include "dialogs/formrow.h"
#include "protocol/checksum.h"
#include "style/presentation.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonValue>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace sockbench {

namespace {

// The rules file's keys (core/protocol/rules.h), which the form writes.
constexpr QLatin1String AnyMatch("any");
constexpr QLatin1String NoChecksum("none");
constexpr int MaxDelayMs = 3600000;

enum class ReplyKind : quint8 { None, Text, Hex };

} // namespace

RuleEditDialog::RuleEditDialog(const QString &where, const FrameSpec &frame, QWidget *parent)
    : QDialog(parent)
    , m_where(where)
    , m_frame(frame)
    , m_name(new QLineEdit(this))
    , m_matchKind(new QComboBox(this))
    , m_matchText(new QLineEdit(this))
    , m_utf8(new QCheckBox(tr("Read the message as UTF-8"), this))
    , m_replyKind(new QComboBox(this))
    , m_reply(new QLineEdit(this))
    , m_delay(new QSpinBox(this))
    , m_append(new QComboBox(this))
    , m_lengthPrefix(new QCheckBox(tr("Prepend the frame's length header"), this))
    , m_then(new QComboBox(this))
    , m_errorLabel(new QLabel(this))
    , m_warningLabel(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
    setObjectName(QStringLiteral("ruleEditDialog"));
    setWindowTitle(tr("Response rule"));
    m_name->setObjectName(QStringLiteral("ruleNameEdit"));
    m_name->setPlaceholderText(tr("optional label"));
    m_matchKind->setObjectName(QStringLiteral("matchKindCombo"));
    m_matchKind->addItem(tr("any message"), QString(AnyMatch));
    m_matchKind->addItem(tr("equals"), QStringLiteral("text"));
    m_matchKind->addItem(tr("contains"), QStringLiteral("contains"));
    m_matchKind->addItem(tr("starts with"), QStringLiteral("prefix"));
    m_matchKind->addItem(tr("regular expression"), QStringLiteral("regex"));
    m_matchKind->addItem(tr("hex bytes"), QStringLiteral("hex"));
    m_matchText->setObjectName(QStringLiteral("matchTextEdit"));
    m_utf8->setObjectName(QStringLiteral("utf8Check"));
    m_utf8->setToolTip(tr("Off: each byte is one Latin-1 character, so any byte can match"));
    m_replyKind->setObjectName(QStringLiteral("replyKindCombo"));
    m_replyKind->addItem(tr("no reply"), int(ReplyKind::None));
    m_replyKind->addItem(tr("text"), int(ReplyKind::Text));
    m_replyKind->addItem(tr("hex"), int(ReplyKind::Hex));
    m_replyKind->setCurrentIndex(1);
    m_reply->setObjectName(QStringLiteral("replyEdit"));
    m_reply->setToolTip(tr("Text with escapes (\\n, \\xHH), \\1 … \\9 for a regex capture, ${seq}, "
                           "${time}, ${peer}, ${len}, ${hex}; in hex: hex digits and \\1 … \\9"));
    m_delay->setObjectName(QStringLiteral("delaySpin"));
    m_delay->setRange(0, MaxDelayMs);
    m_delay->setSuffix(tr(" ms"));
    m_append->setObjectName(QStringLiteral("appendCombo"));
    m_append->addItem(tr("none"), QString(NoChecksum));
    for (const QString &name : checksumNames())
        m_append->addItem(name, name);
    m_lengthPrefix->setObjectName(QStringLiteral("lengthPrefixCheck"));
    m_lengthPrefix->setToolTip(tr("Only with a length-prefixed frame (len:…)"));
    m_then->setObjectName(QStringLiteral("thenCombo"));
    m_then->addItem(tr("stop (later rules do not run)"), QStringLiteral("stop"));
    m_then->addItem(tr("continue with the next rule"), QStringLiteral("continue"));
    m_then->addItem(tr("close the connection (FIN)"), QStringLiteral("close"));
    m_then->addItem(tr("abort the connection (RST)"), QStringLiteral("abort"));
    m_errorLabel->setObjectName(QStringLiteral("ruleErrorLabel"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setStyleSheet(errorTextStyle());
    reserveProblemLines(m_errorLabel, 2);
    m_warningLabel->setObjectName(QStringLiteral("patternWarningLabel"));
    m_warningLabel->setWordWrap(true);
    m_warningLabel->setStyleSheet(warningTextStyle());
    m_warningLabel->hide();
    m_buttons->setObjectName(QStringLiteral("buttonBox"));

    auto *matchRow = new QHBoxLayout;
    matchRow->addWidget(m_matchKind);
    matchRow->addWidget(m_matchText, 1);
    auto *replyRow = new QHBoxLayout;
    replyRow->addWidget(m_replyKind);
    replyRow->addWidget(m_reply, 1);
    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    addLayoutRow(form, tr("&Match:"), matchRow, m_matchText);
    form->addRow(QString(), m_utf8);
    addLayoutRow(form, tr("&Reply:"), replyRow, m_reply);
    form->addRow(tr("&Delay:"), m_delay);
    form->addRow(tr("Append &checksum:"), m_append);
    form->addRow(QString(), m_lengthPrefix);
    form->addRow(tr("&Then:"), m_then);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_errorLabel);
    layout->addWidget(m_warningLabel);
    layout->addStretch();
    layout->addWidget(m_buttons);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_name, &QLineEdit::textChanged, this, &RuleEditDialog::validate);
    connect(m_matchKind, &QComboBox::currentIndexChanged, this, &RuleEditDialog::validate);
    connect(m_matchText, &QLineEdit::textChanged, this, &RuleEditDialog::validate);
    connect(m_utf8, &QCheckBox::toggled, this, &RuleEditDialog::validate);
    connect(m_replyKind, &QComboBox::currentIndexChanged, this, &RuleEditDialog::validate);
    connect(m_reply, &QLineEdit::textChanged, this, &RuleEditDialog::validate);
    connect(m_delay, &QSpinBox::valueChanged, this, &RuleEditDialog::validate);
    connect(m_append, &QComboBox::currentIndexChanged, this, &RuleEditDialog::validate);
    connect(m_lengthPrefix, &QCheckBox::toggled, this, &RuleEditDialog::validate);
    connect(m_then, &QComboBox::currentIndexChanged, this, &RuleEditDialog::validate);
    setMinimumWidth(460);
    validate();
}

RuleEditDialog::~RuleEditDialog() = default;

void RuleEditDialog::setRule(const Rule &rule) {
    // Read back from the rule's JSON: it holds the match and the reply as the user wrote them.
    const QJsonObject json = ruleToJson(rule);
    m_name->setText(json.value(QLatin1String("name")).toString());
    const QJsonValue match = json.value(QLatin1String("match"));
    m_matchKind->setCurrentIndex(0);
    m_matchText->clear();
    m_utf8->setChecked(false);
    if (match.isObject()) {
        const QJsonObject object = match.toObject();
        for (int i = 1; i < m_matchKind->count(); ++i) {
            const QString key = m_matchKind->itemData(i).toString();
            if (object.contains(key)) {
                m_matchKind->setCurrentIndex(i);
                m_matchText->setText(object.value(key).toString());
            }
        }
        m_utf8->setChecked(object.value(QLatin1String("utf8")).toBool());
    }
    const bool hex = json.contains(QLatin1String("reply_hex"));
    const bool text = json.contains(QLatin1String("reply"));
    m_replyKind->setCurrentIndex(m_replyKind->findData(int(hex    ? ReplyKind::Hex
                                                           : text ? ReplyKind::Text
                                                                  : ReplyKind::None)));
    m_reply->setText(json.value(QLatin1String(hex ? "reply_hex" : "reply")).toString());
    m_delay->setValue(json.value(QLatin1String("delay_ms")).toInt());
    const QString append = json.value(QLatin1String("append")).toString(QString(NoChecksum));
    // A byte order ("crc32:le") is not among the plain names: it gets an entry of its own.
    if (m_append->findData(append) < 0)
        m_append->addItem(append, append);
    m_append->setCurrentIndex(m_append->findData(append));
    m_lengthPrefix->setChecked(json.value(QLatin1String("length_prefix")).toBool());
    const int then = m_then->findData(json.value(QLatin1String("then")).toString());
    m_then->setCurrentIndex(std::max(then, 0));
    validate();
}

QJsonObject RuleEditDialog::toJson() const {
    QJsonObject json;
    if (!m_name->text().isEmpty())
        json.insert(QLatin1String("name"), m_name->text());
    const QString kind = m_matchKind->currentData().toString();
    if (kind == AnyMatch) {
        json.insert(QLatin1String("match"), QString(AnyMatch));
    } else {
        QJsonObject match{{kind, m_matchText->text()}};
        // The check box keeps its state while a hex match hides it; hex bytes have no encoding.
        if (m_utf8->isChecked() && kind != QLatin1String("hex"))
            match.insert(QLatin1String("utf8"), true);
        json.insert(QLatin1String("match"), match);
    }
    switch (ReplyKind(m_replyKind->currentData().toInt())) {
    case ReplyKind::None:
        break;
    case ReplyKind::Text:
        json.insert(QLatin1String("reply"), m_reply->text());
        break;
    case ReplyKind::Hex:
        json.insert(QLatin1String("reply_hex"), m_reply->text());
        break;
    }
    if (m_delay->value() != 0)
        json.insert(QLatin1String("delay_ms"), m_delay->value());
    if (m_append->currentData().toString() != NoChecksum)
        json.insert(QLatin1String("append"), m_append->currentData().toString());
    if (m_lengthPrefix->isChecked())
        json.insert(QLatin1String("length_prefix"), true);
    const QString then = m_then->currentData().toString();
    if (then != QLatin1String("stop"))
        json.insert(QLatin1String("then"), then);
    return json;
}

void RuleEditDialog::validate() {
    const bool any = m_matchKind->currentData().toString() == AnyMatch;
    const bool hexMatch = m_matchKind->currentData().toString() == QLatin1String("hex");
    m_matchText->setEnabled(!any);
    m_utf8->setEnabled(!any && !hexMatch);
    const auto reply = ReplyKind(m_replyKind->currentData().toInt());
    m_reply->setEnabled(reply != ReplyKind::None);
    m_reply->setPlaceholderText(reply == ReplyKind::Hex ? QStringLiteral("01 03 02 00 2a")
                                                        : QStringLiteral("PONG \\1\\n"));
    m_matchText->setPlaceholderText(hexMatch ? QStringLiteral("01 03 ?? ??") : QString());

    // Written, not yet refused: the rule is valid and its matches are bounded, but the user
    // should know why a hostile line will not match.
    const QString warning = m_matchKind->currentData().toString() == QLatin1String("regex")
                                ? nestedQuantifierWarning(m_matchText->text())
                                : QString();
    m_warningLabel->setText(warning.isEmpty() ? QString() : tr("Warning: %1.").arg(warning));
    m_warningLabel->setVisible(!warning.isEmpty());

    RuleParseResult parsed = parseRule(toJson(), m_where, m_frame);
    m_problem = parsed.error;
    if (parsed.ok())
        m_rule = std::move(parsed.rule);
    gateOnProblem(m_problem, m_errorLabel, m_buttons->button(QDialogButtonBox::Ok), QString());
}

} // namespace sockbench
