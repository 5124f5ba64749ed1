// The hex view on its own, offscreen: where each byte sits (clicks in either column pick the
// same byte, drags and shift-clicks extend), the scroll range, painting of the selection, the
// copy formats and keys (Ctrl+Home and Ctrl+End among them), and that a 10 MB payload costs no more to show
// than a small one.

#include "testmain.h"
#include "views/hexview.h"

#include <QApplication>
#include <QClipboard>
#include <QElapsedTimer>
#include <QImage>
#include <QScrollBar>
#include <QTest>

using namespace sockbench;

class TestHexView final : public QObject {
    Q_OBJECT

public:
    TestHexView() = default;
    Q_DISABLE_COPY_MOVE(TestHexView)

private Q_SLOTS:
    void init();
    void cleanup();
    void scrollRangeCoversEveryRow();
    void clickInEitherColumnSelectsThatByte();
    void dragAndShiftClickExtendTheSelection();
    void selectionIsPaintedOnTheSelectedBytes();
    void copiesAsHexTextAndCArray();
    void keysSelectAllAndCopy();
    void ctrlHomeAndEndGoToStartAndEnd();
    void placeholderReplacesTheBytes();
    void tenMegabytesStayCheap();

private:
    /// Geometry as HexView lays it out: a margin, 10 characters of offset, then 16 hex pairs with a
    /// gap after the eighth, two characters of space, then the ASCII column.
    int charWidth() const { return QFontMetrics(m_view->font()).horizontalAdvance(QLatin1Char('0')); }
    int lineHeight() const { return QFontMetrics(m_view->font()).height(); }
    QPoint hexCell(int row, int column) const {
        const int x = 4 + charWidth() * (10 + column * 3 + (column >= 8 ? 1 : 0)) + charWidth() / 2;
        return {x, row * lineHeight() + lineHeight() / 2};
    }
    QPoint asciiCell(int row, int column) const {
        const int x = 4 + charWidth() * (10 + HexView::BytesPerRow * 3 + 2 + column) + charWidth() / 2;
        return {x, row * lineHeight() + lineHeight() / 2};
    }
    QWidget *viewport() const { return m_view->viewport(); }

    std::unique_ptr<HexView> m_view;
};

