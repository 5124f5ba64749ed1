// The library of saved payloads in the window, used as a user would: an entry made in its form and
// sent by a double-click, Ctrl+1 … Ctrl+9 and a drop on a connection row, each reaching a real raw
// peer; Packet Sender's packets imported (from where Packet Sender keeps them, SSL as TLS, the
// count honest); import and export on the File menu and the context menu; the library file private
// and read back by a new window; the search narrowing the tree.

#include "testmain.h"
#include "windowdriver.h"

#include "dialogs/libraryentrydialog.h"
#include "loopbackpeer.h"
#include "models/librarymodel.h"
#include "panels/librarypanel.h"
#include "testfiles.h"

#include <QDir>
#include <QDockWidget>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QToolButton>
#include <QWindow>

#include <memory>

using namespace sockbench;
using namespace sockbench::testing;
using sockbench::test::LoopbackPeer;

class TestLibraryPanel final : public QObject {
    Q_OBJECT

public:
    TestLibraryPanel() = default;
    Q_DISABLE_COPY_MOVE(TestLibraryPanel)

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void entryMadeInTheFormSendsOnDoubleClick();
    void formRefusesWhatCannotBeSent();
    void ctrlDigitSendsTheNthEntryShown();
    void dropOnAConnectionRowSendsThere();
    void udpTargetIsWhereAUdpSocketSends();
    void refusalsShowOnTheMessageLine();
    void packetSenderImportFillsItsFolder();
    void packetSenderImportOpensWherePacketSenderKeepsIt();
    void importAndExportAreOnTheFileAndContextMenus();
    void libraryFileIsPrivateAndReloads();
    void panelIsHiddenAtFirstAndStaysAsLeft();
    void unreadableLibraryIsNotOverwritten();
    void searchFiltersNameFolderPayloadAndNotes();
    void composerSavesToTheLibrary();
    void editDuplicateAndDelete();
    void exportWritesTheSelectedEntries();

private:
    /// A new window, with the library panel shown.
    void openWindow();
    /// A new window as its settings have it.
    void showWindow();
    LibraryPanel *panel() const { return m_window->libraryPanel(); }
    QTreeView *view() const { return m_ui->child<QTreeView>("libraryView"); }
    QString message() const { return m_ui->child<QLabel>("libraryMessageLabel")->text(); }
    LibraryEntryDialog *entryDialog() const;
    /// Clicks a button of the panel's tool bar.
    void clickTool(const char *actionName) const;
    /// Chooses a file in the panel's open file dialog called name.
    static bool chooseFile(QWidget *window, const char *name, const QString &path);
    /// Makes an entry through New and the form's widgets. False if OK stayed disabled.
    bool createEntry(const QString &name, const QString &folder, const QString &payload, bool hex,
                     const QString &checksum = {});
    /// Writes entries to a library file and imports it through Import....
    bool importEntries(const QList<LibraryEntry> &entries);
    QModelIndex rowNamed(const QString &name) const;
    /// The names of the entry rows, in the order shown.
    QStringList shownNames() const;
    /// A listener of the window, a raw client of it and the connection it accepted, selected.
    bool connectPeer(std::unique_ptr<LoopbackPeer> *peer, EndpointId *accepted);

    QTemporaryDir m_settingsDir;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<WindowDriver> m_ui;
};

namespace {

LibraryEntry textEntry(const QString &name, const QString &folder, const QString &payload,
                       const QString &notes = {}) {
    LibraryEntry entry;
    entry.name = name;
    entry.folder = folder;
    entry.payload = payload;
    entry.notes = notes;
    return entry;
}

} // namespace

void TestLibraryPanel::initTestCase() {
    QVERIFY(useSettingsIn(m_settingsDir, "tst_librarypanel"));
    // The library goes next to the settings, never to the user's own config folder.
    QVERIFY2(defaultLibraryPath().startsWith(m_settingsDir.path()), qPrintable(defaultLibraryPath()));
}

void TestLibraryPanel::init() {
    QSettings().clear();
    QFile::remove(defaultLibraryPath());
    openWindow();
}

void TestLibraryPanel::openWindow() {
    showWindow();
    // View > Library shows the panel; a window that had it shown opens with it.
    if (!view()->isVisible())
        m_ui->press(m_ui->connectionsView(), Qt::Key_B, Qt::ControlModifier);
    QVERIFY(view()->isVisible());
}

void TestLibraryPanel::showWindow() {
    QVERIFY(openTestWindow(m_window, m_ui));
}

void TestLibraryPanel::cleanup() {
    m_ui.reset();
    m_window.reset();
}

LibraryEntryDialog *TestLibraryPanel::entryDialog() const {
    for (LibraryEntryDialog *d : m_window->findChildren<LibraryEntryDialog *>()) {
        if (d->isVisible())
            return d;
    }
    return nullptr;
}

