#include "panels/detailpane.h"
#include "engine/workbench.h"
#include "journal/recordformat.h"
#include "panels/faultpanel.h"
#include "panels/tcpinfopanel.h"
#include "panels/tlspanel.h"
#include "style/presentation.h"
#include "views/conversationview.h"
#include "views/elidedlabel.h"
#include "views/hexview.h"
#include "views/rategraph.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace sockbench {

DetailPane::DetailPane(Workbench *workbench, const JournalFeed *feed, QWidget *parent)
    : QWidget(parent)
    , m_workbench(workbench)
    , m_tabs(new QTabWidget(this)) {
    setObjectName(QStringLiteral("detailPane"));
    m_tabs->setObjectName(QStringLiteral("detailTabs"));

    QWidget *bytesPage = buildBytesPage();

    m_conversationView = new ConversationView(&workbench->journal(), m_tabs);
    m_conversationView->setObjectName(QStringLiteral("conversationView"));
    m_conversationView->setFrameLookup([workbench](EndpointId id) { return workbench->info(id).frame; });
    m_conversationView->follow(feed);
    connect(workbench, &Workbench::rulesChanged, m_conversationView, &ConversationView::onFramingChanged);

    buildGraphPage();

    m_tcpInfoPanel = new TcpInfoPanel(workbench, m_tabs);
    // The graph draws RTT and cwnd from the panel's readings, so they are read while it shows too.
    m_tcpInfoPanel->alsoSampleWhileVisible(m_rateGraph);
    connect(m_tcpInfoPanel, &TcpInfoPanel::tcpInfoSampled, m_rateGraph, &RateGraph::addTcpSample);

    m_tabs->addTab(bytesPage, tr("&Bytes"));
    m_tabs->addTab(m_conversationView, tr("Conversa&tion"));
    m_tabs->addTab(m_graphPage, tr("&Graph"));
    m_tabs->addTab(m_tcpInfoPanel, tr("TC&P"));
    m_tlsPanel = new TlsPanel(workbench, m_tabs);
    m_tabs->addTab(m_tlsPanel, tr("TLS"));
    m_faultPanel = new FaultPanel(workbench, m_tabs);
    m_tabs->addTab(m_faultPanel, tr("Fa&ults"));
    m_tabs->setTabToolTip(
        5, tr("Faults a relay injects on purpose, per direction, changed while traffic flows"));
    m_tabs->setTabToolTip(2, tr("Bytes per second of the selection over the last minute"));
    m_tabs->setTabToolTip(3, tr("What the kernel knows about the selected TCP connection, and the socket "
                                "options it applied"));
    m_tabs->setTabToolTip(4, tr("The selected connection's TLS: protocol, cipher, verification and "
                                "certificate chain; a TLS listener's own certificate"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);
    clearRecord();
}

QWidget *DetailPane::buildBytesPage() {
    auto *bytesPage = new QWidget(m_tabs);
    m_hexView = new HexView(bytesPage);
    m_hexView->setObjectName(QStringLiteral("hexView"));
    m_recordLabel = new ElidedLabel(bytesPage);
    m_recordLabel->setObjectName(QStringLiteral("recordLabel"));
    auto *copyHex = new QPushButton(tr("Cop&y hex"), bytesPage);
    copyHex->setObjectName(QStringLiteral("copyHexButton"));
    copyHex->setToolTip(tr("Copy the selected bytes (or all) as hex"));
    auto *copyText = new QPushButton(tr("Copy te&xt"), bytesPage);
    copyText->setObjectName(QStringLiteral("copyTextButton"));
    copyText->setToolTip(tr("Copy the selected bytes (or all) as text"));
    auto *copyC = new QPushButton(tr("Copy as C &array"), bytesPage);
    copyC->setObjectName(QStringLiteral("copyCArrayButton"));
    copyC->setToolTip(tr("Copy the selected bytes (or all) as a C array"));
    connect(copyHex, &QPushButton::clicked, m_hexView, &HexView::copyAsHex);
    connect(copyText, &QPushButton::clicked, m_hexView, &HexView::copyAsText);
    connect(copyC, &QPushButton::clicked, m_hexView, &HexView::copyAsCArray);
    m_copyRecordButton = new QToolButton(bytesPage);
    m_copyRecordButton->setObjectName(QStringLiteral("copyRecordButton"));
    m_copyRecordButton->setText(tr("Copy &record"));
    m_copyRecordButton->setToolTip(tr("Copy the whole record as the command line and exports write it"));
    m_copyRecordButton->setPopupMode(QToolButton::InstantPopup);
    auto *copyMenu = new QMenu(m_copyRecordButton);
    QAction *copyLogLine = copyMenu->addAction(tr("As a &log line"));
    copyLogLine->setObjectName(QStringLiteral("copyLogLineAction"));
    m_copyHexDumpAction = copyMenu->addAction(tr("As a &hex dump"));
    m_copyHexDumpAction->setObjectName(QStringLiteral("copyHexDumpAction"));
    QAction *copyCsv = copyMenu->addAction(tr("As &CSV (with its header)"));
    copyCsv->setObjectName(QStringLiteral("copyCsvAction"));
    QAction *copyJson = copyMenu->addAction(tr("As a &JSON line"));
    copyJson->setObjectName(QStringLiteral("copyJsonLineAction"));
    m_copyRecordButton->setMenu(copyMenu);
    connect(copyLogLine, &QAction::triggered, this, &DetailPane::onCopyLogLineActionTriggered);
    connect(m_copyHexDumpAction, &QAction::triggered, this, &DetailPane::onCopyHexDumpActionTriggered);
    connect(copyCsv, &QAction::triggered, this, &DetailPane::onCopyCsvActionTriggered);
    connect(copyJson, &QAction::triggered, this, &DetailPane::onCopyJsonLineActionTriggered);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_recordLabel, 1);
    buttons->addWidget(copyHex);
    buttons->addWidget(copyText);
    buttons->addWidget(copyC);
    buttons->addWidget(m_copyRecordButton);
    auto *bytesLayout = new QVBoxLayout(bytesPage);
    bytesLayout->setContentsMargins(2, 2, 2, 2);
    bytesLayout->addLayout(buttons);
    bytesLayout->addWidget(m_hexView, 1);
    return bytesPage;
}

