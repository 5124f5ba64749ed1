#include "dialogs/formproblems.h"

#include <QCoreApplication>
#include <QLabel>
#include <QPushButton>
#include <QStringList>

namespace sockbench {

QString joinProblems(std::initializer_list<QString> problems) {
    QStringList shown;
    for (const QString &p : problems) {
        if (!p.isEmpty())
            shown.append(p);
    }
    return shown.join(QLatin1Char('\n'));
}

void reserveProblemLines(QLabel *label, int lines) {
    label->setMinimumHeight(lines * label->fontMetrics().lineSpacing());
    label->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    QSizePolicy policy = label->sizePolicy();
    policy.setRetainSizeWhenHidden(true);
    label->setSizePolicy(policy);
}

void gateOnProblem(const QString &problem, QLabel *label, QPushButton *button, const QString &whatItDoes) {
    label->setText(problem);
    label->setVisible(!problem.isEmpty());
    button->setEnabled(problem.isEmpty());
    button->setToolTip(
        problem.isEmpty()
            ? whatItDoes
            : QCoreApplication::translate("sockbench::FormProblems", "Disabled: %1").arg(problem));
}

} // namespace sockbench