void TestLibraryPanel::clickTool(const char *actionName) const {
    auto *action = m_window->findChild<QAction *>(QLatin1String(actionName));
    QWidget *button = m_ui->child<QToolBar>("libraryToolBar")->widgetForAction(action);
    QVERIFY2(button && button->isEnabled(), actionName);
    QTest::mouseClick(button, Qt::LeftButton);
}

bool TestLibraryPanel::chooseFile(QWidget *window, const char *name, const QString &path) {
    auto *dialog = window->findChild<QFileDialog *>(QLatin1String(name));
    if (!dialog || !QTest::qWaitFor([dialog] { return dialog->isVisible(); }))
        return false;
    // Choosing the file is Qt's own dialog; what we test is what happens with the chosen file.
    dialog->selectFile(path);
    static_cast<QDialog *>(dialog)->accept();
    return true;
}

bool TestLibraryPanel::createEntry(const QString &name, const QString &folder, const QString &payload,
                                   bool hex, const QString &checksum) {
    clickTool("libraryNewAction");
    LibraryEntryDialog *d = entryDialog();
    if (!d)
        return false;
    WindowDriver::replaceText(d->findChild<QLineEdit *>(QStringLiteral("entryNameEdit")), name);
    WindowDriver::replaceText(d->findChild<QComboBox *>(QStringLiteral("entryFolderCombo"))->lineEdit(),
                              folder);
    WindowDriver::chooseInCombo(d->findChild<QComboBox *>(QStringLiteral("entryModeCombo")), hex ? 1 : 0);
    auto *payloadEdit = d->findChild<QPlainTextEdit *>(QStringLiteral("entryPayloadEdit"));
    payloadEdit->setFocus();
    QTest::keyClicks(payloadEdit, payload);
    if (!checksum.isEmpty()) {
        auto *combo = d->findChild<QComboBox *>(QStringLiteral("entryChecksumCombo"));
        const int index = combo->findText(checksum);
        if (index < 0)
            return false;
        WindowDriver::chooseInCombo(combo, index);
    }
    QPushButton *ok =
        d->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok);
    if (!ok->isEnabled())
        return false;
    QTest::mouseClick(ok, Qt::LeftButton);
    m_window->activateWindow();
    return QTest::qWaitFor([this, name] { return rowNamed(name).isValid(); });
}

bool TestLibraryPanel::importEntries(const QList<LibraryEntry> &entries) {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("import.json"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(serializeLibrary(entries)) < 0)
        return false;
    file.close();
    m_window->findChild<QAction *>(QStringLiteral("libraryImportAction"))->trigger();
    if (!chooseFile(m_window.get(), "libraryImportDialog", path))
        return false;
    m_window->activateWindow();
    return QTest::qWaitFor([this, &entries] { return rowNamed(entries.last().name).isValid(); });
}

QModelIndex TestLibraryPanel::rowNamed(const QString &name) const {
    QAbstractItemModel *model = view()->model();
    if (model->rowCount() == 0)
        return {};
    const QModelIndexList found =
        model->match(model->index(0, 0), Qt::DisplayRole, name, 1, Qt::MatchExactly | Qt::MatchRecursive);
    return found.value(0);
}

QStringList TestLibraryPanel::shownNames() const {
    QStringList names;
    QAbstractItemModel *model = view()->model();
    std::function<void(const QModelIndex &)> walk = [&](const QModelIndex &parent) {
        for (int r = 0; r < model->rowCount(parent); ++r) {
            const QModelIndex index = model->index(r, 0, parent);
            if (index.data(LibraryModel::EntryRole).toInt() >= 0)
                names << index.data().toString();
            walk(index);
        }
    };
    walk({});
    return names;
}

bool TestLibraryPanel::connectPeer(std::unique_ptr<LoopbackPeer> *peer, EndpointId *accepted) {
    const EndpointId listener = m_ui->startListener();
    if (listener == 0 || !QTest::qWaitFor([&] { return m_ui->localPort(listener) != 0; }))
        return false;
    *peer = LoopbackPeer::connectTcp({QStringLiteral("127.0.0.1"), m_ui->localPort(listener)});
    if (!*peer || !QTest::qWaitFor([&] { return m_ui->childrenOf(listener).size() == 1; }))
        return false;
    *accepted = m_ui->childrenOf(listener).first();
    if (!QTest::qWaitFor(
            [&] { return m_window->workbench()->info(*accepted).state == EndpointState::Connected; }))
        return false;
    m_ui->selectRow(*accepted);
    return m_window->findChild<Composer *>()->target() == *accepted;
}