void DetailPane::buildGraphPage() {
    m_graphPage = new QWidget(m_tabs);
    m_graphPage->setObjectName(QStringLiteral("graphPage"));
    m_rateGraph = new RateGraph(m_workbench, m_graphPage);
    auto *messagesCheck = new QCheckBox(tr("&Messages/s"), m_graphPage);
    messagesCheck->setObjectName(QStringLiteral("graphMessagesCheck"));
    messagesCheck->setToolTip(tr("A second pane with messages (reads, datagrams) per second"));
    auto *tcpCheck = new QCheckBox(tr("RTT and c&wnd"), m_graphPage);
    tcpCheck->setObjectName(QStringLiteral("graphTcpCheck"));
    tcpCheck->setToolTip(tr("Draw a selected TCP connection's round-trip time and congestion window, each "
                            "on its own scale"));
    tcpCheck->setChecked(m_rateGraph->showsTcp());
    connect(messagesCheck, &QCheckBox::toggled, m_rateGraph, &RateGraph::setShowMessages);
    connect(tcpCheck, &QCheckBox::toggled, m_rateGraph, &RateGraph::setShowTcp);
    auto *graphOptions = new QHBoxLayout;
    graphOptions->addWidget(messagesCheck);
    graphOptions->addWidget(tcpCheck);
    graphOptions->addStretch();
    auto *graphLayout = new QVBoxLayout(m_graphPage);
    graphLayout->setContentsMargins(2, 2, 2, 2);
    graphLayout->addLayout(graphOptions);
    graphLayout->addWidget(m_rateGraph, 1);
}

DetailPane::~DetailPane() = default;

void DetailPane::showRecord(quint64 seq) {
    Record record;
    if (!m_workbench->journal().record(seq, &record, true)) {
        if (seq < m_workbench->journal().oldestSeq()) {
            clearRecord();
            m_recordLabel->setFullText(tr("Record %1 is no longer held").arg(seq + 1));
            m_hexView->setPlaceholder(tr("The journal's memory budget dropped record %1 with the older "
                                         "ones (File → Preferences sets the budget).")
                                          .arg(seq + 1));
        }
        return;
    }
    m_seq = seq;
    m_hasRecord = true;
    m_copyRecordButton->setEnabled(true);
    // Only traffic has bytes to dump: an event is a sentence, an evicted payload is gone (the other
    // forms say so).
    m_copyHexDumpAction->setEnabled(record.kind != RecordKind::Event && !record.isEvicted() &&
                                    !record.payload.isEmpty());
    m_recordLabel->setFullText(tr("Record %1, %2, %3: %4 %5")
                                   .arg(seq + 1)
                                   .arg(endpointLabel(*m_workbench, record.endpoint),
                                        formatTimestamp(record.timeNs), formatByteCount(record.length),
                                        recordKindWord(record.kind)));
    if (record.isEvicted())
        m_hexView->setPlaceholder(
            tr("The journal's memory budget dropped these %1; only their length and time remain.")
                .arg(formatByteCount(record.length)));
    else
        m_hexView->setData(record.payload);
}

