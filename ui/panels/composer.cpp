#include "panels/composer.h"
#include "engine/workbench.h"
#include "language/address.h"
#include "panels/addresssender.h"
#include "protocol/checksum.h"
#include "protocol/framing.h"
#include "style/presentation.h"
#include "views/elidedlabel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStyle>
#include <QTextBlock>
#include <QToolButton>
#include <QVBoxLayout>

namespace sockbench {

namespace {

constexpr int MaxHistory = 50;
constexpr qint64 MaxFileBytes = 64LL * 1024 * 1024;

} // namespace

Composer::Composer(Workbench *workbench, QWidget *parent)
    : QWidget(parent)
    , m_workbench(workbench)
    , m_targetLabel(new ElidedLabel(this))
    , m_modeCombo(new QComboBox(this))
    , m_lineEndingCombo(new QComboBox(this))
    , m_checksumCombo(new QComboBox(this))
    , m_lengthPrefixButton(new QToolButton(this))
    , m_escapesCheck(new QCheckBox(tr("&Escapes"), this))
    , m_edit(new QPlainTextEdit(this))
    , m_previewLabel(new ElidedLabel(this))
    , m_errorLabel(new QLabel(m_edit))
    , m_destinationLabel(new QLabel(tr("&Destination:"), this))
    , m_destinationEdit(new QLineEdit(this))
    , m_sendButton(new QPushButton(tr("&Send"), this))
    , m_addressEdit(new QLineEdit(this))
    , m_addressProtocolCombo(new QComboBox(this))
    , m_sendToAddressButton(new QPushButton(tr("Send &to address"), this))
    , m_addressSender(new AddressSender(workbench, this))
    , m_repeatCountSpin(new QSpinBox(this))
    , m_repeatIntervalSpin(new QSpinBox(this))
    , m_repeatButton(new QPushButton(tr("&Repeat"), this))
    , m_sendFileButton(new QPushButton(tr("Send &file..."), this))
    , m_historyButton(new QToolButton(this))
    , m_saveToLibraryButton(new QToolButton(this))
    , m_messageLabel(new ElidedLabel(this)) {
    nameWidgets();
    setUpFields();
    buildLayout();
    connectSignals();

    rebuildHistoryMenu();
    onInputChanged();
    onAddressEditTextChanged();
}

void Composer::nameWidgets() {
    m_targetLabel->setObjectName(QStringLiteral("targetLabel"));
    m_modeCombo->setObjectName(QStringLiteral("modeCombo"));
    m_lineEndingCombo->setObjectName(QStringLiteral("lineEndingCombo"));
    m_checksumCombo->setObjectName(QStringLiteral("checksumCombo"));
    m_lengthPrefixButton->setObjectName(QStringLiteral("lengthPrefixButton"));
    m_lengthPrefixButton->setText(tr("+Len"));
    m_lengthPrefixButton->setCheckable(true);
    m_lengthPrefixButton->setChecked(true);
    m_lengthPrefixButton->hide();
    m_escapesCheck->setObjectName(QStringLiteral("escapesCheck"));
    m_edit->setObjectName(QStringLiteral("composerEdit"));
    m_previewLabel->setObjectName(QStringLiteral("previewLabel"));
    m_errorLabel->setObjectName(QStringLiteral("payloadErrorLabel"));
    m_destinationEdit->setObjectName(QStringLiteral("destinationEdit"));
    m_sendButton->setObjectName(QStringLiteral("sendButton"));
    m_addressEdit->setObjectName(QStringLiteral("addressEdit"));
    m_addressProtocolCombo->setObjectName(QStringLiteral("addressProtocolCombo"));
    m_sendToAddressButton->setObjectName(QStringLiteral("sendToAddressButton"));
    m_repeatCountSpin->setObjectName(QStringLiteral("repeatCountSpin"));
    m_repeatIntervalSpin->setObjectName(QStringLiteral("repeatIntervalSpin"));
    m_repeatButton->setObjectName(QStringLiteral("repeatButton"));
    m_sendFileButton->setObjectName(QStringLiteral("sendFileButton"));
    m_historyButton->setObjectName(QStringLiteral("historyButton"));
    m_saveToLibraryButton->setObjectName(QStringLiteral("saveToLibraryButton"));
    m_messageLabel->setObjectName(QStringLiteral("messageLabel"));
}

void Composer::setUpFields() {
    m_modeCombo->addItem(tr("Text"), int(PayloadMode::Text));
    m_modeCombo->addItem(tr("Hex"), int(PayloadMode::Hex));
    m_modeCombo->setToolTip(tr("Text: typed characters, with escapes like \\n and \\x1b. "
                               "Hex: byte values like 48 65 6c, spaces optional."));
    m_lineEndingCombo->addItem(tr("No line ending"), int(LineEnding::None));
    m_lineEndingCombo->addItem(tr("LF (\\n)"), int(LineEnding::LF));
    m_lineEndingCombo->addItem(tr("CR (\\r)"), int(LineEnding::CR));
    m_lineEndingCombo->addItem(tr("CRLF (\\r\\n)"), int(LineEnding::CRLF));
    m_lineEndingCombo->setToolTip(tr("Appended after the payload"));
    // The data is the name itself (the spelling parseChecksumSpec reads); empty is none.
    m_checksumCombo->addItem(tr("No checksum"), QString());
    for (const QString &name : checksumNames())
        m_checksumCombo->addItem(tr("+ %1").arg(name), name);
    // The mode row must not widen the window (usable at 1024 px): the popup shows the whole names.
    for (QComboBox *combo : {m_lineEndingCombo, m_checksumCombo}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(6);
    }
    m_checksumCombo->setToolTip(tr("Appended last, computed over everything before it (the payload and its "
                                   "line ending), in the algorithm's usual byte order"));
    m_escapesCheck->setChecked(true);
    m_escapesCheck->setToolTip(tr("In text mode, read \\n \\r \\t \\\\ \\xHH \\u{...} as escapes"));
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_edit->setPlaceholderText(tr("Type what to send. Ctrl+Return sends."));
    m_edit->setTabChangesFocus(true);
    m_edit->setMinimumHeight(60);
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextFormat(Qt::RichText);
    m_errorLabel->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
    m_errorLabel->setAutoFillBackground(true);
    m_errorLabel->setBackgroundRole(QPalette::ToolTipBase);
    m_errorLabel->setForegroundRole(QPalette::ToolTipText);
    m_errorLabel->setFrameShape(QFrame::Box);
    m_errorLabel->setMargin(3);
    m_errorLabel->hide();
    m_edit->installEventFilter(this);
    m_destinationEdit->setPlaceholderText(tr("host:port"));
    m_destinationEdit->setToolTip(tr("Where the UDP socket sends: host:port, or [v6]:port"));
    m_destinationLabel->setBuddy(m_destinationEdit);
    m_addressEdit->setPlaceholderText(tr("host:port, e.g. 127.0.0.1:7"));
    m_addressEdit->setToolTip(tr("Send what is typed to this address, with no connect step: host:port, or "
                                 "[v6]:port"));
    m_addressProtocolCombo->addItem(tr("TCP"), int(AddressSender::Protocol::Tcp));
    m_addressProtocolCombo->addItem(tr("UDP"), int(AddressSender::Protocol::Udp));
    m_addressProtocolCombo->setToolTip(
        tr("TCP: a connection is opened (or one already open to the address is "
           "used) and stays open. UDP: one datagram."));
    m_sendToAddressButton->setToolTip(tr("Send to the address typed beside it, connecting as needed"));
    m_sendButton->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_sendButton->setDefault(false);
    m_sendButton->setIcon(QIcon(QStringLiteral(":/icons/send.png")));
    m_repeatCountSpin->setRange(1, 1000000);
    m_repeatCountSpin->setValue(10);
    m_repeatCountSpin->setPrefix(tr("× "));
    m_repeatCountSpin->setToolTip(tr("How many times Repeat sends"));
    m_repeatIntervalSpin->setRange(1, 3600000);
    m_repeatIntervalSpin->setValue(1000);
    m_repeatIntervalSpin->setSuffix(tr(" ms"));
    m_repeatIntervalSpin->setToolTip(tr("Time between two repeated sends"));
    m_repeatButton->setCheckable(true);
    m_repeatButton->setToolTip(tr("Send the payload repeatedly; click again to stop"));
    m_sendFileButton->setToolTip(tr("Send the contents of a file to the target"));
    m_historyButton->setText(tr("History"));
    m_historyButton->setToolTip(tr("Payloads sent before"));
    m_historyButton->setPopupMode(QToolButton::InstantPopup);
    m_historyButton->setMenu(new QMenu(m_historyButton));
    // An icon, not a word: the mode row must leave the window 1024 pixels wide.
    m_saveToLibraryButton->setText(tr("Save..."));
    m_saveToLibraryButton->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    m_saveToLibraryButton->setToolButtonStyle(Qt::ToolButtonIconOnly);
    m_saveToLibraryButton->setToolTip(tr("Save to the library: what is typed, as it is read"));
}

void Composer::buildLayout() {
    auto *modeRow = new QHBoxLayout;
    auto *modeLabel = new QLabel(tr("&Mode:"), this);
    modeLabel->setBuddy(m_modeCombo);
    modeRow->addWidget(modeLabel);
    modeRow->addWidget(m_modeCombo);
    modeRow->addWidget(m_lineEndingCombo);
    modeRow->addWidget(m_checksumCombo);
    modeRow->addWidget(m_lengthPrefixButton);
    modeRow->addWidget(m_escapesCheck);
    modeRow->addStretch();
    modeRow->addWidget(m_saveToLibraryButton);
    modeRow->addWidget(m_historyButton);

    auto *destinationRow = new QHBoxLayout;
    destinationRow->addWidget(m_destinationLabel);
    destinationRow->addWidget(m_destinationEdit, 1);

    auto *addressRow = new QHBoxLayout;
    auto *addressLabel = new QLabel(tr("Send t&o:"), this);
    addressLabel->setBuddy(m_addressEdit);
    addressRow->addWidget(addressLabel);
    addressRow->addWidget(m_addressEdit, 1);
    addressRow->addWidget(m_addressProtocolCombo);
    addressRow->addWidget(m_sendToAddressButton);

    auto *sendRow = new QHBoxLayout;
    sendRow->addWidget(m_previewLabel, 1);
    sendRow->addWidget(m_repeatCountSpin);
    sendRow->addWidget(m_repeatIntervalSpin);
    sendRow->addWidget(m_repeatButton);
    sendRow->addWidget(m_sendFileButton);
    sendRow->addWidget(m_sendButton);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_targetLabel);
    layout->addLayout(modeRow);
    layout->addLayout(destinationRow);
    layout->addWidget(m_edit, 1);
    layout->addLayout(sendRow);
    layout->addLayout(addressRow);
    layout->addWidget(m_messageLabel);