void TestLibraryPanel::entryMadeInTheFormSendsOnDoubleClick() {
    QVERIFY(createEntry(QStringLiteral("Read registers"), QStringLiteral("Modbus/Unit 1"),
                        QStringLiteral("01 03 00 00 00 0a"), true, QStringLiteral("crc16-modbus")));
    // Nested under its folders, with the checksum in its column.
    const QModelIndex row = rowNamed(QStringLiteral("Read registers"));
    QCOMPARE(row.parent().data().toString(), QStringLiteral("Unit 1"));
    QCOMPARE(row.parent().parent().data().toString(), QStringLiteral("Modbus"));
    QCOMPARE(row.siblingAtColumn(LibraryModel::ChecksumColumn).data().toString(),
             QStringLiteral("crc16-modbus"));
    QCOMPARE(row.siblingAtColumn(LibraryModel::PayloadColumn).data().toString(),
             QStringLiteral("01 03 00 00 00 0a"));

    std::unique_ptr<LoopbackPeer> peer;
    EndpointId accepted = 0;
    QVERIFY(connectPeer(&peer, &accepted));
    QTreeView *tree = view();
    WindowDriver::doubleClick(tree, row);
    QCOMPARE(peer->readExactly(8), QByteArray::fromHex("01030000000ac5cd"));
    QVERIFY2(message().contains(QStringLiteral("Sent “Read registers”")), qPrintable(message()));

    // Enter on the current entry sends it again.
    tree->setFocus();
    tree->setCurrentIndex(row);
    QTest::keyClick(tree, Qt::Key_Return);
    QCOMPARE(peer->readExactly(8), QByteArray::fromHex("01030000000ac5cd"));
}

void TestLibraryPanel::formRefusesWhatCannotBeSent() {
    clickTool("libraryNewAction");
    LibraryEntryDialog *d = entryDialog();
    QVERIFY(d);
    QPushButton *ok =
        d->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok);
    auto *problem = d->findChild<QLabel *>(QStringLiteral("entryProblemLabel"));
    auto *preview = d->findChild<QLabel *>(QStringLiteral("entryPreviewLabel"));
    QVERIFY(!ok->isEnabled()); // nothing typed
    WindowDriver::replaceText(d->findChild<QLineEdit *>(QStringLiteral("entryNameEdit")),
                              QStringLiteral("x"));
    WindowDriver::chooseInCombo(d->findChild<QComboBox *>(QStringLiteral("entryModeCombo")), 1);
    auto *payloadEdit = d->findChild<QPlainTextEdit *>(QStringLiteral("entryPayloadEdit"));
    payloadEdit->setFocus();
    QTest::keyClicks(payloadEdit, QStringLiteral("01 0z"));
    QVERIFY(!ok->isEnabled());
    QVERIFY(problem->isVisible());
    QVERIFY2(problem->text().startsWith(QStringLiteral("Payload, ")), qPrintable(problem->text()));
    QTest::keyClick(payloadEdit, Qt::Key_Backspace);
    QTest::keyClicks(payloadEdit, QStringLiteral("2"));
    QVERIFY(ok->isEnabled());
    QVERIFY(!problem->isVisible());
    QCOMPARE(preview->text(), QStringLiteral("Sends 2 bytes: 01 02"));
    // A target needs its host and a port.
    WindowDriver::chooseInCombo(d->findChild<QComboBox *>(QStringLiteral("entryTargetCombo")), 2);
    QVERIFY(!ok->isEnabled());
    WindowDriver::replaceText(d->findChild<QLineEdit *>(QStringLiteral("entryTargetHostEdit")),
                              QStringLiteral("127.0.0.1"));
    QVERIFY(!ok->isEnabled());
    WindowDriver::replaceText(d->findChild<QLineEdit *>(QStringLiteral("entryTargetPortEdit")),
                              QStringLiteral("70000"));
    QVERIFY2(problem->text().contains(QStringLiteral("70000")), qPrintable(problem->text()));
    QVERIFY(!ok->isEnabled());
    WindowDriver::replaceText(d->findChild<QLineEdit *>(QStringLiteral("entryTargetPortEdit")),
                              QStringLiteral("7000"));
    QVERIFY(ok->isEnabled());
    QCOMPARE(d->entry().target,
             std::optional(LibraryTarget{LibraryTarget::Kind::Udp, QStringLiteral("127.0.0.1"), 7000}));
    d->reject();
    QVERIFY(panel()->entries().isEmpty());
}

