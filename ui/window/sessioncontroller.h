#pragma once

#include "dialogs/endpointdialog.h"
#include "engine/endpoint.h"
#include "session/session.h"

#include <QObject>

class QWidget;

namespace sockbench {

class ConnectionModel;
class Workbench;

/// File > Save session, Open session and "Reopen last session at start": turns the window's open
/// endpoints into a session file and a session file into open endpoints. Messages go out through
/// message(); a file that cannot be used also gets a window-modal box over the window.
class SessionController final : public QObject {
    Q_OBJECT

public:
    /// window parents the file dialogs and the message box.
    SessionController(Workbench *workbench, ConnectionModel *model, QWidget *window);
    ~SessionController() override;
    Q_DISABLE_COPY_MOVE(SessionController)

    /// The session the window's open endpoints make: listeners, clients and UDP sockets as they
    /// were asked for (a port of 0 stays "any free port"); accepted connections are not part of it.
    Session current() const;
    /// Writes current() to a file. On failure says why and returns false.
    bool saveTo(const QString &path);
    /// Opens every endpoint of a session file (File > Open session, `sockbench FILE.sockbench`).
    /// A file that is not valid opens nothing and gets a message naming the line, or the endpoint
    /// and key; an endpoint that fails (a port in use) fails alone, on its row. Returns false when
    /// the file could not be used at all.
    bool open(const QString &path);
    /// Opens the last session saved or opened, when reopenAtStart() is on. True when it opened one.
    bool reopenLastIfWanted();

    /// Asks for a file name and saves there / asks for a file and opens it; both return at once.
    void chooseFileAndSave();
    void chooseFileAndOpen();

    static bool reopenAtStart();
    static void setReopenAtStart(bool on);

    /// What an endpoint dialog asked for, as the connections panel shows it and a session saves it.
    static SessionEndpoint describe(const EndpointDialog::Request &request);

Q_SIGNALS:
    /// A line for the status bar; error is true for failures.
    void message(const QString &text, bool error);
    /// Emitted after open() has opened its endpoints; last is the one to select (0: none).
    void opened(sockbench::EndpointId last);

private:
    void remember(const QString &path);
    void showError(const QString &text);

    Workbench *m_workbench;
    ConnectionModel *m_model;
    QWidget *m_window;
};

} // namespace sockbench
