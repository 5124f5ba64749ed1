#include "language/jsonerror.h"

#include <QCoreApplication>

#include <algorithm>

namespace sockbench {

QString jsonSyntaxError(const QByteArray &text, const QJsonParseError &error) {
    // QJsonParseError's offset is one past the character at fault ("[,]" reports 2 for the comma
    // at index 1).
    const qsizetype offset = std::clamp<qsizetype>(error.offset - 1, 0, text.size());
    const QByteArray before = text.left(offset);
    const qsizetype lineStart = before.lastIndexOf('\n') + 1;
    const qsizetype column = QString::fromUtf8(before.mid(lineStart)).size() + 1;
    return QCoreApplication::translate("sockbench::Json", "line %1, column %2: %3")
        .arg(before.count('\n') + 1)
        .arg(column)
        .arg(error.errorString());
}

} // namespace sockbench
