#pragma once

#include "library/payloadlibrary.h"

#include <QStandardItemModel>

namespace sockbench {

/// The payload library as a tree by folder: "Modbus/Unit 1" nests a folder Unit 1 in Modbus.
/// Folders come in the order of their first entry, entries in library order. The model owns the
/// entries and is rebuilt whole on each change: a library is small and a change is one user action.
/// Entries drag as library JSON, so that a drop needs nothing but its mime data.
class LibraryModel final : public QStandardItemModel {
    Q_OBJECT

public:
    enum Column { NameColumn, PayloadColumn, ChecksumColumn, TargetColumn, ColumnCount };
    /// The entry's index in entries(); -1 on a folder row.
    static constexpr int EntryRole = Qt::UserRole + 1;
    /// What the search field matches: name, folder, payload and notes (empty for a folder row, which
    /// shows when one of its entries matches).
    static constexpr int SearchRole = Qt::UserRole + 2;
    /// A folder row's whole path ("Modbus/Unit 1"); an entry row's folder.
    static constexpr int FolderRole = Qt::UserRole + 3;

    explicit LibraryModel(QObject *parent = nullptr);
    ~LibraryModel() override;
    Q_DISABLE_COPY_MOVE(LibraryModel)

    /// The mime type dragged entries carry.
    static QString mimeType();
    /// The entries dragged in data, or none when it carries no valid library JSON.
    static QList<LibraryEntry> entriesFrom(const QMimeData *data);

    const QList<LibraryEntry> &entries() const { return m_entries; }
    void setEntries(const QList<LibraryEntry> &entries);
    /// Every folder and every folder above one, sorted: what the entry form offers.
    QStringList folders() const;

    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    /// Copy only: a view's Move would remove the dragged rows from the library.
    Qt::DropActions supportedDragActions() const override;

private:
    QList<LibraryEntry> m_entries;
};

/// How an entry's target reads in the tree and in messages: "TCP 192.168.1.10:502".
QString libraryTargetText(const LibraryTarget &target);

} // namespace sockbench
