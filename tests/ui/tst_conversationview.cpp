// The conversation view on a real Workbench with a loopback peer: both directions interleaved in
// the order they crossed the wire, one colour per direction, only the chosen endpoints, long
// chunks broken into lines, evicted payloads named as such, and a long history indexed in slices.

#include "language/payload.h"
#include "models/journalfeed.h"
#include "testmain.h"
#include "testutil.h"
#include "views/conversationview.h"

#include <QImage>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace sockbench;
using namespace sockbench::test;

class TestConversationView final : public QObject {
    Q_OBJECT

public:
    TestConversationView() = default;
    Q_DISABLE_COPY_MOVE(TestConversationView)

private Q_SLOTS:
    void init();
    void cleanup();
    void bothDirectionsInArrivalOrder();
    void eachDirectionHasItsColour();
    void showsOnlyTheChosenEndpoints();
    void longChunksAreBrokenIntoLines();
    void droppedRecordsLeaveTheConversation();
    void longHistoryIsIndexedInSlices();
    void blockIndexKeepsEveryLineExact();
    void linesOfDroppedRecordsGo();

private:
    void open(const WorkbenchConfig &config = {});
    /// Sends from the Workbench's client and waits until the raw peer has read it all.
    bool sendOut(const QByteArray &bytes);
    /// Sends from the raw peer and waits until the journal has recorded it.
    bool sendIn(const QByteArray &bytes);
    QString lines() const;

    std::unique_ptr<Workbench> m_wb;
    std::unique_ptr<JournalFeed> m_feed;
    std::unique_ptr<ConversationView> m_view;
    ConnectedToRawListener m_pair;
};

void TestConversationView::init() {
    open();
}

void TestConversationView::open(const WorkbenchConfig &config) {
    m_view.reset();
    m_feed.reset();
    m_pair = {};
    m_wb = std::make_unique<Workbench>(config);
    m_feed = std::make_unique<JournalFeed>(m_wb.get());
    m_view = std::make_unique<ConversationView>(&m_wb->journal());
    m_view->follow(m_feed.get());
    m_view->resize(700, 300);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    m_pair = connectToRawListener(*m_wb);
    QVERIFY2(!m_pair.failure, m_pair.failure);
}

void TestConversationView::cleanup() {
    m_view.reset();
    m_feed.reset();
    m_pair = {};
    m_wb.reset();
}

bool TestConversationView::sendOut(const QByteArray &bytes) {
    return m_wb->send(m_pair.client, bytes) && m_pair.raw->readExactly(bytes.size()) == bytes;
}

bool TestConversationView::sendIn(const QByteArray &bytes) {
    const quint64 before = m_wb->journal().counters(m_pair.client).bytesIn;
    return m_pair.raw->sendAll(bytes) && QTest::qWaitFor([&] {
               return m_wb->journal().counters(m_pair.client).bytesIn == before + bytes.size();
           });
}

QString TestConversationView::lines() const {
    QStringList out;
    for (qsizetype i = 0; i < m_view->lineCount(); ++i)
        out << (m_view->lineIsInbound(i) ? QStringLiteral("< ") : QStringLiteral("> ")) + m_view->lineText(i);
    return out.join(u'|');
}

void TestConversationView::bothDirectionsInArrivalOrder() {
    m_view->setEndpoints({m_pair.client});
    QVERIFY(sendOut("line one\nline two\n"));
    QVERIFY(sendIn("reply\n"));
    QVERIFY(sendOut("again"));
    // Events (connecting, connected) are not part of a conversation.
    QTRY_COMPARE(lines(), QStringLiteral("> line one\\n|> line two\\n|< reply\\n|> again"));
    QCOMPARE(m_view->lineCount(), 4);
    QVERIFY(!m_view->isIndexing());
    QCOMPARE(m_view->lineText(4), QString());
    QVERIFY(!m_view->lineIsInbound(-1));
}

void TestConversationView::eachDirectionHasItsColour() {
    m_view->setEndpoints({m_pair.client});
    QVERIFY(sendOut("out\n"));
    QVERIFY(sendIn("in\n"));
    QTRY_COMPARE(m_view->lineCount(), 2);
    const QImage image = m_view->viewport()->grab().toImage();
    const int lineHeight = QFontMetrics(m_view->font()).height();
    const int arrowWidth = QFontMetrics(m_view->font()).horizontalAdvance(QStringLiteral("→ "));
    const auto background = [&](int line) {
        return image.pixelColor(image.width() - 3, line * lineHeight + lineHeight / 2);
    };
    // The darkest pixel of the arrow is the pen's colour, or nearest to it.
    const auto arrowInk = [&](int line) {
        QColor darkest = Qt::white;
        for (int y = line * lineHeight; y < (line + 1) * lineHeight; ++y) {
            for (int x = 0; x < arrowWidth; ++x) {
                const QColor c = image.pixelColor(x, y);
                if (c.red() + c.green() + c.blue() < darkest.red() + darkest.green() + darkest.blue())
                    darkest = c;
            }
        }
        return darkest;
    };
    // Sent lines are tinted red, received ones blue: outboundColor() and inboundColor().
    QVERIFY2(background(0).red() > background(0).blue(), qPrintable(background(0).name()));
    QVERIFY2(background(1).blue() > background(1).red(), qPrintable(background(1).name()));
    QVERIFY2(arrowInk(0).red() > arrowInk(0).blue() + 40, qPrintable(arrowInk(0).name()));
    QVERIFY2(arrowInk(1).blue() > arrowInk(1).red() + 40, qPrintable(arrowInk(1).name()));
    // Below the last line the background is the plain base.
    QCOMPARE(background(3), m_view->palette().color(QPalette::Base));
}

