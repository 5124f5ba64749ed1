#include "panels/detailpane.h"
#include "engine/workbench.h"
#include "style/presentation.h"
#include "views/conversationview.h"
#include "views/hexview.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

namespace sockbench {

DetailPane::DetailPane(Workbench *workbench, const JournalFeed *feed, QWidget *parent)
    : QWidget(parent)
    , m_workbench(workbench)
    , m_tabs(new QTabWidget(this)) {
    setObjectName(QStringLiteral("detailPane"));
    m_tabs->setObjectName(QStringLiteral("detailTabs"));

    auto *bytesPage = new QWidget(m_tabs);
    m_hexView = new HexView(bytesPage);
    m_hexView->setObjectName(QStringLiteral("hexView"));
    m_recordLabel = new QLabel(bytesPage);
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
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_recordLabel, 1);
    buttons->addWidget(copyHex);
    buttons->addWidget(copyText);
    buttons->addWidget(copyC);
    auto *bytesLayout = new QVBoxLayout(bytesPage);
    bytesLayout->setContentsMargins(2, 2, 2, 2);
    bytesLayout->addLayout(buttons);
    bytesLayout->addWidget(m_hexView, 1);

    m_conversationView = new ConversationView(&workbench->journal(), m_tabs);
    m_conversationView->setObjectName(QStringLiteral("conversationView"));
    m_conversationView->follow(feed);

    m_tabs->addTab(bytesPage, tr("&Bytes"));
    m_tabs->addTab(m_conversationView, tr("Conversa&tion"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);
    clearRecord();
}

DetailPane::~DetailPane() = default;

void DetailPane::showRecord(quint64 seq) {
    Record record;
    if (!m_workbench->journal().record(seq, &record, true))
        return;
    m_recordLabel->setText(tr("Record %1, %2, %3: %4 %5")
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
    m_recordLabel->setText(tr("No record selected"));
    m_hexView->setPlaceholder(tr("Select a record to see its bytes"));
}

void DetailPane::setConversationEndpoints(const QSet<EndpointId> &endpoints) {
    m_conversationView->setEndpoints(endpoints);
}

} // namespace sockbench
