#include "cli/args/argumentcursor.h"

namespace sockbench {

void ArgumentCursor::next() {
    m_current = m_arguments.at(m_index++);
    m_inlineValue.reset();
    m_isOption = false;
    if (!m_optionsEnded && m_current == u"--") {
        m_optionsEnded = true;
        m_isSeparator = true;
        return;
    }
    m_isSeparator = false;
    if (!m_optionsEnded && m_current.size() > 1 && m_current.startsWith(u'-')) {
        m_isOption = true;
        const qsizetype eq = m_current.indexOf(u'=');
        if (m_current.startsWith(u"--") && eq > 2) {
            m_inlineValue = m_current.mid(eq + 1);
            m_current.truncate(eq);
        }
    }
}

std::optional<QString> ArgumentCursor::value() {
    if (m_inlineValue)
        return m_inlineValue;
    if (atEnd())
        return std::nullopt;
    return m_arguments.at(m_index++);
}

} // namespace sockbench
