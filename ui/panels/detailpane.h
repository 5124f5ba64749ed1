#pragma once

#include "engine/endpoint.h"

#include <QSet>
#include <QWidget>

class QAction;
class QTabWidget;
class QToolButton;

namespace sockbench {

class ElidedLabel;

class ConversationView;
class FaultPanel;
class HexView;
class JournalFeed;
class RateGraph;
class TcpInfoPanel;
class TlsPanel;
class Workbench;

/// The detail pane under the log: on one tab the current record's bytes (a line saying what the
/// record is, copy buttons, the hex view), on the next the conversation of the selected
/// connection, which follows the journal through the feed, then the rate graph of the selection
/// and what the kernel knows about a selected TCP connection. The selected bytes copy as hex, text
/// or a C array; the whole record copies in the forms of core's record formatter (log line, hex
/// dump, CSV, JSON Lines), so that it reads exactly as the command line and exports write it.
class DetailPane final : public QWidget {
    Q_OBJECT

public:
    DetailPane(Workbench *workbench, const JournalFeed *feed, QWidget *parent = nullptr);
    ~DetailPane() override;
    Q_DISABLE_COPY_MOVE(DetailPane)

    HexView *hexView() const { return m_hexView; }
    ConversationView *conversationView() const { return m_conversationView; }
    RateGraph *rateGraph() const { return m_rateGraph; }
    TcpInfoPanel *tcpInfoPanel() const { return m_tcpInfoPanel; }
    TlsPanel *tlsPanel() const { return m_tlsPanel; }
    FaultPanel *faultPanel() const { return m_faultPanel; }

    /// Shows the record with this sequence number; a payload the journal evicted is said to be gone.
    void showRecord(quint64 seq);
    /// Shows that no record is selected.
    void clearRecord();
    /// The conversation and the rate graph of these endpoints: the selected one and, for a listener,
    /// its connections, for a relay leg the other leg too; the TCP tab shows the selected one (when
    /// 0: the one endpoint of the set, or the listener of a larger set). Relay legs read as one
    /// conversation, each line naming its way; a UDP relay's socket to the target brings in what
    /// the relay's own socket exchanged with that client.
    void setConversationEndpoints(const QSet<EndpointId> &endpoints, EndpointId selected = 0);
    /// Brings the graph tab to the front (the benchmark probe runs with it open).
    void showGraph();
    /// Brings the TLS tab to the front.
    void showTls();
    /// Brings the Faults tab to the front.
    void showFaults();
    /// The endpoint selected in the connections panel, whose faults the Faults tab sets (when it is
    /// a relay or one of its connections).
    void setSelectedEndpoint(EndpointId id);

private:
    QWidget *buildBytesPage();
    void buildGraphPage();

    enum class RecordForm { LogLine, HexDump, Csv, JsonLine };

    void onCopyLogLineActionTriggered();
    void onCopyHexDumpActionTriggered();
    void onCopyCsvActionTriggered();
    void onCopyJsonLineActionTriggered();
    void copyRecord(RecordForm form) const;

    Workbench *m_workbench;
    QTabWidget *m_tabs;
    ElidedLabel *m_recordLabel;
    HexView *m_hexView;
    ConversationView *m_conversationView;
    QWidget *m_graphPage;
    RateGraph *m_rateGraph;
    TcpInfoPanel *m_tcpInfoPanel;
    TlsPanel *m_tlsPanel;
    FaultPanel *m_faultPanel;
    QToolButton *m_copyRecordButton;
    QAction *m_copyHexDumpAction;
    quint64 m_seq = 0;
    bool m_hasRecord = false;
};

} // namespace sockbench
