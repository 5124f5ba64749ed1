#pragma once

#include "library/payloadlibrary.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace sockbench {

/// The form of one library entry: name, folder, payload and how it is read, the checksum appended,
/// where it is meant to go, and notes. It shows live what the entry sends (the byte count and the
/// first bytes) or why it cannot; OK is disabled, saying why, until the entry is complete.
class LibraryEntryDialog final : public QDialog {
    Q_OBJECT

public:
    /// folders: the library's folders, offered in the folder field (which also takes a new one).
    LibraryEntryDialog(const LibraryEntry &entry, const QStringList &folders, QWidget *parent = nullptr);
    ~LibraryEntryDialog() override;
    Q_DISABLE_COPY_MOVE(LibraryEntryDialog)

    /// The entry as the form has it now.
    LibraryEntry entry() const;
    /// Why OK is disabled, or empty.
    QString problem() const { return m_problem; }

private:
    void nameWidgets();
    void setUpFields(const QStringList &folders);
    void showEntry(const LibraryEntry &entry);
    void buildLayout();
    void connectSignals();

    void validate();

    QLineEdit *m_nameEdit;
    QComboBox *m_folderCombo;
    QPlainTextEdit *m_payloadEdit;
    QComboBox *m_modeCombo;
    QComboBox *m_lineEndingCombo;
    QCheckBox *m_escapesCheck;
    QComboBox *m_encodingCombo;
    QComboBox *m_checksumCombo;
    QComboBox *m_checksumOrderCombo;
    QComboBox *m_targetCombo;
    QLineEdit *m_targetHostEdit;
    QLineEdit *m_targetPortEdit;
    QPlainTextEdit *m_notesEdit;
    QLabel *m_previewLabel;
    QLabel *m_problemLabel;
    QDialogButtonBox *m_buttons;
    QString m_problem;
};

} // namespace sockbench
