#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace sockbench {

/// Walks "--name value", "--name=value", flags and positionals of one verb.
class ArgumentCursor final {
public:
    explicit ArgumentCursor(const QStringList &arguments)
        : m_arguments(arguments) {}
    Q_DISABLE_COPY_MOVE(ArgumentCursor)

    bool atEnd() const { return m_index >= m_arguments.size(); }
    /// Takes the next argument; sets option/inlineValue when it is an option.
    void next();
    bool isSeparator() const { return m_isSeparator; }
    bool isOption() const { return m_isOption; }
    const QString &current() const { return m_current; }
    bool hasInlineValue() const { return m_inlineValue.has_value(); }
    /// The option's value: inline, or the next argument whatever it looks like (a payload may
    /// well start with '-').
    std::optional<QString> value();

private:
    const QStringList &m_arguments;
    qsizetype m_index = 0;
    QString m_current;
    std::optional<QString> m_inlineValue;
    bool m_isOption = false;
    bool m_isSeparator = false;
    bool m_optionsEnded = false;
};

} // namespace sockbench
