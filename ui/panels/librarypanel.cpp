#include "panels/librarypanel.h"

#include "dialogs/libraryentrydialog.h"
#include "models/connectionmodel.h"
#include "models/librarymodel.h"
#include "panels/composer.h"
#include "style/presentation.h"
#include "views/elidedlabel.h"

#include <QAbstractItemView>
#include <QAction>
#include <QDragMoveEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QSortFilterProxyModel>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace sockbench {

namespace {

constexpr int ShortcutCount = 9;
/// Packet Sender's file holds a few hundred packets at most; anything far larger is not one.
constexpr qint64 MaxPacketSenderFileBytes = 16LL * 1024 * 1024;
/// Skipped packets listed in the box itself; the rest are in its details.
constexpr int ListedWarnings = 15;

QString jsonFilter() {
    return QObject::tr("Sockbench library (*.json)");
}

QString allFilesFilter() {
    return QObject::tr("All files (*)");
}

} // namespace

LibraryPanel::LibraryPanel(const QString &path, Composer *composer, QWidget *parent)
    : QWidget(parent)
    , m_path(path)
    , m_composer(composer)
    , m_model(new LibraryModel(this))
    , m_filter(new QSortFilterProxyModel(this))
    , m_searchEdit(new QLineEdit(this))
    , m_view(new QTreeView(this))
    , m_messageLabel(new ElidedLabel(this)) {
    setObjectName(QStringLiteral("libraryPanel"));
    m_searchEdit->setObjectName(QStringLiteral("librarySearchEdit"));
    m_view->setObjectName(QStringLiteral("libraryView"));
    m_messageLabel->setObjectName(QStringLiteral("libraryMessageLabel"));

    m_filter->setSourceModel(m_model);
    m_filter->setFilterRole(LibraryModel::SearchRole);
    m_filter->setFilterKeyColumn(LibraryModel::NameColumn);
    m_filter->setFilterCaseSensitivity(Qt::CaseInsensitive);
    // A folder stays while one of its entries matches.
    m_filter->setRecursiveFilteringEnabled(true);

    m_searchEdit->setPlaceholderText(tr("Search names, folders, payloads, notes"));
    m_searchEdit->setClearButtonEnabled(true);
    m_view->setModel(m_filter);
    m_view->setUniformRowHeights(true);
    m_view->setAllColumnsShowFocus(true);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setDragEnabled(true);
    m_view->setDragDropMode(QAbstractItemView::DragOnly);
    m_view->setDefaultDropAction(Qt::CopyAction);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->setToolTip(tr("Double-click or Enter sends an entry to the selected connection; Ctrl+1 … "
                          "Ctrl+9 send the first nine shown; drag one onto a connection to send it there"));
    m_view->header()->resizeSection(LibraryModel::NameColumn, 150);
    m_view->header()->resizeSection(LibraryModel::PayloadColumn, 150);

    createActions();
    auto *toolBar = new QToolBar(this);
    toolBar->setObjectName(QStringLiteral("libraryToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolBar->addAction(m_newAction);
    toolBar->addAction(m_editAction);
    toolBar->addAction(m_duplicateAction);
    toolBar->addAction(m_deleteAction);
    toolBar->addSeparator();
    toolBar->addAction(m_sendAction);
    auto *fileMenu = new QMenu(this);
    fileMenu->addAction(m_importAction);
    fileMenu->addAction(m_importPacketSenderAction);
    fileMenu->addSeparator();
    fileMenu->addAction(m_exportSelectedAction);
    fileMenu->addAction(m_exportAllAction);
    fileMenu->addSeparator();
    fileMenu->addAction(m_reloadAction);
    auto *fileButton = new QToolButton(this);
    fileButton->setObjectName(QStringLiteral("libraryFileButton"));
    fileButton->setText(tr("File"));
    fileButton->setToolTip(tr("Import, export, reload"));
    fileButton->setMenu(fileMenu);
    fileButton->setPopupMode(QToolButton::InstantPopup);
    toolBar->addWidget(fileButton);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_searchEdit);
    layout->addWidget(toolBar);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_messageLabel);

    connect(m_searchEdit, &QLineEdit::textChanged, this, &LibraryPanel::onSearchEditTextChanged);
    connect(m_view, &QAbstractItemView::activated, this, &LibraryPanel::onViewActivated);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &LibraryPanel::updateActions);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &LibraryPanel::updateActions);
    load();
}

