#pragma once

// Shared by the capture window tests: a live TCP conversation in the window, and the
// file dialogs the capture actions open, answered as a user does.

#include "windowdriver.h"

#include "capture/capturefile.h"
#include "window/capturecontroller.h"

#include <QFileDialog>
#include <QTcpSocket>

namespace sockbench::testing {

/// The window's action of this name (File and Connection menu actions have no toolbar button).
inline QAction *windowAction(MainWindow *window, const char *name) {
    auto *action = window->findChild<QAction *>(QLatin1String(name));
    if (!action)
        qFatal("no action named %s", name);
    return action;
}

/// The visible file dialog of this name, once it shows; null after 5 s.
inline QFileDialog *waitForFileDialog(MainWindow *window, const char *name) {
    QFileDialog *found = nullptr;
    const bool shown = QTest::qWaitFor([&] {
        found = window->findChild<QFileDialog *>(QLatin1String(name));
        return found && found->isVisible();
    });
    return shown ? found : nullptr;
}

/// Answers a file dialog with a path.
inline void chooseFile(QFileDialog *dialog, const QString &path) {
    dialog->selectFile(path);
    static_cast<QDialog *>(dialog)->accept(); // QFileDialog's own accept() is protected
}

/// The journal's bytes for an endpoint in one direction, concatenated.
inline QByteArray bytesOf(const Journal &journal, EndpointId id, RecordKind kind) {
    QByteArray bytes;
    for (quint64 seq = 0; seq < journal.count(); ++seq) {
        Record r;
        if (journal.record(seq, &r, true) && r.endpoint == id && r.kind == kind)
            bytes += r.payload;
    }
    return bytes;
}

/// A listener of the window and a client (a QTcpSocket of the test) connected to it; the accepted
/// connection's id in *accepted. False when any step failed.
[[nodiscard]] inline bool liveConversation(WindowDriver &ui, QTcpSocket &client, EndpointId *listener,
                                           EndpointId *accepted) {
    *listener = ui.startListener();
    if (*listener == 0 || !QTest::qWaitFor([&] { return ui.localPort(*listener) != 0; }))
        return false;
    client.connectToHost(QHostAddress::LocalHost, ui.localPort(*listener));
    if (!client.waitForConnected(5000))
        return false;
    if (!QTest::qWaitFor([&] { return !ui.childrenOf(*listener).isEmpty(); }))
        return false;
    *accepted = ui.childrenOf(*listener).constFirst();
    return true;
}

} // namespace sockbench::testing
