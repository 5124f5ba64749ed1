#pragma once

// Drives a real MainWindow the way a user does: toolbar clicks, typing in dialogs and the composer,
// clicks on rows. Reads back only what the widgets show.

#include "dialogs/endpointdialog.h"
#include "engine/workbench.h"
#include "models/connectionmodel.h"
#include "models/trafficmodel.h"
#include "panels/composer.h"
#include "window/mainwindow.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>
#include <QTreeView>

#include <memory>

namespace sockbench::testing {

/// Points QSettings, and the config folder that other files such as the payload library go to, at
/// a temporary folder and names the test as the application, so that a test never reads or writes
/// the user's own settings. False when the folder could not be made.
inline bool useSettingsIn(const QTemporaryDir &dir, const char *testName,
                          const char *organization = "SockbenchTest") {
    if (!dir.isValid())
        return false;
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.path());
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(dir.path()));
    QCoreApplication::setOrganizationName(QLatin1String(organization));
    QCoreApplication::setApplicationName(QLatin1String(testName));
    return true;
}

class WindowDriver {
public:
    explicit WindowDriver(MainWindow *window)
        : m_window(window) {}

    MainWindow *window() const { return m_window; }
    QTreeView *connectionsView() const { return child<QTreeView>("connectionsView"); }
    QTableView *trafficView() const { return child<QTableView>("trafficView"); }
    QPlainTextEdit *composerEdit() const { return child<QPlainTextEdit>("composerEdit"); }
    QPushButton *sendButton() const { return child<QPushButton>("sendButton"); }

    template <typename T> T *child(const char *name) const {
        T *widget = m_window->findChild<T *>(QLatin1String(name));
        if (!widget)
            qFatal("no widget named %s", name);
        return widget;
    }

    /// Presses a shortcut on a widget of the window, as a user would.
    void press(QWidget *on, int key, Qt::KeyboardModifiers modifiers) const {
        // A dialog that just closed may have kept the activation; shortcuts need the window's.
        m_window->activateWindow();
        if (!QTest::qWaitForWindowActive(m_window))
            qWarning("window not active");
        QTest::keyClick(on, Qt::Key(key), modifiers);
    }

    /// Clicks the toolbar button of an action, as a user would.
    void clickAction(const char *actionName) const {
        auto *action = m_window->findChild<QAction *>(QLatin1String(actionName));
        auto *toolBar = child<QToolBar>("mainToolBar");
        QWidget *button = toolBar->widgetForAction(action);
        if (!button || !button->isEnabled())
            qWarning("action %s has no enabled toolbar button", actionName);
        QTest::mouseClick(button, Qt::LeftButton);
    }

    /// The visible endpoint dialog, if any.
    EndpointDialog *dialog() const {
        const auto dialogs = m_window->findChildren<EndpointDialog *>();
        for (EndpointDialog *d : dialogs) {
            if (d->isVisible())
                return d;
        }
        return nullptr;
    }

    /// Labels under `root` that would show their mnemonic's "&" as is: a single "&" in the text and
    /// no buddy for it to focus. Empty when every "&File:" reads "File:" with F underlined.
    static QStringList labelsShowingAmpersand(const QWidget *root) {
        QStringList shown;
        for (const QLabel *label : root->findChildren<QLabel *>()) {
            QString text = label->text();
            const bool mnemonic = text.remove(QLatin1String("&&")).contains(u'&');
            if (mnemonic && !label->buddy() && label->textFormat() != Qt::RichText)
                shown << label->text();
        }
        return shown;
    }