LibraryPanel::~LibraryPanel() = default;

const QList<LibraryEntry> &LibraryPanel::entries() const {
    return m_model->entries();
}

void LibraryPanel::createActions() {
    auto make = [this](const char *name, const QString &text, const QString &tip) {
        auto *action = new QAction(text, this);
        action->setObjectName(QLatin1String(name));
        action->setToolTip(tip);
        action->setStatusTip(tip);
        return action;
    };
    m_newAction = make("libraryNewAction", tr("&New..."), tr("Add an entry to the library"));
    m_editAction = make("libraryEditAction", tr("&Edit..."), tr("Change the current entry"));
    m_duplicateAction =
        make("libraryDuplicateAction", tr("D&uplicate"), tr("Add a copy of the current entry below it"));
    m_deleteAction = make("libraryDeleteAction", tr("&Delete..."),
                          tr("Delete the selected entries and the entries of selected folders"));
    m_sendAction =
        make("librarySendAction", tr("&Send"), tr("Send the current entry to the selected connection"));
    m_importAction =
        make("libraryImportAction", tr("&Import..."), tr("Add the entries of a Sockbench library file"));
    m_importPacketSenderAction =
        make("libraryImportPacketSenderAction", tr("Import &Packet Sender..."),
             tr("Add the saved packets of Packet Sender (its packets.ini) to the folder Packet Sender"));
    m_exportSelectedAction = make("libraryExportSelectedAction", tr("Export &selected..."),
                                  tr("Write the selected entries to a library file"));
    m_exportAllAction =
        make("libraryExportAllAction", tr("Export &all..."), tr("Write every entry to a library file"));
    m_reloadAction = make("libraryReloadAction", tr("&Reload"),
                          tr("Read the library file again, dropping unsaved changes"));
    // Keys of the tree only: in the search field Delete and F2 keep their usual meaning.
    m_editAction->setShortcut(QKeySequence(Qt::Key_F2));
    m_deleteAction->setShortcut(QKeySequence::Delete);
    for (QAction *action : {m_editAction, m_deleteAction})
        action->setShortcutContext(Qt::WidgetShortcut);
    m_view->addActions({m_sendAction, m_newAction, m_editAction, m_duplicateAction, m_deleteAction});
    // Import and export on the context menu too: the File button may not fit a narrow dock.
    auto *separator = new QAction(this);
    separator->setSeparator(true);
    m_view->addAction(separator);
    m_view->addActions(fileActions());

    connect(m_newAction, &QAction::triggered, this, &LibraryPanel::onNewActionTriggered);
    connect(m_editAction, &QAction::triggered, this, &LibraryPanel::onEditActionTriggered);
    connect(m_duplicateAction, &QAction::triggered, this, &LibraryPanel::onDuplicateActionTriggered);
    connect(m_deleteAction, &QAction::triggered, this, &LibraryPanel::onDeleteActionTriggered);
    connect(m_sendAction, &QAction::triggered, this, &LibraryPanel::onSendActionTriggered);
    connect(m_importAction, &QAction::triggered, this, &LibraryPanel::onImportActionTriggered);
    connect(m_importPacketSenderAction, &QAction::triggered, this,
            &LibraryPanel::onImportPacketSenderActionTriggered);
    connect(m_exportSelectedAction, &QAction::triggered, this,
            &LibraryPanel::onExportSelectedActionTriggered);
    connect(m_exportAllAction, &QAction::triggered, this, &LibraryPanel::onExportAllActionTriggered);
    connect(m_reloadAction, &QAction::triggered, this, &LibraryPanel::onReloadActionTriggered);

    for (int n = 0; n < ShortcutCount; ++n) {
        auto *action = new QAction(tr("Send library entry %1").arg(n + 1), this);
        action->setObjectName(QStringLiteral("librarySend%1Action").arg(n + 1));
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + n)));
        action->setEnabled(false); // until the panel shows
        connect(action, &QAction::triggered, this, [this, n] { sendNth(n); });
        m_sendNthActions.append(action);
    }
}

