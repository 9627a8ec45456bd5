"""Backup and restore of a whole installation as one tar archive, taken while the app serves.

The archive holds, in this order: the database (SQLite through its online backup API; PostgreSQL
as ``pg_dump --format=custom`` of an exported snapshot, the same one the row counts are read in),
every file of the photo and export stores as ``objects/<store>/<key>``, and last ``manifest.json``:
the size and SHA-256 of every other member and each table's row count.

The database is copied first and the files after it, so a photo saved meanwhile is in the archive
without a row (the sweeper removes such files); only a file deleted in between (a draft's photo
removed, an export expired) is missing from the copy, which the app already shows as gone.

A restore verifies the whole archive before it changes anything, refuses a non-empty installation
unless forced, then puts back the database and every file under its own key, and checks the row
counts against the manifest (SQLite: ``PRAGMA integrity_check`` too).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import sqlalchemy as sa

from app.services.errors import ServiceError
from app.services.storage import Storage

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = {"sqlite": "database/ruwo.sqlite3", "postgresql": "database/ruwo.pgdump"}
OBJECTS = "objects"
CHUNK = 1024 * 1024
#: A file of a store larger than this is spooled to disk on its way into the archive.
SPOOL_BYTES = 8 * 1024 * 1024


class BackupError(ServiceError):
    """The archive is damaged, or the installation cannot take it; the message says what."""


class NotEmpty(BackupError):
    """The installation has rows or files, and the restore was not forced."""


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    sha256: str


@dataclass
class Manifest:
    """What an archive holds (its last member)."""

    database: str
    tables: dict[str, int]
    members: list[Member] = field(default_factory=list)
    created_at: str = ""
    format: int = FORMAT

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        raw = json.loads(data)
        if raw.get("format") != FORMAT:
            raise BackupError(f"unknown archive format {raw.get('format')!r} (this version reads {FORMAT})")
        return cls(database=raw["database"], tables={k: int(v) for k, v in raw["tables"].items()},
                   members=[Member(m["name"], int(m["size"]), m["sha256"]) for m in raw["members"]],
                   created_at=raw.get("created_at", ""), format=FORMAT)

    @property
    def size(self) -> int:
        return sum(member.size for member in self.members)

    def objects(self) -> int:
        return sum(1 for member in self.members if member.name.startswith(OBJECTS + "/"))


class _Hashing:
    """A reader that hashes and counts what passes through it."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source, self.digest, self.size = source, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _dialect(engine: sa.Engine) -> str:
    name = engine.dialect.name
    if name not in DATABASE:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def _sqlite_file(engine: sa.Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("the SQLite database is in memory: there is no file to back up or restore")
    return Path(database)


def table_counts(connection: sa.Connection) -> dict[str, int]:
    """Rows in each table of the database (the application's and Alembic's)."""
    counts = {}
    for table in sorted(sa.inspect(connection).get_table_names()):
        quoted = connection.dialect.identifier_preparer.quote(table)
        counts[table] = int(connection.scalar(sa.text(f"SELECT count(*) FROM {quoted}")) or 0)  # noqa: S608
    return counts


def pg_tool(name: str, folder: str | None = None) -> str:
    """``pg_dump`` or ``pg_restore``: in ``folder``, else Debian's newest server's, else on PATH."""
    if folder:
        return str(Path(folder) / name)
    installed = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                       key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)])
    found = str(installed[-1]) if installed else shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (PostgreSQL's client programs)")
    return found


def _pg_env(url: sa.URL) -> dict[str, str]:
    """libpq's variables for ``url`` (the password is not put on a command line)."""
    env = {**os.environ, "PGDATABASE": url.database or "", "PGHOST": url.host or "", "PGUSER": url.username or ""}
    if url.port:
        env["PGPORT"] = str(url.port)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-500:]}")