void TestLibraryPanel::ctrlDigitSendsTheNthEntryShown() {
    QVERIFY(importEntries({textEntry(QStringLiteral("one"), {}, QStringLiteral("one\\n")),
                           textEntry(QStringLiteral("two"), {}, QStringLiteral("two\\n")),
                           textEntry(QStringLiteral("three"), {}, QStringLiteral("three\\n"))}));
    std::unique_ptr<LoopbackPeer> peer;
    EndpointId accepted = 0;
    QVERIFY(connectPeer(&peer, &accepted));
    m_ui->press(m_ui->connectionsView(), Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(peer->readExactly(4), QByteArrayLiteral("one\n"));
    m_ui->press(m_ui->connectionsView(), Qt::Key_3, Qt::ControlModifier);
    QCOMPARE(peer->readExactly(6), QByteArrayLiteral("three\n"));
    // The order shown is the one that counts: searching makes "two" the first.
    WindowDriver::replaceText(m_ui->child<QLineEdit>("librarySearchEdit"), QStringLiteral("tw"));
    QCOMPARE(shownNames(), QStringList{QStringLiteral("two")});
    m_ui->press(m_ui->connectionsView(), Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(peer->readExactly(4), QByteArrayLiteral("two\n"));
    m_ui->press(m_ui->connectionsView(), Qt::Key_2, Qt::ControlModifier);
    QTRY_VERIFY(message().contains(QStringLiteral("no entry 2")));
    // A hidden library sends nothing.
    m_window->findChild<QDockWidget *>(QStringLiteral("libraryDock"))->hide();
    m_ui->press(m_ui->connectionsView(), Qt::Key_1, Qt::ControlModifier);
    QVERIFY(peer->readExactly(1, 200).isEmpty());
}

void TestLibraryPanel::dropOnAConnectionRowSendsThere() {
    QVERIFY(importEntries(
        {textEntry(QStringLiteral("hello"), QStringLiteral("Greetings"), QStringLiteral("hello\\r\\n"))}));
    std::unique_ptr<LoopbackPeer> peer;
    EndpointId accepted = 0;
    QVERIFY(connectPeer(&peer, &accepted));
    // The drop goes to the row it lands on, not to the selection: select the listener.
    const EndpointId listener = m_ui->lastTopLevel();
    auto second = LoopbackPeer::connectTcp({QStringLiteral("127.0.0.1"), m_ui->localPort(listener)});
    QVERIFY(second);
    QTRY_COMPARE(m_ui->childrenOf(listener).size(), 2);
    m_ui->selectRow(m_ui->childrenOf(listener).last());

    // What a drag from the panel carries: the model's own mime data for the dragged rows.
    const QModelIndex row = rowNamed(QStringLiteral("hello"));
    std::unique_ptr<QMimeData> mime(view()->model()->mimeData({row}));
    QVERIFY(mime && mime->hasFormat(LibraryModel::mimeType()));
    // The events go to the window, as a drag's do, which hands them to the widget under them.
    QTreeView *connections = m_ui->connectionsView();
    QWindow *window = m_window->windowHandle();
    const auto inWindow = [&](const QPoint &inViewport) {
        return connections->viewport()->mapTo(m_window.get(), inViewport);
    };
    const QPoint onRow = inWindow(connections->visualRect(m_ui->rowOf(accepted)).center());
    const QPoint belowRows = inWindow({10, connections->viewport()->height() - 2});
    QDragEnterEvent enter(belowRows, Qt::CopyAction, mime.get(), Qt::LeftButton, {});
    QApplication::sendEvent(window, &enter);
    QVERIFY(enter.isAccepted());
    QDragMoveEvent overNothing(belowRows, Qt::CopyAction, mime.get(), Qt::LeftButton, {});
    QApplication::sendEvent(window, &overNothing);
    QVERIFY(!overNothing.isAccepted());
    QDragMoveEvent overRow(onRow, Qt::CopyAction, mime.get(), Qt::LeftButton, {});
    QApplication::sendEvent(window, &overRow);
    QVERIFY(overRow.isAccepted());
    QDropEvent drop(QPointF(onRow), Qt::CopyAction, mime.get(), Qt::LeftButton, {});
    QApplication::sendEvent(window, &drop);
    QVERIFY(drop.isAccepted());
    QCOMPARE(drop.dropAction(), Qt::CopyAction); // a copy: the entry stays in the library
    QCOMPARE(peer->readExactly(7), QByteArrayLiteral("hello\r\n"));
    QVERIFY(second->readExactly(1, 200).isEmpty());
    QVERIFY2(message().contains(QStringLiteral("to #%1").arg(accepted)), qPrintable(message()));
    QCOMPARE(panel()->entries().size(), 1); // a copy, not a move
}

void TestLibraryPanel::udpTargetIsWhereAUdpSocketSends() {
    auto peer = LoopbackPeer::bindUdp();
    QVERIFY(peer);
    LibraryEntry ping = textEntry(QStringLiteral("ping"), {}, QStringLiteral("ping"));
    ping.target = LibraryTarget{LibraryTarget::Kind::Udp, QStringLiteral("127.0.0.1"), peer->local().port};
    QVERIFY(importEntries({ping}));
    QCOMPARE(rowNamed(QStringLiteral("ping")).siblingAtColumn(LibraryModel::TargetColumn).data().toString(),
             QStringLiteral("UDP 127.0.0.1:%1").arg(peer->local().port));
    m_ui->clickAction("openUdpAction");
    QVERIFY(m_ui->fillDialogAndAccept(QStringLiteral("127.0.0.1"), QStringLiteral("0")));
    m_window->activateWindow();
    const EndpointId udp = m_ui->lastTopLevel();
    QTRY_VERIFY(m_ui->localPort(udp) != 0);
    m_ui->selectRow(udp);
    // The composer's destination is empty: the entry's own target is used.
    QVERIFY(m_ui->child<QLineEdit>("destinationEdit")->text().isEmpty());
    const QModelIndex row = rowNamed(QStringLiteral("ping"));
    WindowDriver::doubleClick(view(), row);
    NetAddress from;
    QCOMPARE(peer->receiveFrom(&from), QByteArrayLiteral("ping"));
    QCOMPARE(from.port, m_ui->localPort(udp));
}

void TestLibraryPanel::refusalsShowOnTheMessageLine() {
    LibraryEntry bad = textEntry(QStringLiteral("bad"), {}, QStringLiteral("zz"));
    bad.spec.mode = PayloadMode::Hex;
    QVERIFY(importEntries({textEntry(QStringLiteral("fine"), {}, QStringLiteral("fine")), bad}));
    // An entry that cannot be sent is marked in the tree.
    QVERIFY(rowNamed(QStringLiteral("bad"))
                .data(Qt::ToolTipRole)
                .toString()
                .startsWith(QStringLiteral("Cannot be sent")));
    QTreeView *tree = view();
    const QModelIndex fine = rowNamed(QStringLiteral("fine"));
    WindowDriver::doubleClick(tree, fine);
    QVERIFY2(message().contains(QStringLiteral("Select a connection")), qPrintable(message()));

    std::unique_ptr<LoopbackPeer> peer;
    EndpointId accepted = 0;
    QVERIFY(connectPeer(&peer, &accepted));
    const QModelIndex badRow = rowNamed(QStringLiteral("bad"));
    WindowDriver::doubleClick(tree, badRow);
    QVERIFY2(message().contains(QStringLiteral("“bad” is not sent")), qPrintable(message()));

    peer.reset(); // the peer leaves, and the connection is closed
    m_window->workbench()->close(accepted);
    QTRY_VERIFY(isFinal(m_window->workbench()->info(accepted).state));
    WindowDriver::doubleClick(tree, rowNamed(QStringLiteral("fine")));
    QVERIFY2(message().contains(QStringLiteral("“fine” is not sent: The target is")), qPrintable(message()));
}

void TestLibraryPanel::packetSenderImportFillsItsFolder() {
    const QString fixture = testFile(QStringLiteral("core/data/packetsender-packets.ini"));
    QVERIFY2(!fixture.isEmpty(), "tests/core/data/packetsender-packets.ini is missing");
    m_window->findChild<QAction *>(QStringLiteral("libraryImportPacketSenderAction"))->trigger();
    QVERIFY(chooseFile(m_window.get(), "packetSenderImportDialog", fixture));
    QTRY_VERIFY(rowNamed(QStringLiteral("Packet Sender")).isValid());
    const QModelIndex folder = rowNamed(QStringLiteral("Packet Sender"));
    QCOMPARE(folder.data(LibraryModel::EntryRole).toInt(), -1);
    const QModelIndex modbus = rowNamed(QStringLiteral("Modbus read"));
    QCOMPARE(modbus.parent(), folder);
    QCOMPARE(modbus.siblingAtColumn(LibraryModel::TargetColumn).data().toString(),
             QStringLiteral("TCP 192.168.1.10:502"));
    QCOMPARE(rowNamed(QStringLiteral("Café € ping")).parent(), folder);
    // SSL is TLS; an HTTP GET is the request it sends.
    QCOMPARE(rowNamed(QStringLiteral("Secure hello"))
                 .siblingAtColumn(LibraryModel::TargetColumn)
                 .data()
                 .toString(),
             QStringLiteral("TLS example.com:443"));
    QCOMPARE(
        rowNamed(QStringLiteral("Web check")).siblingAtColumn(LibraryModel::TargetColumn).data().toString(),
        QStringLiteral("TCP example.com:80"));
    QVERIFY(!rowNamed(QStringLiteral("Broken bytes")).isValid()); // its hex is not hex
    // Every packet of the file counts.
    QCOMPARE(message(),
             QStringLiteral("Imported 5 of 6 packets from packetsender-packets.ini into the folder "
                            "Packet Sender; 1 skipped"));

    // What was skipped is listed, by name.
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(QStringLiteral("packetSenderWarningsBox"))));
    QVERIFY2(box->informativeText().contains(QStringLiteral("Broken bytes")),
             qPrintable(box->informativeText()));
    QTest::mouseClick(box->button(QMessageBox::Ok), Qt::LeftButton);
    QTRY_VERIFY(!m_window->findChild<QMessageBox *>(QStringLiteral("packetSenderWarningsBox")));

    // Importing the same file again adds nothing, and says so.
    const qsizetype count = panel()->entries().size();
    QVERIFY(panel()->importPacketSenderFile(fixture));
    QCOMPARE(panel()->entries().size(), count);
    QCOMPARE(message(),
             QStringLiteral("Imported 0 of 6 packets from packetsender-packets.ini into the folder "
                            "Packet Sender; 1 skipped; 5 already in the library"));
}

