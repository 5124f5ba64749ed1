#pragma once

#include "engine/endpoint.h"

#include <QList>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

class QAction;
class QLabel;
class QProgressDialog;
class QStatusBar;
class QWidget;

namespace sockbench {

class CaptureRecorder;
class ExportJob;
class ReplayClient;
class ReplayServer;
struct ReplayScript;
class Workbench;
struct ExportRequest;

/// Captures in the window: File > Open capture…, Export…, Record to file…, and Connection >
/// Replay to…. The heavy work (reading a capture, exporting, recording) runs off the GUI thread; this
/// shows its progress and its outcome where the user is looking (status bar, a message).
class CaptureController final : public QObject {
    Q_OBJECT

public:
    /// selected: the endpoint selected in the connections panel; selectedRows: the log's selected
    /// journal sequence numbers.
    CaptureController(Workbench *workbench, QWidget *window, QStatusBar *statusBar,
                      std::function<EndpointId()> selected, std::function<QList<quint64>()> selectedRows,
                      QObject *parent = nullptr);
    ~CaptureController() override;
    Q_DISABLE_COPY_MOVE(CaptureController)

    QAction *openCaptureAction() const { return m_openCaptureAction; }
    QAction *exportAction() const { return m_exportAction; }
    QAction *recordAction() const { return m_recordAction; }
    QAction *replayAction() const { return m_replayAction; }

    /// Reads the capture on a thread of its own, then imports its streams as read-only rows.
    void openCapture(const QString &path);
    /// Opens the export dialog; scope 0 everything, 1 the log's selected rows, 2 a connection:
    /// `endpoint`, or the one selected in the connections panel when 0.
    void showExportDialog(int scope = 0, EndpointId endpoint = 0);
    void startExport(const ExportRequest &request);
    bool isRecording() const;
    /// Enables the actions that depend on the selection.
    void updateActions();

Q_SIGNALS:
    void captureOpened(const QList<sockbench::EndpointId> &endpoints);
    void exportFinished(bool ok, const QString &summary);

private:
    void onOpenCaptureActionTriggered();
    void onRecordActionToggled(bool on);
    void onReplayActionTriggered();
    void startReplay(const std::shared_ptr<ReplayScript> &script, bool asServer, const QString &host,
                     quint16 port, double speed, QLabel *status);
    void startRecording(const QString &path);
    /// Stops and says what was recorded, unless the recording `failed` (its error is shown already).
    void stopRecording(bool failed = false);
    void refreshRecordingLabel();
    void showError(const QString &title, const QString &text);
    QString nameOf(EndpointId id) const;

    Workbench *m_workbench;
    QWidget *m_window;
    QStatusBar *m_statusBar;
    std::function<EndpointId()> m_selected;
    std::function<QList<quint64>()> m_selectedRows;
    QAction *m_openCaptureAction = nullptr;
    QAction *m_exportAction = nullptr;
    QAction *m_recordAction = nullptr;
    QAction *m_replayAction = nullptr;
    QLabel *m_recordingLabel = nullptr;
    std::unique_ptr<CaptureRecorder> m_recorder;
    QPointer<ExportJob> m_export;
    QPointer<QProgressDialog> m_exportProgress;
    struct OpenJob;
    std::shared_ptr<OpenJob> m_open;
};

} // namespace sockbench
