#include "language/jsonfile.h"

#include "language/translate.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

namespace sockbench {

namespace {

QString versionKey(const JsonFileFormat &format) {
    return QStringLiteral("sockbench_") + QLatin1String(format.kind);
}

} // namespace

QString jsonSyntaxError(const QByteArray &text, const QJsonParseError &error) {
    // QJsonParseError's offset is one past the character at fault ("[,]" reports 2 for the comma
    // at index 1).
    const qsizetype offset = std::clamp<qsizetype>(error.offset - 1, 0, text.size());
    const QByteArray before = text.left(offset);
    const qsizetype lineStart = before.lastIndexOf('\n') + 1;
    const qsizetype column = QString::fromUtf8(before.mid(lineStart)).size() + 1;
    return tr("line %1, column %2: %3").arg(before.count('\n') + 1).arg(column).arg(error.errorString());
}

std::optional<QJsonArray> readJsonFileList(const QByteArray &text, const JsonFileFormat &format,
                                           QString *error) {
    const QString kind = QLatin1String(format.kind);
    const QString version = versionKey(format);
    const QString listKey = QLatin1String(format.listKey);
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = jsonSyntaxError(text, parseError);
        return std::nullopt;
    }
    if (!doc.isObject()) {
        *error = tr("line 1: a %1 is a JSON object with \"%2\" and \"%3\"").arg(kind, version, listKey);
        return std::nullopt;
    }
    const QJsonObject root = doc.object();
    const QJsonValue number = root.value(version);
    // toInt() is 0 for a fraction or a number out of int's range: no cast of an arbitrary double.
    if (!number.isDouble() || number.toDouble() < 1 || number.toDouble() != double(number.toInt())) {
        *error = tr("%1: missing; this is not a Sockbench %2 file").arg(version, kind);
        return std::nullopt;
    }
    if (number.toInt() > format.newestVersion) {
        *error = tr("%1: format %2 is newer than this Sockbench reads (%3)")
                     .arg(version)
                     .arg(number.toInt())
                     .arg(format.newestVersion);
        return std::nullopt;
    }
    for (auto it = root.begin(); it != root.end(); ++it) {
        if (it.key() != version && it.key() != listKey) {
            *error = tr("%1: unknown key (written by a newer Sockbench?)").arg(it.key());
            return std::nullopt;
        }
    }
    const QJsonValue list = root.value(listKey);
    if (!list.isArray()) {
        *error = tr("%1: missing; a list of %1").arg(listKey);
        return std::nullopt;
    }
    return list.toArray();
}

std::optional<qint64> jsonWholeNumber(const QJsonValue &value, qint64 lowest, qint64 highest) {
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    // The range first: casting a double beyond qint64 (1e30) is undefined.
    if (!std::isfinite(d) || d < double(lowest) || d > double(highest) || d != std::floor(d))
        return std::nullopt;
    return qint64(d);
}

QByteArray writeJsonFile(const JsonFileFormat &format, const QJsonArray &list) {
    QJsonObject root;
    root.insert(versionKey(format), format.newestVersion);
    root.insert(QLatin1String(format.listKey), list);
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

} // namespace sockbench
