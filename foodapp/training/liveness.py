"""Who executes a training run, and whether that process still exists.

A run records `worker_identity()` when claimed: host name, PID namespace and process id. A
process on the same host and in the same PID namespace can then tell for sure that the worker is
gone (a killed Celery child, a killed `manage.py train`) without waiting for its heartbeat to go
stale; anywhere else only the heartbeat can tell.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _pid_namespace() -> str:
    """This process's PID namespace ("pid:[4026531836]"), or "" where there is none to read."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def worker_identity() -> str:
    """ "host:namespace:pid" of this process."""
    return f"{socket.gethostname()}:{_pid_namespace()}:{os.getpid()}"


def worker_is_gone(identity: str) -> bool:
    """True only when `identity` names a process of this host and PID namespace that has exited.

    False whenever it cannot be known: another host or namespace, or an unreadable identity.
    """
    host_and_namespace, _, pid_text = identity.rpartition(":")
    here = f"{socket.gethostname()}:{_pid_namespace()}"
    if not pid_text.isdigit() or host_and_namespace != here or not _pid_namespace():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, owned by someone else
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """True for a process that has exited but was not reaped by its parent yet."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