void TestConversationView::showsOnlyTheChosenEndpoints() {
    EndpointId listener = 0;
    const NetAddress at = startListener(*m_wb, &listener);
    QVERIFY(at.isValid());
    const EndpointId other = connectAndWait(*m_wb, at);
    QVERIFY(other != 0);
    QVERIFY(m_wb->send(other, "elsewhere\n"));
    QVERIFY(sendOut("here\n"));
    QTRY_VERIFY(m_wb->journal().counters(other).bytesOut == 10);

    m_view->setEndpoints({m_pair.client});
    QTRY_COMPARE(lines(), QStringLiteral("> here\\n"));
    m_view->setEndpoints({other});
    QTRY_COMPARE(lines(), QStringLiteral("> elsewhere\\n"));
    // The listener's accepted end received it: the same bytes, inbound.
    const QList<EndpointId> clients = m_wb->connectionsOf(listener);
    QCOMPARE(clients.size(), 1);
    m_view->setEndpoints({listener, clients.first()});
    QTRY_COMPARE(lines(), QStringLiteral("< elsewhere\\n"));
    m_view->setEndpoints({});
    QCOMPARE(m_view->lineCount(), 0);
    QVERIFY(!m_view->isIndexing());
}

void TestConversationView::longChunksAreBrokenIntoLines() {
    m_view->setEndpoints({m_pair.client});
    const QByteArray unbroken(200, 'w');
    QVERIFY(sendOut(unbroken));
    QTRY_COMPARE(m_view->lineCount(), 3);
    QCOMPARE(m_view->lineText(0), QString(96, QLatin1Char('w')));
    QCOMPARE(m_view->lineText(1), QString(96, QLatin1Char('w')));
    QCOMPARE(m_view->lineText(2), QString(8, QLatin1Char('w')));
    QVERIFY(sendIn("ab\ncd\n\nef"));
    QTRY_COMPARE(m_view->lineCount(), 7);
    QCOMPARE(m_view->lineText(3), QStringLiteral("ab\\n"));
    QCOMPARE(m_view->lineText(5), QStringLiteral("\\n"));
    QCOMPARE(m_view->lineText(6), QStringLiteral("ef"));
    QVERIFY(m_view->lineIsInbound(6));
}

void TestConversationView::droppedRecordsLeaveTheConversation() {
    WorkbenchConfig config;
    config.journalBudgetBytes = 2 * 1024 * 1024;
    open(config);
    m_view->setEndpoints({m_pair.client});
    QVERIFY(sendOut("first words"));
    QTRY_VERIFY(!m_view->isIndexing() && m_view->lineCount() == 1);
    QCOMPARE(m_view->lineText(0), QStringLiteral("first words"));
    QVERIFY(sendOut(QByteArray(3 * 1024 * 1024, 'x')));
    QTRY_VERIFY(m_wb->journal().oldestSeq() > 0);
    // The first words went with their record: the conversation now starts at what is held.
    QTRY_VERIFY(!m_view->isIndexing() && m_view->lineCount() > 0 && m_view->lineText(0).startsWith(u'x'));
    QVERIFY(!m_view->lineIsInbound(0));
}

void TestConversationView::longHistoryIsIndexedInSlices() {
    // Bulk history straight into the journal (as the reactors append it), on an endpoint of its own.
    constexpr int Records = 100000;
    Journal &journal = m_wb->journal();
    for (int i = 0; i < Records; ++i)
        journal.appendData(999, i % 2 ? RecordKind::DataIn : RecordKind::DataOut, QByteArray("0123456789\n"));
    Q_EMIT m_wb->journalGrew(journal.count());
    QTRY_COMPARE(m_feed->count(), journal.count());
    QSignalSpy grown(m_view->verticalScrollBar(), &QScrollBar::rangeChanged);
    m_view->setEndpoints({999});
    // Nothing is read while the caller waits: the index is built from the event loop, slice by slice.
    QVERIFY(m_view->isIndexing());
    QCOMPARE(m_view->lineCount(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!m_view->isIndexing(), 20000);
    QCOMPARE(m_view->lineCount(), Records);
    // Each slice shows what it found: the range grew in several steps, not once at the end.
    QVERIFY2(grown.count() >= 3, qPrintable(QString::number(grown.count())));
    QCOMPARE(m_view->lineText(Records - 1), QStringLiteral("0123456789\\n"));
    QVERIFY(m_view->lineIsInbound(Records - 1));
    // Scrolled to the end, only the lines in sight are read back for painting.
    m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->maximum());
    m_view->viewport()->repaint();
    QCOMPARE(m_view->verticalScrollBar()->maximum() + m_view->verticalScrollBar()->pageStep(), Records);
}