    // Tabbing into the composer lands in the editor.
    setFocusProxy(m_edit);
    setTabOrder(m_edit, m_sendButton);
    setTabOrder(m_sendButton, m_modeCombo);
    setTabOrder(m_modeCombo, m_lineEndingCombo);
    setTabOrder(m_lineEndingCombo, m_checksumCombo);
    setTabOrder(m_checksumCombo, m_escapesCheck);
    setTabOrder(m_escapesCheck, m_destinationEdit);
    setTabOrder(m_destinationEdit, m_repeatCountSpin);
    setTabOrder(m_repeatCountSpin, m_repeatIntervalSpin);
    setTabOrder(m_repeatIntervalSpin, m_repeatButton);
    setTabOrder(m_repeatButton, m_sendFileButton);
    setTabOrder(m_sendFileButton, m_saveToLibraryButton);
    setTabOrder(m_saveToLibraryButton, m_historyButton);
    setTabOrder(m_historyButton, m_addressEdit);
    setTabOrder(m_addressEdit, m_addressProtocolCombo);
    setTabOrder(m_addressProtocolCombo, m_sendToAddressButton);
}

void Composer::connectSignals() {
    m_repeatTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_repeatTimer, &QTimer::timeout, this, &Composer::onRepeatTimerTimeout);
    m_clientCountRefresh.setSingleShot(true);
    m_clientCountRefresh.setInterval(0);
    connect(&m_clientCountRefresh, &QTimer::timeout, this, &Composer::updateSendState);
    connect(m_edit, &QPlainTextEdit::textChanged, this, &Composer::onInputChanged);
    connect(m_modeCombo, &QComboBox::currentIndexChanged, this, &Composer::onModeComboCurrentIndexChanged);
    connect(m_lineEndingCombo, &QComboBox::currentIndexChanged, this, &Composer::onInputChanged);
    connect(m_checksumCombo, &QComboBox::currentIndexChanged, this, &Composer::onInputChanged);
    connect(m_lengthPrefixButton, &QToolButton::toggled, this, &Composer::onInputChanged);
    // The target's framing decides whether a length header can go in front.
    connect(m_workbench, &Workbench::rulesChanged, this, [this](EndpointId id) {
        if (id == m_target)
            onInputChanged();
    });
    connect(m_escapesCheck, &QCheckBox::toggled, this, &Composer::onInputChanged);
    connect(m_errorLabel, &QLabel::linkActivated, this, [this] {
        m_modeCombo->setCurrentIndex(m_modeCombo->findData(int(PayloadMode::Text)));
        m_edit->setFocus();
    });
    connect(m_destinationEdit, &QLineEdit::textChanged, this, &Composer::updateSendState);
    connect(m_sendButton, &QPushButton::clicked, this, &Composer::send);
    connect(m_sendToAddressButton, &QPushButton::clicked, this, &Composer::sendToAddress);
    connect(m_addressEdit, &QLineEdit::returnPressed, this, &Composer::sendToAddress);
    connect(m_addressEdit, &QLineEdit::textChanged, this, &Composer::onAddressEditTextChanged);
    connect(m_addressSender, &AddressSender::sent, this,
            [this](const QString &text) { showMessage(text, false); });
    connect(m_addressSender, &AddressSender::failed, this,
            [this](const QString &text) { showMessage(text, true); });
    connect(m_repeatButton, &QPushButton::toggled, this, &Composer::onRepeatButtonToggled);
    connect(m_sendFileButton, &QPushButton::clicked, this, &Composer::onSendFileButtonClicked);
    connect(m_saveToLibraryButton, &QToolButton::clicked, this,
            [this] { Q_EMIT saveToLibraryRequested(m_edit->toPlainText(), spec()); });
    // The signals' other arguments are read back from the workbench when the state is rebuilt.
    connect(m_workbench, &Workbench::stateChanged, this, &Composer::onWorkbenchStateChanged);
    connect(m_workbench, &Workbench::connectionAccepted, this, &Composer::onWorkbenchConnectionAccepted);
    connect(m_workbench, &Workbench::tlsChanged, this, &Composer::onWorkbenchStateChanged);
}

