#pragma once

// The end of every form's check: what is wrong, shown under the form, and OK (or Apply) usable only
// when nothing is. One place, so that every form says it alike ("Disabled: <why>" on the button).

#include <QString>

#include <initializer_list>

class QLabel;
class QPushButton;

namespace sockbench {

/// The problems that are not empty, in the order given, one a line: the form's problem.
QString joinProblems(std::initializer_list<QString> problems);

/// Shows the form's problem in label (hidden when there is none) and lets button act only without
/// one; its tool tip says what it does (whatItDoes, may be empty) or why it is disabled.
void gateOnProblem(const QString &problem, QLabel *label, QPushButton *button, const QString &whatItDoes);

/// Keeps room for `lines` lines of problem in label while it is hidden or shorter, so that the form
/// does not grow, nor its OK button move, as problems come and go while the user types.
void reserveProblemLines(QLabel *label, int lines);

} // namespace sockbench
