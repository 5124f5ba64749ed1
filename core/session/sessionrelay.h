#pragma once

// The "relay" object of a session endpoint: what a relay forwards to, how its ends behave, TLS on
// either leg and the faults as they stand when the session is saved, so that a reopened session
// relays alike. Only what differs from the defaults is written; the reader is as strict as the rest
// of the session reader (an unknown key is an error). Its endpoint is a "tcp-relay" or "udp-relay":
//
//   {"kind": "tcp-relay", "address": "127.0.0.1", "port": 7001,
//    "relay": {"target_host": "127.0.0.1", "target_port": 7000, "relay_resets": false,
//              "on_target_failure": "reset", "connect_timeout_ms": 5000,
//              "client_tls": {}, "target_tls": {"verify": "none"},
//              "faults": {"seed": 7, "up": {"latency_ms": 200, "jitter_ms": 50},
//                         "down": {"slice_bytes": 1, "slice_delay_ms": 10, "limit_bytes": 4096,
//                                  "limit_end": "reset"}}}}
//
// Fault keys (the fields of the rows of engine/faulttable.cpp): latency_ms, jitter_ms,
// bandwidth_bytes_per_second, slice_bytes, slice_variance, slice_delay_ms, limit_bytes, limit_end ("close",
// "reset"), timeout_ms, slow_close_ms, drop_percent, duplicate_percent, reorder_window, corrupt_percent. A
// UDP relay also takes "udp_idle_ms"; TLS and the stream-only faults are for TCP relays.

#include "engine/relayoptions.h"

#include <QJsonObject>

#include <optional>

namespace sockbench {

/// A relay endpoint's options in a session. A struct of its own so that sessions compare relays
/// without asking the engine's RelayOptions for an equality it does not need.
struct SessionRelay {
    RelayOptions options;
    friend bool operator==(const SessionRelay &a, const SessionRelay &b);
};

QJsonObject relayToJson(const RelayOptions &options);
/// nullopt and *error (".key: message", to follow "endpoints[i].relay") for a wrong object. udp
/// comes from the endpoint's kind and is set in the result.
std::optional<RelayOptions> relayFromJson(const QJsonObject &object, bool udp, QString *error);

QJsonObject relayFaultsToJson(const RelayFaults &faults);
std::optional<RelayFaults> relayFaultsFromJson(const QJsonObject &object, bool udp, QString *error);

} // namespace sockbench
