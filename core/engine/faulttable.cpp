#include "engine/faulttable.h"

#include <QCoreApplication>
#include <QStringList>

#include <array>
#include <limits>

namespace sockbench {

namespace {

// Byte counts in describe(): the largest binary or decimal unit that divides the value exactly, so
// that the text reads like what the user typed ("64 KiB/s", "1 MB/s") and parses back the same.
QString sizeText(qint64 bytes) {
    struct Unit {
        qint64 factor;
        const char *name;
    };
    static constexpr Unit Units[] = {
        {qint64(1) << 30, "GiB"}, {1000000000, "GB"}, {qint64(1) << 20, "MiB"},
        {1000000, "MB"},          {1024, "KiB"},      {1000, "kB"},
    };
    if (bytes > 0) {
        for (const Unit &unit : Units) {
            if (bytes % unit.factor == 0)
                return QStringLiteral("%1 %2").arg(bytes / unit.factor).arg(QLatin1String(unit.name));
        }
    }
    return QStringLiteral("%1 B").arg(bytes);
}

QString percentText(double percent) {
    return QString::number(percent, 'g', 10) + QStringLiteral(" %");
}

// The shortest text that reads back as the same double.
QString exactNumber(double value) {
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

/// A whole number from lowest to highest, as the command line has always taken the faults that are
/// one plain number (a leading "+" refused): nullopt when it is not one.
std::optional<qint64> wholeInRange(const QString &text, qint64 lowest, qint64 highest) {
    bool ok = false;
    const qint64 v = text.toLongLong(&ok, 10);
    if (!ok || v < lowest || v > highest || text.startsWith(u'+'))
        return std::nullopt;
    return v;
}

constexpr int DayMs = 24 * 3600 * 1000;
// The forms' milliseconds: an hour; anything longer is a hold, which the timeout fault is for.
constexpr int FormMaxMs = 3600000;
constexpr int IntMax = std::numeric_limits<int>::max();

#define FORM_TEXT(text) QT_TRANSLATE_NOOP("sockbench::FaultsEditor", text)

QString takePercent(const QString &text, double FaultSet::*member, FaultSet *faults) {
    const FaultParse<double> r = parsePercent(text);
    if (!r.value)
        return r.error;
    faults->*member = *r.value;
    return {};
}

constexpr FaultField LatencyFields[] = {
    {.jsonKey = "latency_ms",
     .member = &FaultSet::latencyMs,
     .widgetName = "LatencySpin",
     .formHighest = FormMaxMs,
     .formInitial = 200,
     .suffix = FORM_TEXT(" ms"),
     .tip = FORM_TEXT("Latency")},
    {.jsonKey = "jitter_ms",
     .member = &FaultSet::jitterMs,
     .widgetName = "JitterSpin",
     .formHighest = FormMaxMs,
     .prefix = "± ",
     .suffix = FORM_TEXT(" ms"),
     .tip = FORM_TEXT("± jitter")},
};

constexpr FaultField BandwidthFields[] = {
    {.jsonKey = "bandwidth_bytes_per_second",
     .member = &FaultSet::bandwidthBytesPerSecond,
     .widgetName = "BandwidthSpin",
     .formLowest = 1,
     .formHighest = IntMax,
     .formInitial = 65536,
     .suffix = FORM_TEXT(" B/s"),
     .tip = FORM_TEXT("Bytes per second")},
};

constexpr FaultField SliceFields[] = {
    {.jsonKey = "slice_bytes",
     .member = &FaultSet::sliceBytes,
     .widgetName = "SliceSpin",
     .formLowest = 1,
     .formHighest = 1 << 20,
     .formInitial = 1,
     .suffix = FORM_TEXT(" B"),
     .tip = FORM_TEXT("Piece size")},
    {.jsonKey = "slice_variance",
     .member = &FaultSet::sliceVariance,
     .widgetName = "SliceVarianceSpin",
     .formHighest = 1 << 20,
     .prefix = "± ",
     .suffix = FORM_TEXT(" B"),
     .tip = FORM_TEXT("± variance")},
    {.jsonKey = "slice_delay_ms",
     .member = &FaultSet::sliceDelayMs,
     .widgetName = "SliceDelaySpin",
     .formHighest = FormMaxMs,
     .prefix = "@ ",
     .suffix = FORM_TEXT(" ms"),
     .tip = FORM_TEXT("Delay between pieces")},
};

constexpr FaultField LimitFields[] = {
    {.jsonKey = "limit_bytes",
     .member = &FaultSet::limitBytes,
     .widgetName = "LimitSpin",
     .formHighest = IntMax,
     .formInitial = 4096,
     .suffix = FORM_TEXT(" B"),
     .tip = FORM_TEXT("Bytes forwarded before the end")},
    {.jsonKey = "limit_end", .member = &FaultSet::limitEnd, .widgetName = "LimitEndCombo"},
};

constexpr FaultField TimeoutFields[] = {
    {.jsonKey = "timeout_ms",
     .member = &FaultSet::timeoutMs,
     .widgetName = "TimeoutSpin",
     .formHighest = FormMaxMs,
     .prefix = FORM_TEXT("after "),
     .suffix = FORM_TEXT(" ms"),
     .tip = FORM_TEXT("Stop forwarding after this long; 0: now"),
     .specialValue = FORM_TEXT("now")},
};

constexpr FaultField SlowCloseFields[] = {
    {.jsonKey = "slow_close_ms",
     .member = &FaultSet::slowCloseMs,
     .widgetName = "SlowCloseSpin",
     .formLowest = 1,
     .formHighest = FormMaxMs,
     .formInitial = 1000,
     .suffix = FORM_TEXT(" ms"),
     .tip = FORM_TEXT("FIN delay")},
};

constexpr FaultField DropFields[] = {
    {.jsonKey = "drop_percent",
     .member = &FaultSet::dropPercent,
     .widgetName = "DropSpin",
     .formInitial = 10,
     .tip = FORM_TEXT("Share of datagrams dropped")},
};

constexpr FaultField DuplicateFields[] = {
    {.jsonKey = "duplicate_percent",
     .member = &FaultSet::duplicatePercent,
     .widgetName = "DuplicateSpin",
     .formInitial = 10,
     .tip = FORM_TEXT("Share of datagrams sent twice")},
};

constexpr FaultField ReorderFields[] = {
    {.jsonKey = "reorder_window",
     .member = &FaultSet::reorderWindow,
     .widgetName = "ReorderSpin",
     .formLowest = 2,
     .formHighest = 10000,
     .formInitial = 4,
     .prefix = FORM_TEXT("window "),
     .tip = FORM_TEXT("Window of datagrams shuffled")},
};

constexpr FaultField CorruptFields[] = {
    {.jsonKey = "corrupt_percent",
     .member = &FaultSet::corruptPercent,
     .widgetName = "CorruptSpin",
     .formInitial = 10,
     .tip = FORM_TEXT("Share of datagrams with one bit flipped")},
};

// The order of the rows is the order of describe(), of the session reader's checks and of the
// form's rows.
constexpr FaultKind Kinds[] = {
    {.name = "latency",
     .option = "latency",
     .valueName = "MS[~JITTER]",
     .help = "delay each chunk or datagram by MS milliseconds, varying\nwithin +/- JITTER: 200, 200~50",
     .example = "200~50",
     .scope = FaultScope::Both,
     .isOn = [](const FaultSet &f) { return f.latencyMs > 0 || f.jitterMs > 0; },
     .describe =
         [](const FaultSet &f) {
             return f.jitterMs > 0
                        ? QStringLiteral("latency %1±%2 ms").arg(qMax(f.latencyMs, 0)).arg(f.jitterMs)
                        : QStringLiteral("latency %1 ms").arg(f.latencyMs);
         },
     .parse =
         [](const QString &text, FaultSet *f) {
             const FaultParse<std::pair<int, int>> r = parseLatency(text);
             if (!r.value)
                 return r.error;
             f->latencyMs = r.value->first;
             f->jitterMs = r.value->second;
             return QString();
         },
     .valueText =
         [](const FaultSet &f) {
             return f.jitterMs > 0 ? QStringLiteral("%1~%2").arg(f.latencyMs).arg(f.jitterMs)
                                   : QString::number(f.latencyMs);
         },
     .label = FORM_TEXT("Latency"),
     .tip = FORM_TEXT("Delay each chunk (or datagram) by this long, ± the jitter"),
     .fields = LatencyFields},
    {.name = "bandwidth",
     .option = "bandwidth",
     .valueName = "BYTES_PER_S",
     .help = "at most this many bytes per second: 1000, 64k, 1M, 1MiB",
     .example = "64KiB",
     .scope = FaultScope::Both,
     .isOn = [](const FaultSet &f) { return f.bandwidthBytesPerSecond > 0; },
     .describe =
         [](const FaultSet &f) {
             return QStringLiteral("bandwidth %1/s").arg(sizeText(f.bandwidthBytesPerSecond));
         },
     .parse =
         [](const QString &text, FaultSet *f) {
             const FaultParse<qint64> r = parseByteRate(text);
             if (!r.value)
                 return r.error;
             f->bandwidthBytesPerSecond = *r.value;
             return QString();
         },
     .valueText = [](const FaultSet &f) { return QString::number(f.bandwidthBytesPerSecond); },
     .label = FORM_TEXT("Bandwidth"),
     .tip = FORM_TEXT("Let at most this many bytes per second through"),
     .fields = BandwidthFields},
    {.name = "slice",
     .verb = "slice",
     .option = "slice",
     .valueName = "N[~V][@MS]",
     .help =
         "cut what is forwarded into pieces of N bytes (varying within\n+/- V), MS milliseconds apart: 1, "
         "100~20@5",
     .example = "100~20@5",
     .scope = FaultScope::Stream,
     .isOn = [](const FaultSet &f) { return f.sliceBytes > 0; },
     .describe =
         [](const FaultSet &f) {
             QString slice = f.sliceVariance > 0
                                 ? QStringLiteral("slice %1±%2 B").arg(f.sliceBytes).arg(f.sliceVariance)
                                 : QStringLiteral("slice %1 B").arg(f.sliceBytes);
             if (f.sliceDelayMs > 0)
                 slice += QStringLiteral(" @%1 ms").arg(f.sliceDelayMs);
             return slice;
         },
     .parse =
         [](const QString &text, FaultSet *f) {
             const FaultParse<SliceSpec> r = parseSlice(text);
             if (!r.value)
                 return r.error;
             f->sliceBytes = r.value->bytes;
             f->sliceVariance = r.value->variance;
             f->sliceDelayMs = r.value->delayMs;
             return QString();
         },
     .valueText =
         [](const FaultSet &f) {
             QString text = QString::number(f.sliceBytes);
             if (f.sliceVariance > 0)
                 text += QStringLiteral("~%1").arg(f.sliceVariance);
             if (f.sliceDelayMs > 0)
                 text += QStringLiteral("@%1").arg(f.sliceDelayMs);
             return text;
         },
     .label = FORM_TEXT("Slice"),
     .tip = FORM_TEXT("Cut each chunk into pieces of N ± v bytes, with a delay between pieces"),
     .fields = SliceFields},
    {.name = "limit",
     .verb = "limit",
     .option = "limit",
     .valueName = "BYTES[:reset]",
     .help =
         "forward exactly BYTES bytes, then close (FIN), or reset\nwith :reset; sizes may use k, K, KiB, M, "
         "MiB: 4096:reset, 4KiB",
     .example = "4096:reset",
     .scope = FaultScope::Stream,
     .isOn = [](const FaultSet &f) { return f.limitBytes >= 0; },
     .describe =
         [](const FaultSet &f) {
             return QStringLiteral("limit %1 B then %2")
                 .arg(f.limitBytes)
                 .arg(f.limitEnd == RelayEnd::Reset ? QLatin1String("reset") : QLatin1String("close"));
         },
     .parse =
         [](const QString &text, FaultSet *f) {
             const FaultParse<LimitSpec> r = parseLimit(text);
             if (!r.value)
                 return r.error;
             f->limitBytes = r.value->bytes;
             f->limitEnd = r.value->end;
             return QString();
         },
     .valueText =
         [](const FaultSet &f) {
             return QString::number(f.limitBytes) +
                    (f.limitEnd == RelayEnd::Reset ? QStringLiteral(":reset") : QString());
         },
     .label = FORM_TEXT("Limit"),
     .tip = FORM_TEXT("Forward exactly this many bytes, then close (FIN) or reset the receiving side"),
     .fields = LimitFields},
    {.name = "timeout",
     .verb = "time out",
     .option = "timeout-after",
     .valueName = "MS",
     .help = "stop forwarding MS milliseconds after the connection opens (0:\nat once) but hold the "
             "connection, as a hung peer does",
     .example = "0",
     .scope = FaultScope::Stream,
     .isOn = [](const FaultSet &f) { return f.timeoutMs >= 0; },
     .describe =
         [](const FaultSet &f) {
             return f.timeoutMs == 0 ? QStringLiteral("timeout now")
                                     : QStringLiteral("timeout after %1 ms").arg(f.timeoutMs);
         },
     .parse =
         [](const QString &text, FaultSet *f) {
             const std::optional<qint64> ms = wholeInRange(text, 0, DayMs);
             if (!ms)
                 return QStringLiteral("expected milliseconds >= 0 (0: at once)");
             f->timeoutMs = int(*ms);
             return QString();
         },
     .valueText = [](const FaultSet &f) { return QString::number(f.timeoutMs); },
     .label = FORM_TEXT("Timeout"),
     .tip = FORM_TEXT("Stop forwarding (the connection stays open) this long after it is set; 0: now"),
     .fields = TimeoutFields},
    {.name = "slow close",
     .verb = "slow-close",
     .option = "slow-close",
     .valueName = "MS",
     .help = "relay a FIN MS milliseconds late",
     .example = "1000",
     .scope = FaultScope::Stream,
     .isOn = [](const FaultSet &f) { return f.slowCloseMs > 0; },
     .describe = [](const FaultSet &f) { return QStringLiteral("slow close %1 ms").arg(f.slowCloseMs); },
     .parse =
         [](const QString &text, FaultSet *f) {
             const std::optional<qint64> ms = wholeInRange(text, 1, DayMs);
             if (!ms)
                 return QStringLiteral("expected milliseconds > 0");
             f->slowCloseMs = int(*ms);
             return QString();
         },
     .valueText = [](const FaultSet &f) { return QString::number(f.slowCloseMs); },
     .label = FORM_TEXT("Slow close"),
     .tip = FORM_TEXT("Relay a FIN this much later"),
     .fields = SlowCloseFields},
    {.name = "drop",
     .verb = "drop",
     .option = "drop",
     .valueName = "PCT",
     .help = "drop this share of the datagrams",
     .example = "12.5",
     .scope = FaultScope::Datagram,
     .isOn = [](const FaultSet &f) { return f.dropPercent > 0; },
     .describe = [](const FaultSet &f) { return QStringLiteral("drop ") + percentText(f.dropPercent); },
     .parse = [](const QString &text, FaultSet *f) { return takePercent(text, &FaultSet::dropPercent, f); },
     .valueText = [](const FaultSet &f) { return exactNumber(f.dropPercent); },
     .label = FORM_TEXT("Drop"),
     .tip = FORM_TEXT("Drop this share of the datagrams"),
     .fields = DropFields},
    {.name = "duplicate",
     .verb = "duplicate",
     .option = "duplicate",
     .valueName = "PCT",
     .help = "send this share of the datagrams twice",
     .example = "50",
     .scope = FaultScope::Datagram,
     .isOn = [](const FaultSet &f) { return f.duplicatePercent > 0; },
     .describe =
         [](const FaultSet &f) { return QStringLiteral("duplicate ") + percentText(f.duplicatePercent); },
     .parse = [](const QString &text,
                 FaultSet *f) { return takePercent(text, &FaultSet::duplicatePercent, f); },
     .valueText = [](const FaultSet &f) { return exactNumber(f.duplicatePercent); },
     .label = FORM_TEXT("Duplicate"),
     .tip = FORM_TEXT("Send this share of the datagrams twice"),
     .fields = DuplicateFields},
    {.name = "reorder",
     .verb = "reorder",
     .option = "reorder",
     .valueName = "N",
     .help = "hold datagrams and release them shuffled within a window of N",
     .example = "4",
     .scope = FaultScope::Datagram,
     // A window of one datagram releases each as it comes.
     .isOn = [](const FaultSet &f) { return f.reorderWindow > 1; },
     .describe = [](const FaultSet &f) { return QStringLiteral("reorder window %1").arg(f.reorderWindow); },
     .parse =
         [](const QString &text, FaultSet *f) {
             const std::optional<qint64> n = wholeInRange(text, 2, 1000000);
             if (!n)
                 return QStringLiteral("expected a window of 2 to 1000000 datagrams");
             f->reorderWindow = int(*n);
             return QString();
         },
     .valueText = [](const FaultSet &f) { return QString::number(f.reorderWindow); },
     .label = FORM_TEXT("Reorder"),
     .tip = FORM_TEXT("Hold datagrams and release them shuffled within a window of N"),
     .fields = ReorderFields},
    {.name = "corrupt",
     .verb = "corrupt",
     .option = "corrupt",
     .valueName = "PCT",
     .help = "flip one random bit in this share of the datagrams",
     .example = "0.5",
     .scope = FaultScope::Datagram,
     .isOn = [](const FaultSet &f) { return f.corruptPercent > 0; },
     .describe = [](const FaultSet &f) { return QStringLiteral("corrupt ") + percentText(f.corruptPercent); },
     .parse = [](const QString &text,
                 FaultSet *f) { return takePercent(text, &FaultSet::corruptPercent, f); },
     .valueText = [](const FaultSet &f) { return exactNumber(f.corruptPercent); },
     .label = FORM_TEXT("Corrupt"),
     .tip = FORM_TEXT("Flip one random bit in this share of the datagrams"),
     .fields = CorruptFields},
};

#undef FORM_TEXT

/// "a, b, c or d": the verbs of the faults of one scope.
QString verbList(FaultScope scope) {
    QStringList verbs;
    for (const FaultKind &kind : Kinds) {
        if (kind.scope == scope)
            verbs << QLatin1String(kind.verb);
    }
    if (verbs.size() < 2)
        return verbs.join(QString());
    const QString last = verbs.takeLast();
    return verbs.join(QStringLiteral(", ")) + QStringLiteral(" or ") + last;
}

} // namespace

std::span<const FaultKind> faultKinds() {
    return Kinds;
}

const FaultKind *faultKindForOption(QStringView option) {
    for (const FaultKind &kind : Kinds) {
        if (option == QLatin1String(kind.option))
            return &kind;
    }
    return nullptr;
}

QString faultOptionHelp(const FaultKind &kind) {
    constexpr qsizetype HelpColumn = 19;
    QString text =
        QStringLiteral("      --%1 %2").arg(QLatin1String(kind.option), QLatin1String(kind.valueName));
    text += QString(qMax<qsizetype>(2, HelpColumn - text.size()), QLatin1Char(' '));
    const QString indent(HelpColumn, QLatin1Char(' '));
    text += QLatin1String(kind.help).toString().replace(QLatin1Char('\n'), QLatin1Char('\n') + indent);
    return text + QLatin1Char('\n');
}

QString faultsRefusal(const RelayFaults &faults, bool udp) {
    QStringList wrong;
    for (const RelayDirection direction : {RelayDirection::Up, RelayDirection::Down}) {
        QStringList names;
        for (const FaultKind &kind : Kinds) {
            if (!actsOn(kind.scope, udp) && kind.isOn(faults.of(direction)))
                names << QLatin1String(kind.name);
        }
        if (!names.isEmpty())
            wrong << QStringLiteral("%1: %2").arg(direction == RelayDirection::Up ? QStringLiteral("up")
                                                                                  : QStringLiteral("down"),
                                                  names.join(QStringLiteral(", ")));
    }
    if (wrong.isEmpty())
        return {};
    const auto tr = [](const char *text) {
        return QCoreApplication::translate("sockbench::Workbench", text);
    };
    return udp ? tr("A UDP relay forwards whole datagrams: it cannot %1 (%2)")
                     .arg(verbList(FaultScope::Stream), wrong.join(QStringLiteral("; ")))
               : tr("A TCP relay forwards a byte stream: it cannot %1 datagrams (%2)")
                     .arg(verbList(FaultScope::Datagram), wrong.join(QStringLiteral("; ")));
}

} // namespace sockbench