void TestLibraryPanel::packetSenderImportOpensWherePacketSenderKeepsIt() {
    // Packet Sender 8.1 keeps its packets in ~/.local/share/PacketSender (older versions in
    // ~/.config/PacketSender, which exists too here).
    QTemporaryDir home;
    QVERIFY(home.isValid());
    const QByteArray dataWas = qgetenv("XDG_DATA_HOME");
    const auto restore = qScopeGuard([&dataWas] {
        if (dataWas.isNull())
            qunsetenv("XDG_DATA_HOME");
        else
            qputenv("XDG_DATA_HOME", dataWas);
    });
    qputenv("XDG_DATA_HOME", QFile::encodeName(home.path()));
    const QString folder = home.filePath(QStringLiteral("PacketSender"));
    QVERIFY(QDir().mkpath(folder));
    QVERIFY(QDir().mkpath(m_settingsDir.filePath(QStringLiteral("PacketSender"))));
    const QString packets = folder + QStringLiteral("/packets.ini");
    QVERIFY(QFile::copy(testFile(QStringLiteral("core/data/packetsender-8.1-packets.ini")), packets));

    m_window->findChild<QAction *>(QStringLiteral("libraryImportPacketSenderAction"))->trigger();
    auto *dialog = m_window->findChild<QFileDialog *>(QStringLiteral("packetSenderImportDialog"));
    QVERIFY(dialog);
    QCOMPARE(dialog->directory().absolutePath(), folder);
    QVERIFY(chooseFile(m_window.get(), "packetSenderImportDialog", packets));
    QTRY_VERIFY(rowNamed(QStringLiteral("Secure echo")).isValid());

    // The count is of every packet in the file, the skipped one included.
    QCOMPARE(message(),
             QStringLiteral(
                 "Imported 13 of 14 packets from packets.ini into the folder Packet Sender; 1 skipped"));
    const auto targetOf = [this](const char *name) {
        return rowNamed(QString::fromUtf8(name))
            .siblingAtColumn(LibraryModel::TargetColumn)
            .data()
            .toString();
    };
    // SSL and HTTPS are TLS, not plain TCP; HTTP is TCP.
    QCOMPARE(targetOf("Secure echo"), QStringLiteral("TLS 127.0.0.1:7000"));
    QCOMPARE(targetOf("SMTPS banner check"), QStringLiteral("TLS mail.example.com:465"));
    QCOMPARE(targetOf("Secure post"), QStringLiteral("TLS 10.0.0.5:443"));
    QCOMPARE(targetOf("API post"), QStringLiteral("TCP 192.168.1.20:8080"));

    // What was skipped or changed is named, with why: the bad hex, DTLS, the macros.
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(QStringLiteral("packetSenderWarningsBox"))));
    const QString listed = box->informativeText();
    for (const char *expected : {"\"Broken hex\": skipped, its hex is not valid", "\"Camera DTLS\": DTLS",
                                 "{{DATE}}, {{TIME}}", "{{RANDOM}}, {{UNIQUE}}", "{{UNIXTIME}}"})
        QVERIFY2(listed.contains(QString::fromUtf8(expected)), qPrintable(listed));
    QVERIFY2(!listed.contains(QStringLiteral("TLS yet")), qPrintable(listed));
    QTest::mouseClick(box->button(QMessageBox::Ok), Qt::LeftButton);
}