QList<QAction *> LibraryPanel::fileActions() const {
    return {m_importAction, m_importPacketSenderAction, m_exportSelectedAction, m_exportAllAction};
}

void LibraryPanel::load() {
    const LibraryParseResult loaded = loadLibrary(m_path);
    m_loadError = loaded.error;
    m_model->setEntries(loaded.entries);
    m_view->expandAll();
    if (!loaded.ok())
        showMessage(tr("The library cannot be read: %1. Changes are not saved until it is fixed and "
                       "reloaded.")
                        .arg(loaded.error),
                    true);
    else if (loaded.entries.isEmpty())
        showMessage(tr("No entries yet: add one with New, or Save... in the composer"), false);
    else
        showMessage(QString(), false);
    updateActions();
}

void LibraryPanel::showMessage(const QString &text, bool error) {
    m_messageLabel->setFullText(text);
    m_messageLabel->setStyleSheet(error ? errorTextStyle() : QString());
}

bool LibraryPanel::commit(const QList<LibraryEntry> &entries, int select) {
    m_model->setEntries(entries);
    m_view->expandAll();
    if (select >= 0) {
        const QModelIndex index = viewIndexOf(select);
        if (index.isValid()) {
            m_view->setCurrentIndex(index);
            m_view->scrollTo(index);
        }
    }
    updateActions();
    if (!m_loadError.isEmpty()) {
        showMessage(tr("Not saved: the library file could not be read (%1)").arg(m_loadError), true);
        return false;
    }
    QString error;
    if (!saveLibrary(m_path, entries, &error)) {
        showMessage(tr("Not saved: %1").arg(error), true);
        return false;
    }
    return true;
}

int LibraryPanel::merge(const LibraryParseResult &read) {
    if (!read.ok()) {
        showMessage(tr("Not imported: %1").arg(read.error), true);
        return -1;
    }
    QList<LibraryEntry> all = m_model->entries();
    int added = 0;
    for (const LibraryEntry &entry : read.entries) {
        if (!all.contains(entry)) {
            all.append(entry);
            ++added;
        }
    }
    if (added > 0 && !commit(all, int(all.size()) - added))
        return -1;
    return added;
}

int LibraryPanel::currentEntry() const {
    const QModelIndex current = m_view->currentIndex();
    return current.isValid() ? current.data(LibraryModel::EntryRole).toInt() : -1;
}

QList<int> LibraryPanel::selectedEntries() const {
    QList<int> entries;
    std::function<void(const QModelIndex &)> collect = [&](const QModelIndex &index) {
        const int entry = index.data(LibraryModel::EntryRole).toInt();
        if (entry >= 0) {
            if (!entries.contains(entry))
                entries.append(entry);
            return;
        }
        for (int r = 0; r < m_model->rowCount(index); ++r)
            collect(m_model->index(r, 0, index));
    };
    for (const QModelIndex &row : m_view->selectionModel()->selectedRows())
        collect(m_filter->mapToSource(row));
    std::sort(entries.begin(), entries.end());
    return entries;
}

QList<int> LibraryPanel::shownEntries() const {
    QList<int> shown;
    std::function<void(const QModelIndex &)> walk = [&](const QModelIndex &parent) {
        for (int r = 0; r < m_filter->rowCount(parent); ++r) {
            const QModelIndex index = m_filter->index(r, 0, parent);
            const int entry = index.data(LibraryModel::EntryRole).toInt();
            if (entry >= 0)
                shown.append(entry);
            else
                walk(index);
        }
    };
    walk({});
    return shown;
}

QModelIndex LibraryPanel::viewIndexOf(int entry) const {
    const QModelIndexList found = m_model->match(m_model->index(0, 0), LibraryModel::EntryRole, entry, 1,
                                                 Qt::MatchExactly | Qt::MatchRecursive);
    return found.isEmpty() ? QModelIndex() : m_filter->mapFromSource(found.first());
}

void LibraryPanel::updateActions() {
    const bool current = currentEntry() >= 0;
    m_editAction->setEnabled(current);
    m_duplicateAction->setEnabled(current);
    m_sendAction->setEnabled(current);
    const bool selected = !selectedEntries().isEmpty();
    m_deleteAction->setEnabled(selected);
    m_exportSelectedAction->setEnabled(selected);
    m_exportAllAction->setEnabled(!m_model->entries().isEmpty());
}