void DetailPane::clearRecord() {
    m_hasRecord = false;
    m_copyRecordButton->setEnabled(false);
    m_recordLabel->setFullText(tr("No record selected"));
    m_hexView->setPlaceholder(tr("Select a record to see its bytes"));
}

void DetailPane::onCopyLogLineActionTriggered() {
    copyRecord(RecordForm::LogLine);
}

void DetailPane::onCopyHexDumpActionTriggered() {
    copyRecord(RecordForm::HexDump);
}

void DetailPane::onCopyCsvActionTriggered() {
    copyRecord(RecordForm::Csv);
}

void DetailPane::onCopyJsonLineActionTriggered() {
    copyRecord(RecordForm::JsonLine);
}

void DetailPane::copyRecord(RecordForm form) const {
    Record record;
    if (!m_hasRecord || !m_workbench->journal().record(m_seq, &record, true))
        return;
    const Workbench *workbench = m_workbench;
    const EndpointNamer namer = [workbench](EndpointId id) { return endpointAddress(*workbench, id); };
    // CSV and JSON Lines also name the endpoint as the log does and give its own and its peer's
    // address (none for a listener: its name is not an address).
    EndpointDetails details{endpointLabel(*workbench, record.endpoint), {}, {}};
    if (const std::optional<EndpointMeta> meta = workbench->journal().describedEndpoint(record.endpoint)) {
        if (meta->local.isValid())
            details.local = meta->local.toString();
        if (meta->peer.isValid())
            details.peer = meta->peer.toString();
    }
    QByteArray out;
    switch (form) {
    case RecordForm::LogLine:
        appendLogLine(&out, record, namer);
        break;
    case RecordForm::HexDump:
        appendHexDump(&out, record);
        break;
    case RecordForm::Csv:
        out = csvHeader();
        appendCsvRow(&out, record, &details);
        break;
    case RecordForm::JsonLine:
        appendJsonLine(&out, record, &details);
        break;
    }
    QApplication::clipboard()->setText(QString::fromUtf8(out));
}

void DetailPane::setConversationEndpoints(const QSet<EndpointId> &endpoints, EndpointId selected) {
    QSet<EndpointId> shown = endpoints;
    QHash<EndpointId, ConversationView::Leg> legs;
    QHash<EndpointId, NetAddress> peers;
    for (EndpointId id : endpoints) {
        const EndpointInfo info = m_workbench->info(id);
        const bool relayChild = info.listener != 0 && m_workbench->info(info.listener).relay.has_value();
        if (info.kind == EndpointKind::TcpConnection && relayChild) {
            legs.insert(id, info.outgoing ? ConversationView::Leg::Target : ConversationView::Leg::Client);
        } else if (info.kind == EndpointKind::UdpSocket && info.relay) {
            legs.insert(id, ConversationView::Leg::Client);
        } else if (info.kind == EndpointKind::UdpSocket && relayChild) {
            legs.insert(id, ConversationView::Leg::Target);
            // The relay's own socket talks to every client: of it, only this client's datagrams.
            if (!endpoints.contains(info.listener) && info.relayClient.isValid()) {
                shown.insert(info.listener);
                legs.insert(info.listener, ConversationView::Leg::Client);
                peers.insert(info.listener, info.relayClient);
            }
        }
    }
    // A finished conversation (a stream read from a capture, a connection that has ended) is read
    // from its start; a live one opens at its end and follows it.
    m_conversationView->setOpensAtEnd(std::any_of(
        shown.begin(), shown.end(), [this](EndpointId id) { return !isFinal(m_workbench->info(id).state); }));
    m_conversationView->setEndpoints(shown, legs, peers);
    m_rateGraph->setEndpoints(endpoints);
    // One endpoint is the selection itself; a larger set is a listener with its connections.
    for (EndpointId id : endpoints) {
        if (selected != 0)
            break;
        if (endpoints.size() == 1 || m_workbench->info(id).kind == EndpointKind::TcpListener)
            selected = id;
    }
    m_tcpInfoPanel->setEndpoint(selected);
    m_tlsPanel->setEndpoint(selected);
}

void DetailPane::showGraph() {
    m_tabs->setCurrentWidget(m_graphPage);
}

void DetailPane::showTls() {
    m_tabs->setCurrentWidget(m_tlsPanel);
}

void DetailPane::showFaults() {
    m_tabs->setCurrentWidget(m_faultPanel);
}

void DetailPane::setSelectedEndpoint(EndpointId id) {
    m_faultPanel->setEndpoint(id);
}

} // namespace sockbench