def _snapshot(engine: sa.Engine, work: Path, pg_bin: str | None) -> tuple[Path, dict[str, int]]:
    """A consistent copy of the database in ``work`` and its tables' row counts."""
    if _dialect(engine) == "sqlite":
        target = work / "ruwo.sqlite3"
        path = _sqlite_file(engine)
        if not path.is_file():
            raise BackupError(f"no SQLite database at {path}")
        source = sqlite3.connect(path)  # read only by the backup (a read-only open could not read the WAL)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # the online backup API: writers may go on meanwhile
        finally:
            source.close()
            copy.close()
        counts = table_counts_of_file(target)
        return target, counts
    target = work / "ruwo.pgdump"
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            # pg_dump reads the very snapshot the counts are taken in.
            snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            counts = table_counts(connection)
            _run([pg_tool("pg_dump", pg_bin), "--format=custom", "--no-password", f"--snapshot={snapshot}",
                  f"--file={target}"], _pg_env(engine.url))
    return target, counts


def table_counts_of_file(path: Path) -> dict[str, int]:
    """The row counts of a SQLite file."""
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            return table_counts(connection)
    finally:
        engine.dispose()


def _add(tar: tarfile.TarFile, name: str, source: IO[bytes], size: int) -> Member:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(time.time()), 0o600
    reader = _Hashing(source)
    tar.addfile(info, reader)
    return Member(name, size, reader.digest.hexdigest())


def create(path: Path, engine: sa.Engine, stores: Mapping[str, Storage], pg_bin: str | None = None) -> Manifest:
    """Write the archive to ``path`` (through ``path.partial``, renamed when complete)."""
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="ruwo-backup-") as folder:
        database, counts = _snapshot(engine, Path(folder), pg_bin)
        manifest = Manifest(database=_dialect(engine), tables=counts,
                            created_at=datetime.now(UTC).isoformat(timespec="seconds"))
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
                with database.open("rb") as fh:
                    manifest.members.append(_add(tar, DATABASE[manifest.database], fh, database.stat().st_size))
                database.unlink()
                for store_name, store in stores.items():
                    listed = store.keys()  # after the database: see the module's docstring
                    for key in listed:
                        member = _add_object(tar, f"{OBJECTS}/{store_name}/{key}", store, key)
                        if member is not None:
                            manifest.members.append(member)
                _add_bytes(tar, MANIFEST, manifest.to_json())
            with partial.open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


def _add_object(tar: tarfile.TarFile, name: str, store: Storage, key: str) -> Member | None:
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - closed below
    try:
        try:
            with store.open(key) as fh:
                shutil.copyfileobj(fh, spool, CHUNK)
        except KeyError:
            return None  # deleted since it was listed
        size = spool.tell()
        spool.seek(0)
        return _add(tar, name, spool, size)
    finally:
        spool.close()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    _add(tar, name, io.BytesIO(data), len(data))


def _members(path: Path) -> Iterator[tuple[tarfile.TarInfo, IO[bytes] | None]]:
    """The archive's members in order, each with a reader of its data; damage as BackupError."""
    try:
        with tarfile.open(path, "r:") as tar:
            for info in tar:
                yield info, tar.extractfile(info) if info.isfile() else None
    except FileNotFoundError:
        raise BackupError(f"no archive at {path}") from None
    except (tarfile.ReadError, EOFError, OSError) as error:
        raise BackupError(f"damaged archive {path}: truncated or not a tar archive ({error})") from None


def _digest(reader: IO[bytes]) -> tuple[int, str]:
    hashing = _Hashing(reader)
    while hashing.read(CHUNK):
        pass
    return hashing.size, hashing.digest.hexdigest()


def verify(path: Path) -> Manifest:
    """Read the whole archive and check it against its manifest; BackupError naming each problem
    (truncated archive, missing member, wrong size or sum, a member not in the manifest)."""
    found: dict[str, tuple[int, str]] = {}
    manifest: Manifest | None = None
    for info, reader in _members(path):
        if reader is None:
            found[info.name] = (-1, "not a file")
        elif info.name == MANIFEST:
            try:
                manifest = Manifest.from_json(reader.read())
            except (ValueError, KeyError, TypeError) as error:
                raise BackupError(f"damaged archive {path}: unreadable {MANIFEST} ({error})") from None
        else:
            try:
                found[info.name] = _digest(reader)
            except (tarfile.ReadError, EOFError, OSError) as error:
                raise BackupError(f"damaged archive {path}: truncated in {info.name} ({error})") from None
    if manifest is None:
        raise BackupError(f"damaged archive {path}: no {MANIFEST} at its end (truncated archive?)")
    problems = []
    listed = {member.name for member in manifest.members}
    for member in manifest.members:
        if member.name not in found:
            problems.append(f"missing member {member.name}")
        elif found[member.name] != (member.size, member.sha256):
            size, digest = found[member.name]
            problems.append(f"wrong sum for {member.name}: sha256 {digest}, {size} bytes; the manifest says "
                            f"{member.sha256}, {member.size} bytes")
    problems += [f"member {name} is not in the manifest" for name in sorted(set(found) - listed)]
    if DATABASE.get(manifest.database) not in listed:
        problems.append(f"no database member for {manifest.database}")
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise BackupError(f"damaged archive {path}: " + "; ".join(problems[:5]) + more)
    return manifest


