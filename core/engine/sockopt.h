#pragma once

// Internal to core: the setsockopt/getsockopt calls the endpoint kinds share, and the one place
// where a SocketOptions meets a descriptor.

#include "engine/sockaddr.h"
#include "engine/socketoptions.h"

#include <QList>
#include <QString>

#include <optional>

namespace sockbench {

/// Sets an int-valued socket option. Failures are ignored: every caller treats its option as a
/// preference the kernel may refuse (buffer sizes, TTLs, TCP_NODELAY).
void setIntOption(int fd, int level, int option, int value);

/// Reads an int-valued socket option; nullopt when the kernel will not say.
std::optional<int> readIntOption(int fd, int level, int option);

/// A receive buffer of `bytes`: SO_RCVBUFFORCE, which passes net.core.rmem_max but needs
/// CAP_NET_ADMIN, else SO_RCVBUF, which the kernel caps at rmem_max. A preference, as
/// setIntOption's: read the buffer back to learn what was granted.
void setReceiveBuffer(int fd, int bytes);

/// SO_LINGER on with a zero timeout: closing the descriptor then sends RST instead of FIN.
void setResetOnClose(int fd);

/// IP_MULTICAST_IF by interface index (0: the kernel's route) for an IPv4 (or dual-stack) socket.
void setMulticastInterfaceV4(int fd, unsigned ifindex);

/// Joins (or leaves) the multicast group `group` (an IPv4 or IPv6 address; its port is ignored) on
/// interface `ifindex` (0: the kernel chooses). False with errno set when the kernel refuses.
bool setMulticastMembership(int fd, const SockAddr &group, unsigned ifindex, bool join);

/// The socket's pending error (SO_ERROR), e.g. the result of a non-blocking connect; 0 if none.
int pendingError(int fd);

/// Index of a network interface by name; an empty name is index 0 (let the kernel choose).
/// False when no interface has that name.
bool interfaceIndex(const QString &name, unsigned *index);

/// Which descriptor, at which moment, a SocketOptions is applied to: each option goes only where
/// it means something (see applySocketOptions).
enum class OptionTarget : quint8 {
    Listener,       ///< a listening socket before bind: reusePort, device, buffers, tos, ttl
    Accepted,       ///< a connection a listener accepted: the per-connection options
    Client,         ///< an outgoing connection before connect: the per-connection ones and device
    Udp,            ///< a UDP socket before bind: reusePort, device, buffers, tos, ttl
    LiveListener,   ///< a running listener: as Listener, but reusePort is refused (bind is past)
    LiveConnection, ///< an open TCP connection: as Client
    LiveUdp,        ///< a bound UDP socket: as Udp, but reusePort is refused
};

/// Applies every option that `options` sets and that means something for `target` on fd, and
/// reads each one back. Refusals are named in words. The IP version comes from the descriptor
/// (IP_TOS/IP_TTL or IPV6_TCLASS/IPV6_UNICAST_HOPS). sourceAddress/sourcePort are not options:
/// the connector binds them itself.
QList<AppliedOption> applySocketOptions(int fd, OptionTarget target, const SocketOptions &options);

/// Why setsockopt refused `optionName` with `error`, in words ("needs CAP_NET_ADMIN", "Invalid
/// argument", "No such device"); never a bare errno number.
QString optionErrorText(const QString &optionName, int error);

/// The journal's line for one applied option: "TCP_NODELAY on", "SO_RCVBUF 65536 → 131072",
/// "SO_BINDTODEVICE eth9 refused: No such device".
QString describeApplied(const AppliedOption &option);

/// One journal line for a batch of options: "Socket options: TCP_NODELAY on; SO_RCVBUF 65536 → 131072".
QString describeApplied(const QList<AppliedOption> &options);

/// Copies every option that `from` sets (a non-empty optional or string, reusePort when true) over
/// `into`, leaving the rest of `into` as it was.
void overlayOptions(SocketOptions &into, const SocketOptions &from);

/// Merges `updates` into `into` by option name: a newer entry replaces the older one in place,
/// new names are appended.
void mergeApplied(QList<AppliedOption> &into, const QList<AppliedOption> &updates);

} // namespace sockbench
