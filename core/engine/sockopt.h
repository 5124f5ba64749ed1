#pragma once

// Internal to core: the small setsockopt/getsockopt calls several endpoint kinds share.

#include <QString>

namespace sockbench {

/// Sets an int-valued socket option. Failures are ignored: every caller treats its option as a
/// preference the kernel may refuse (buffer sizes, TTLs, TCP_NODELAY).
void setIntOption(int fd, int level, int option, int value);

/// The socket's pending error (SO_ERROR), e.g. the result of a non-blocking connect; 0 if none.
int pendingError(int fd);

/// Index of a network interface by name; an empty name is index 0 (let the kernel choose).
/// False when no interface has that name.
bool interfaceIndex(const QString &name, unsigned *index);

} // namespace sockbench