def occupied(engine: sa.Engine, stores: Mapping[str, Storage]) -> list[str]:
    """What makes the installation not empty: tables with rows (a migrated schema's version row
    aside), stores with files."""
    with engine.connect() as connection:
        found = [f"table {name} has {n} rows" for name, n in table_counts(connection).items()
                 if n and name != "alembic_version"]
    return found + [f"store {name} has {len(keys)} files" for name, store in stores.items() if (keys := store.keys())]


def restore(path: Path, engine: sa.Engine, stores: Mapping[str, Storage], force: bool = False,
            pg_bin: str | None = None) -> Manifest:
    """Rebuild the installation from the archive at ``path`` (verified first). Refuses one that
    has rows or files unless ``force``, which replaces them."""
    manifest = verify(path)
    dialect = _dialect(engine)
    if manifest.database != dialect:
        raise BackupError(f"the archive holds a {manifest.database} database; this installation uses {dialect}")
    unknown = {m.name.split("/")[1] for m in manifest.members if m.name.startswith(OBJECTS + "/")} - set(stores)
    if unknown:
        raise BackupError(f"the archive has files of unknown stores: {', '.join(sorted(unknown))}")
    if (present := occupied(engine, stores)) and not force:
        raise NotEmpty("the installation is not empty (" + "; ".join(present[:3]) + "): restore into an empty "
                       "one, or force it to replace what is there")
    for store in stores.values():
        present_keys = store.keys()
        for key in present_keys:
            store.delete(key)
    with tempfile.TemporaryDirectory(prefix="ruwo-restore-") as folder:
        for info, reader in _members(path):
            if reader is None or info.name == MANIFEST:
                continue
            if info.name == DATABASE[dialect]:
                copy = Path(folder) / Path(info.name).name
                with copy.open("wb") as out:
                    shutil.copyfileobj(reader, out, CHUNK)
                _put_database(copy, engine, pg_bin)
            else:
                _, store_name, key = info.name.split("/", 2)
                stores[store_name].write(key, _chunks(reader))
    _check(manifest, engine, stores)
    return manifest


def _chunks(reader: IO[bytes]) -> Iterator[bytes]:
    while chunk := reader.read(CHUNK):
        yield chunk


def _put_database(copy: Path, engine: sa.Engine, pg_bin: str | None) -> None:
    engine.dispose()
    if engine.dialect.name == "postgresql":
        _run([pg_tool("pg_restore", pg_bin), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", "--no-password", f"--dbname={engine.url.database}",
              str(copy)], _pg_env(engine.url))
        return
    with sqlite3.connect(copy) as check:
        verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        raise BackupError(f"the archived SQLite database fails its integrity check: {verdict}")
    target = _sqlite_file(engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".restoring")
    shutil.copyfile(copy, staged)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staged, target)


def _check(manifest: Manifest, engine: sa.Engine, stores: Mapping[str, Storage]) -> None:
    """The restored installation against the manifest: every table's rows, every store's files."""
    engine.dispose()
    with engine.connect() as connection:
        counts = table_counts(connection)
    differ = [f"{t}: {counts.get(t)} rows, archived {n}" for t, n in manifest.tables.items() if counts.get(t) != n]
    for name, store in stores.items():
        wanted = sorted(m.name.split("/", 2)[2] for m in manifest.members if m.name.startswith(f"{OBJECTS}/{name}/"))
        if sorted(store.keys()) != wanted:
            differ.append(f"store {name}: {len(store.keys())} files, archived {len(wanted)}")
    if differ:
        raise BackupError("the restore does not match the archive: " + "; ".join(differ[:5]))