void LibraryPanel::onSearchEditTextChanged(const QString &text) {
    m_filter->setFilterFixedString(text);
    m_view->expandAll();
    updateActions();
}

void LibraryPanel::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    for (QAction *action : std::as_const(m_sendNthActions))
        action->setEnabled(true);
}

void LibraryPanel::hideEvent(QHideEvent *event) {
    QWidget::hideEvent(event);
    // A hidden library sends nothing: the user could not see what Ctrl+1 is.
    for (QAction *action : std::as_const(m_sendNthActions))
        action->setEnabled(false);
}

bool LibraryPanel::sendEntry(const LibraryEntry &entry, EndpointId target) {
    QString error;
    const QByteArray bytes = entry.bytes(&error);
    if (!error.isEmpty()) {
        showMessage(tr("“%1” is not sent: %2").arg(entry.name, error), true);
        return false;
    }
    std::optional<HostPort> destination;
    if (entry.target && entry.target->kind == LibraryTarget::Kind::Udp)
        destination = HostPort{entry.target->host, entry.target->port};
    const QString why = m_composer->sendBytes(target, bytes, destination);
    if (!why.isEmpty()) {
        showMessage(tr("“%1” is not sent: %2").arg(entry.name, why), true);
        return false;
    }
    showMessage(
        tr("Sent “%1” (%2) to #%3").arg(entry.name, formatByteCount(quint64(bytes.size()))).arg(target),
        false);
    return true;
}

void LibraryPanel::onViewActivated(const QModelIndex &index) {
    const int entry = index.data(LibraryModel::EntryRole).toInt();
    if (entry >= 0 && entry < m_model->entries().size())
        sendEntry(m_model->entries()[entry], m_composer->target());
}

void LibraryPanel::onSendActionTriggered() {
    onViewActivated(m_view->currentIndex());
}

void LibraryPanel::sendNth(int n) {
    const QList<int> shown = shownEntries();
    if (n >= shown.size()) {
        showMessage(tr("The library shows no entry %1 to send").arg(n + 1), true);
        return;
    }
    const QModelIndex index = viewIndexOf(shown[n]);
    m_view->setCurrentIndex(index);
    sendEntry(m_model->entries()[shown[n]], m_composer->target());
}

