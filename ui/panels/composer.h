#pragma once

#include "engine/endpoint.h"
#include "language/address.h"
#include "language/payload.h"

#include <QTimer>
#include <QWidget>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSettings;
class QSpinBox;
class QTextCursor;
class QToolButton;

namespace sockbench {

class AddressSender;
class ElidedLabel;

class Workbench;

/// Where the user types what to send, in the payload language (text with escapes, or hex), with a
/// live byte count, the parse error marked where it is, Send, repeat, send a file, and history.
/// The target follows the selection: a connection; a listener means all of its clients; a UDP
/// socket sends to the destination typed here. Or, with no connect step, to an address typed in
/// the "Send to" row, over TCP (a client connection opened as needed, then kept) or UDP.
class Composer final : public QWidget {
    Q_OBJECT

public:
    explicit Composer(Workbench *workbench, QWidget *parent = nullptr);
    ~Composer() override;
    Q_DISABLE_COPY_MOVE(Composer)

    void setTarget(EndpointId target);
    EndpointId target() const { return m_target; }
    /// What is typed, as parsed at the last edit: the bytes Send hands over, or the error and where
    /// it is. Parsed once per edit, so that neither the Send state nor Send itself parses again.
    const PayloadResult &payload() const { return m_payload; }
    /// Why Send is disabled, or empty when it is enabled.
    QString blockedReason() const { return m_blockedReason; }
    void showMessage(const QString &text, bool error);
    /// Puts exactly these bytes in the editor, to be sent again: text with escapes and no line
    /// ending, so that Send hands over the very same bytes.
    void setPayloadBytes(const QByteArray &bytes);

    void saveSettings(QSettings &settings) const;
    void restoreSettings(const QSettings &settings);

    /// Sends what is typed to the target once; does nothing (and says why) when it cannot.
    void send();
    /// Sends what is typed to the address of the "Send to" row, over its protocol, connecting as
    /// needed (AddressSender); says in the message line what happened, or why nothing was sent.
    void sendToAddress();
    /// Sends other bytes (a library entry's) the way Send does: to a connection, to every client of
    /// a listener, or from a UDP socket to destination (when none is given, to the one typed here).
    /// Returns why nothing was sent, or an empty string when the bytes went to the workbench.
    QString sendBytes(EndpointId target, const QByteArray &bytes,
                      const std::optional<HostPort> &destination = std::nullopt);

Q_SIGNALS:
    /// Save to library was clicked: what is typed and how it is read.
    void saveToLibraryRequested(const QString &payload, const sockbench::PayloadSpec &spec);

private:
    void nameWidgets();
    void setUpFields();
    void buildLayout();
    void connectSignals();

    void onInputChanged();
    void onModeComboCurrentIndexChanged();
    void onRepeatButtonToggled(bool on);
    void onRepeatTimerTimeout();
    void onSendFileButtonClicked();
    void onSendFileDialogFileSelected(const QString &path);
    void onWorkbenchStateChanged(EndpointId id);
    void onAddressEditTextChanged();
    /// Shows the whole parse error over the editor, away from where it is marked, with what to do;
    /// in hex mode, for input that reads as text, a link that switches to text.
    void showPayloadError(const QString &error, const QTextCursor &where);
    void placePayloadError();
    bool eventFilter(QObject *watched, QEvent *event) override;
    void onWorkbenchConnectionAccepted(EndpointId id, EndpointId listener);
    void updateSendState();
    void addToHistory();
    void rebuildHistoryMenu();
    PayloadSpec spec() const;
    /// Why target cannot take bytes now (closed, not connected yet, a listener without clients), or
    /// an empty string.
    QString targetBlockedReason(EndpointId target) const;
    /// Hands bytes to the workbench; returns false when the target cannot take them, saying why in
    /// *why if given, else in the message line. A UDP socket sends to destination, else to the
    /// destination typed here.
    bool deliver(EndpointId target, const QByteArray &bytes, const std::optional<HostPort> &destination = {},
                 QString *why = nullptr);

    Workbench *m_workbench;
    EndpointId m_target = 0;
    ElidedLabel *m_targetLabel;
    QComboBox *m_modeCombo;
    QComboBox *m_lineEndingCombo;
    QComboBox *m_checksumCombo;
    /// Shown while the target's framing has a length header: puts one in front of what is sent.
    QToolButton *m_lengthPrefixButton;
    QCheckBox *m_escapesCheck;
    QPlainTextEdit *m_edit;
    ElidedLabel *m_previewLabel;
    /// The parse error, whole: over the editor (not in a layout, so it never resizes the window).
    QLabel *m_errorLabel;
    bool m_errorAtTop = false; ///< the error is shown at the top: the marked text is in the bottom half
    QLabel *m_destinationLabel;
    QLineEdit *m_destinationEdit;
    QPushButton *m_sendButton;
    QLineEdit *m_addressEdit;          ///< "Send to": host:port, no connect step
    QComboBox *m_addressProtocolCombo; ///< TCP or UDP for the address
    QPushButton *m_sendToAddressButton;
    AddressSender *m_addressSender;
    QSpinBox *m_repeatCountSpin;
    QSpinBox *m_repeatIntervalSpin;
    QPushButton *m_repeatButton;
    QPushButton *m_sendFileButton;
    QToolButton *m_historyButton;
    QToolButton *m_saveToLibraryButton;
    ElidedLabel *m_messageLabel;
    QTimer m_repeatTimer;
    /// A listener target's "(N connected)" and Send, brought up to date once per event-loop turn
    /// however many of its clients came or went in it (counting them walks every endpoint).
    QTimer m_clientCountRefresh;
    bool m_targetIsListener = false; ///< as of the last updateSendState(); a target keeps its kind
    QByteArray m_repeatBytes;
    int m_repeatRemaining = 0;
    bool m_showingRepeatStatus = false;     ///< the message line says how far a repeat is
    PayloadMode m_mode = PayloadMode::Text; ///< the mode what is typed is written in
    PayloadResult m_payload;
    QString m_blockedReason;
    QStringList m_history; ///< "text:..." or "hex:...", newest first
};

} // namespace sockbench
