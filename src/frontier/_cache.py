"""JAX's persistent compilation cache for the command line.

A ``frontier`` command in a fresh process spends most of its time compiling the same XLA
programs as the last one. The commands that compute (``run``, ``sensitivity``) therefore
point JAX's persistent compilation cache at a directory in the user's cache directory, so
that a second run loads the compiled programs instead of compiling them again:

- Linux and other Unix: ``$XDG_CACHE_HOME/frontier/jax`` (default ``~/.cache/frontier/jax``),
- macOS: ``~/Library/Caches/frontier/jax``,
- Windows: ``%LOCALAPPDATA%\\frontier\\Cache\\jax``.

``FRONTIER_CACHE_DIR`` names another directory; ``FRONTIER_NO_COMPILE_CACHE=1`` (or the
commands' ``--no-compile-cache``) turns the cache off. A cache directory the user already
gave JAX (``JAX_COMPILATION_CACHE_DIR``) is kept. The cache only ever holds compiled
programs keyed by the program, the JAX version and the device, so it never changes a
result; deleting the directory is always safe. The library itself (``import frontier``)
leaves JAX's configuration alone.
"""

from __future__ import annotations

import os
import sys

__all__ = ["compile_cache_dir", "enable_compile_cache"]

_OFF = ("1", "true", "yes", "on")


def compile_cache_dir() -> str:
    """The directory the command line caches compiled programs in (see the module text)."""
    given = os.environ.get("FRONTIER_CACHE_DIR")
    if given:
        return os.path.abspath(os.path.expanduser(given))
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(base, "frontier", "Cache", "jax")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "frontier", "jax")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
    return os.path.join(base, "frontier", "jax")


def enable_compile_cache(disable: bool = False) -> str | None:
    """Point JAX's persistent compilation cache at :func:`compile_cache_dir`.

    Must run before the first compilation of the process. Returns the directory in use, or
    None when the cache is off (``disable``, ``FRONTIER_NO_COMPILE_CACHE``) or the directory
    cannot be created (the command then simply compiles, as without a cache).
    """
    if disable or os.environ.get("FRONTIER_NO_COMPILE_CACHE", "").strip().lower() in _OFF:
        return None
    import jax

    current = jax.config.jax_compilation_cache_dir
    if current:  # the user's own JAX setting wins
        return str(current)
    directory = compile_cache_dir()
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return None
    if not os.access(directory, os.W_OK):
        return None
    jax.config.update("jax_compilation_cache_dir", directory)
    # a run compiles many small programs, each well under JAX's default 1 s threshold
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return directory