namespace {

/// The display lines of a payload as the view must show them: split after each newline and every
/// 96 bytes.
void appendExpected(QStringList *out, const QByteArray &bytes, bool inbound) {
    qsizetype start = 0;
    while (start < bytes.size()) {
        const qsizetype limit = std::min<qsizetype>(96, bytes.size() - start);
        const qsizetype nl = bytes.indexOf('\n', start);
        const qsizetype len = nl >= 0 && nl < start + limit ? nl - start + 1 : limit;
        *out << (inbound ? QStringLiteral("< ") : QStringLiteral("> ")) +
                    bytesToEscapedText(QByteArrayView(bytes).sliced(start, len));
        start += len;
    }
}

} // namespace

void TestConversationView::blockIndexKeepsEveryLineExact() {
    // Many short lines, long wrapped lines and records of another endpoint in between, across many
    // blocks (of records and of payload bytes): every line's text, direction and order stay exact.
    Journal &journal = m_wb->journal();
    QStringList expected;
    for (int i = 0; i < 12000; ++i) {
        const bool inbound = i % 3 == 0;
        QByteArray bytes;
        if (i % 1000 == 7)
            bytes = QByteArray(1000 + i % 300, char('a' + i % 26)) + "\nend";
        else if (i % 5 == 0)
            bytes = QByteArray("y\n").repeated(1 + i % 40);
        else
            bytes = QByteArray::number(i) + (i % 2 ? "\n" : "");
        journal.appendData(999, inbound ? RecordKind::DataIn : RecordKind::DataOut, bytes);
        appendExpected(&expected, bytes, inbound);
        if (i % 4 == 0)
            journal.appendData(998, RecordKind::DataIn, QByteArray("not shown\n"));
    }
    Q_EMIT m_wb->journalGrew(journal.count());
    QTRY_COMPARE(m_feed->count(), journal.count());
    m_view->setEndpoints({999});
    QTRY_VERIFY_WITH_TIMEOUT(!m_view->isIndexing(), 20000);
    QCOMPARE(m_view->lineCount(), expected.size());
    QStringList shown;
    for (qsizetype i = 0; i < m_view->lineCount(); ++i)
        shown << (m_view->lineIsInbound(i) ? QStringLiteral("< ") : QStringLiteral("> ")) +
                     m_view->lineText(i);
    for (qsizetype i = 0; i < expected.size(); ++i)
        QCOMPARE(shown[i], expected[i]);
    // Backwards, as scrolling up reads them, gives the same texts.
    for (qsizetype i = expected.size() - 1; i >= 0; i -= 97)
        QCOMPARE(
            QStringLiteral("%1%2").arg(m_view->lineIsInbound(i) ? QStringLiteral("< ") : QStringLiteral("> "),
                                       m_view->lineText(i)),
            expected[i]);
    QCOMPARE(m_view->verticalScrollBar()->maximum() + m_view->verticalScrollBar()->pageStep(),
             int(expected.size()));
}

void TestConversationView::linesOfDroppedRecordsGo() {
    WorkbenchConfig config;
    config.journalBudgetBytes = 2 * 1024 * 1024;
    open(config);
    Journal &journal = m_wb->journal();
    for (int i = 0; i < 20; ++i)
        journal.appendData(999, RecordKind::DataIn, QByteArray(300, 'z'));
    Q_EMIT m_wb->journalGrew(journal.count());
    QTRY_COMPARE(m_feed->count(), journal.count());
    m_view->setEndpoints({999});
    QTRY_VERIFY(!m_view->isIndexing());
    QCOMPARE(m_view->lineCount(), 20 * 4);
    QCOMPARE(m_view->lineText(3), QString(12, QLatin1Char('z')));
    m_view->verticalScrollBar()->setValue(m_view->verticalScrollBar()->maximum());
    // Other traffic pushes these records out of the budget: their lines go, the view stays whole.
    for (int i = 0; i < 80; ++i)
        journal.appendData(998, RecordKind::DataIn, QByteArray(64 * 1024, 'q'));
    Q_EMIT m_wb->journalGrew(journal.count());
    QTRY_COMPARE(m_feed->count(), journal.count());
    QTRY_COMPARE(m_view->lineCount(), 0);
    QVERIFY(journal.oldestSeq() >= 20);
    QCOMPARE(m_view->verticalScrollBar()->value(), 0);
    m_view->viewport()->repaint();
    // New lines of the endpoint come after, numbered from the top again.
    journal.appendData(999, RecordKind::DataIn, QByteArray("again\n"));
    Q_EMIT m_wb->journalGrew(journal.count());
    QTRY_COMPARE(m_view->lineCount(), 1);
    QCOMPARE(m_view->lineText(0), QStringLiteral("again\\n"));
}

SOCKBENCH_TEST_MAIN(TestConversationView)
#include "tst_conversationview.moc"
