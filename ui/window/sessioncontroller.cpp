#include "window/sessioncontroller.h"

#include "engine/workbench.h"
#include "language/payload.h"
#include "models/connectionmodel.h"
#include "protocol/rules.h"
#include "window/windowsettings.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>

namespace sockbench {

namespace {

const QString SessionFilter = QStringLiteral("*.sockbench");
const QString LastSessionKey = QStringLiteral("session/last");
const QString ReopenSessionKey = QStringLiteral("session/reopenAtStart");

/// The rules and framing the endpoint has now, whatever it was opened with: the Workbench's record.
void withRulesOf(const EndpointInfo &info, SessionEndpoint *endpoint) {
    endpoint->rules = info.rules ? serializeRules(info.rules->rules()) : QByteArray();
    // With rules, the frame is theirs; the session's own "frame" is the display framing without.
    endpoint->frame = info.rules || info.kind == EndpointKind::UdpSocket ? FrameSpec{} : info.frame;
}

} // namespace

SessionController::SessionController(Workbench *workbench, ConnectionModel *model, QWidget *window)
    : QObject(window)
    , m_workbench(workbench)
    , m_model(model)
    , m_window(window) {}

SessionController::~SessionController() = default;

Session SessionController::current() const {
    Session session;
    for (EndpointId id : m_model->topLevelEndpoints()) {
        const EndpointInfo info = m_workbench->info(id);
        if (isFinal(info.state) || info.listener != 0)
            continue;
        if (info.relay) {
            // A relay is saved with its faults as they are now, wherever they were set.
            SessionEndpoint relay = m_model->openedAs(id).value_or(SessionEndpoint{});
            if (!relay.relay) {
                relay.kind = info.kind;
                relay.host = info.local.ip;
                relay.port = info.local.port;
            }
            relay.relay = SessionRelay{*info.relay};
            session.endpoints.append(relay);
            continue;
        }
        if (std::optional<SessionEndpoint> opened = m_model->openedAs(id)) {
            withRulesOf(info, &*opened);
            session.endpoints.append(*opened);
            continue;
        }
        // Not opened through this window (a test or a probe): what the Workbench knows of it.
        SessionEndpoint known;
        known.kind = info.kind;
        known.host = info.outgoing ? info.requestedHost : info.local.ip;
        known.port = info.outgoing ? info.requestedPort : info.local.port;
        known.reply = info.autoReply;
        if (known.reply == AutoReply::Greeting)
            known.greeting = bytesToEscapedText(info.greeting);
        withRulesOf(info, &known);
        session.endpoints.append(known);
    }
    return session;
}

void SessionController::chooseFileAndSave() {
    auto *dialog = new QFileDialog(m_window, tr("Save session"), QString(),
                                   tr("Sockbench sessions (%1)").arg(SessionFilter));
    dialog->setObjectName(QStringLiteral("saveSessionDialog"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("sockbench"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, &SessionController::saveTo);
    dialog->open();
}

void SessionController::chooseFileAndOpen() {
    auto *dialog = new QFileDialog(m_window, tr("Open session"), QString(),
                                   tr("Sockbench sessions (%1);;All files (*)").arg(SessionFilter));
    dialog->setObjectName(QStringLiteral("openSessionDialog"));
    dialog->setAcceptMode(QFileDialog::AcceptOpen);
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, &SessionController::open);
    dialog->open();
}

bool SessionController::saveTo(const QString &path) {
    const Session session = current();
    QString error;
    if (!saveSession(path, session, &error)) {
        showError(tr("The session could not be saved to %1: %2").arg(path, error));
        return false;
    }
    remember(path);
    Q_EMIT message(tr("Saved %n endpoint(s) to %1", nullptr, int(session.endpoints.size())).arg(path), false);
    return true;
}

bool SessionController::open(const QString &path) {
    const SessionParseResult parsed = loadSession(path);
    if (!parsed.ok()) {
        showError(tr("Nothing of %1 was opened: %2").arg(path, parsed.error));
        return false;
    }
    EndpointId last = 0;
    for (const SessionEndpoint &endpoint : parsed.session.endpoints) {
        // Each endpoint's failure (a port in use) arrives later on its own row, by the Workbench's signals.
        const EndpointId id = openSessionEndpoint(*m_workbench, endpoint);
        m_model->addEndpoint(id);
        m_model->setOpenedAs(id, endpoint);
        last = id != 0 ? id : last;
    }
    remember(path);
    Q_EMIT opened(last);
    Q_EMIT message(
        tr("Opened %n endpoint(s) from %1", nullptr, int(parsed.session.endpoints.size())).arg(path), false);
    return true;
}

bool SessionController::reopenLastIfWanted() {
    if (!reopenAtStart())
        return false;
    const QString path = WindowSettings().values().value(LastSessionKey).toString();
    // A session that was moved or deleted since is no reason for a message at every start.
    if (path.isEmpty() || !QFileInfo(path).isFile())
        return false;
    return open(path);
}

bool SessionController::reopenAtStart() {
    return WindowSettings().values().value(ReopenSessionKey, false).toBool();
}

void SessionController::setReopenAtStart(bool on) {
    WindowSettings store;
    store.values().setValue(ReopenSessionKey, on);
    store.save();
}

SessionEndpoint SessionController::describe(const EndpointDialog::Request &request) {
    SessionEndpoint opened;
    opened.kind = request.kind;
    opened.host = request.address;
    opened.port = request.port;
    opened.socket = request.socket;
    switch (request.kind) {
    case EndpointKind::TcpListener:
        opened.reply = request.listener.autoReply;
        // The escape language reads back to the very bytes the dialog parsed from what was typed.
        if (opened.reply == AutoReply::Greeting)
            opened.greeting = bytesToEscapedText(request.listener.greeting);
        opened.tlsServer = request.listener.tls;
        break;
    case EndpointKind::TcpConnection:
        opened.tlsClient = request.connect.tls;
        break;
    case EndpointKind::UdpSocket:
        opened.reply = request.udp.echo ? AutoReply::Echo : AutoReply::None;
        break;
    }
    return opened;
}

void SessionController::remember(const QString &path) {
    WindowSettings store;
    store.values().setValue(LastSessionKey, QFileInfo(path).absoluteFilePath());
    store.save();
}

void SessionController::showError(const QString &text) {
    Q_EMIT message(text, true);
    // Window-modal and opened, not exec()uted: the event loop and the sockets keep running.
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Session"), text, QMessageBox::Ok, m_window);
    box->setObjectName(QStringLiteral("sessionMessageBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

} // namespace sockbench
