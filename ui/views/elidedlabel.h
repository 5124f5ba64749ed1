#pragma once

#include <QLabel>

namespace sockbench {

/// A one-line label whose text never sizes the window: it asks for no width of its own, elides
/// what does not fit and shows the whole text in its tooltip. For messages whose length the user
/// controls (parse errors, record descriptions).
class ElidedLabel final : public QLabel {
    Q_OBJECT

public:
    explicit ElidedLabel(QWidget *parent = nullptr);
    ~ElidedLabel() override;
    Q_DISABLE_COPY_MOVE(ElidedLabel)

    /// Sets the text and, when it is not empty, the tooltip to the same text.
    void setFullText(const QString &text);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
};

} // namespace sockbench
