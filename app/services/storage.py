"""Where photo and export files live: one small interface (save, open, delete, keys) over either a
folder in instance/ (the embedded default) or a bucket of any S3-compatible object store, so that
several app servers can share the files.

Keys are random names in two-level folders; nothing of the user's file name survives, and a key
cannot be guessed. Objects are private: the app reads them and sends them after its own access
check (no public ACL, no presigned address).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

#: A part of a multipart upload (S3's smallest is 5 MiB but for the last); a smaller object is
#: sent in one request, so memory never holds more than this per upload.
PART_BYTES = 8 * 1024 * 1024
#: What the sweeper and the backup read an object in.
CHUNK_BYTES = 1024 * 1024
TEMPORARY = ".tmp-"
BACKENDS = ("folder", "s3")


@dataclass(frozen=True)
class Entry:
    """One thing in a store, for the sweeper and the backup: a stored file, or a write that has
    not finished (a ``.tmp-`` file, an S3 multipart upload, with its ``upload_id``)."""

    key: str
    modified: float  #: seconds since the epoch
    size: int
    temporary: bool = False
    upload_id: str | None = None


class Storage(Protocol):
    """What the app needs of a store (FileStorage and S3Storage)."""

    def save(self, data: bytes, suffix: str = ".jpg") -> str: ...

    def save_chunks(self, chunks: Iterable[bytes], suffix: str) -> tuple[str, int]: ...

    def write(self, key: str, chunks: Iterable[bytes]) -> int: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> list[str]: ...

    def entries(self) -> list[Entry]: ...

    def discard(self, entry: Entry) -> None: ...


def checked_key(key: str) -> str:
    """``key`` if it names a file inside a store ("ab/name.jpg"), else KeyError: no absolute
    path, no "..", at most one folder (the same rule for a folder and a bucket)."""
    if not key or key.startswith("/") or ".." in key or "\\" in key or key.count("/") > 1 or key.endswith("/"):
        raise KeyError(key)
    return key


def new_key(suffix: str) -> str:
    """A fresh random key: 128 random bits in hex, filed under their first two digits."""
    if not re.fullmatch(r"(\.[A-Za-z0-9]{1,9})?", suffix):
        suffix = ""  # only a plain extension is kept
    name = secrets.token_hex(16) + suffix
    return f"{name[:2]}/{name}"


class FileStorage:
    """Files under ``root`` (by default instance/uploads), written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._resolved = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self._resolved / checked_key(key)).resolve()
        if self._resolved not in path.parents:
            raise KeyError(key)
        return path

    def save(self, data: bytes, suffix: str = ".jpg") -> str:
        """Store ``data`` under a new random key (fsync, then rename into place); return the key."""
        return self.save_chunks((data,), suffix)[0]

    def save_chunks(self, chunks: Iterable[bytes], suffix: str) -> tuple[str, int]:
        """Store what ``chunks`` yields under a new random key, written as it comes (memory stays
        flat), fsynced, then renamed into place; return the key and the size in bytes. If the
        chunks fail midway, nothing is left behind."""
        key = new_key(suffix)
        return key, self.write(key, chunks)

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        """Store ``chunks`` under ``key`` (a restore puts files back under their own keys)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY)
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
        return size

    def open(self, key: str) -> BinaryIO:
        """The stored file for reading (KeyError if there is none)."""
        try:
            return self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        """Remove a stored file; a missing one is not an error."""
        with contextlib.suppress(KeyError):
            self._path(key).unlink(missing_ok=True)

    def keys(self) -> list[str]:
        """Every stored key."""
        return sorted(entry.key for entry in self.entries() if not entry.temporary)

    def entries(self) -> list[Entry]:
        """Every file, unfinished writes included, with its modification time."""
        if not self.root.exists():
            return []
        found = []
        for path in self.root.glob("*/*"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # removed meanwhile
            if path.is_file():
                found.append(Entry(path.relative_to(self.root).as_posix(), stat.st_mtime, stat.st_size,
                                   temporary=path.name.startswith(TEMPORARY)))
        return sorted(found, key=lambda entry: entry.key)

    def discard(self, entry: Entry) -> None:
        """Remove what ``entries`` listed, a temporary file too."""
        self.delete(entry.key)


class ObjectStream(io.RawIOBase):
    """An object's body as a readable binary stream that knows its ``size`` (for Content-Length)."""

    def __init__(self, body: Any, size: int) -> None:
        self._body = body
        self.size = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3Storage:
    """Objects under ``prefix`` in ``bucket`` of an S3-compatible store, through boto3's
    ``client`` ("photos/ab/….jpg"). Credentials are the client's: boto3's usual chain
    (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ~/.aws, an instance role) unless given."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def _name(self, key: str) -> str:
        return self.prefix + checked_key(key)

    def _missing(self, error: Exception) -> bool:
        code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("NoSuchKey", "404", "NotFound")

    def save(self, data: bytes, suffix: str = ".jpg") -> str:
        """Store ``data`` under a new random key; return the key."""
        return self.save_chunks((data,), suffix)[0]

    def save_chunks(self, chunks: Iterable[bytes], suffix: str) -> tuple[str, int]:
        """Store what ``chunks`` yields under a new random key; return the key and the size."""
        key = new_key(suffix)
        return key, self.write(key, chunks)

    def write(self, key: str, chunks: Iterable[bytes]) -> int:
        """Store ``chunks`` under ``key``: one PUT when it fits in a part, else a multipart upload
        of PART_BYTES parts sent as they fill. The object appears whole or not at all; if the
        chunks fail midway, the upload is aborted."""
        name = self._name(key)
        buffer = bytearray()
        parts: list[dict[str, Any]] = []
        upload_id: str | None = None
        size = 0
        try:
            for chunk in chunks:
                buffer += chunk
                size += len(chunk)
                while len(buffer) >= PART_BYTES:
                    if upload_id is None:
                        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=name)["UploadId"]
                    parts.append(self._part(name, upload_id, len(parts) + 1, bytes(buffer[:PART_BYTES])))
                    del buffer[:PART_BYTES]
            if upload_id is None:
                self.client.put_object(Bucket=self.bucket, Key=name, Body=bytes(buffer))
                return size
            if buffer or not parts:
                parts.append(self._part(name, upload_id, len(parts) + 1, bytes(buffer)))
            self.client.complete_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id,
                                                  MultipartUpload={"Parts": parts})
        except BaseException:
            if upload_id is not None:
                with contextlib.suppress(Exception):
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
            raise
        return size

    def _part(self, name: str, upload_id: str, number: int, data: bytes) -> dict[str, Any]:
        answer = self.client.upload_part(Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number,
                                         Body=data)
        return {"PartNumber": number, "ETag": answer["ETag"]}

    def open(self, key: str) -> BinaryIO:
        """The object's body, streamed as it is read (KeyError if there is none)."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.ClientError as error:
            if self._missing(error):
                raise KeyError(key) from None
            raise
        stream = ObjectStream(answer["Body"], int(answer["ContentLength"]))
        return io.BufferedReader(stream, CHUNK_BYTES)

    def delete(self, key: str) -> None:
        """Remove an object; a missing one is not an error."""
        with contextlib.suppress(KeyError):
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def keys(self) -> list[str]:
        """Every stored key."""
        return [entry.key for entry in self._objects()]

    def _objects(self) -> Iterator[Entry]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                key = item["Key"][len(self.prefix):]
                with contextlib.suppress(KeyError):
                    yield Entry(checked_key(key), item["LastModified"].timestamp(), int(item["Size"]))

    def entries(self) -> list[Entry]:
        """Every object with its LastModified, and every unfinished multipart upload with the
        time it was started."""
        found = list(self._objects())
        pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for upload in page.get("Uploads", ()) or ():
                key = upload["Key"][len(self.prefix):]
                found.append(Entry(key, upload["Initiated"].timestamp(), 0, temporary=True,
                                   upload_id=upload["UploadId"]))
        return sorted(found, key=lambda entry: entry.key)

    def discard(self, entry: Entry) -> None:
        """Remove what ``entries`` listed: abort an unfinished upload, delete an object."""
        if entry.upload_id is not None:
            with contextlib.suppress(self.client.exceptions.ClientError):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.prefix + entry.key,
                                                   UploadId=entry.upload_id)
        else:
            self.delete(entry.key)


