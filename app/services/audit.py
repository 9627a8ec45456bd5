"""Writing, verifying and purging the audit log. Every login and every state change goes
through ``record``.

The log is a hash chain (SECURITY.md §6.29): when rows are flushed, a ``before_flush`` hook
takes the chain's lock inside the writer's transaction (``pg_advisory_xact_lock`` on PostgreSQL;
on SQLite the database write lock, taken with a write that changes nothing), reads the true last
row (or the purge anchor), and gives each new row ``prev_hash`` and ``row_hash``. ``verify``
walks the chain from the newest anchor and names the first row that does not fit; ``purge``
removes rows older than the retention period, leaves an anchor, and is itself audited.

Rows written by a bulk ``INSERT`` that bypasses the ORM are not chained; nothing in the app does
that. The chain shows rows edited or deleted in the middle; to notice the newest rows being cut
off, keep the head hash that ``verify`` prints somewhere else (SECURITY.md §1: off-host).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import AuditAnchor, AuditLog, User
from app.models.base import utcnow

DENIED = "access.denied"
#: The ``prev_hash`` of the first row of a log that was never purged.
GENESIS = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends to the chain ("Ruwo" in ASCII).
CHAIN_LOCK_KEY = 0x5275776F
#: The fields a row's hash covers, in order (everything but ``id`` and ``row_hash``).
HASHED = ("at", "actor_id", "actor_name", "actor_role", "ip", "action", "object_type", "object_id",
          "result", "detail", "prev_hash")
_DEFAULTS = {"actor_name": "", "actor_role": "", "ip": "", "object_type": "", "object_id": "",
             "result": "ok", "detail": ""}


def record(
    action: str,
    *,
    actor: User | None = None,
    actor_name: str = "",
    result: str = "ok",
    object_type: str = "",
    object_id: object = "",
    detail: str = "",
    ip: str = "",
) -> AuditLog:
    """Add one audit row (flushed with the caller's transaction). Never pass secrets."""
    entry = AuditLog(
        actor_id=actor.id if actor is not None else None,
        actor_name=(actor.username if actor is not None else actor_name)[:64],
        actor_role=str(actor.role) if actor is not None else "",
        ip=(ip or "")[:45],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        result=result,
        detail=detail[:500],
    )
    db.session.add(entry)
    return entry


def record_denial(actor: User, where: str, status: int, *, ip: str = "", per_minute: int,
                  now: datetime | None = None) -> bool:
    """Audit a refused request (403, or 404 for another's object), at most ``per_minute`` rows
    per user and minute so that a crawl cannot flood the log. Commits its own short write
    transaction; the caller's must be finished. Returns whether a row was written."""
    now = now or utcnow()
    recent = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == DENIED, AuditLog.actor_id == actor.id, AuditLog.at > now - timedelta(minutes=1)))
    if (recent or 0) >= per_minute:
        db.session.rollback()
        return False
    record(DENIED, actor=actor, result="denied", ip=ip, object_type="route", object_id=where[:64],
           detail=str(status))
    db.session.commit()
    return True


# --- The hash chain ---------------------------------------------------------------------------------


def canonical_at(at: datetime) -> str:
    """A time as the hash sees it: UTC with microseconds (what both databases store exactly)."""
    if at.tzinfo is None:  # SQLite hands back naive UTC outside the ORM type
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(fields: dict[str, Any]) -> str:
    """SHA-256 (hex) of a row's HASHED fields, serialised as compact JSON in a fixed order."""
    values = [canonical_at(fields["at"]) if name == "at" else fields[name] for name in HASHED]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _fields(entry: AuditLog) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in HASHED}


