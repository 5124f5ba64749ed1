#pragma once

// The "socket_options" object of a session endpoint: the options its form asked for, so that a
// reopened session sets them again. Only the options that were set are written; the reader is as
// strict as the rest of the session reader (unknown keys, wrong types, out-of-range values and
// options that do not apply to the endpoint's kind are errors naming the key).
//
//   "socket_options": {"nodelay": false, "keepalive_timing": "60,10,5", "rcvbuf": 65536,
//                      "tos": "AF41", "ttl": 32, "linger_s": 0, "user_timeout_ms": 30000,
//                      "interface": "eth0", "reuseport": true,
//                      "source_address": "192.0.2.1", "source_port": 4000}

#include "engine/endpoint.h"

#include <QJsonObject>

#include <optional>

namespace sockbench {

/// The options set that apply to this kind, as a JSON object; empty when there are none. What
/// does not apply is left out, so that the reader always takes back what was written.
QJsonObject socketOptionsToJson(const SocketOptions &options, EndpointKind kind);
/// Reads the object for an endpoint of this kind. On error returns nullopt and sets *error to
/// ".key: message", to follow "endpoints[i].socket_options".
std::optional<SocketOptions> socketOptionsFromJson(const QJsonObject &object, EndpointKind kind,
                                                   QString *error);

} // namespace sockbench
