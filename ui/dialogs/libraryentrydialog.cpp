#include "dialogs/libraryentrydialog.h"

#include "dialogs/formproblems.h"
#include "language/address.h"
#include "style/presentation.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace sockbench {

namespace {

constexpr qsizetype PreviewBytes = 24;
constexpr int NoTarget = -1;

} // namespace

LibraryEntryDialog::LibraryEntryDialog(const LibraryEntry &entry, const QStringList &folders, QWidget *parent)
    : QDialog(parent)
    , m_nameEdit(new QLineEdit(this))
    , m_folderCombo(new QComboBox(this))
    , m_payloadEdit(new QPlainTextEdit(this))
    , m_modeCombo(new QComboBox(this))
    , m_lineEndingCombo(new QComboBox(this))
    , m_escapesCheck(new QCheckBox(tr("&Escapes"), this))
    , m_encodingCombo(new QComboBox(this))
    , m_checksumCombo(new QComboBox(this))
    , m_checksumOrderCombo(new QComboBox(this))
    , m_targetCombo(new QComboBox(this))
    , m_targetHostEdit(new QLineEdit(this))
    , m_targetPortEdit(new QLineEdit(this))
    , m_notesEdit(new QPlainTextEdit(this))
    , m_previewLabel(new QLabel(this))
    , m_problemLabel(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this)) {
    setObjectName(QStringLiteral("libraryEntryDialog"));
    setWindowTitle(entry.name.isEmpty() ? tr("New library entry") : tr("Library entry “%1”").arg(entry.name));
    nameWidgets();
    setUpFields(folders);
    showEntry(entry);
    buildLayout();
    connectSignals();

    setMinimumWidth(480);
    m_nameEdit->setFocus();
    validate();
}

void LibraryEntryDialog::nameWidgets() {
    // Prefixed names: the composer, also in the window, has its own mode and preview widgets.
    m_nameEdit->setObjectName(QStringLiteral("entryNameEdit"));
    m_folderCombo->setObjectName(QStringLiteral("entryFolderCombo"));
    m_payloadEdit->setObjectName(QStringLiteral("entryPayloadEdit"));
    m_modeCombo->setObjectName(QStringLiteral("entryModeCombo"));
    m_lineEndingCombo->setObjectName(QStringLiteral("entryLineEndingCombo"));
    m_escapesCheck->setObjectName(QStringLiteral("entryEscapesCheck"));
    m_encodingCombo->setObjectName(QStringLiteral("entryEncodingCombo"));
    m_checksumCombo->setObjectName(QStringLiteral("entryChecksumCombo"));
    m_checksumOrderCombo->setObjectName(QStringLiteral("entryChecksumOrderCombo"));
    m_targetCombo->setObjectName(QStringLiteral("entryTargetCombo"));
    m_targetHostEdit->setObjectName(QStringLiteral("entryTargetHostEdit"));
    m_targetPortEdit->setObjectName(QStringLiteral("entryTargetPortEdit"));
    m_notesEdit->setObjectName(QStringLiteral("entryNotesEdit"));
    m_previewLabel->setObjectName(QStringLiteral("entryPreviewLabel"));
    m_problemLabel->setObjectName(QStringLiteral("entryProblemLabel"));
    m_buttons->setObjectName(QStringLiteral("buttonBox"));
}