Composer::~Composer() = default;

PayloadSpec Composer::spec() const {
    PayloadSpec s;
    s.mode = PayloadMode(m_modeCombo->currentData().toInt());
    s.lineEnding = LineEnding(m_lineEndingCombo->currentData().toInt());
    s.escapes = m_escapesCheck->isChecked();
    return s;
}

void Composer::onWorkbenchStateChanged(EndpointId id) {
    if (id == m_target)
        updateSendState();
    else if (m_targetIsListener) // one of its clients may have gone: "(2 connected)"
        m_clientCountRefresh.start();
}

void Composer::onWorkbenchConnectionAccepted(EndpointId, EndpointId listener) {
    if (listener == m_target)
        m_clientCountRefresh.start();
}

void Composer::setPayloadBytes(const QByteArray &bytes) {
    m_modeCombo->setCurrentIndex(m_modeCombo->findData(int(PayloadMode::Text)));
    m_lineEndingCombo->setCurrentIndex(m_lineEndingCombo->findData(int(LineEnding::None)));
    // The bytes already end with whatever checksum they were sent with.
    m_checksumCombo->setCurrentIndex(0);
    m_escapesCheck->setChecked(true);
    m_edit->setPlainText(bytesToEscapedText(bytes));
    m_edit->setFocus(Qt::OtherFocusReason);
}

