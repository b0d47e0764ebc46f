"""The one atomic writer: single files, and whole output directories.

:func:`write_file` writes one file through a temporary file beside it and :func:`os.replace`,
so a reader sees the old file or the new one, never a partial one. :func:`write_dir` builds a
whole output directory in a temporary directory beside the target and swaps it into place, so a
reader sees the complete old set of files or the complete new one: files of an earlier run that
the new one does not write do not survive, and an interrupted run leaves the old directory as
it was. :func:`check_out_dir` does the checks of :func:`write_dir` up front, so that a command
can refuse an unusable output directory before it spends time computing.

Temporary directories are named ``.frontier-<pid>-<host>-<target>-<random>`` and sit beside the
target. An exception or ``KeyboardInterrupt`` removes them; a process killed outright (SIGKILL,
power loss) leaves one behind, which the next :func:`write_dir` to the same target from the same
machine removes once that process is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fnmatch
import os
import re
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable, Iterable
from typing import IO, Any

__all__ = ["check_out_dir", "write_dir", "write_file"]

_PREFIX = ".frontier-"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_file(path: str | os.PathLike, data: bytes | str | Callable[[IO[bytes]], Any]) -> None:
    """Write one file atomically: to a temporary file beside ``path``, then :func:`os.replace`.

    Parameters
    ----------
    path
        The file to write; its directory must exist.
    data
        The bytes, a text (written as UTF-8), or a function that writes into the binary file
        object it is given (e.g. ``lambda fh: fig.savefig(fh, format="png")``).

    Notes
    -----
    The file gets the usual mode (``0o666`` less the umask), not the ``0o600`` of a temporary
    file. On any error, or an interrupt, the temporary file is removed and ``path`` is left as
    it was.

    Examples
    --------
    >>> import os, tempfile
    >>> from frontier._io import write_file
    >>> d = tempfile.mkdtemp()
    >>> write_file(os.path.join(d, "a.txt"), "hello\\n")
    >>> open(os.path.join(d, "a.txt")).read(), os.listdir(d)
    ('hello\\n', ['a.txt'])
    """
    path = os.fspath(path)
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path)[:100] + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data.encode() if isinstance(data, str) else data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32] or "host"


def _temp_prefix(target: str) -> str:
    return f"{_PREFIX}{os.getpid()}-{_host()}-{os.path.basename(target)[:64]}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def _sweep(target: str) -> None:
    """Remove temporaries of earlier writes to ``target`` from this machine whose process died."""
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return
    parent = os.path.dirname(target)
    pattern = re.compile(re.escape(_PREFIX) + r"(\d+)-" + re.escape(_host()) + "-"
                         + re.escape(os.path.basename(target)[:64]) + r"-[a-z0-9_]+")
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        m = pattern.fullmatch(name)
        if m and int(m[1]) != os.getpid() and not _alive(int(m[1])):
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def _foreign(directory: str, replaceable: Iterable[str]) -> str | None:
    patterns = tuple(replaceable)
    for name in sorted(os.listdir(directory)):
        if not any(fnmatch.fnmatchcase(name, p) for p in patterns):
            return name
    return None


def _cannot(out_dir: Any, why: str) -> OSError:
    return OSError(f"cannot write the output directory {os.fspath(out_dir)!r}: {why}")


def check_out_dir(out_dir: str | os.PathLike, *, replaceable: Iterable[str] = ()) -> str:
    """Check that :func:`write_dir` can write ``out_dir``; return its resolved path.

    Creates the missing parent directories and probes the parent with a temporary directory
    (removed again), so an unwritable location fails here rather than after the work.

    Parameters
    ----------
    out_dir
        The output directory.
    replaceable
        Glob patterns (:func:`fnmatch.fnmatchcase`) of the entries an existing ``out_dir`` may
        hold to be replaced as a whole; an existing directory with any other entry is refused,
        so that a directory the caller did not write is never deleted.

    Raises
    ------
    OSError
        When ``out_dir`` is not a directory, its parent cannot be created or written, or it
        holds an entry that ``replaceable`` does not match; one line naming the directory.

    Examples
    --------
    >>> import os, tempfile
    >>> from frontier._io import check_out_dir
    >>> d = tempfile.mkdtemp()
    >>> open(os.path.join(d, "notes.txt"), "w").close()
    >>> check_out_dir(d, replaceable=["*.json"])
    Traceback (most recent call last):
    ...
    OSError: cannot write the output directory '...': it holds 'notes.txt', ...
    """
    path = os.path.realpath(os.fspath(out_dir))
    parent = os.path.dirname(path)
    if parent == path:
        raise _cannot(out_dir, "it is a file system root")
    if os.path.lexists(path) and not os.path.isdir(path):
        raise _cannot(out_dir, "it exists and is not a directory")
    if os.path.isdir(path):
        try:
            name = _foreign(path, replaceable)
        except OSError as e:
            raise _cannot(out_dir, e.strerror or str(e)) from None
        if name is not None:
            raise _cannot(out_dir, f"it holds {name!r}, which frontier does not write; choose a "
                          "new or empty directory, or remove it")
        if not os.access(path, os.W_OK | os.X_OK):
            raise _cannot(out_dir, "its old files cannot be removed (no write permission)")
    above = parent
    while not os.path.lexists(above):
        above = os.path.dirname(above)
    if not os.path.isdir(above):
        raise _cannot(out_dir, f"{above!r} is not a directory")
    try:
        os.makedirs(parent, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=_PREFIX + "probe-", dir=parent))
    except OSError as e:
        raise _cannot(out_dir, f"{e.strerror or e} ({e.filename or parent})") from None
    return path


def _exchange(a: str, b: str) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), b)


def _swap_in(tmp: str, path: str) -> str | None:
    """Move ``tmp`` to ``path``; return where the old directory went (to be removed)."""
    if not os.path.lexists(path):
        os.rename(tmp, path)
        return None
    if _exchange(tmp, path):
        return tmp
    # No atomic exchange here: two renames. A reader may briefly find no directory, but never
    # a mix of the two sets.
    old = tempfile.mkdtemp(prefix=_temp_prefix(path), dir=os.path.dirname(path))
    os.rename(path, old)  # onto the empty directory just made
    try:
        os.rename(tmp, path)
    except BaseException:
        os.rename(old, path)
        raise
    return old


def write_dir(out_dir: str | os.PathLike, fill: Callable[[str], Any], *,
              replaceable: Iterable[str] = ()) -> list[str]:
    """Write a whole directory atomically: build it beside ``out_dir``, then swap it in.

    Parameters
    ----------
    out_dir
        The directory to (re)place. An existing one is replaced as a whole: files of it that
        ``fill`` does not write are gone afterwards.
    fill
        Called with the path of an empty temporary directory (beside ``out_dir``, on the same
        file system) to write the new contents into.
    replaceable
        As in :func:`check_out_dir`, which runs first.

    Returns
    -------
    list[str]
        The files written, as paths under ``out_dir``, sorted.

    Raises
    ------
    OSError
        As :func:`check_out_dir`, or when writing fails; ``out_dir`` is then left as it was.

    Notes
    -----
    On Linux the swap is one ``renameat2(RENAME_EXCHANGE)``: a reader sees the complete old
    set or the complete new one. Elsewhere (or on a file system without it) it is two renames,
    with a moment in which ``out_dir`` is missing, but still never a mix. If ``fill`` raises,
    or the process is interrupted before the swap, the temporary directory is removed and
    ``out_dir`` is untouched.

    Examples
    --------
    >>> import os, tempfile
    >>> from frontier._io import write_dir
    >>> out = os.path.join(tempfile.mkdtemp(), "res")
    >>> def fill(d):
    ...     open(os.path.join(d, "a.txt"), "w").close()
    >>> [os.path.basename(p) for p in write_dir(out, fill)]
    ['a.txt']
    >>> def fill_b(d):
    ...     open(os.path.join(d, "b.txt"), "w").close()
    >>> [os.path.basename(p) for p in write_dir(out, fill_b, replaceable=["*.txt"])]
    ['b.txt']
    >>> os.listdir(out)  # a.txt of the first write is gone
    ['b.txt']
    """
    path = check_out_dir(out_dir, replaceable=replaceable)
    _sweep(path)
    tmp = tempfile.mkdtemp(prefix=_temp_prefix(path), dir=os.path.dirname(path))
    try:
        fill(tmp)
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; give the usual mode
        rel = sorted(os.path.relpath(os.path.join(root, name), tmp)
                     for root, _, names in os.walk(tmp) for name in names)
        old = _swap_in(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return [os.path.join(os.fspath(out_dir), r) for r in rel]