void LibraryPanel::openEntryDialog(const LibraryEntry &entry, int replacing) {
    auto *dialog = new LibraryEntryDialog(entry, m_model->folders(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // The entry it replaces is found again by value: the library may have been reloaded meanwhile.
    const std::optional<LibraryEntry> original =
        replacing >= 0 ? std::optional(m_model->entries()[replacing]) : std::nullopt;
    connect(dialog, &QDialog::accepted, this, [this, dialog, original] {
        QList<LibraryEntry> all = m_model->entries();
        const LibraryEntry changed = dialog->entry();
        const qsizetype at = original ? all.indexOf(*original) : -1;
        if (at >= 0)
            all[at] = changed;
        else
            all.append(changed);
        const int index = int(at >= 0 ? at : all.size() - 1);
        if (commit(all, index))
            showMessage(tr("Saved “%1”").arg(changed.name), false);
    });
    dialog->open();
}

void LibraryPanel::newEntryFrom(const QString &payload, const PayloadSpec &spec) {
    LibraryEntry entry;
    entry.payload = payload;
    entry.spec = spec;
    const QModelIndex current = m_view->currentIndex();
    if (current.isValid())
        entry.folder = current.data(LibraryModel::FolderRole).toString();
    openEntryDialog(entry, -1);
}

void LibraryPanel::onNewActionTriggered() {
    newEntryFrom(QString(), PayloadSpec{});
}

void LibraryPanel::onEditActionTriggered() {
    const int entry = currentEntry();
    if (entry >= 0)
        openEntryDialog(m_model->entries()[entry], entry);
}

void LibraryPanel::onDuplicateActionTriggered() {
    const int entry = currentEntry();
    if (entry < 0)
        return;
    QList<LibraryEntry> all = m_model->entries();
    LibraryEntry copy = all[entry];
    copy.name = tr("%1 (copy)").arg(copy.name);
    all.insert(entry + 1, copy);
    if (commit(all, entry + 1))
        showMessage(tr("Added “%1”").arg(copy.name), false);
}

void LibraryPanel::onDeleteActionTriggered() {
    const QList<int> doomed = selectedEntries();
    if (doomed.isEmpty())
        return;
    const QString what = doomed.size() == 1 ? tr("“%1”").arg(m_model->entries()[doomed.first()].name)
                                            : tr("%n entries", nullptr, int(doomed.size()));
    // Window-modal and opened, not exec()uted: traffic keeps flowing while the question is up.
    auto *box = new QMessageBox(QMessageBox::Question, tr("Delete from the library"),
                                tr("Delete %1 from the library?").arg(what),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("libraryDeleteBox"));
    box->setDefaultButton(QMessageBox::Cancel);
    box->button(QMessageBox::Yes)->setText(tr("Delete"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QList<LibraryEntry> removed;
    for (int entry : doomed)
        removed.append(m_model->entries()[entry]);
    connect(box->button(QMessageBox::Yes), &QAbstractButton::clicked, this, [this, removed, what] {
        QList<LibraryEntry> all = m_model->entries();
        for (const LibraryEntry &entry : removed)
            all.removeOne(entry);
        if (commit(all, -1))
            showMessage(tr("Deleted %1").arg(what), false);
    });
    box->open();
}

void LibraryPanel::openFileDialog(const char *name, const QString &title, const QStringList &filters,
                                  bool save, const std::function<void(const QString &)> &onSelected,
                                  const QString &directory) {
    auto *dialog = new QFileDialog(this, title, directory);
    dialog->setObjectName(QLatin1String(name));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setNameFilters(filters);
    if (save) {
        dialog->setAcceptMode(QFileDialog::AcceptSave);
        dialog->setDefaultSuffix(QStringLiteral("json"));
    } else {
        dialog->setFileMode(QFileDialog::ExistingFile);
    }
    connect(dialog, &QFileDialog::fileSelected, this, onSelected);
    dialog->open();
}

void LibraryPanel::onImportActionTriggered() {
    openFileDialog("libraryImportDialog", tr("Import a library"), {jsonFilter(), allFilesFilter()}, false,
                   [this](const QString &path) { importLibraryFile(path); });
}

void LibraryPanel::onImportPacketSenderActionTriggered() {
    // Where Packet Sender keeps its packets.ini, so that the file is one click away.
    openFileDialog(
        "packetSenderImportDialog", tr("Import Packet Sender's packets"),
        {tr("Packet Sender packets (*.ini)"), allFilesFilter()}, false,
        [this](const QString &path) { importPacketSenderFile(path); }, packetSenderFolder());
}

void LibraryPanel::onExportSelectedActionTriggered() {
    QList<LibraryEntry> chosen;
    for (int entry : selectedEntries())
        chosen.append(m_model->entries()[entry]);
    openFileDialog("libraryExportDialog", tr("Export the selected entries"), {jsonFilter(), allFilesFilter()},
                   true, [this, chosen](const QString &path) { exportTo(path, chosen); });
}

void LibraryPanel::onExportAllActionTriggered() {
    openFileDialog("libraryExportDialog", tr("Export the library"), {jsonFilter(), allFilesFilter()}, true,
                   [this](const QString &path) { exportTo(path, m_model->entries()); });
}

void LibraryPanel::onReloadActionTriggered() {
    load();
}

bool LibraryPanel::importLibraryFile(const QString &path) {
    const LibraryParseResult read = loadLibrary(path);
    const int added = merge(read);
    if (added < 0)
        return false;
    showMessage(tr("Imported %1 of %2 entries from %3 (the others were already in the library)")
                    .arg(added)
                    .arg(read.entries.size())
                    .arg(QFileInfo(path).fileName()),
                false);
    return true;
}

bool LibraryPanel::importPacketSenderFile(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        showMessage(tr("Cannot read %1: %2").arg(path, file.errorString()), true);
        return false;
    }
    if (file.size() > MaxPacketSenderFileBytes) {
        showMessage(tr("%1 is too large to be Packet Sender's packets").arg(path), true);
        return false;
    }
    const LibraryParseResult read = importPacketSenderIni(file.readAll());
    const int added = merge(read);
    if (added < 0)
        return false;
    // Of every packet in the file: those skipped, and those already in the library, are not hidden.
    QString summary = tr("Imported %1 of %2 packets from %3 into the folder Packet Sender")
                          .arg(added)
                          .arg(read.packets)
                          .arg(QFileInfo(path).fileName());
    if (const qsizetype skipped = read.packets - read.entries.size(); skipped > 0)
        summary += tr("; %1 skipped").arg(skipped);
    if (const qsizetype already = read.entries.size() - added; already > 0)
        summary += tr("; %1 already in the library").arg(already);
    showMessage(summary, false);
    if (!read.warnings.isEmpty()) {
        QStringList listed = read.warnings.mid(0, ListedWarnings);
        if (read.warnings.size() > ListedWarnings)
            listed << tr("… and %1 more (see the details)").arg(read.warnings.size() - ListedWarnings);
        auto *box = new QMessageBox(
            QMessageBox::Warning, tr("Packet Sender import"),
            // Most lines are packets skipped; some are packets taken without their destination.
            tr("%1. Skipped or changed:").arg(summary), QMessageBox::Ok, this);
        box->setObjectName(QStringLiteral("packetSenderWarningsBox"));
        box->setInformativeText(listed.join(u'\n'));
        if (read.warnings.size() > ListedWarnings)
            box->setDetailedText(read.warnings.join(u'\n'));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
    return true;
}

bool LibraryPanel::exportTo(const QString &path, const QList<LibraryEntry> &entries) {
    QString error;
    // The library's own writer: atomic, and private, since entries name hosts and carry payloads.
    if (!saveLibrary(path, entries, &error)) {
        showMessage(tr("Not exported: %1").arg(error), true);
        return false;
    }
    showMessage(tr("Exported %n entries to %1", nullptr, int(entries.size())).arg(QFileInfo(path).fileName()),
                false);
    return true;
}

void LibraryPanel::acceptDropsOn(QAbstractItemView *view) {
    m_dropView = view;
    view->viewport()->setAcceptDrops(true);
    view->viewport()->installEventFilter(this);
}

EndpointId LibraryPanel::dropTargetAt(const QPoint &pos) const {
    if (!m_dropView)
        return 0;
    const QModelIndex index = m_dropView->indexAt(pos);
    return index.isValid() ? index.siblingAtColumn(0).data(ConnectionModel::EndpointRole).value<EndpointId>()
                           : 0;
}

bool LibraryPanel::eventFilter(QObject *watched, QEvent *event) {
    if (!m_dropView || watched != m_dropView->viewport())
        return QWidget::eventFilter(watched, event);
    switch (event->type()) {
    case QEvent::DragEnter:
    case QEvent::DragMove: {
        // QDragEnterEvent is a QDragMoveEvent. The enter is taken whatever is under it, so that
        // moves over the rows follow; each move says whether a row is there to drop on.
        auto *drag = static_cast<QDragMoveEvent *>(event);
        if (!drag->mimeData()->hasFormat(LibraryModel::mimeType()))
            return false;
        if (event->type() == QEvent::DragEnter || dropTargetAt(drag->position().toPoint()) != 0)
            drag->acceptProposedAction();
        else
            drag->ignore();
        return true;
    }
    case QEvent::Drop: {
        auto *drop = static_cast<QDropEvent *>(event);
        if (!drop->mimeData()->hasFormat(LibraryModel::mimeType()))
            return false;
        const EndpointId target = dropTargetAt(drop->position().toPoint());
        const QList<LibraryEntry> dropped = LibraryModel::entriesFrom(drop->mimeData());
        if (target == 0 || dropped.isEmpty()) {
            drop->ignore();
            return true;
        }
        drop->setDropAction(Qt::CopyAction);
        drop->accept();
        for (const LibraryEntry &entry : dropped) {
            if (!sendEntry(entry, target))
                break;
        }
        return true;
    }
    default:
        return QWidget::eventFilter(watched, event);
    }
}

} // namespace sockbench