void TestHexView::init() {
    m_view = std::make_unique<HexView>();
    m_view->resize(900, 400);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestHexView::cleanup() {
    m_view.reset();
}

void TestHexView::scrollRangeCoversEveryRow() {
    QByteArray data(1000, 'x'); // 63 rows, the last one short
    m_view->setData(data);
    QScrollBar *bar = m_view->verticalScrollBar();
    const int visibleRows = viewport()->height() / lineHeight();
    QCOMPARE(bar->pageStep(), visibleRows);
    QCOMPARE(bar->maximum(), 63 - visibleRows);
    m_view->setData(QByteArray(16, 'y'));
    QCOMPARE(bar->maximum(), 0);
    // A narrow view scrolls sideways to reach the ASCII column.
    m_view->resize(200, 400);
    QTRY_VERIFY(m_view->horizontalScrollBar()->maximum() > 0);
}

void TestHexView::clickInEitherColumnSelectsThatByte() {
    QByteArray data;
    for (int i = 0; i < 64; ++i)
        data.append(char(i));
    m_view->setData(data);
    QTest::mouseClick(viewport(), Qt::LeftButton, {}, hexCell(0, 0));
    QCOMPARE(m_view->selectionStart(), 0);
    QCOMPARE(m_view->selectionEnd(), 1);
    QTest::mouseClick(viewport(), Qt::LeftButton, {}, hexCell(1, 9)); // right of the gap
    QCOMPARE(m_view->selectionStart(), 25);
    QCOMPARE(m_view->selectionEnd(), 26);
    QTest::mouseClick(viewport(), Qt::LeftButton, {}, asciiCell(2, 3));
    QCOMPARE(m_view->selectionStart(), 35);
    QCOMPARE(m_view->selectedBytes(), QByteArray(1, char(35)));
    // Scrolled down by one row, the first visible row is the second row of data.
    m_view->resize(900, lineHeight() * 2 + 2 * m_view->frameWidth());
    QTRY_VERIFY(m_view->verticalScrollBar()->maximum() > 0);
    m_view->verticalScrollBar()->setValue(1);
    QTest::mouseClick(viewport(), Qt::LeftButton, {}, hexCell(0, 15));
    QCOMPARE(m_view->selectionStart(), 31);
    // A click beside the bytes clears the selection.
    QTest::mouseClick(viewport(), Qt::LeftButton, {}, QPoint(1, lineHeight() / 2));
    QCOMPARE(m_view->selectionStart(), m_view->selectionEnd());
}

void TestHexView::dragAndShiftClickExtendTheSelection() {
    m_view->setData(QByteArray(64, 'z'));
    QTest::mousePress(viewport(), Qt::LeftButton, {}, hexCell(0, 4));
    QTest::mouseMove(viewport(), hexCell(1, 2));
    QTest::mouseRelease(viewport(), Qt::LeftButton, {}, hexCell(1, 2));
    QCOMPARE(m_view->selectionStart(), 4);
    QCOMPARE(m_view->selectionEnd(), 19);
    // Dragging backwards keeps the byte where the drag started.
    QTest::mousePress(viewport(), Qt::LeftButton, {}, asciiCell(2, 0));
    QTest::mouseMove(viewport(), asciiCell(1, 14));
    QTest::mouseRelease(viewport(), Qt::LeftButton, {}, asciiCell(1, 14));
    QCOMPARE(m_view->selectionStart(), 30);
    QCOMPARE(m_view->selectionEnd(), 33);
    // Shift+click extends from the last anchor.
    QTest::mouseClick(viewport(), Qt::LeftButton, {}, hexCell(0, 1));
    QTest::mouseClick(viewport(), Qt::LeftButton, Qt::ShiftModifier, hexCell(0, 5));
    QCOMPARE(m_view->selectionStart(), 1);
    QCOMPARE(m_view->selectionEnd(), 6);
    // A drag past the last byte stops at it.
    QTest::mousePress(viewport(), Qt::LeftButton, {}, hexCell(3, 14));
    QTest::mouseMove(viewport(), QPoint(viewport()->width() - 2, viewport()->height() - 2));
    QTest::mouseRelease(viewport(), Qt::LeftButton, {},
                        QPoint(viewport()->width() - 2, viewport()->height() - 2));
    QCOMPARE(m_view->selectionStart(), 62);
    QCOMPARE(m_view->selectionEnd(), 64);
    // setSelection orders and clamps.
    m_view->setSelection(100, 10);
    QCOMPARE(m_view->selectionStart(), 10);
    QCOMPARE(m_view->selectionEnd(), 64);
}

void TestHexView::selectionIsPaintedOnTheSelectedBytes() {
    m_view->setData(QByteArray(48, 'q'));
    m_view->setSelection(16, 17); // the first byte of the second row
    const QImage image = viewport()->grab().toImage();
    const QColor highlight = m_view->palette().color(QPalette::Highlight);
    const auto highlighted = [&](QPoint at) {
        // The top-left pixel of a cell lies outside its glyph: it shows the cell's background.
        const QPoint corner(at.x() - charWidth() / 2, at.y() - lineHeight() / 2);
        return image.pixelColor(corner * image.devicePixelRatio()) == highlight;
    };
    QVERIFY(highlighted(hexCell(1, 0)));
    QVERIFY(highlighted(asciiCell(1, 0))); // mirrored in the other column
    QVERIFY(!highlighted(hexCell(1, 1)));
    QVERIFY(!highlighted(hexCell(0, 0)));
    QVERIFY(!highlighted(asciiCell(2, 0)));
}

void TestHexView::copiesAsHexTextAndCArray() {
    m_view->setData(QByteArray("AB\x01\xff", 4));
    m_view->copyAsHex(); // nothing selected: everything
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("41 42 01 ff"));
    m_view->setSelection(0, 2);
    m_view->copyAsText();
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("AB"));
    m_view->setSelection(1, 4);
    m_view->copyAsCArray();
    QCOMPARE(QApplication::clipboard()->text(),
             QStringLiteral("static const unsigned char data[3] = {\n    0x42, 0x01, 0xff,\n};\n"));
}