void Composer::onModeComboCurrentIndexChanged() {
    // What is typed keeps its bytes: it is rewritten in the new mode. Input that does not parse in
    // the old mode stays as typed, and its error shows.
    PayloadSpec old = spec();
    old.mode = m_mode;
    old.lineEnding = LineEnding::None;
    const PayloadMode mode = spec().mode;
    m_mode = mode;
    const PayloadResult parsed = parsePayload(m_edit->toPlainText(), old);
    if (old.mode != mode && parsed.ok() && !parsed.bytes.isEmpty()) {
        QString converted;
        if (mode == PayloadMode::Hex) {
            converted = bytesToHex(parsed.bytes);
        } else {
            converted = bytesToEscapedText(parsed.bytes);
            if (converted.contains(QLatin1Char('\\')))
                m_escapesCheck->setChecked(true);
        }
        m_edit->setPlainText(converted);
        m_edit->moveCursor(QTextCursor::End);
    }
    onInputChanged();
}

void Composer::onInputChanged() {
    const PayloadSpec payloadSpec = spec();
    m_escapesCheck->setEnabled(payloadSpec.mode == PayloadMode::Text);
    const QString text = m_edit->toPlainText();
    m_payload = parsePayload(text, payloadSpec);
    QByteArray checksum;
    if (const auto sum = parseChecksumSpec(m_checksumCombo->currentData().toString());
        sum && m_payload.ok()) {
        // Appended here, once per edit, so that the count, Send and Repeat all see the same bytes.
        checksum = checksumBytes(*sum, m_payload.bytes);
        m_payload.bytes += checksum;
    }
    // A length header that matches the target's framing, in front of all of it.
    const FrameSpec frame = m_workbench->info(m_target).frame;
    const bool framed = m_target != 0 && frame.kind == FrameSpec::Kind::LengthPrefix;
    m_lengthPrefixButton->setVisible(framed);
    m_lengthPrefixButton->setToolTip(
        tr("Put the target's %1 length header in front of what is sent").arg(toString(frame)));
    if (framed && m_lengthPrefixButton->isChecked() && m_payload.ok()) {
        const QByteArray header = lengthPrefixFor(frame, m_payload.bytes.size());
        if (header.isEmpty()) {
            m_payload.error =
                tr("%n bytes do not fit the %1 length header", nullptr, int(m_payload.bytes.size()))
                    .arg(toString(frame));
            m_payload.errorPosition = 0;
            m_payload.errorLength = text.size();
            m_payload.bytes.clear();
        } else {
            m_payload.bytes.prepend(header);
        }
    }
    const PayloadResult &result = m_payload;
    QList<QTextEdit::ExtraSelection> marks;
    if (result.ok()) {
        m_errorLabel->hide();
        m_previewLabel->setText(formatByteCount(quint64(result.bytes.size())));
        m_previewLabel->setStyleSheet(QString());
        m_previewLabel->setToolTip(checksum.isEmpty() ? tr("What Send hands to the socket")
                                                      : tr("What Send hands to the socket, ending with the "
                                                           "checksum %1")
                                                            .arg(bytesToHex(checksum)));
    } else {
        const QTextBlock block = m_edit->document()->findBlock(int(result.errorPosition));
        const qsizetype column = result.errorPosition - block.position() + 1;
        const QString error =
            tr("Line %1, column %2: %3").arg(block.blockNumber() + 1).arg(column).arg(result.error);
        m_previewLabel->setText(error);
        m_previewLabel->setStyleSheet(errorTextStyle());
        m_previewLabel->setToolTip(tr("%1\nNothing is sent until this is fixed").arg(error));
        QTextEdit::ExtraSelection mark;
        mark.cursor = QTextCursor(m_edit->document());
        const int start = int(std::min<qsizetype>(result.errorPosition, text.size()));
        const int length = int(std::max<qsizetype>(1, result.errorLength));
        mark.cursor.setPosition(std::max(0, std::min(start, int(text.size()) - 1)));
        mark.cursor.setPosition(std::min(int(text.size()), start + length), QTextCursor::KeepAnchor);
        mark.format.setBackground(errorBackgroundColor());
        mark.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        mark.format.setUnderlineColor(errorColor());
        marks.append(mark);
        showPayloadError(error, mark.cursor);
    }
    m_edit->setExtraSelections(marks);
    updateSendState();
}

