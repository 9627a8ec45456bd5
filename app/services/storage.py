"""Where photo files live: a small interface (save, open, delete) over the instance folder.

Keys are random names in two-level folders; nothing of the user's file name survives. A
deployment with several app servers can put an object store behind the same three calls.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO


class FileStorage:
    """Files under ``root`` (by default instance/uploads), written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not key or "/" in key.replace("/", "", 1) or ".." in key or key.startswith("/"):
            raise KeyError(key)
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise KeyError(key)
        return path

    def save(self, data: bytes, suffix: str = ".jpg") -> str:
        """Store ``data`` under a new random key (fsync, then rename into place); return the key."""
        return self.save_chunks((data,), suffix)[0]

    def save_chunks(self, chunks: Iterable[bytes], suffix: str) -> tuple[str, int]:
        """Store what ``chunks`` yields under a new random key, written as it comes (memory stays
        flat), fsynced, then renamed into place; return the key and the size in bytes. If the
        chunks fail midway, nothing is left behind."""
        name = secrets.token_hex(16) + suffix
        key = f"{name[:2]}/{name}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            size = 0
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
                    size += len(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key, size

    def open(self, key: str) -> BinaryIO:
        """The stored file for reading (KeyError if there is none)."""
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise KeyError(key) from None

    def path(self, key: str) -> Path:
        """The file's path (for send_file)."""
        path = self._path(key)
        if not path.is_file():
            raise KeyError(key)
        return path

    def delete(self, key: str) -> None:
        """Remove a stored file; a missing one is not an error."""
        with contextlib.suppress(KeyError):
            self._path(key).unlink(missing_ok=True)

    def keys(self) -> list[str]:
        """Every stored key (for the sweeper that finds files without a row)."""
        if not self.root.exists():
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.glob("*/*") if p.is_file()
                      and not p.name.startswith(".tmp-"))