void TestLibraryPanel::importAndExportAreOnTheFileAndContextMenus() {
    const QStringList names{
        QStringLiteral("libraryImportAction"), QStringLiteral("libraryImportPacketSenderAction"),
        QStringLiteral("libraryExportSelectedAction"), QStringLiteral("libraryExportAllAction")};
    const auto actionNames = [](const QList<QAction *> &actions) {
        QStringList found;
        for (QAction *action : actions)
            found.append(action->objectName());
        return found;
    };
    // File > Library, whatever the dock's size or state.
    QMenu *fileMenu = m_window->menuBar()->actions().first()->menu();
    QVERIFY(fileMenu);
    auto *libraryMenu = m_window->findChild<QMenu *>(QStringLiteral("libraryFileMenu"));
    QVERIFY(libraryMenu);
    QVERIFY(fileMenu->actions().contains(libraryMenu->menuAction()));
    QCOMPARE(actionNames(libraryMenu->actions()), names);
    // The tree's right-click menu.
    QCOMPARE(view()->contextMenuPolicy(), Qt::ActionsContextMenu);
    for (const QString &name : names)
        QVERIFY2(actionNames(view()->actions()).contains(name), qPrintable(name));

    // Import from the File menu with the library hidden: the dock shows, the entries arrive.
    auto *dock = m_window->findChild<QDockWidget *>(QStringLiteral("libraryDock"));
    dock->hide();
    QVERIFY(!view()->isVisible());
    QTemporaryDir dir;
    const QString in = dir.filePath(QStringLiteral("in.json"));
    {
        QFile file(in);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(serializeLibrary({textEntry(QStringLiteral("from menu"), {}, QStringLiteral("x"))}));
    }
    libraryMenu->actions().at(names.indexOf(QStringLiteral("libraryImportAction")))->trigger();
    QVERIFY(chooseFile(m_window.get(), "libraryImportDialog", in));
    QTRY_VERIFY(rowNamed(QStringLiteral("from menu")).isValid());
    QVERIFY(dock->isVisible());

    // Export all from the context menu.
    const QString out = dir.filePath(QStringLiteral("out.json"));
    for (QAction *action : view()->actions()) {
        if (action->objectName() == QStringLiteral("libraryExportAllAction"))
            action->trigger();
    }
    QVERIFY(chooseFile(m_window.get(), "libraryExportDialog", out));
    QTRY_VERIFY(QFile::exists(out));
    QCOMPARE(loadLibrary(out).entries, panel()->entries());
}