void Composer::showPayloadError(const QString &error, const QTextCursor &where) {
    QString html = tr("<b>%1</b><br>Nothing is sent until this is fixed.").arg(error.toHtmlEscaped());
    // Hex mode is kept from the last payload; words typed for a new target read as text.
    PayloadSpec asText = spec();
    const bool hex = asText.mode == PayloadMode::Hex;
    asText.mode = PayloadMode::Text;
    if (hex && parsePayload(m_edit->toPlainText(), asText).ok())
        html += QLatin1Char(' ') + tr("<a href=\"text\">Switch to text</a> to send it as typed.");
    m_errorLabel->setText(html);
    m_errorLabel->setToolTip(error);
    m_errorAtTop = m_edit->cursorRect(where).center().y() > m_edit->viewport()->height() / 2;
    placePayloadError();
    m_errorLabel->show();
    m_errorLabel->raise();
}

void Composer::placePayloadError() {
    const QRect area = m_edit->viewport()->geometry().adjusted(2, 2, -2, -2);
    const int height = std::min(m_errorLabel->heightForWidth(area.width()), area.height());
    m_errorLabel->setGeometry(area.left(), m_errorAtTop ? area.top() : area.bottom() + 1 - height,
                              area.width(), height);
}

bool Composer::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_edit && event->type() == QEvent::Resize && m_errorLabel->isVisible())
        placePayloadError();
    return QWidget::eventFilter(watched, event);
}

void Composer::setTarget(EndpointId target) {
    m_target = target;
    onInputChanged(); // its framing may call for a length header
}