def s3_client(config: Mapping[str, Any]) -> Any:
    """A boto3 S3 client from the S3_* settings (path-style addresses, which every S3-compatible
    server answers); keys left empty come from boto3's own chain."""
    try:
        import boto3
        from botocore.config import Config as BotoConfig
    except ImportError as error:  # pragma: no cover - the s3 extra is not installed
        raise RuntimeError("STORAGE_BACKEND=s3 needs boto3: pip install 'ruwo[s3]'") from error
    options: dict[str, Any] = {"config": BotoConfig(s3={"addressing_style": config.get("S3_ADDRESSING_STYLE")
                                                        or "path"}, retries={"mode": "standard"})}
    for setting, argument in (("S3_ENDPOINT_URL", "endpoint_url"), ("S3_REGION", "region_name"),
                              ("S3_ACCESS_KEY_ID", "aws_access_key_id"),
                              ("S3_SECRET_ACCESS_KEY", "aws_secret_access_key")):
        if config.get(setting):
            options[argument] = config[setting]
    options.setdefault("region_name", "us-east-1")
    return boto3.client("s3", **options)


def from_config(config: Mapping[str, Any], instance_path: Path, kind: str, client: Any = None) -> Storage:
    """The store of ``kind`` ("uploads" for photos and evidence, "exports") that the settings
    choose: STORAGE_BACKEND "folder" (UPLOADS_PATH / EXPORTS_PATH, default instance/<kind>) or
    "s3" (S3_BUCKET, or S3_EXPORTS_BUCKET for exports, under S3_PREFIX + kind + "/")."""
    backend = str(config.get("STORAGE_BACKEND") or "folder")
    if backend not in BACKENDS:
        raise ValueError(f"STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "folder":
        return FileStorage(Path(config.get(f"{kind.upper()}_PATH") or instance_path / kind))
    bucket = str((kind == "exports" and config.get("S3_EXPORTS_BUCKET")) or config.get("S3_BUCKET") or "")
    if not bucket:
        raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET")
    folder = str(config.get("S3_PREFIX") or "").strip("/")
    return S3Storage(client or s3_client(config), bucket, f"{folder}/{kind}/" if folder else f"{kind}/")