void TestLibraryPanel::libraryFileIsPrivateAndReloads() {
    QVERIFY(createEntry(QStringLiteral("Read registers"), QStringLiteral("Modbus"),
                        QStringLiteral("01 03 00 00 00 0a"), true, QStringLiteral("crc16-modbus")));
    const QString path = panel()->path();
    QCOMPARE(path, defaultLibraryPath());
    QVERIFY(QFile::exists(path));
    const QFile::Permissions others = QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup |
                                      QFile::ReadOther | QFile::WriteOther | QFile::ExeOther;
    QCOMPARE(QFile::permissions(path) & others, QFile::Permissions());
    QVERIFY(QFile::permissions(path) & QFile::ReadOwner);
    QVERIFY(QFile::permissions(path) & QFile::WriteOwner);

    const QList<LibraryEntry> before = panel()->entries();
    m_window->close();
    openWindow();
    QCOMPARE(panel()->entries(), before);
    QVERIFY(rowNamed(QStringLiteral("Read registers")).isValid());
    QCOMPARE(rowNamed(QStringLiteral("Read registers")).parent().data().toString(), QStringLiteral("Modbus"));
}

void TestLibraryPanel::panelIsHiddenAtFirstAndStaysAsLeft() {
    QSettings().clear();
    showWindow();
    QVERIFY(!view()->isVisible()); // the first layout is the window's own
    auto *toggle = m_window->findChild<QAction *>(QStringLiteral("libraryAction"));
    QVERIFY(toggle && !toggle->isChecked());
    m_ui->press(m_ui->connectionsView(), Qt::Key_B, Qt::ControlModifier);
    QVERIFY(view()->isVisible());
    m_window->close();
    showWindow();
    QVERIFY(view()->isVisible());
    m_ui->press(m_ui->connectionsView(), Qt::Key_B, Qt::ControlModifier);
    QVERIFY(!view()->isVisible());
    m_window->close();
    showWindow();
    QVERIFY(!view()->isVisible());
}

void TestLibraryPanel::unreadableLibraryIsNotOverwritten() {
    cleanup();
    const QByteArray broken = "{\"sockbench_library\": 1, \"entries\": [";
    {
        QFile file(defaultLibraryPath());
        QVERIFY(QDir().mkpath(QFileInfo(file).path()));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(broken);
    }
    openWindow();
    QVERIFY2(message().contains(QStringLiteral("cannot be read")), qPrintable(message()));
    QVERIFY(createEntry(QStringLiteral("new"), {}, QStringLiteral("abc"), false));
    QVERIFY2(message().startsWith(QStringLiteral("Not saved")), qPrintable(message()));
    QFile file(defaultLibraryPath());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), broken);
}

void TestLibraryPanel::searchFiltersNameFolderPayloadAndNotes() {
    QVERIFY(importEntries({textEntry(QStringLiteral("Read registers"), QStringLiteral("Modbus/Unit 1"),
                                     QStringLiteral("\\x01\\x03")),
                           textEntry(QStringLiteral("Status"), QStringLiteral("HTTP"),
                                     QStringLiteral("GET /status HTTP/1.1\\r\\n\\r\\n")),
                           textEntry(QStringLiteral("Ping"), {}, QStringLiteral("ping"),
                                     QStringLiteral("asks the PLC if it lives"))}));
    QCOMPARE(shownNames(), (QStringList{QStringLiteral("Read registers"), QStringLiteral("Status"),
                                        QStringLiteral("Ping")}));
    QLineEdit *search = m_ui->child<QLineEdit>("librarySearchEdit");
    WindowDriver::replaceText(search, QStringLiteral("unit")); // a folder
    QCOMPARE(shownNames(), QStringList{QStringLiteral("Read registers")});
    QVERIFY(rowNamed(QStringLiteral("Modbus")).isValid());
    QVERIFY(!rowNamed(QStringLiteral("HTTP")).isValid());         // a folder without a match goes
    WindowDriver::replaceText(search, QStringLiteral("/STATUS")); // a payload, any case
    QCOMPARE(shownNames(), QStringList{QStringLiteral("Status")});
    WindowDriver::replaceText(search, QStringLiteral("plc")); // notes
    QCOMPARE(shownNames(), QStringList{QStringLiteral("Ping")});
    WindowDriver::replaceText(search, QStringLiteral("read reg")); // a name
    QCOMPARE(shownNames(), QStringList{QStringLiteral("Read registers")});
    WindowDriver::replaceText(search, QStringLiteral("nothing like it"));
    QVERIFY(shownNames().isEmpty());
    WindowDriver::replaceText(search, QString());
    QCOMPARE(shownNames().size(), 3);
}