void Composer::updateSendState() {
    const EndpointInfo info = m_workbench->info(m_target);
    const bool known = m_target != 0 && m_workbench->endpoints().contains(m_target);
    const bool udp = known && info.kind == EndpointKind::UdpSocket;
    m_targetIsListener = known && info.kind == EndpointKind::TcpListener;
    m_destinationLabel->setVisible(udp);
    m_destinationEdit->setVisible(udp);

    QString target;
    if (!known)
        target = tr("No target: select a connection, a listener or a UDP socket");
    else if (info.kind == EndpointKind::TcpListener && info.relay)
        target = tr("To: every client of relay #%1 (%n connected)", nullptr,
                    int(m_workbench->clientsOf(m_target).size()))
                     .arg(m_target);
    else if (info.kind == EndpointKind::TcpListener)
        target = tr("To: every client of listener #%1 (%n connected)", nullptr,
                    int(m_workbench->clientsOf(m_target).size()))
                     .arg(m_target);
    else if (udp)
        target = tr("From: UDP socket #%1 %2").arg(m_target).arg(info.local.toString());
    else
        // Until (or unless) a peer address is known, name what was asked for, never ":0".
        target = tr("To: connection #%1 %2")
                     .arg(m_target)
                     .arg(info.peer.isValid() ? info.peer.toString()
                                              : formatHostPort(info.requestedHost, info.requestedPort));
    if (known && info.tls && info.kind == EndpointKind::TcpConnection)
        target += info.tls->insecure ? tr(" over TLS ⚠ insecure") : tr(" over TLS");
    m_targetLabel->setFullText(target);

    const PayloadResult &result = m_payload;
    const QString destinationText = m_destinationEdit->text();
    const HostPortResult destination = parseHostPort(destinationText);
    QString reason = targetBlockedReason(m_target);
    if (!reason.isEmpty()) {
        // What stops the target is named before what is wrong with the payload.
    } else if (!result.ok()) {
        reason = tr("The payload has an error: %1").arg(result.error);
    } else if (result.bytes.isEmpty()) {
        reason = tr("Nothing to send");
    } else if (udp && !destination.ok()) {
        reason = destinationText.isEmpty() ? tr("Type the destination host:port")
                                           : tr("Destination: %1").arg(destination.error);
    }
    m_blockedReason = reason;
    m_sendButton->setEnabled(reason.isEmpty());
    m_sendButton->setToolTip(reason.isEmpty() ? tr("Send to the target (Ctrl+Return)") : reason);
    m_repeatButton->setEnabled(reason.isEmpty() || m_repeatButton->isChecked());
    m_sendFileButton->setEnabled(known && !isFinal(info.state) && (!udp || destination.ok()));
    if (udp) {
        m_destinationEdit->setStyleSheet(destination.ok() || destinationText.isEmpty() ? QString()
                                                                                       : errorFieldStyle());
        m_destinationEdit->setToolTip(destination.ok() ? tr("Where the UDP socket sends")
                                                       : destination.error);
    }
}

QString Composer::targetBlockedReason(EndpointId target) const {
    const EndpointInfo info = m_workbench->info(target);
    if (target == 0 || !m_workbench->endpoints().contains(target))
        return tr("Select a connection, listener or UDP socket to send to");
    // A stream read from a capture file has no socket behind it: it is there to be read.
    if (info.isFromCapture())
        return tr("Read from a capture: read-only");
    if (isFinal(info.state))
        return tr("The target is %1").arg(finalStateWord(info.state));
    if (info.kind == EndpointKind::TcpConnection && info.state != EndpointState::Connected &&
        info.state != EndpointState::PeerClosed)
        return tr("The connection is not established yet");
    if (info.kind == EndpointKind::TcpListener && m_workbench->clientsOf(target).isEmpty())
        return tr("The listener has no clients yet");
    return {};
}

void Composer::showMessage(const QString &text, bool error) {
    m_showingRepeatStatus = false;
    m_messageLabel->setFullText(text);
    m_messageLabel->setStyleSheet(error ? errorTextStyle() : QString());
}

bool Composer::deliver(EndpointId target, const QByteArray &bytes, const std::optional<HostPort> &destination,
                       QString *why) {
    auto refuse = [this, why](const QString &reason) {
        if (why)
            *why = reason;
        else
            showMessage(reason, true);
        return false;
    };
    // The workbench's own refusal is already on its way to the message line (sendFailed(), which
    // the window shows); only a caller that asked for the reason gets it here.
    auto answer = [why](const Workbench::SendResult &result) {
        if (!result && why)
            *why = result.refusal;
        return bool(result);
    };
    switch (m_workbench->info(target).kind) {
    case EndpointKind::TcpConnection:
        return answer(m_workbench->send(target, bytes));
    case EndpointKind::TcpListener:
        // A relay's clients are its client legs only: the bytes never reach the servers behind it.
        if (m_workbench->sendToAllClients(target, bytes) == 0)
            return refuse(tr("The listener has no clients: nothing sent"));
        return true;
    case EndpointKind::UdpSocket: {
        if (destination)
            return answer(m_workbench->sendDatagram(target, destination->host, destination->port, bytes));
        const HostPortResult dest = parseHostPort(m_destinationEdit->text());
        if (!dest.ok())
            return refuse(m_destinationEdit->text().isEmpty() ? tr("Type the destination host:port")
                                                              : tr("Destination: %1").arg(dest.error));
        return answer(m_workbench->sendDatagram(target, dest.value.host, dest.value.port, bytes));
    }
    }
    return false;
}