    static void replaceText(QLineEdit *edit, const QString &text) {
        edit->setFocus();
        QTest::keyClick(edit, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClick(edit, Qt::Key_Delete);
        QTest::keyClicks(edit, text);
    }

    /// Fills the open dialog's address and port and clicks OK. Returns false if OK was disabled.
    bool fillDialogAndAccept(const QString &address, const QString &port) const {
        EndpointDialog *d = dialog();
        if (!d)
            return false;
        auto *address_ = d->findChild<QComboBox *>(QStringLiteral("addressCombo"));
        replaceText(address_->lineEdit(), address);
        replaceText(d->findChild<QLineEdit *>(QStringLiteral("portEdit")), port);
        QPushButton *ok =
            d->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"))->button(QDialogButtonBox::Ok);
        if (!ok->isEnabled())
            return false;
        QTest::mouseClick(ok, Qt::LeftButton);
        return true;
    }

    QAbstractItemModel *connections() const { return connectionsView()->model(); }

    /// Starts a TCP listener on 127.0.0.1 through the toolbar and its form; returns its id, or 0 when
    /// the form refused. The window gets the activation back from the closed form.
    EndpointId startListener(const QString &port = QStringLiteral("0")) const {
        clickAction("newListenerAction");
        if (!dialog() || !fillDialogAndAccept(QStringLiteral("127.0.0.1"), port))
            return 0;
        m_window->activateWindow();
        return lastTopLevel();
    }

    /// Every endpoint row, parents before children.
    QList<QModelIndex> connectionRows() const {
        QList<QModelIndex> rows;
        QAbstractItemModel *model = connections();
        for (int r = 0; r < model->rowCount(); ++r) {
            const QModelIndex top = model->index(r, 0);
            rows.append(top);
            for (int c = 0; c < model->rowCount(top); ++c)
                rows.append(model->index(c, 0, top));
        }
        return rows;
    }

    EndpointId idOf(const QModelIndex &index) const {
        return index.data(ConnectionModel::EndpointRole).value<EndpointId>();
    }

    QModelIndex rowOf(EndpointId id) const {
        for (const QModelIndex &index : connectionRows()) {
            if (idOf(index) == id)
                return index;
        }
        return {};
    }

    /// Text the connections panel shows for an endpoint in a column (or its tooltip, by role).
    QString cell(EndpointId id, int column, int role = Qt::DisplayRole) const {
        const QModelIndex row = rowOf(id);
        return row.isValid() ? row.siblingAtColumn(column).data(role).toString() : QString();
    }

    /// The newest top-level row (what the last dialog created).
    EndpointId lastTopLevel() const {
        const int rows = connections()->rowCount();
        return rows == 0 ? 0 : idOf(connections()->index(rows - 1, 0));
    }

    QList<EndpointId> childrenOf(EndpointId parent) const {
        QList<EndpointId> ids;
        const QModelIndex row = rowOf(parent);
        for (int c = 0; c < connections()->rowCount(row); ++c)
            ids.append(idOf(connections()->index(c, 0, row)));
        return ids;
    }

    /// Port of the local address column ("127.0.0.1:40123"), 0 until bound.
    quint16 localPort(EndpointId id) const {
        const QString local = cell(id, ConnectionModel::LocalColumn);
        const qsizetype colon = local.lastIndexOf(QLatin1Char(':'));
        return colon < 0 ? 0 : local.mid(colon + 1).toUShort();
    }

    /// Clicks an endpoint's row in the connections panel.
    void selectRow(EndpointId id) const {
        const QModelIndex index = rowOf(id).siblingAtColumn(ConnectionModel::NameColumn);
        QTreeView *view = connectionsView();
        view->scrollTo(index);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
    }

    /// Double-clicks a row as a mouse does: a click, then the double-click and its release (QTest's
    /// double-click alone is not preceded by the press that views expect).
    static void doubleClick(QAbstractItemView *view, const QModelIndex &index) {
        view->scrollTo(index);
        const QPoint at = view->visualRect(index).center();
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
        QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, at);
        QTest::mouseRelease(view->viewport(), Qt::LeftButton, {}, at);
    }

    void typeInComposer(const QString &text) const {
        QPlainTextEdit *edit = composerEdit();
        edit->setFocus();
        edit->selectAll();
        QTest::keyClick(edit, Qt::Key_Delete);
        QTest::keyClicks(edit, text);
    }

    /// Chooses an item of a non-editable combo box with the keyboard.
    static void chooseInCombo(QComboBox *combo, int index) {
        combo->setFocus();
        QTest::keyClick(combo, Qt::Key_Home);
        for (int i = 0; i < index; ++i)
            QTest::keyClick(combo, Qt::Key_Down);
    }

    struct LogRow {
        EndpointId endpoint = 0;
        QString connection;
        QString direction;
        QString length;
        QString data;
    };

    QList<LogRow> logRows() const {
        QList<LogRow> rows;
        QAbstractItemModel *model = trafficView()->model();
        for (int r = 0; r < model->rowCount(); ++r) {
            LogRow row;
            row.endpoint = model->index(r, 0).data(TrafficModel::EndpointRole).value<EndpointId>();
            row.connection = model->index(r, TrafficModel::ConnectionColumn).data().toString();
            row.direction = model->index(r, TrafficModel::DirectionColumn).data().toString();
            row.length = model->index(r, TrafficModel::LengthColumn).data().toString();
            row.data = model->index(r, TrafficModel::DataColumn).data().toString();
            rows.append(row);
        }
        return rows;
    }

    static bool isInbound(const LogRow &row) { return row.direction.contains(QStringLiteral("in")); }
    static bool isOutbound(const LogRow &row) { return row.direction.contains(QStringLiteral("out")); }

    /// True when the log shows a data record of this endpoint and direction with exactly this text.
    bool logShows(EndpointId id, bool inbound, const QString &data) const {
        const auto rows = logRows();
        return std::any_of(rows.begin(), rows.end(), [&](const LogRow &row) {
            return row.endpoint == id && (inbound ? isInbound(row) : isOutbound(row)) && row.data == data;
        });
    }

private:
    MainWindow *m_window;
};

/// Closes the window as a user who means it: with connections open the window asks first, and this
/// answers Quit. True once the window is closed.
[[nodiscard]] inline bool closeWindow(MainWindow *window) {
    window->close();
    for (QMessageBox *box : window->findChildren<QMessageBox *>(QStringLiteral("quitBox"))) {
        if (box->isVisible())
            QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
    }
    return QTest::qWaitFor([window] { return !window->isVisible(); });
}

/// Replaces `window` (and its driver) with a new main window of `config`, shown and active: what
/// each window test starts from. False when the window never became active.
[[nodiscard]] inline bool openTestWindow(std::unique_ptr<MainWindow> &window,
                                         std::unique_ptr<WindowDriver> &ui,
                                         const WorkbenchConfig &config = {}) {
    ui.reset(); // it points into the old window
    window = std::make_unique<MainWindow>(config);
    ui = std::make_unique<WindowDriver>(window.get());
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        return false;
    window->activateWindow();
    return QTest::qWaitForWindowActive(window.get());
}

} // namespace sockbench::testing
