"""Where a hook script may live: inside the hooks directory, after every symlink."""

from __future__ import annotations

import os
import stat

class ScriptPathError(ValueError):
    """A script_path that does not name an executable regular file inside the hooks dir."""


def resolve_script(script_path: str, hooks_dir: str | os.PathLike[str]) -> str:
    """The real path of the script (symlinks resolved); raises :class:`ScriptPathError`.

    A relative ``script_path`` is taken relative to ``hooks_dir``.
    """
    if not script_path or "\0" in script_path:
        raise ScriptPathError("script_path must be a non-empty path without NUL characters")
    try:
        root, _ = _real_path_and_mode(os.fspath(hooks_dir), with_mode=False)
        real, mode = _real_path_and_mode(os.path.join(root, script_path))
    except FileNotFoundError:
        raise ScriptPathError(f"script_path {script_path!r} does not exist") from None
    except (OSError, RuntimeError) as exc:
        raise ScriptPathError(f"script_path {script_path!r} cannot be resolved: {exc}") from None
    if not real.startswith(root.rstrip(os.sep) + os.sep):
        raise ScriptPathError(
            f"script_path {script_path!r} resolves to {real!r}, outside the hooks "
            f"directory {root!r}; put the script (not a link leading out) in that directory")
    if not stat.S_ISREG(mode):
        raise ScriptPathError(f"script_path {script_path!r} is not a regular file")
    if not os.access(real, os.X_OK):
        raise ScriptPathError(
            f"script_path {script_path!r} is not executable (chmod +x it and add a #! line)")
    return real


def _real_path_and_mode(path: str, *, with_mode: bool = True) -> tuple[str, int]:
    """The symlink-free path of an existing file and its mode (0 unless ``with_mode``).

    On Linux the kernel resolves the whole path at once (``O_PATH`` +
    ``/proc/self/fd``): a fixed handful of syscalls instead of one ``lstat``
    per component, which matters on a busy worker.
    """
    if hasattr(os, "O_PATH"):
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        try:
            real = os.readlink(f"/proc/self/fd/{fd}")
            if real.startswith("/"):
                return real, os.fstat(fd).st_mode if with_mode else 0
        except OSError:
            pass
        finally:
            os.close(fd)
    real = os.path.realpath(path, strict=True)
    return real, os.stat(real).st_mode