QString Composer::sendBytes(EndpointId target, const QByteArray &bytes,
                            const std::optional<HostPort> &destination) {
    QString why = targetBlockedReason(target);
    if (why.isEmpty() && bytes.isEmpty())
        why = tr("Nothing to send");
    if (!why.isEmpty())
        return why;
    const bool sent = deliver(target, bytes, destination, &why);
    if (!sent && why.isEmpty())
        why = tr("Nothing was sent");
    return sent ? QString() : why;
}

void Composer::send() {
    updateSendState();
    if (!m_blockedReason.isEmpty()) {
        showMessage(m_blockedReason, true);
        return;
    }
    // updateSendState() let Send through only for a payload that parsed.
    const QByteArray bytes = m_payload.bytes;
    if (!deliver(m_target, bytes))
        return;
    showMessage(tr("Sent %1").arg(formatByteCount(quint64(bytes.size()))), false);
    addToHistory();
}

void Composer::sendToAddress() {
    if (!m_payload.ok()) {
        showMessage(tr("The payload has an error: %1. Nothing sent").arg(m_payload.error), true);
        return;
    }
    const HostPortResult to = parseHostPort(m_addressEdit->text().trimmed());
    // Said now, and replaced by what happens: at once for a connection already open, else once
    // the connection is made (or refused).
    if (to.ok())
        showMessage(tr("Sending to %1…").arg(formatHostPort(to.value.host, to.value.port)), false);
    const QString why = m_addressSender->send(
        m_addressEdit->text(), AddressSender::Protocol(m_addressProtocolCombo->currentData().toInt()),
        m_payload.bytes);
    if (!why.isEmpty()) {
        showMessage(why, true);
        return;
    }
    addToHistory();
}

void Composer::onAddressEditTextChanged() {
    const QString text = m_addressEdit->text().trimmed();
    const HostPortResult to = parseHostPort(text);
    const bool wrong = !text.isEmpty() && !to.ok();
    m_addressEdit->setStyleSheet(wrong ? errorFieldStyle() : QString());
    m_addressEdit->setToolTip(wrong ? to.error
                                    : tr("Send what is typed to this address, with no connect step: "
                                         "host:port, or [v6]:port"));
    m_sendToAddressButton->setEnabled(!text.isEmpty());
}

void Composer::onRepeatButtonToggled(bool on) {
    if (!on) {
        m_repeatTimer.stop();
        m_repeatButton->setText(tr("&Repeat"));
        // A finished or stopped repeat leaves no stale count behind; an error it hit stays.
        if (m_showingRepeatStatus)
            showMessage(QString(), false);
        updateSendState();
        return;
    }
    updateSendState();
    if (!m_blockedReason.isEmpty()) {
        showMessage(m_blockedReason, true);
        m_repeatButton->setChecked(false);
        return;
    }
    m_repeatBytes = m_payload.bytes;
    m_repeatRemaining = m_repeatCountSpin->value();
    m_repeatButton->setText(tr("Stop"));
    addToHistory();
    onRepeatTimerTimeout();
    if (m_repeatButton->isChecked())
        m_repeatTimer.start(m_repeatIntervalSpin->value());
}

void Composer::onRepeatTimerTimeout() {
    const EndpointInfo info = m_workbench->info(m_target);
    if (m_repeatRemaining <= 0 || isFinal(info.state) || !deliver(m_target, m_repeatBytes)) {
        m_repeatButton->setChecked(false);
        return;
    }
    --m_repeatRemaining;
    showMessage(tr("Repeating: %1 sent, %2 to go")
                    .arg(m_repeatCountSpin->value() - m_repeatRemaining)
                    .arg(m_repeatRemaining),
                false);
    m_showingRepeatStatus = true;
    if (m_repeatRemaining == 0)
        m_repeatButton->setChecked(false);
}