void TestLibraryPanel::composerSavesToTheLibrary() {
    WindowDriver::chooseInCombo(m_ui->child<QComboBox>("modeCombo"), 1);
    m_ui->typeInComposer(QStringLiteral("de ad be ef"));
    QTest::mouseClick(m_ui->child<QToolButton>("saveToLibraryButton"), Qt::LeftButton);
    LibraryEntryDialog *d = nullptr;
    QTRY_VERIFY((d = entryDialog()));
    QCOMPARE(d->findChild<QPlainTextEdit *>(QStringLiteral("entryPayloadEdit"))->toPlainText(),
             QStringLiteral("de ad be ef"));
    QCOMPARE(d->findChild<QComboBox *>(QStringLiteral("entryModeCombo"))->currentText(),
             QStringLiteral("Hex"));
    WindowDriver::replaceText(d->findChild<QLineEdit *>(QStringLiteral("entryNameEdit")),
                              QStringLiteral("beef"));
    QTest::mouseClick(
        d->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok),
        Qt::LeftButton);
    QTRY_VERIFY(rowNamed(QStringLiteral("beef")).isValid());
    QCOMPARE(panel()->entries().value(0).bytes(), QByteArray::fromHex("deadbeef"));
}

void TestLibraryPanel::editDuplicateAndDelete() {
    QVERIFY(importEntries({textEntry(QStringLiteral("a"), {}, QStringLiteral("a"))}));
    view()->setCurrentIndex(rowNamed(QStringLiteral("a")));
    clickTool("libraryDuplicateAction");
    QTRY_VERIFY(rowNamed(QStringLiteral("a (copy)")).isValid());
    QCOMPARE(view()->currentIndex().data().toString(), QStringLiteral("a (copy)"));

    clickTool("libraryEditAction");
    LibraryEntryDialog *d = nullptr;
    QTRY_VERIFY((d = entryDialog()));
    WindowDriver::replaceText(d->findChild<QLineEdit *>(QStringLiteral("entryNameEdit")),
                              QStringLiteral("b"));
    QTest::mouseClick(
        d->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok),
        Qt::LeftButton);
    QTRY_VERIFY(rowNamed(QStringLiteral("b")).isValid());
    QCOMPARE(shownNames(), (QStringList{QStringLiteral("a"), QStringLiteral("b")}));

    view()->setCurrentIndex(rowNamed(QStringLiteral("a")));
    view()->setFocus();
    QTest::keyClick(view(), Qt::Key_Delete);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = m_window->findChild<QMessageBox *>(QStringLiteral("libraryDeleteBox"))));
    QVERIFY(box->text().contains(QStringLiteral("“a”")));
    QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
    QTRY_COMPARE(shownNames(), QStringList{QStringLiteral("b")});
    // Saved at once: the file has what the panel shows.
    QCOMPARE(loadLibrary(defaultLibraryPath()).entries, panel()->entries());
}

void TestLibraryPanel::exportWritesTheSelectedEntries() {
    QVERIFY(importEntries({textEntry(QStringLiteral("a"), QStringLiteral("F"), QStringLiteral("a")),
                           textEntry(QStringLiteral("b"), QStringLiteral("F"), QStringLiteral("b")),
                           textEntry(QStringLiteral("c"), {}, QStringLiteral("c"))}));
    // Selecting a folder selects its entries.
    view()->setCurrentIndex(rowNamed(QStringLiteral("F")));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("out.json"));
    m_window->findChild<QAction *>(QStringLiteral("libraryExportSelectedAction"))->trigger();
    QVERIFY(chooseFile(m_window.get(), "libraryExportDialog", path));
    QTRY_VERIFY(QFile::exists(path));
    const LibraryParseResult written = loadLibrary(path);
    QVERIFY2(written.ok(), qPrintable(written.error));
    QCOMPARE(written.entries, panel()->entries().mid(0, 2));
}

SOCKBENCH_TEST_MAIN(TestLibraryPanel)
#include "tst_librarypanel.moc"