void LibraryEntryDialog::setUpFields(const QStringList &folders) {
    m_folderCombo->setEditable(true);
    m_folderCombo->addItem(QString());
    m_folderCombo->addItems(folders);
    m_folderCombo->setToolTip(tr("Nested folders are separated by '/'; empty for the top level"));
    m_payloadEdit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_payloadEdit->setTabChangesFocus(true);
    m_payloadEdit->setPlaceholderText(tr("Text with escapes like \\r\\n, or hex like 01 03 00 00"));
    m_modeCombo->addItem(tr("Text"), int(PayloadMode::Text));
    m_modeCombo->addItem(tr("Hex"), int(PayloadMode::Hex));
    m_lineEndingCombo->addItem(tr("No line ending"), int(LineEnding::None));
    m_lineEndingCombo->addItem(tr("LF (\\n)"), int(LineEnding::LF));
    m_lineEndingCombo->addItem(tr("CR (\\r)"), int(LineEnding::CR));
    m_lineEndingCombo->addItem(tr("CRLF (\\r\\n)"), int(LineEnding::CRLF));
    m_escapesCheck->setToolTip(tr("In text mode, read \\n \\r \\t \\\\ \\xHH \\u{...} as escapes"));
    m_encodingCombo->addItem(tr("UTF-8"), int(TextEncoding::Utf8));
    m_encodingCombo->addItem(tr("Latin-1"), int(TextEncoding::Latin1));
    m_encodingCombo->setToolTip(tr("How text mode turns characters into bytes"));
    m_checksumCombo->addItem(tr("None"), QString());
    for (const QString &name : checksumNames())
        m_checksumCombo->addItem(name, name);
    m_checksumCombo->setToolTip(tr("Appended after the payload and its line ending, computed over both"));
    m_checksumOrderCombo->addItem(tr("Usual byte order"), int(ChecksumOrder::Natural));
    m_checksumOrderCombo->addItem(tr("Little-endian"), int(ChecksumOrder::Little));
    m_checksumOrderCombo->addItem(tr("Big-endian"), int(ChecksumOrder::Big));
    m_targetCombo->addItem(tr("None"), NoTarget);
    m_targetCombo->addItem(tr("TCP"), int(LibraryTarget::Kind::Tcp));
    m_targetCombo->addItem(tr("UDP"), int(LibraryTarget::Kind::Udp));
    m_targetCombo->addItem(tr("TLS"), int(LibraryTarget::Kind::Tls));
    m_targetCombo->setToolTip(tr("Where the entry is meant to go. A UDP target is where a selected UDP "
                                 "socket sends it; the entry can still be sent anywhere."));
    m_targetHostEdit->setPlaceholderText(tr("host"));
    m_targetPortEdit->setPlaceholderText(tr("port"));
    m_targetPortEdit->setMaxLength(5);
    m_notesEdit->setTabChangesFocus(true);
    m_previewLabel->setWordWrap(true);
    m_previewLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_problemLabel->setWordWrap(true);
    m_problemLabel->setStyleSheet(errorTextStyle());
}

void LibraryEntryDialog::showEntry(const LibraryEntry &entry) {
    m_nameEdit->setText(entry.name);
    m_folderCombo->setCurrentText(entry.folder);
    m_payloadEdit->setPlainText(entry.payload);
    m_modeCombo->setCurrentIndex(m_modeCombo->findData(int(entry.spec.mode)));
    m_lineEndingCombo->setCurrentIndex(m_lineEndingCombo->findData(int(entry.spec.lineEnding)));
    m_escapesCheck->setChecked(entry.spec.escapes);
    m_encodingCombo->setCurrentIndex(m_encodingCombo->findData(int(entry.spec.encoding)));
    if (entry.append) {
        m_checksumCombo->setCurrentIndex(int(entry.append->kind) + 1);
        m_checksumOrderCombo->setCurrentIndex(m_checksumOrderCombo->findData(int(entry.append->order)));
    }
    if (entry.target) {
        m_targetCombo->setCurrentIndex(m_targetCombo->findData(int(entry.target->kind)));
        m_targetHostEdit->setText(entry.target->host);
        m_targetPortEdit->setText(QString::number(entry.target->port));
    }
    m_notesEdit->setPlainText(entry.notes);
}

void LibraryEntryDialog::buildLayout() {
    auto *readRow = new QHBoxLayout;
    readRow->addWidget(m_modeCombo);
    readRow->addWidget(m_lineEndingCombo);
    readRow->addWidget(m_escapesCheck);
    readRow->addWidget(m_encodingCombo);
    readRow->addStretch();
    auto *checksumRow = new QHBoxLayout;
    checksumRow->addWidget(m_checksumCombo, 1);
    checksumRow->addWidget(m_checksumOrderCombo, 1);
    auto *targetRow = new QHBoxLayout;
    targetRow->addWidget(m_targetCombo);
    targetRow->addWidget(m_targetHostEdit, 3);
    targetRow->addWidget(m_targetPortEdit, 1);

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_nameEdit);
    form->addRow(tr("&Folder:"), m_folderCombo);
    form->addRow(tr("&Payload:"), m_payloadEdit);
    // Rows made of several fields: the label's mnemonic goes to the first one.
    auto addLayoutRow = [this, form](const QString &text, QWidget *first, QLayout *fields) {
        auto *label = new QLabel(text, this);
        label->setBuddy(first);
        form->addRow(label, fields);
    };
    addLayoutRow(tr("&Read as:"), m_modeCombo, readRow);
    addLayoutRow(tr("&Checksum:"), m_checksumCombo, checksumRow);
    addLayoutRow(tr("&Target:"), m_targetCombo, targetRow);
    form->addRow(tr("N&otes:"), m_notesEdit);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_previewLabel);
    layout->addWidget(m_problemLabel);
    layout->addWidget(m_buttons);
}