void Composer::onSendFileButtonClicked() {
    auto *dialog = new QFileDialog(this, tr("Send file"));
    dialog->setObjectName(QStringLiteral("sendFileDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, &Composer::onSendFileDialogFileSelected);
    dialog->open();
}

void Composer::onSendFileDialogFileSelected(const QString &path) {
    QFile file(path);
    if (file.size() > MaxFileBytes) {
        showMessage(
            tr("%1 is larger than %2 MiB: not sent").arg(QFileInfo(path).fileName()).arg(MaxFileBytes >> 20),
            true);
        return;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        showMessage(tr("Cannot read %1: %2").arg(path, file.errorString()), true);
        return;
    }
    const QByteArray bytes = file.readAll();
    if (deliver(m_target, bytes))
        showMessage(
            tr("Sent %1 (%2)").arg(QFileInfo(path).fileName(), formatByteCount(quint64(bytes.size()))),
            false);
}

void Composer::addToHistory() {
    const QString entry =
        (spec().mode == PayloadMode::Hex ? QStringLiteral("hex:") : QStringLiteral("text:")) +
        m_edit->toPlainText();
    m_history.removeAll(entry);
    m_history.prepend(entry);
    while (m_history.size() > MaxHistory)
        m_history.removeLast();
    rebuildHistoryMenu();
}

void Composer::rebuildHistoryMenu() {
    QMenu *menu = m_historyButton->menu();
    menu->clear();
    m_historyButton->setEnabled(!m_history.isEmpty());
    for (const QString &entry : std::as_const(m_history)) {
        const bool hex = entry.startsWith(QLatin1String("hex:"));
        const QString text = entry.mid(hex ? 4 : 5);
        QString label = text.left(60);
        label.replace(QLatin1Char('\n'), QStringLiteral("⏎"));
        label.replace(QLatin1Char('&'), QStringLiteral("&&"));
        menu->addAction((hex ? tr("[hex] %1") : tr("[text] %1")).arg(label), this, [this, hex, text] {
            m_modeCombo->setCurrentIndex(
                m_modeCombo->findData(int(hex ? PayloadMode::Hex : PayloadMode::Text)));
            m_edit->setPlainText(text);
            m_edit->setFocus();
        });
    }
}

void Composer::saveSettings(QSettings &settings) const {
    settings.setValue(QStringLiteral("composer/mode"), toString(spec().mode));
    settings.setValue(QStringLiteral("composer/lineEnding"), toString(spec().lineEnding));
    settings.setValue(QStringLiteral("composer/escapes"), m_escapesCheck->isChecked());
    settings.setValue(QStringLiteral("composer/checksum"), m_checksumCombo->currentData().toString());
    settings.setValue(QStringLiteral("composer/history"), m_history);
    settings.setValue(QStringLiteral("composer/repeatCount"), m_repeatCountSpin->value());
    settings.setValue(QStringLiteral("composer/repeatInterval"), m_repeatIntervalSpin->value());
    settings.setValue(QStringLiteral("composer/address"), m_addressEdit->text());
    settings.setValue(QStringLiteral("composer/addressProtocol"), m_addressProtocolCombo->currentIndex() == 1
                                                                      ? QStringLiteral("udp")
                                                                      : QStringLiteral("tcp"));
}

void Composer::restoreSettings(const QSettings &settings) {
    const QString mode = settings.value(QStringLiteral("composer/mode")).toString();
    for (PayloadMode m : {PayloadMode::Text, PayloadMode::Hex}) {
        if (toString(m) == mode)
            m_modeCombo->setCurrentIndex(m_modeCombo->findData(int(m)));
    }
    const QString ending = settings.value(QStringLiteral("composer/lineEnding")).toString();
    for (LineEnding e : {LineEnding::None, LineEnding::LF, LineEnding::CR, LineEnding::CRLF}) {
        if (toString(e) == ending)
            m_lineEndingCombo->setCurrentIndex(m_lineEndingCombo->findData(int(e)));
    }
    m_escapesCheck->setChecked(settings.value(QStringLiteral("composer/escapes"), true).toBool());
    m_checksumCombo->setCurrentIndex(std::max(
        0, m_checksumCombo->findData(settings.value(QStringLiteral("composer/checksum")).toString())));
    m_history = settings.value(QStringLiteral("composer/history")).toStringList();
    m_repeatCountSpin->setValue(settings.value(QStringLiteral("composer/repeatCount"), 10).toInt());
    m_repeatIntervalSpin->setValue(settings.value(QStringLiteral("composer/repeatInterval"), 1000).toInt());
    m_addressEdit->setText(settings.value(QStringLiteral("composer/address")).toString());
    m_addressProtocolCombo->setCurrentIndex(
        settings.value(QStringLiteral("composer/addressProtocol")).toString() == QLatin1String("udp") ? 1
                                                                                                      : 0);
    rebuildHistoryMenu();
    onInputChanged();
}

} // namespace sockbench
