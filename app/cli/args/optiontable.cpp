#include "cli/args/optiontable.h"

namespace sockbench {

ParsedCommandLine usageError(CliVerb verb, const QString &message) {
    ParsedCommandLine result;
    result.action = ParsedCommandLine::Action::UsageError;
    result.verb = verb;
    result.error = message;
    return result;
}

QString quoted(const QString &text) {
    return u'\'' + text + u'\'';
}

namespace {

QString nameAndValue(const OptionInfo &option) {
    return option.takesValue() ? option.longName + u' ' + option.valueName : option.longName;
}

} // namespace

QString formatOptions(const std::vector<OptionInfo> &options, int column) {
    QString text;
    for (size_t i = 0; i < options.size(); ++i) {
        const OptionInfo &option = options[i];
        if (option.isText()) {
            text += option.help + u'\n';
            continue;
        }
        if (option.sameLine)
            continue; // on the line of the option before it
        QString label = option.shortName.isEmpty() ? QStringLiteral("      ")
                                                   : QStringLiteral("  %1, ").arg(option.shortName);
        label += nameAndValue(option);
        for (size_t next = i + 1; next < options.size() && options[next].sameLine; ++next)
            label += QStringLiteral(", ") + nameAndValue(options[next]);
        label += label.size() < column ? QString(column - label.size(), u' ') : QStringLiteral("  ");
        const QStringList lines = option.help.split(u'\n');
        text += label + lines.first() + u'\n';
        for (qsizetype line = 1; line < lines.size(); ++line)
            text += QString(column, u' ') + lines.at(line) + u'\n';
    }
    return text;
}

} // namespace sockbench
