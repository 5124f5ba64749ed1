#pragma once

// --frame, --max-message and --rules (what one message is, and how it is answered), and --replay
// with --speed and --asap: read as given, then checked and loaded once every option is known.

#include "cli/cliargs.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace sockbench {

/// --frame, --max-message and --rules as given, before the rules file is read.
struct MessageOptions {
    std::optional<FrameSpec> frame;
    std::optional<qint64> maxMessage;
    QString rulesFile;
};

/// The values of --frame and --max-message; each returns an error message or empty.
QString setFrame(const QString &value, MessageOptions *out);
QString setMaxMessage(const QString &value, MessageOptions *out);

/// Reads the rules file (if any, with protocol/rulesfile.h) and settles the endpoint's framing;
/// returns an error message or empty. --frame and --max-message override the file's "frame" and
/// "max_message".
QString finishMessageOptions(const MessageOptions &given, bool udp, MessageArgs *out);

/// --replay FILE[#STREAM], --speed X and --asap as given, checked by finishReplay() after the loop.
struct ReplayGiven {
    QString spec;
    QString speed;
    bool speedGiven = false;
    bool asap = false;
    bool twice = false;

    void setSpec(const QString &value) {
        twice = twice || !spec.isEmpty();
        spec = value;
    }
};

/// Reads the capture now, so that a missing file or stream is a usage error before any socket:
/// the script into *out, and *udp from its stream. `excluded` is the first option given that a
/// replay replaces (OptionSet::NotWithReplay). Returns an error message or empty.
QString finishReplay(const ReplayGiven &given, const QString &excluded, bool *udp,
                     std::shared_ptr<const ReplayScript> *out, double *speed);

} // namespace sockbench
