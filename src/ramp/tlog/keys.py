"""Private key files: written atomically with mode 0600, refused on read if others can read.

A key file holds one private key string (note.PrivateKey.encode()) and a newline.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

KEY_FILE_MODE = 0o600
# A key string is ~100 characters; anything much larger is not a key file.
KEY_FILE_MAX_BYTES = 4096


class KeyFileError(OSError):
    """A key file cannot be written or read safely."""


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private_key_file(path: Path | str, key: str, *, overwrite: bool = False) -> None:
    """Write `key` to `path` atomically and durably, readable by the owner only.

    The key goes to a 0600 temporary file beside `path`, is fsynced, then linked (or, with
    `overwrite`, renamed) into place; the directory is fsynced so the name survives a crash.
    Without `overwrite`, an existing file is never replaced (FileExistsError).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    # A random name, so two writers (threads, processes) never share a temporary file.
    tmp = directory / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    try:
        try:
            # The umask can only narrow the mode, but make it exact regardless.
            os.fchmod(fd, KEY_FILE_MODE)
            os.write(fd, (key.strip() + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails with FileExistsError rather than clobbering a key
            os.unlink(tmp)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def read_private_key_file(path: Path | str) -> str:
    """The key string in `path`; KeyFileError if group or others may read or write it."""
    path = Path(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise KeyFileError(f"{path} is not a regular file")
        if mode & 0o077:
            raise KeyFileError(f"{path} has mode {stat.S_IMODE(mode):04o}; it must be 0600")
        data = os.read(fd, KEY_FILE_MAX_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > KEY_FILE_MAX_BYTES:
        raise KeyFileError(f"{path} is larger than {KEY_FILE_MAX_BYTES} bytes")
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise KeyFileError(f"{path} is not UTF-8") from None