void LibraryEntryDialog::connectSignals() {
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_nameEdit, &QLineEdit::textChanged, this, &LibraryEntryDialog::validate);
    connect(m_folderCombo, &QComboBox::currentTextChanged, this, &LibraryEntryDialog::validate);
    connect(m_payloadEdit, &QPlainTextEdit::textChanged, this, &LibraryEntryDialog::validate);
    for (QComboBox *combo : {m_modeCombo, m_lineEndingCombo, m_encodingCombo, m_checksumCombo,
                             m_checksumOrderCombo, m_targetCombo})
        connect(combo, &QComboBox::currentIndexChanged, this, &LibraryEntryDialog::validate);
    connect(m_escapesCheck, &QCheckBox::toggled, this, &LibraryEntryDialog::validate);
    connect(m_targetHostEdit, &QLineEdit::textChanged, this, &LibraryEntryDialog::validate);
    connect(m_targetPortEdit, &QLineEdit::textChanged, this, &LibraryEntryDialog::validate);
}

LibraryEntryDialog::~LibraryEntryDialog() = default;

LibraryEntry LibraryEntryDialog::entry() const {
    LibraryEntry e;
    e.name = m_nameEdit->text().trimmed();
    e.folder = m_folderCombo->currentText().trimmed();
    e.payload = m_payloadEdit->toPlainText();
    e.spec.mode = PayloadMode(m_modeCombo->currentData().toInt());
    e.spec.lineEnding = LineEnding(m_lineEndingCombo->currentData().toInt());
    e.spec.escapes = m_escapesCheck->isChecked();
    e.spec.encoding = TextEncoding(m_encodingCombo->currentData().toInt());
    if (m_checksumCombo->currentIndex() > 0) {
        const auto kind = ChecksumKind(m_checksumCombo->currentIndex() - 1);
        // A one-byte checksum has no order; an order chosen for a wider one is not kept.
        e.append = ChecksumSpec{kind, checksumWidth(kind) > 1
                                          ? ChecksumOrder(m_checksumOrderCombo->currentData().toInt())
                                          : ChecksumOrder::Natural};
    }
    if (const int kind = m_targetCombo->currentData().toInt(); kind != NoTarget)
        e.target = LibraryTarget{LibraryTarget::Kind(kind), m_targetHostEdit->text().trimmed(),
                                 parsePort(m_targetPortEdit->text()).value.port};
    e.notes = m_notesEdit->toPlainText();
    return e;
}

void LibraryEntryDialog::validate() {
    const bool text = PayloadMode(m_modeCombo->currentData().toInt()) == PayloadMode::Text;
    m_escapesCheck->setEnabled(text);
    m_encodingCombo->setEnabled(text);
    const bool checksum = m_checksumCombo->currentIndex() > 0;
    m_checksumOrderCombo->setEnabled(checksum &&
                                     checksumWidth(ChecksumKind(m_checksumCombo->currentIndex() - 1)) > 1);
    const bool target = m_targetCombo->currentData().toInt() != NoTarget;
    m_targetHostEdit->setEnabled(target);
    m_targetPortEdit->setEnabled(target);

    const LibraryEntry e = entry();
    QString error;
    const QByteArray bytes = e.bytes(&error);
    const HostPortResult port = parsePort(m_targetPortEdit->text());
    QString problem;
    if (!error.isEmpty())
        problem = tr("Payload, %1").arg(error);
    else if (bytes.isEmpty())
        problem = tr("Type the payload to send");
    else if (e.name.isEmpty())
        problem = tr("Give the entry a name");
    else if (target && e.target->host.isEmpty())
        problem = tr("Type the target's host, or choose no target");
    else if (target && !port.ok())
        problem = tr("Target port: %1").arg(port.error);
    else if (target && e.target->port == 0)
        problem = tr("Type the target's port (1-65535)");
    m_problem = problem;

    // The payload's error replaces the preview; any other problem shows under it.
    const bool sendable = error.isEmpty() && !bytes.isEmpty();
    m_previewLabel->setVisible(sendable);
    m_previewLabel->setText(
        tr("Sends %1: %2").arg(formatByteCount(quint64(bytes.size())), bytesToHex(bytes, PreviewBytes)));
    gateOnProblem(problem, m_problemLabel, m_buttons->button(QDialogButtonBox::Ok),
                  tr("Save the entry in the library"));
}

} // namespace sockbench
