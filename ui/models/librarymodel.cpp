#include "models/librarymodel.h"

#include "language/address.h"
#include "style/presentation.h"

#include <QApplication>
#include <QHash>
#include <QMimeData>
#include <QStyle>

namespace sockbench {

namespace {

constexpr int PreviewChars = 80;
constexpr qsizetype TooltipBytes = 64;

/// One line of what was typed: line breaks show as ⏎ so that rows keep one height.
QString previewOf(const QString &payload) {
    QString line = payload.left(PreviewChars);
    line.replace(QLatin1Char('\n'), QStringLiteral("⏎"));
    if (payload.size() > PreviewChars)
        line += QStringLiteral("…");
    return line;
}

QStringList folderParts(const QString &folder) {
    QStringList parts = folder.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (QString &part : parts)
        part = part.trimmed();
    parts.removeAll(QString());
    return parts;
}

} // namespace

QString libraryTargetText(const LibraryTarget &target) {
    const QString where = formatHostPort(target.host, target.port);
    switch (target.kind) {
    case LibraryTarget::Kind::Udp:
        return QStringLiteral("UDP %1").arg(where);
    case LibraryTarget::Kind::Tls:
        return QStringLiteral("TLS %1").arg(where);
    case LibraryTarget::Kind::Tcp:
        break;
    }
    return QStringLiteral("TCP %1").arg(where);
}

LibraryModel::LibraryModel(QObject *parent)
    : QStandardItemModel(parent) {
    setColumnCount(ColumnCount);
    setHorizontalHeaderLabels({tr("Name"), tr("Payload"), tr("Checksum"), tr("Target")});
}

LibraryModel::~LibraryModel() = default;

QString LibraryModel::mimeType() {
    return QStringLiteral("application/x-sockbench-library-entry");
}

QList<LibraryEntry> LibraryModel::entriesFrom(const QMimeData *data) {
    if (!data || !data->hasFormat(mimeType()))
        return {};
    LibraryParseResult parsed = parseLibrary(data->data(mimeType()));
    return parsed.ok() ? parsed.entries : QList<LibraryEntry>{};
}

void LibraryModel::setEntries(const QList<LibraryEntry> &entries) {
    m_entries = entries;
    removeRows(0, rowCount());
    const QIcon folderIcon = QApplication::style()->standardIcon(QStyle::SP_DirIcon);
    QHash<QString, QStandardItem *> folderItems;
    auto folderItem = [&](const QString &folder) {
        QStandardItem *parent = invisibleRootItem();
        QString path;
        for (const QString &part : folderParts(folder)) {
            path = path.isEmpty() ? part : path + QLatin1Char('/') + part;
            QStandardItem *&item = folderItems[path];
            if (!item) {
                item = new QStandardItem(folderIcon, part);
                item->setData(-1, EntryRole);
                item->setData(QString(), SearchRole);
                item->setData(path, FolderRole);
                item->setEditable(false);
                item->setDragEnabled(false);
                QList<QStandardItem *> row{item};
                for (int c = 1; c < ColumnCount; ++c) {
                    auto *cell = new QStandardItem;
                    cell->setEditable(false);
                    cell->setDragEnabled(false);
                    row.append(cell);
                }
                parent->appendRow(row);
            }
            parent = item;
        }
        return parent;
    };

    for (int i = 0; i < m_entries.size(); ++i) {
        const LibraryEntry &entry = m_entries[i];
        QString error;
        const QByteArray bytes = entry.bytes(&error);
        QList<QStandardItem *> row;
        for (int c = 0; c < ColumnCount; ++c) {
            auto *cell = new QStandardItem;
            cell->setEditable(false);
            cell->setData(i, EntryRole);
            cell->setData(entry.folder, FolderRole);
            row.append(cell);
        }
        row[NameColumn]->setText(entry.name);
        row[NameColumn]->setData(
            QStringList{entry.name, entry.folder, entry.payload, entry.notes}.join(u'\n'), SearchRole);
        row[PayloadColumn]->setText(previewOf(entry.payload));
        if (entry.append)
            row[ChecksumColumn]->setText(toString(*entry.append));
        if (entry.target)
            row[TargetColumn]->setText(libraryTargetText(*entry.target));
        const QString bytesText = error.isEmpty() ? tr("%1: %2").arg(formatByteCount(quint64(bytes.size())),
                                                                     bytesToHex(bytes, TooltipBytes))
                                                  : tr("Cannot be sent: %1").arg(error);
        row[NameColumn]->setToolTip(entry.notes.isEmpty() ? bytesText : entry.notes + u'\n' + bytesText);
        row[PayloadColumn]->setToolTip(bytesText);
        if (!error.isEmpty()) {
            for (QStandardItem *cell : std::as_const(row))
                cell->setForeground(errorColor());
        }
        folderItem(entry.folder)->appendRow(row);
    }
}

QStringList LibraryModel::folders() const {
    QStringList all;
    for (const LibraryEntry &entry : m_entries) {
        QString path;
        for (const QString &part : folderParts(entry.folder)) {
            path = path.isEmpty() ? part : path + QLatin1Char('/') + part;
            if (!all.contains(path))
                all.append(path);
        }
    }
    all.sort(Qt::CaseInsensitive);
    return all;
}

QStringList LibraryModel::mimeTypes() const {
    return {mimeType()};
}

QMimeData *LibraryModel::mimeData(const QModelIndexList &indexes) const {
    // One entry per row, whatever columns the view selected, in the order shown.
    QList<int> rows;
    for (const QModelIndex &index : indexes) {
        const int entry = index.data(EntryRole).toInt();
        if (index.isValid() && entry >= 0 && entry < m_entries.size() && !rows.contains(entry))
            rows.append(entry);
    }
    if (rows.isEmpty())
        return nullptr;
    QList<LibraryEntry> dragged;
    for (int row : std::as_const(rows))
        dragged.append(m_entries[row]);
    auto *data = new QMimeData;
    data->setData(mimeType(), serializeLibrary(dragged));
    return data;
}

Qt::DropActions LibraryModel::supportedDragActions() const {
    return Qt::CopyAction;
}

} // namespace sockbench