void TestHexView::keysSelectAllAndCopy() {
    m_view->setData(QByteArray("hex!"));
    m_view->setFocus();
    QTest::keyClick(m_view.get(), Qt::Key_A, Qt::ControlModifier);
    QCOMPARE(m_view->selectionStart(), 0);
    QCOMPARE(m_view->selectionEnd(), 4);
    m_view->setSelection(1, 3);
    QTest::keyClick(m_view.get(), Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("65 78"));
}

void TestHexView::ctrlHomeAndEndGoToStartAndEnd() {
    m_view->setData(QByteArray(64 * 1024, 'x'));
    QScrollBar *bar = m_view->verticalScrollBar();
    QVERIFY(bar->maximum() > 0);
    QCOMPARE(bar->value(), 0);
    m_view->setFocus();
    QTest::keyClick(m_view.get(), Qt::Key_End, Qt::ControlModifier);
    QCOMPARE(bar->value(), bar->maximum());
    QTest::keyClick(m_view.get(), Qt::Key_Home, Qt::ControlModifier);
    QCOMPARE(bar->value(), 0);
    QTest::keyClick(m_view.get(), Qt::Key_End);
    QCOMPARE(bar->value(), bar->maximum());
    QTest::keyClick(m_view.get(), Qt::Key_Home);
    QCOMPARE(bar->value(), 0);
}

void TestHexView::placeholderReplacesTheBytes() {
    m_view->setData(QByteArray("data"));
    m_view->setSelection(1, 2);
    m_view->setPlaceholder(QStringLiteral("gone"));
    QVERIFY(m_view->data().isEmpty());
    QCOMPARE(m_view->selectionStart(), 0);
    QCOMPARE(m_view->selectionEnd(), 0);
    QCOMPARE(m_view->verticalScrollBar()->maximum(), 0);
    QTest::mouseClick(viewport(), Qt::LeftButton, {}, hexCell(0, 0)); // nothing to select
    QCOMPARE(m_view->selectionEnd(), 0);
    m_view->setData(QByteArray("back"));
    QCOMPARE(m_view->data(), QByteArray("back"));
}

void TestHexView::tenMegabytesStayCheap() {
    const QByteArray big(10 * 1024 * 1024, '\x5a');
    QElapsedTimer clock;
    clock.start();
    m_view->setData(big);
    QCOMPARE(m_view->verticalScrollBar()->maximum() + m_view->verticalScrollBar()->pageStep(),
             big.size() / HexView::BytesPerRow);
    // Twenty repaints at spread positions. Painting every row would draw 11 million glyph runs
    // each time (minutes); painting the visible rows takes milliseconds.
    QScrollBar *bar = m_view->verticalScrollBar();
    for (int i = 0; i < 20; ++i) {
        bar->setValue(bar->maximum() / 19 * i);
        viewport()->repaint();
    }
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(elapsed < 3000, qPrintable(QStringLiteral("%1 ms").arg(elapsed)));
    // The last row is where the data ends.
    bar->setValue(bar->maximum());
    const int lastVisibleRow = bar->pageStep() - 1;
    QTest::mouseClick(viewport(), Qt::LeftButton, {}, hexCell(lastVisibleRow, 15));
    QCOMPARE(m_view->selectionStart(), big.size() - 1);
}

SOCKBENCH_TEST_MAIN(TestHexView)
#include "tst_hexview.moc"
