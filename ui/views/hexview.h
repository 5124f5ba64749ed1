#pragma once

#include <QAbstractScrollArea>
#include <QByteArray>

namespace sockbench {

/// Offset | hex | ASCII view of one payload, painting only the rows in sight so that a payload of
/// many MiB costs nothing more than a small one. A selection made in either column is mirrored in
/// the other; it can be copied as hex, as text or as a C array.
class HexView final : public QAbstractScrollArea {
    Q_OBJECT

public:
    static constexpr int BytesPerRow = 16;

    explicit HexView(QWidget *parent = nullptr);
    ~HexView() override;
    Q_DISABLE_COPY_MOVE(HexView)

    void setData(const QByteArray &data);
    const QByteArray &data() const { return m_data; }
    /// Text shown instead of bytes (e.g. "payload evicted"); cleared by setData().
    void setPlaceholder(const QString &text);

    /// Selected byte range [start, end); empty when start == end.
    qsizetype selectionStart() const { return m_selStart; }
    qsizetype selectionEnd() const { return m_selEnd; }
    void setSelection(qsizetype start, qsizetype end);
    /// The selection, or everything when nothing is selected.
    QByteArray selectedBytes() const;

    void copyAsHex() const;
    void copyAsText() const;
    void copyAsCArray() const;

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    bool event(QEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void updateMetrics();
    void updateScrollBars();
    /// Byte under a viewport position, or -1; clamps into the data when clamp is set.
    qsizetype byteAt(const QPoint &pos, bool clamp) const;
    qsizetype rowCount() const { return (m_data.size() + BytesPerRow - 1) / BytesPerRow; }

    QByteArray m_data;
    QString m_placeholder;
    qsizetype m_selStart = 0;
    qsizetype m_selEnd = 0;
    qsizetype m_pressByte = 0; ///< where a drag started
    int m_charWidth = 8;
    int m_lineHeight = 16;
    int m_hexX = 0;   ///< x of the hex column
    int m_asciiX = 0; ///< x of the ASCII column
};

} // namespace sockbench
