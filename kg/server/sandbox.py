"""Take the network away from a query worker, so no query can make a request by any route.

``isolate_network()`` runs once when a worker starts, before it opens the store. It tries, in
order: a new network namespace (needs root, as in CI), a new user namespace with a network
namespace (an unprivileged user where the kernel allows it), then a seccomp filter refusing
``socket()`` for every family but ``AF_UNIX`` (needs the optional ``pyseccomp`` package). In a
fresh network namespace there is no interface but a loopback that is down, so every connect
fails with "Network is unreachable"; the socket pair to the server, opened before, keeps
working. The name of the method that took hold is returned (the server logs it), or
``"none"`` when none could.
"""
from __future__ import annotations

import ctypes
import socket

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def _unshare(flags: int) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(flags) == 0


def _seccomp() -> bool:
    try:
        import pyseccomp as seccomp
    except ImportError:
        return False
    import errno
    flt = seccomp.SyscallFilter(seccomp.ALLOW)
    flt.add_rule(seccomp.ERRNO(errno.EACCES), "socket",
                 seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    flt.load()
    return True


def isolate_network() -> str:
    """Cut this process off from every network; the method used, or ``"none"``."""
    if _unshare(CLONE_NEWNET):
        return "network namespace"
    if _unshare(CLONE_NEWUSER | CLONE_NEWNET):
        return "user and network namespace"
    if _seccomp():
        return "seccomp filter"
    return "none"
