#include "cli/args/messageargs.h"

#include "capture/replay.h"
#include "cli/args/argvalues.h"
#include "cli/args/optiontable.h"
#include "protocol/rulesfile.h"

#include <cmath>

namespace sockbench {

QString setFrame(const QString &value, MessageOptions *out) {
    QString why;
    out->frame = parseFrameSpec(value, &why);
    return out->frame ? QString() : QStringLiteral("--frame %1: %2").arg(quoted(value), why);
}

QString setMaxMessage(const QString &value, MessageOptions *out) {
    out->maxMessage = parseInteger(value, 1, MaxMessageBytesLimit);
    return out->maxMessage ? QString()
                           : QStringLiteral("--max-message %1: expected a number of bytes from 1 to %2")
                                 .arg(quoted(value))
                                 .arg(MaxMessageBytesLimit);
}

QString finishMessageOptions(const MessageOptions &given, bool udp, MessageArgs *out) {
    if (udp && given.frame)
        return QStringLiteral("--frame needs TCP: each UDP datagram is one message");
    FrameSpec frame = given.frame.value_or(FrameSpec{});
    if (given.maxMessage)
        frame.maxMessageBytes = qsizetype(*given.maxMessage);
    if (given.rulesFile.isEmpty()) {
        out->frame = frame;
        return {};
    }
    // The file is checked with --frame and --max-message in place of its own "frame" and
    // "max_message", so that a rule's length_prefix is checked against the frame really used.
    RulesFileResult parsed = readRulesFile(given.rulesFile, RulesOverrides{given.frame, given.maxMessage});
    if (!parsed.ok())
        return QStringLiteral("--rules %1: %2").arg(quoted(given.rulesFile), parsed.problem());
    if (udp && !parsed.rules.frame.isRaw())
        return QStringLiteral("--rules %1: the frame \"%2\" needs TCP: each UDP datagram is one message")
            .arg(quoted(given.rulesFile), toString(parsed.rules.frame));
    out->frame = parsed.rules.frame;
    out->rules = std::make_shared<RuleBook>(std::move(parsed.rules));
    return {};
}

QString finishReplay(const ReplayGiven &given, const QString &excluded, bool *udp,
                     std::shared_ptr<const ReplayScript> *out, double *speed) {
    if (given.spec.isEmpty()) {
        if (given.speedGiven || given.asap)
            return QStringLiteral("%1 needs --replay").arg(given.asap ? u"--asap" : u"--speed");
        return {};
    }
    if (given.twice)
        return QStringLiteral("--replay given twice");
    if (!excluded.isEmpty())
        return QStringLiteral("--replay and %1 exclude each other").arg(excluded);
    if (given.speedGiven && given.asap)
        return QStringLiteral("--speed and --asap exclude each other");
    if (given.speedGiven) {
        bool ok = false;
        const double x = given.speed.toDouble(&ok);
        if (!ok || !std::isfinite(x) || x <= 0 || x > 1e6)
            return QStringLiteral("--speed %1: expected a factor > 0, e.g. 2 (twice as fast) or 0.5 (half as "
                                  "fast); --asap sends back to back")
                .arg(quoted(given.speed));
        *speed = x;
    }
    if (given.asap)
        *speed = 0;
    auto script = std::make_shared<ReplayScript>();
    QString why;
    if (!ReplayScript::fromCaptureSpec(given.spec, script.get(), &why))
        return QStringLiteral("--replay %1: %2").arg(quoted(given.spec), why);
    if (*udp && !script->udp)
        return QStringLiteral("--replay %1: --udp given, but %2 is a TCP stream")
            .arg(quoted(given.spec), script->source);
    *udp = script->udp;
    *out = std::move(script);
    return {};
}

} // namespace sockbench
