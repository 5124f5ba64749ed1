#pragma once

// The relay faults, one row each: everything the program knows about a kind of fault apart from
// the work it does on the bytes (faultpipe.h). Every place that asks "which faults are on", "what
// is this fault called", "does it act on a TCP or a UDP relay", "how is it written" loops over
// this table instead of knowing the faults by name:
//
//   - FaultSet::isEmpty() and describe() (relayoptions.cpp): a row's isOn and describe;
//   - Workbench::startRelay's refusal of faults the relay's kind cannot do: faultsRefusal() below;
//   - the session file's "faults" objects (session/sessionrelay.cpp): a row's fields, by JSON key;
//   - the fault form (ui/dialogs/faultseditor.cpp): a row's label, tip and fields, one widget each;
//   - the command line (app/cli): a row's option, value name, help text and parse().
//
// Adding a fault: its numbers in FaultSet (relayoptions.h), ONE row in faulttable.cpp (with the
// array of its fields above the rows), and its work in faultpipe.cpp. The session keys, the form,
// --help, describe() and the refusals follow from the row.

#include "engine/relayoptions.h"

#include <QString>

#include <span>
#include <variant>

namespace sockbench {

/// Which relays a fault acts on.
enum class FaultScope : quint8 {
    Both,     ///< streams and datagrams (latency, bandwidth)
    Stream,   ///< TCP relays only: it needs a byte stream (slice, limit, ...)
    Datagram, ///< UDP relays only: it needs whole datagrams (drop, reorder, ...)
};

/// Whether a fault of this scope acts on a UDP relay (udp) or a TCP one.
constexpr bool actsOn(FaultScope scope, bool udp) {
    return scope == FaultScope::Both || (scope == FaultScope::Datagram) == udp;
}

/// One number (or choice) of a fault: the FaultSet member that holds it, its key in a session file,
/// and how the form asks for it. By the member's type: an int or qint64 is a whole number (a
/// session file allows 0 up to INT_MAX or 2^53, and the member's default when it is below 0, e.g.
/// -1), a double is a percentage from 0 to 100 (a decimal spin box), a RelayEnd a choice of "close"
/// or "reset" (a session file writes it only while its fault is on).
struct FaultField {
    using Member =
        std::variant<int FaultSet::*, qint64 FaultSet::*, double FaultSet::*, RelayEnd FaultSet::*>;
    const char *jsonKey = ""; ///< "latency_ms"
    Member member;
    /// The form's widget, as its object name after "up" or "down": "LatencySpin". Tests find it.
    const char *widgetName = "";
    // The form's spin box (unused for a choice; a percentage is always 0 to 100). The texts are
    // untranslated; the form translates them in the context "sockbench::FaultsEditor".
    int formLowest = 0;
    int formHighest = 0;
    double formInitial = 0; ///< shown while the fault is off, until the user sets a value
    const char *prefix = "";
    const char *suffix = "";
    const char *tip = "";
    const char *specialValue = ""; ///< shown instead of formLowest, e.g. "now"
};

/// One kind of fault. The function pointers take the whole FaultSet, since some faults have
/// several numbers (latency and jitter; slice size, variance and delay; limit and its end).
struct FaultKind {
    const char *name = "";      ///< in describe() and refusals: "slow close"
    const char *verb = "";      ///< what it does, in a refusal: "A UDP relay ... cannot slow-close"
    const char *option = "";    ///< the command line's option, without "--": "slow-close"
    const char *valueName = ""; ///< its value in --help: "MS"
    /// What --help says after "--option VALUE", as today's text wraps it ('\n' between lines; see
    /// faultOptionHelp()).
    const char *help = "";
    const char *example = ""; ///< a value parse() takes and that turns the fault on: "1000"
    FaultScope scope = FaultScope::Both;
    /// On in this set; off is the FaultSet's default (0, -1, or 1 for the reorder window).
    bool (*isOn)(const FaultSet &) = nullptr;
    /// The fault in a few words, for describe(), when isOn: "slow close 1000 ms".
    QString (*describe)(const FaultSet &) = nullptr;
    /// Parses an option value into *faults, setting this fault's numbers: an empty string, or why
    /// not. The command line shows it as "--OPTION 'TEXT': WHY".
    QString (*parse)(const QString &text, FaultSet *faults) = nullptr;
    /// This fault's value as parse() takes it back, when isOn: "200~50".
    QString (*valueText)(const FaultSet &) = nullptr;
    /// The form's row: its label and tool tip (untranslated, context "sockbench::FaultsEditor").
    const char *label = "";
    const char *tip = "";
    std::span<const FaultField> fields;
};

/// Every fault, in the order they act, are described, written and shown.
std::span<const FaultKind> faultKinds();

/// The fault whose command-line option is this (without "--"), or null.
const FaultKind *faultKindForOption(QStringView option);

/// A fault's lines in `sockbench relay --help`: "      --drop PCT   drop this share ..." with its
/// help text from column 20 (after at least two spaces), continued lines indented alike.
QString faultOptionHelp(const FaultKind &kind);

/// Why a relay cannot take these faults, or empty: a UDP relay refuses stream faults, a TCP relay
/// datagram faults. "A UDP relay forwards whole datagrams: it cannot slice, limit, time out or
/// slow-close (up: slice; down: limit)", in the context "sockbench::Workbench".
QString faultsRefusal(const RelayFaults &faults, bool udp);

} // namespace sockbench
