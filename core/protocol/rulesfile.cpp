#include "protocol/rulesfile.h"

#include <QFile>

namespace sockbench {

RulesFileResult readRulesFile(const QString &path, const RulesOverrides &overrides) {
    RulesFileResult result;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        result.fileError = file.errorString();
        return result;
    }
    RulesParseResult parsed = parseRules(file.readAll(), overrides);
    result.rules = std::move(parsed.rules);
    result.error = std::move(parsed.error);
    return result;
}

} // namespace sockbench