def _lock_chain(connection: sa.Connection) -> None:
    """Hold the chain's lock until this transaction ends, so that no other writer appends
    between reading the head and inserting after it."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    elif dialect == "sqlite":
        # A write that changes nothing takes the database write lock, waiting busy_timeout for it
        # (or fails at once if this transaction's snapshot is stale: never a forked chain).
        connection.execute(sa.text("UPDATE audit_log SET id = id WHERE 0"))


def head_hash(connection: sa.Connection) -> str:
    """The hash the next row links to: the last row's, else the newest anchor's, else GENESIS.

    Anchors are ordered by their own id, not by the purged row's: SQLite may give a row the id
    of a deleted one when a purge removed every row up to the newest."""
    last = connection.execute(sa.select(AuditLog.row_hash).order_by(AuditLog.id.desc()).limit(1)).scalar()
    if last is not None:
        return last
    anchor = connection.execute(
        sa.select(AuditAnchor.last_hash).order_by(AuditAnchor.id.desc()).limit(1)).scalar()
    return anchor if anchor is not None else GENESIS


class AuditImmutable(Exception):
    """Something tried to change or delete an audit row through the ORM (SECURITY.md §6.13)."""


def _chain_new_rows(session: Session, _context: object, _instances: object) -> None:
    """before_flush: refuse changes to stored audit rows, and give the rows about to be inserted
    their place in the chain."""
    if any(isinstance(obj, AuditLog) for obj in session.deleted) or any(
            isinstance(obj, AuditLog) and session.is_modified(obj) for obj in session.dirty):
        raise AuditImmutable("audit rows are only ever added")
    new = [obj for obj in session.new if isinstance(obj, AuditLog)]
    if not new:
        return
    new.sort(key=lambda obj: sa.inspect(obj).insert_order or 0)  # the order the flush inserts them in
    connection = session.connection()
    _lock_chain(connection)
    previous = head_hash(connection)
    now = utcnow()  # taken under the lock: times rise along the chain
    for entry in new:
        for name, default in _DEFAULTS.items():
            if getattr(entry, name) is None:
                setattr(entry, name, default)
        entry.at = now if entry.at is None else entry.at.astimezone(UTC)
        entry.prev_hash = previous
        entry.row_hash = previous = row_hash(_fields(entry))


if not sa.event.contains(Session, "before_flush", _chain_new_rows):
    sa.event.listen(Session, "before_flush", _chain_new_rows)


@dataclass(frozen=True)
class Verification:
    """The result of walking the chain: rows checked, the head hash, and the first fault."""

    rows: int
    head: str
    broken_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None and not self.problem


def _anchor() -> AuditAnchor | None:
    return db.session.scalar(sa.select(AuditAnchor).order_by(AuditAnchor.id.desc()).limit(1))


def _names_anchor(anchor: AuditAnchor) -> str:
    return f"anchor {anchor.last_hash}"


def verify(batch: int = 2000) -> Verification:
    """Walk the log in id order from the newest anchor; stop at the first row whose
    ``prev_hash`` is not the hash of the row before it (a row deleted, or that row edited and
    re-hashed) or whose fields do not give its ``row_hash`` (edited). The newest anchor must be
    named by the chained row of the purge that wrote it (else the anchor was forged, e.g. to hide
    the deletion of the oldest rows)."""
    anchor = _anchor()
    expected, before, needed = GENESIS, "the start of the log", ""
    if anchor is not None:  # needed: what the row of the purge that wrote the anchor says
        expected, before, needed = anchor.last_hash, f"the purge anchor (row {anchor.last_id})", _names_anchor(anchor)
    start, vouched = before, not needed
    columns = [AuditLog.id, AuditLog.row_hash, *(getattr(AuditLog, name) for name in HASHED)]
    rows, after = 0, 0
    while True:
        chunk = db.session.execute(sa.select(*columns).where(AuditLog.id > after)
                                   .order_by(AuditLog.id).limit(batch)).all()
        if not chunk:
            if not vouched:
                return Verification(rows, expected, None, f"{start} is not named by any audit.purge row; "
                                                           "the anchor was altered")
            return Verification(rows, expected)
        for row in chunk:
            fields = row._asdict()
            if fields["prev_hash"] != expected:
                return Verification(rows, expected, row.id, (
                    f"row {row.id}: prev_hash does not match the hash of {before}; "
                    "a row between them was deleted, or that row was edited"))
            if row_hash(fields) != row.row_hash:
                return Verification(rows, expected, row.id,
                                    f"row {row.id}: its fields do not match its row_hash; the row was edited")
            if not vouched and row.action == "audit.purge" and row.detail.endswith(needed):
                vouched = True
            expected, before, after = row.row_hash, f"row {row.id}", row.id
            rows += 1


class ChainBroken(Exception):
    """The log does not verify: purging now would destroy the evidence."""


@dataclass(frozen=True)
class Purged:
    """What a purge removed (``removed`` rows up to ``last_id``) and the hash it kept."""

    removed: int
    last_id: int | None
    anchor_hash: str


def purge(retention_days: int, *, now: datetime | None = None, actor_name: str = "cli") -> Purged:
    """Remove the audit rows older than ``retention_days`` (a prefix of the chain: rows up to the
    first one that is young enough), record an anchor with the last removed row's hash, and
    audit the purge. Refuses (ChainBroken) when the log does not verify. Flushes; the caller
    commits."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    check = verify()
    if not check.ok:
        raise ChainBroken(check.problem)
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    first_kept = db.session.scalar(sa.select(sa.func.min(AuditLog.id)).where(AuditLog.at >= cutoff))
    stale = sa.select(AuditLog).where(AuditLog.id < first_kept) if first_kept is not None else sa.select(AuditLog)
    last = db.session.scalar(stale.order_by(AuditLog.id.desc()).limit(1))
    if last is None:
        record("audit.purge", actor_name=actor_name, object_type="audit_log",
               detail=f"0 rows older than {retention_days} days")
        db.session.flush()
        return Purged(0, None, "")
    removed = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.id <= last.id)) or 0
    anchor = AuditAnchor(last_id=last.id, last_at=last.at, last_hash=last.row_hash, removed=removed)
    db.session.add(anchor)
    db.session.execute(sa.delete(AuditLog).where(AuditLog.id <= last.id))
    # The purge's own row links to the last remaining row (or to the anchor when none is left)
    # and names the anchor's hash, which verify requires: a forged anchor is found.
    record("audit.purge", actor_name=actor_name, object_type="audit_log", object_id=last.id,
           detail=f"{removed} rows older than {retention_days} days up to row {last.id}; {_names_anchor(anchor)}")
    db.session.flush()
    return Purged(removed, last.id, last.row_hash)

