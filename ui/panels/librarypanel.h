#pragma once

#include "engine/endpoint.h"
#include "library/payloadlibrary.h"

#include <QPointer>
#include <QWidget>

#include <functional>

class QAbstractItemView;
class QAction;
class QLineEdit;
class QModelIndex;
class QSortFilterProxyModel;
class QTreeView;

namespace sockbench {

class Composer;
class ElidedLabel;
class LibraryModel;

/// The library of saved payloads (user guide, "Library"): entries in a tree by folder, a search field,
/// a form to add and change them, import and export. An entry is sent by a double-click or Enter,
/// by Ctrl+1 … Ctrl+9 (the first nine in the order shown), or by dragging it onto a row of the
/// connections panel. Sending goes through the composer, so that it reaches what the composer's
/// Send reaches and is refused for the same reasons; refusals show on the panel's message line.
/// Every change is saved to the library file at once.
class LibraryPanel final : public QWidget {
    Q_OBJECT

public:
    /// Loads the library from path (a file that cannot be read is named on the message line, and
    /// then never overwritten). Entries are sent through composer.
    LibraryPanel(const QString &path, Composer *composer, QWidget *parent = nullptr);
    ~LibraryPanel() override;
    Q_DISABLE_COPY_MOVE(LibraryPanel)

    QString path() const { return m_path; }
    const QList<LibraryEntry> &entries() const;
    /// Ctrl+1 … Ctrl+9. The window takes them on, so that they work wherever its focus is; they are
    /// enabled while the panel is shown.
    QList<QAction *> sendShortcutActions() const { return m_sendNthActions; }
    /// Import..., Import Packet Sender..., Export selected..., Export all...: on the tree's context
    /// menu and the panel's File button, and for the window's File menu.
    QList<QAction *> fileActions() const;
    /// Lets entries dragged from the panel drop on the rows of view (rows carrying
    /// ConnectionModel::EndpointRole): a drop sends them to that row's endpoint.
    void acceptDropsOn(QAbstractItemView *view);
    /// Opens the entry form filled with payload and spec (the composer's Save to library).
    void newEntryFrom(const QString &payload, const PayloadSpec &spec);
    /// Sends an entry to target. Returns false, saying why on the message line, when it cannot.
    bool sendEntry(const LibraryEntry &entry, EndpointId target);
    /// Merges in the entries of a library file (Import); entries already there are skipped.
    bool importLibraryFile(const QString &path);
    /// Merges in Packet Sender's packets.ini; what was skipped is listed in a message box.
    bool importPacketSenderFile(const QString &path);
    /// Writes entries as a library file (Export).
    bool exportTo(const QString &path, const QList<LibraryEntry> &entries);
    void showMessage(const QString &text, bool error);
    /// Indexes in entries() of the entries in the order shown (the search applied).
    QList<int> shownEntries() const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void createActions();
    void onViewActivated(const QModelIndex &index);
    void onSearchEditTextChanged(const QString &text);
    void onNewActionTriggered();
    void onEditActionTriggered();
    void onDuplicateActionTriggered();
    void onDeleteActionTriggered();
    void onSendActionTriggered();
    void onImportActionTriggered();
    void onExportSelectedActionTriggered();
    void onExportAllActionTriggered();
    void onImportPacketSenderActionTriggered();
    void onReloadActionTriggered();
    void sendNth(int n);
    void updateActions();
    void openEntryDialog(const LibraryEntry &entry, int replacing);
    /// Replaces the entries, saves them and shows them; select: the entry to make current, or -1.
    /// Returns false, saying why on the message line, when the file was not written.
    bool commit(const QList<LibraryEntry> &entries, int select);
    /// Adds the entries an import read that are not already in the library, and saves. Returns how
    /// many were added, or -1 (said on the message line) when the import failed or was not saved.
    int merge(const LibraryParseResult &read);
    void load();
    int currentEntry() const;
    /// The selected entries, and those in selected folders, in library order.
    QList<int> selectedEntries() const;
    QModelIndex viewIndexOf(int entry) const;
    /// The endpoint of the drop view's row at pos in its viewport, or 0.
    EndpointId dropTargetAt(const QPoint &pos) const;
    /// Opens a file dialog named name (window-modal, not exec()uted: sockets keep running).
    void openFileDialog(const char *name, const QString &title, const QStringList &filters, bool save,
                        const std::function<void(const QString &)> &onSelected,
                        const QString &directory = QString());

    QString m_path;
    Composer *m_composer;
    LibraryModel *m_model;
    QSortFilterProxyModel *m_filter;
    QLineEdit *m_searchEdit;
    QTreeView *m_view;
    ElidedLabel *m_messageLabel;
    QPointer<QAbstractItemView> m_dropView;
    /// Why the library file could not be read; while set, changes are kept but not saved over it.
    QString m_loadError;

    QAction *m_newAction = nullptr;
    QAction *m_editAction = nullptr;
    QAction *m_duplicateAction = nullptr;
    QAction *m_deleteAction = nullptr;
    QAction *m_sendAction = nullptr;
    QAction *m_importAction = nullptr;
    QAction *m_exportSelectedAction = nullptr;
    QAction *m_exportAllAction = nullptr;
    QAction *m_importPacketSenderAction = nullptr;
    QAction *m_reloadAction = nullptr;
    QList<QAction *> m_sendNthActions;
};

} // namespace sockbench
