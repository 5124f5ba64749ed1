#include "window/capturecontroller.h"

#include "capture/capturefile.h"
#include "capture/captureimport.h"
#include "capture/capturerecorder.h"
#include "capture/exporter.h"
#include "capture/replay.h"
#include "dialogs/formproblems.h"
#include "dialogs/formrow.h"
#include "engine/workbench.h"
#include "language/address.h"
#include "style/presentation.h"

#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QStatusBar>
#include <QTimer>

#include <atomic>
#include <thread>

namespace sockbench {

namespace {

constexpr int PollMs = 100;
constexpr int RecordingRefreshMs = 500;

QString suffixOf(ExportFormat format) {
    switch (format) {
    case ExportFormat::Pcapng:
        return QStringLiteral("pcapng");
    case ExportFormat::Csv:
        return QStringLiteral("csv");
    case ExportFormat::JsonLines:
        return QStringLiteral("jsonl");
    case ExportFormat::Text:
        return QStringLiteral("txt");
    case ExportFormat::Raw:
        return QStringLiteral("bin");
    }
    return {};
}

QString withSuffix(const QString &path, const QString &suffix) {
    if (path.isEmpty())
        return path;
    const QFileInfo info(path);
    const QString base = info.completeBaseName().isEmpty() ? info.fileName() : info.completeBaseName();
    return info.dir().filePath(base + u'.' + suffix);
}

} // namespace

/// A capture being read on a thread of its own; the GUI thread polls its progress.
struct CaptureController::OpenJob {
    QString path;
    std::atomic<bool> cancel{false};
    std::atomic<quint64> done{0};
    std::atomic<quint64> total{0};
    std::unique_ptr<CaptureFile> result;
    QString error;
    std::thread thread;
    ~OpenJob() {
        cancel = true;
        if (thread.joinable())
            thread.join();
    }
};

CaptureController::CaptureController(Workbench *workbench, QWidget *window, QStatusBar *statusBar,
                                     std::function<EndpointId()> selected,
                                     std::function<QList<quint64>()> selectedRows, QObject *parent)
    : QObject(parent)
    , m_workbench(workbench)
    , m_window(window)
    , m_statusBar(statusBar)
    , m_selected(std::move(selected))
    , m_selectedRows(std::move(selectedRows)) {
    m_openCaptureAction = new QAction(tr("Open &capture..."), this);
    m_openCaptureAction->setObjectName(QStringLiteral("openCaptureAction"));
    m_openCaptureAction->setStatusTip(tr("Read a pcap or pcapng file: its TCP and UDP streams, read-only"));
    connect(m_openCaptureAction, &QAction::triggered, this, &CaptureController::onOpenCaptureActionTriggered);

    m_exportAction = new QAction(tr("&Export..."), this);
    m_exportAction->setObjectName(QStringLiteral("exportAction"));
    m_exportAction->setStatusTip(tr("Write the traffic as pcapng, CSV, JSON Lines, text or raw bytes"));
    connect(m_exportAction, &QAction::triggered, this, [this] { showExportDialog(0); });

    m_recordAction = new QAction(tr("&Record to file..."), this);
    m_recordAction->setObjectName(QStringLiteral("recordAction"));
    m_recordAction->setCheckable(true);
    m_recordAction->setStatusTip(tr("Write every packet to a pcapng file as it happens; again to stop"));
    connect(m_recordAction, &QAction::toggled, this, &CaptureController::onRecordActionToggled);

    m_replayAction = new QAction(tr("Re&play to..."), this);
    m_replayAction->setObjectName(QStringLiteral("replayAction"));
    m_replayAction->setStatusTip(
        tr("Send the selected connection's client messages again, to a server or as a server"));
    connect(m_replayAction, &QAction::triggered, this, &CaptureController::onReplayActionTriggered);

    m_recordingLabel = new QLabel(window);
    m_recordingLabel->setObjectName(QStringLiteral("recordingLabel"));
    m_recordingLabel->hide();
    // Capped so that the window still fits 1024×640 with a long file name; the tooltip has it all.
    m_recordingLabel->setMaximumWidth(360);
    statusBar->addPermanentWidget(m_recordingLabel);
    m_replayAction->setEnabled(false); // the window calls updateActions() once its views exist
}

CaptureController::~CaptureController() {
    m_open.reset(); // cancels and joins the reader
    if (m_export)
        delete m_export.data(); // cancels and joins
    m_recorder.reset();
}

QString CaptureController::nameOf(EndpointId id) const {
    const EndpointInfo info = m_workbench->info(id);
    return tr("%1 #%2").arg(kindText(info.kind, info.listener != 0)).arg(id);
}

void CaptureController::updateActions() {
    const EndpointId id = m_selected ? m_selected() : 0;
    const EndpointInfo info = m_workbench->info(id);
    m_replayAction->setEnabled(id != 0 && info.kind != EndpointKind::TcpListener);
}

void CaptureController::showError(const QString &title, const QString &text) {
    m_statusBar->showMessage(text, StatusMessageMs * 2);
    auto *box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, m_window);
    box->setObjectName(QStringLiteral("captureErrorBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

// ---- Open capture ----

void CaptureController::onOpenCaptureActionTriggered() {
    auto *dialog = new QFileDialog(m_window, tr("Open capture"));
    dialog->setObjectName(QStringLiteral("openCaptureDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setNameFilters({tr("Captures (*.pcapng *.pcap *.cap)"), tr("All files (*)")});
    connect(dialog, &QFileDialog::fileSelected, this, &CaptureController::openCapture);
    dialog->open();
}

void CaptureController::openCapture(const QString &path) {
    if (m_open) {
        m_statusBar->showMessage(tr("A capture is being opened already"), StatusMessageMs);
        return;
    }
    auto job = std::make_shared<OpenJob>();
    job->path = path;
    m_open = job;
    auto *progress = new QProgressDialog(tr("Reading %1…").arg(QFileInfo(path).fileName()), tr("Cancel"), 0,
                                         1000, m_window);
    progress->setObjectName(QStringLiteral("openCaptureProgress"));
    progress->setAttribute(Qt::WA_DeleteOnClose);
    progress->setMinimumDuration(300);
    progress->setAutoClose(false);
    progress->setAutoReset(false);
    connect(progress, &QProgressDialog::canceled, this, [job] { job->cancel = true; });

    auto *poll = new QTimer(this);
    poll->setInterval(PollMs);
    auto finished = std::make_shared<std::atomic<bool>>(false);
    OpenJob *raw = job.get();
    job->thread = std::thread([raw, finished] {
        CaptureReadOptions options;
        options.progress = [raw](quint64 done, quint64 total) {
            raw->done = done;
            raw->total = total;
            return !raw->cancel.load();
        };
        raw->result = readCapture(raw->path, &raw->error, options);
        *finished = true;
    });
    const QPointer<QProgressDialog> progressDialog = progress;
    connect(poll, &QTimer::timeout, this, [this, poll, progress = progressDialog, finished, job] {
        const quint64 total = job->total;
        if (progress && total > 0)
            progress->setValue(int(job->done * 1000 / total));
        if (!*finished)
            return;
        poll->deleteLater();
        job->thread.join();
        if (progress) {
            // Closing a progress dialog emits canceled(): the reading is over, nothing to cancel.
            progress->disconnect(this);
            progress->close();
        }
        m_open.reset();
        const QString name = QFileInfo(job->path).fileName();
        if (job->cancel) {
            m_statusBar->showMessage(tr("Opening %1 cancelled").arg(name), StatusMessageMs);
            return;
        }
        if (!job->result) {
            showError(tr("Open capture"),
                      job->error.isEmpty() ? tr("Could not read %1").arg(name) : job->error);
            return;
        }
        const QList<EndpointId> ids = importCapture(*m_workbench, *job->result);
        const QLocale locale;
        QString text = tr("Opened %1: %n stream(s), %2 packets", nullptr, int(ids.size()))
                           .arg(name, locale.toString(job->result->packets));
        if (!job->result->warnings.isEmpty()) {
            text += tr(" · %n warning(s)", nullptr, int(job->result->warnings.size()));
            auto *box =
                new QMessageBox(QMessageBox::Information, tr("Open capture"),
                                tr("%1 was read with warnings.").arg(name), QMessageBox::Ok, m_window);
            box->setObjectName(QStringLiteral("captureWarningsBox"));
            box->setDetailedText(job->result->warnings.join(u'\n'));
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
        }
        m_statusBar->showMessage(text, StatusMessageMs);
        Q_EMIT captureOpened(ids);
    });
    poll->start();
}

// ---- Export ----

void CaptureController::showExportDialog(int scope, EndpointId chosen) {
    auto *dialog = new QDialog(m_window);
    dialog->setObjectName(QStringLiteral("exportDialog"));
    dialog->setWindowTitle(tr("Export"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    auto *form = new QFormLayout(dialog);
    auto *format = new QComboBox(dialog);
    format->setObjectName(QStringLiteral("exportFormatCombo"));
    format->addItem(tr("pcapng (Wireshark)"), int(ExportFormat::Pcapng));
    format->addItem(tr("CSV"), int(ExportFormat::Csv));
    format->addItem(tr("JSON Lines"), int(ExportFormat::JsonLines));
    format->addItem(tr("Text (the log's lines)"), int(ExportFormat::Text));
    format->addItem(tr("Raw bytes of one connection"), int(ExportFormat::Raw));
    form->addRow(tr("&Format:"), format);
    auto *scopeCombo = new QComboBox(dialog);
    scopeCombo->setObjectName(QStringLiteral("exportScopeCombo"));
    scopeCombo->addItem(tr("Everything in the log"));
    scopeCombo->addItem(tr("The selected rows"));
    scopeCombo->addItem(tr("The selected connection"));
    scopeCombo->setCurrentIndex(scope);
    form->addRow(tr("&What:"), scopeCombo);
    auto *direction = new QComboBox(dialog);
    direction->setObjectName(QStringLiteral("exportDirectionCombo"));
    direction->addItem(tr("Received bytes"), int(RecordKind::DataIn));
    direction->addItem(tr("Sent bytes"), int(RecordKind::DataOut));
    form->addRow(tr("&Direction:"), direction);
    auto *pathRow = new QHBoxLayout;
    auto *path = new QLineEdit(dialog);
    path->setObjectName(QStringLiteral("exportPathEdit"));
    auto *browse = new QPushButton(tr("&Browse..."), dialog);
    pathRow->addWidget(path, 1);
    pathRow->addWidget(browse);
    addLayoutRow(form, tr("&File:"), pathRow, path);
    auto *problems = new QLabel(dialog);
    problems->setObjectName(QStringLiteral("exportProblemsLabel"));
    problems->setWordWrap(true);
    problems->setStyleSheet(QStringLiteral("color: %1").arg(warningColor().name()));
    reserveProblemLines(problems, 1);
    form->addRow(problems);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
    form->addRow(buttons);

    // Names, the selection and the endpoint are taken here, on the GUI thread, when the dialog opens.
    const EndpointId endpoint = chosen != 0 ? chosen : (m_selected ? m_selected() : 0);
    const QList<quint64> rows = m_selectedRows ? m_selectedRows() : QList<quint64>{};

    auto validate = [=] {
        const auto fmt = ExportFormat(format->currentData().toInt());
        const bool raw = fmt == ExportFormat::Raw;
        direction->setEnabled(raw);
        QString problem;
        if (path->text().trimmed().isEmpty())
            problem = tr("Choose a file to write");
        else if ((raw || scopeCombo->currentIndex() == 2) && endpoint == 0)
            problem = tr("Select a connection first");
        else if (scopeCombo->currentIndex() == 1 && rows.isEmpty() && !raw)
            problem = tr("No rows are selected in the log");
        // Shown even when empty: its line stays reserved, so Export does not move as problems go.
        problems->setText(problem);
        buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
    };
    connect(format, &QComboBox::currentIndexChanged, dialog, [=] {
        path->setText(withSuffix(path->text(), suffixOf(ExportFormat(format->currentData().toInt()))));
        validate();
    });
    connect(scopeCombo, &QComboBox::currentIndexChanged, dialog, validate);
    connect(path, &QLineEdit::textChanged, dialog, validate);
    connect(browse, &QPushButton::clicked, dialog, [=] {
        const QString suffix = suffixOf(ExportFormat(format->currentData().toInt()));
        const QString chosen = QFileDialog::getSaveFileName(
            dialog, tr("Export to"), path->text(), tr("*.%1 files (*.%1);;All files (*)").arg(suffix));
        if (!chosen.isEmpty())
            path->setText(QFileInfo(chosen).suffix().isEmpty() ? chosen + u'.' + suffix : chosen);
    });
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dialog, [=, this] {
        ExportRequest request;
        request.format = ExportFormat(format->currentData().toInt());
        request.path = path->text().trimmed();
        const bool raw = request.format == ExportFormat::Raw;
        if (raw || scopeCombo->currentIndex() == 2)
            request.endpoints = {endpoint};
        else if (scopeCombo->currentIndex() == 1)
            request.seqs.assign(rows.cbegin(), rows.cend());
        request.rawDirection = RecordKind(direction->currentData().toInt());
        const auto &endpoints = m_workbench->endpoints();
        for (auto it = endpoints.cbegin(); it != endpoints.cend(); ++it)
            request.names.insert(it.key(), nameOf(it.key()));
        dialog->accept();
        startExport(request);
    });
    validate();
    dialog->open();
}

void CaptureController::startExport(const ExportRequest &request) {
    if (m_export) {
        m_statusBar->showMessage(tr("An export is running already"), StatusMessageMs);
        return;
    }
    auto *job = new ExportJob(m_workbench->journal(), request, this);
    m_export = job;
    // Not modal: the window goes on working while the file is written.
    auto *progress = new QProgressDialog(tr("Exporting to %1…").arg(QFileInfo(request.path).fileName()),
                                         tr("Cancel"), 0, 1000, m_window);
    progress->setObjectName(QStringLiteral("exportProgress"));
    progress->setWindowModality(Qt::NonModal);
    progress->setAttribute(Qt::WA_DeleteOnClose);
    progress->setMinimumDuration(300);
    progress->setAutoClose(false);
    progress->setAutoReset(false);
    m_exportProgress = progress;
    auto cancelled = std::make_shared<bool>(false);
    connect(progress, &QProgressDialog::canceled, job, [job, cancelled] {
        *cancelled = true;
        job->cancel();
    });
    connect(job, &ExportJob::progress, progress, [progress](quint64 done, quint64 total) {
        if (total > 0)
            progress->setValue(int(done * 1000 / total));
    });
    const QString fileName = QFileInfo(request.path).fileName();
    connect(job, &ExportJob::finished, this,
            [this, job, fileName, cancelled](bool ok, const QString &summary) {
                if (m_exportProgress) {
                    m_exportProgress->disconnect(job); // closing emits canceled()
                    m_exportProgress->close();
                }
                job->deleteLater();
                if (ok)
                    m_statusBar->showMessage(tr("Exported %1 to %2").arg(summary, fileName), StatusMessageMs);
                else if (*cancelled) // asked for: no warning, a word where the user looks
                    m_statusBar->showMessage(tr("Export to %1 cancelled").arg(fileName), StatusMessageMs);
                else
                    showError(tr("Export"), summary);
                Q_EMIT exportFinished(ok, summary);
            });
    job->start();
}

// ---- Record ----

bool CaptureController::isRecording() const {
    return m_recorder && m_recorder->isRecording();
}

void CaptureController::onRecordActionToggled(bool on) {
    if (!on) {
        stopRecording();
        return;
    }
    if (isRecording())
        return;
    auto *dialog = new QFileDialog(m_window, tr("Record to file"));
    dialog->setObjectName(QStringLiteral("recordFileDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("pcapng"));
    dialog->setNameFilters({tr("pcapng (*.pcapng)"), tr("All files (*)")});
    bool *chosen = new bool(false);
    connect(dialog, &QFileDialog::fileSelected, this, [this, chosen](const QString &path) {
        *chosen = true;
        startRecording(path);
    });
    connect(dialog, &QDialog::finished, this, [this, chosen] {
        if (!*chosen) {
            const QSignalBlocker blocker(m_recordAction);
            m_recordAction->setChecked(false);
        }
        delete chosen;
    });
    dialog->open();
}

void CaptureController::startRecording(const QString &path) {
    // The namer runs on the recorder's thread, so it reads the journal's endpoint descriptions (which
    // the engine writes under the journal's lock) rather than the workbench: endpoints opened while
    // the recording runs get their names too.
    const Journal *journal = &m_workbench->journal();
    EndpointNamer names = [journal](EndpointId id) {
        const std::optional<EndpointMeta> meta = journal->describedEndpoint(id);
        return meta ? tr("%1 #%2").arg(kindText(meta->kind, meta->listener != 0)).arg(id)
                    : tr("endpoint #%1").arg(id);
    };
    m_recorder = std::make_unique<CaptureRecorder>(m_workbench->journal(), path, names);
    connect(m_recorder.get(), &CaptureRecorder::failed, this, [this](const QString &reason) {
        showError(tr("Record to file"), reason);
        stopRecording(true);
    });
    QString error;
    if (!m_recorder->start(&error)) {
        m_recorder.reset();
        const QSignalBlocker blocker(m_recordAction);
        m_recordAction->setChecked(false);
        showError(tr("Record to file"), error);
        return;
    }
    const QSignalBlocker blocker(m_recordAction);
    m_recordAction->setChecked(true);
    m_recordingLabel->show();
    refreshRecordingLabel();
}

void CaptureController::refreshRecordingLabel() {
    if (!isRecording()) {
        m_recordingLabel->hide();
        return;
    }
    const QLocale locale;
    m_recordingLabel->setText(tr("● Recording to %1: %2 packets, %3 bytes")
                                  .arg(QFileInfo(m_recorder->path()).fileName(),
                                       locale.toString(m_recorder->packetsWritten()),
                                       locale.toString(m_recorder->bytesWritten())));
    m_recordingLabel->setToolTip(
        tr("Recording to %1; File > Record to file again stops").arg(m_recorder->path()));
    QTimer::singleShot(RecordingRefreshMs, this, &CaptureController::refreshRecordingLabel);
}

void CaptureController::stopRecording(bool failed) {
    if (!m_recorder)
        return;
    m_recorder->stop();
    const QLocale locale;
    QString text = failed ? tr("Recording to %1 stopped after %2 packets")
                                .arg(m_recorder->path(), locale.toString(m_recorder->packetsWritten()))
                          : tr("Recorded %1 packets to %2")
                                .arg(locale.toString(m_recorder->packetsWritten()), m_recorder->path());
    if (const quint64 missed = m_recorder->payloadBytesMissed())
        text += tr("; %1 bytes fell too far behind the traffic and are missing from the file")
                    .arg(locale.toString(missed));
    m_statusBar->showMessage(text, StatusMessageMs);
    m_recorder.reset();
    m_recordingLabel->hide();
    const QSignalBlocker blocker(m_recordAction);
    m_recordAction->setChecked(false);
}

// ---- Replay ----

void CaptureController::onReplayActionTriggered() {
    const EndpointId id = m_selected ? m_selected() : 0;
    if (id == 0)
        return;
    auto script = std::make_shared<ReplayScript>();
    QString error;
    if (!ReplayScript::fromJournal(m_workbench->journal(), m_workbench->info(id), script.get(), &error)) {
        showError(tr("Replay"), error);
        return;
    }
    auto *dialog = new QDialog(m_window);
    dialog->setObjectName(QStringLiteral("replayDialog"));
    dialog->setWindowTitle(tr("Replay %1").arg(nameOf(id)));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    auto *form = new QFormLayout(dialog);
    form->addRow(new QLabel(tr("%1 %2: %3 client messages (%4 bytes), %5 server messages")
                                .arg(script->udp ? tr("UDP") : tr("TCP"), script->source)
                                .arg(script->clientMessageCount())
                                .arg(QLocale().toString(script->clientByteCount()))
                                .arg(script->serverMessageCount()),
                            dialog));
    auto *role = new QComboBox(dialog);
    role->setObjectName(QStringLiteral("replayRoleCombo"));
    role->addItem(tr("As the client, to a server"));
    role->addItem(tr("As the server, listening"));
    role->setEnabled(!script->udp);
    form->addRow(tr("&Replay:"), role);
    auto *address = new QLineEdit(dialog);
    address->setObjectName(QStringLiteral("replayAddressEdit"));
    address->setPlaceholderText(tr("host:port"));
    form->addRow(tr("&Address:"), address);
    auto *timing = new QComboBox(dialog);
    timing->setObjectName(QStringLiteral("replayTimingCombo"));
    timing->addItem(tr("As fast as possible"));
    timing->addItem(tr("With the original gaps"));
    auto *factor = new QDoubleSpinBox(dialog);
    factor->setObjectName(QStringLiteral("replaySpeedSpin"));
    factor->setRange(0.01, 1000);
    factor->setValue(1);
    factor->setSuffix(tr("× speed"));
    auto *timingRow = new QHBoxLayout;
    timingRow->addWidget(timing, 1);
    timingRow->addWidget(factor);
    addLayoutRow(form, tr("&Timing:"), timingRow, timing);
    auto *status = new QLabel(dialog);
    status->setObjectName(QStringLiteral("replayStatusLabel"));
    status->setWordWrap(true);
    form->addRow(status);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Close, dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
    form->addRow(buttons);
    auto validate = [=] {
        factor->setEnabled(timing->currentIndex() == 1);
        const HostPortResult parsed = parseHostPort(address->text());
        QString problem;
        if (address->text().trimmed().isEmpty())
            problem = role->currentIndex() == 0 ? tr("Type the server's host:port")
                                                : tr("Type the address to listen on, host:port");
        else if (!parsed.ok())
            problem = parsed.error;
        status->setText(problem);
        buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
    };
    connect(address, &QLineEdit::textChanged, dialog, validate);
    connect(role, &QComboBox::currentIndexChanged, dialog, validate);
    connect(timing, &QComboBox::currentIndexChanged, dialog, validate);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dialog, [=, this] {
        const HostPortResult parsed = parseHostPort(address->text());
        buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
        const double speed = timing->currentIndex() == 0 ? 0.0 : factor->value();
        startReplay(script, role->currentIndex() == 1, parsed.value.host, parsed.value.port, speed, status);
    });
    validate();
    dialog->open();
}

/// Starts what the replay form asked for; `status` says how far it got.
void CaptureController::startReplay(const std::shared_ptr<ReplayScript> &script, bool asServer,
                                    const QString &host, quint16 port, double speed, QLabel *status) {
    if (asServer) {
        auto *server = new ReplayServer(*m_workbench, *script, host, port, this);
        connect(server, &ReplayServer::progress, status, [status](EndpointId client, int sent, int total) {
            status->setText(tr("Client #%1: %2 of %3 messages").arg(client).arg(sent).arg(total));
        });
        const EndpointId listener = server->start();
        status->setText(tr("Listening as listener #%1").arg(listener));
        return;
    }
    auto *client = new ReplayClient(*m_workbench, *script, host, port, speed, this);
    connect(client, &ReplayClient::progress, status,
            [status](int sent, int total, quint64 bytes, quint64 totalBytes) {
                status->setText(tr("Sent %1 of %2 messages, %3 of %4 bytes")
                                    .arg(sent)
                                    .arg(total)
                                    .arg(QLocale().toString(bytes), QLocale().toString(totalBytes)));
            });
    const QPointer<QLabel> statusLabel = status; // the dialog may be closed before the end
    connect(client, &ReplayClient::finished, this,
            [this, client, statusLabel](bool ok, const QString &summary) {
                if (statusLabel)
                    statusLabel->setText(summary);
                m_statusBar->showMessage(summary, StatusMessageMs);
                if (!ok)
                    showError(tr("Replay"), summary);
                client->deleteLater();
            });
    client->start();
}

} // namespace sockbench
