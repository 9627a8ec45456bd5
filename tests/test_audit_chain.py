"""The audit log's hash chain (SECURITY.md §6.29): verify, tampering, purge, concurrent writers,
and the photo retention purge. Runs on the suite's database (RUWO_TEST_BACKEND)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAnchor, AuditLog, Photo
from app.models.base import utcnow
from app.services import audit
from tests.conftest import count
from tests.photo_samples import encoded
from tests.test_photo_views import PHOTO, upload
from tests.test_visit_views import UUID, body, client_for, submit


def _rows(n: int, prefix: str = "test.event") -> list[int]:
    """``n`` audit rows, one commit each but the last three, which share one."""
    for i in range(n - 3):
        audit.record(f"{prefix}", actor_name=f"u{i}", object_type="thing", object_id=i, detail=f"row {i} 细节")
        db.session.commit()
    for i in range(n - 3, n):
        audit.record(f"{prefix}", actor_name=f"u{i}", ip="10.0.0.1", detail=f"row {i}")
    db.session.commit()
    ids = list(db.session.scalars(sa.select(AuditLog.id).order_by(AuditLog.id)))
    db.session.remove()  # end the transaction: on SQLite it holds the write lock
    return ids


def _verify(runner) -> tuple[int, str]:
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_an_intact_log_verifies(db, runner) -> None:
    ids = _rows(8)
    first = db.session.get(AuditLog, ids[0])
    assert first.prev_hash == audit.GENESIS and len(first.row_hash) == 64
    for before, after in zip(ids, ids[1:], strict=False):
        assert db.session.get(AuditLog, after).prev_hash == db.session.get(AuditLog, before).row_hash
    db.session.remove()
    code, output = _verify(runner)
    assert code == 0, output
    assert "intact: 8 rows" in output


def test_the_app_cannot_change_or_delete_a_row(db) -> None:
    ids = _rows(4)
    row = db.session.get(AuditLog, ids[1])
    row.detail = "rewritten"
    with pytest.raises(audit.AuditImmutable):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditLog, ids[1]))
    with pytest.raises(audit.AuditImmutable):
        db.session.commit()
    db.session.rollback()
    assert count(AuditLog) == 4 and audit.verify().ok


def test_time_is_stored_exactly_as_hashed(db) -> None:
    """A row read back from the database (microseconds, UTC) gives the hash it was written with."""
    _rows(4)
    db.session.remove()
    for row in db.session.scalars(sa.select(AuditLog)):
        assert row.at.tzinfo is not None
        assert audit.row_hash({name: getattr(row, name) for name in audit.HASHED}) == row.row_hash


def test_a_row_edited_by_hand_is_named(db, runner) -> None:
    ids = _rows(6)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET detail = 'nothing happened' WHERE id = :id"), {"id": ids[2]})
    code, output = _verify(runner)
    assert code != 0
    assert f"row {ids[2]}" in output and "edited" in output


def test_a_row_edited_and_rehashed_breaks_the_next_link(db, runner) -> None:
    ids = _rows(6)
    row = db.session.get(AuditLog, ids[2])
    db.session.remove()
    fields = {name: getattr(row, name) for name in audit.HASHED} | {"detail": "forged"}
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET detail = 'forged', row_hash = :h WHERE id = :id"),
                     {"h": audit.row_hash(fields), "id": ids[2]})
    code, output = _verify(runner)
    assert code != 0
    assert f"row {ids[3]}: prev_hash does not match the hash of row {ids[2]}" in output


def test_a_deleted_middle_row_is_named(db, runner) -> None:
    ids = _rows(6)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[3]})
    code, output = _verify(runner)
    assert code != 0
    assert f"row {ids[4]}: prev_hash does not match the hash of row {ids[2]}" in output
    assert "deleted" in output


def test_deleting_the_first_row_is_found(db, runner) -> None:
    ids = _rows(4)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[0]})
    code, output = _verify(runner)
    assert code != 0 and f"row {ids[1]}" in output and "start of the log" in output


def _aged(days: int, n: int) -> None:
    """``n`` rows written ``days`` ago (the chain hashes the time they carry)."""
    for i in range(n):
        db.session.add(AuditLog(at=utcnow() - timedelta(days=days, minutes=n - i), action="old.event",
                                actor_name=f"old{i}"))
        db.session.commit()


def test_purge_keeps_the_rest_verifiable_and_is_audited(db, runner) -> None:
    _aged(400, 5)
    _aged(366, 2)
    young = _rows(4, "young.event")[-4:]
    db.session.remove()
    result = runner.invoke(args=["audit", "purge"])  # AUDIT_RETENTION_DAYS = 365
    assert result.exit_code == 0, result.output
    assert "Removed 7 audit rows" in result.output
    assert db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)).all() == (
        ["young.event"] * 4 + ["audit.purge"])
    anchor = db.session.scalar(sa.select(AuditAnchor))
    assert anchor.removed == 7 and anchor.last_id < young[0]
    assert db.session.get(AuditLog, young[0]).prev_hash == anchor.last_hash
    purge_row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "audit.purge"))
    assert anchor.last_hash in purge_row.detail and purge_row.actor_name == "cli"
    db.session.remove()
    code, output = _verify(runner)
    assert code == 0, output
    # A second purge finds nothing old, is audited too, and the chain still holds.
    again = runner.invoke(args=["audit", "purge"])
    assert again.exit_code == 0 and "No audit rows older than 365 days" in again.output
    assert count(AuditLog) == 6
    db.session.remove()
    assert _verify(runner)[0] == 0
    # Deleting the first remaining row is still found: it no longer links to the anchor.
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE id = :id"), {"id": young[0]})
    code, output = _verify(runner)
    assert code != 0 and f"row {young[1]}" in output and "purge anchor" in output


def test_a_forged_anchor_does_not_hide_deleted_oldest_rows(db, runner) -> None:
    """Deleting the oldest rows and writing an anchor that fits the new first row is found: no
    chained purge row names that anchor."""
    ids = _rows(6)
    first_kept = db.session.get(AuditLog, ids[3])
    prev, at = first_kept.prev_hash, first_kept.at
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE id < :id"), {"id": ids[3]})
        conn.execute(sa.insert(AuditAnchor).values(last_id=ids[2], last_at=at, last_hash=prev, removed=3, at=at))
    code, output = _verify(runner)
    assert code != 0 and "purge anchor" in output and "altered" in output


def test_purging_everything_continues_from_the_anchor(db, runner) -> None:
    _aged(500, 3)
    purged = audit.purge(365)
    db.session.commit()
    assert purged.removed == 3
    only = db.session.scalar(sa.select(AuditLog))
    assert only.action == "audit.purge" and only.prev_hash == purged.anchor_hash
    _rows(4)
    db.session.remove()
    assert _verify(runner)[0] == 0


def test_purge_refuses_a_broken_log(db, runner) -> None:
    _aged(400, 3)
    ids = _rows(4)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET actor_name = 'someone' WHERE id = :id"), {"id": ids[1]})
    result = runner.invoke(args=["audit", "purge"])
    assert result.exit_code != 0 and "does not verify" in result.output
    assert count(AuditLog) == 7 and count(AuditAnchor) == 0


@pytest.mark.parametrize("threads", [4])
def test_concurrent_writers_keep_one_chain(app, db, runner, threads: int) -> None:
    """Writers on their own connections (threads, each with its own session) append at once; the
    chain never forks."""
    per_thread, errors = 15, []
    start = threading.Barrier(threads)

    def write(n: int) -> None:
        # Odd writers write from GET requests, whose transactions begin deferred on SQLite (as a
        # refused page's audit row does): the chain's lock must still be taken before the head is read.
        context = app.test_request_context("/", method="GET") if n % 2 else app.app_context()
        try:
            with context:
                start.wait()
                for i in range(per_thread):
                    audit.record("race.event", actor_name=f"t{n}", detail=f"{i}")
                    if i % 3 == 0:  # some transactions hold two rows
                        audit.record("race.event", actor_name=f"t{n}", detail=f"{i}b")
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert count(AuditLog) == threads * (per_thread + 5)
    hashes = db.session.scalars(sa.select(AuditLog.prev_hash)).all()
    assert len(set(hashes)) == len(hashes)  # no two rows claim the same predecessor
    db.session.remove()
    code, output = _verify(runner)
    assert code == 0, output


def test_photo_purge_keeps_pages_working_and_is_audited(seeded, runner) -> None:
    inspector = client_for(seeded, "inspector1")
    assert inspector.put(f"/visits/api/visits/{UUID}", json=body(seeded)).status_code == 200
    assert upload(inspector, encoded("JPEG")).status_code == 201
    assert submit(inspector, body(seeded)).status_code == 200
    storage = seeded.extensions["ruwo_storage"]
    with seeded.app_context():
        photo = db.session.scalar(sa.select(Photo))
        keys, visit_id = photo.keys, photo.visit_id
        assert set(keys) <= set(storage.keys())
        # Not old enough yet: nothing purged.
        result = runner.invoke(args=["photos", "purge", "--older-than-days", "30"])
        assert result.exit_code == 0 and "Purged 0 photos" in result.output
        db.session.execute(sa.update(Photo).values(created_at=utcnow() - timedelta(days=40)))
        db.session.commit()
    result = runner.invoke(args=["photos", "purge", "--older-than-days", "30"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 photos" in result.output and "2 files deleted" in result.output
    assert storage.keys() == []
    with seeded.app_context():
        photo = db.session.scalar(sa.select(Photo))
        assert photo.purged_at is not None and len(photo.sha256) == 64  # the record stays
        actions = db.session.scalars(sa.select(AuditLog.detail).where(AuditLog.action == "photo.purge")).all()
        assert actions[-1].startswith("1 photos older than 30 days")
    leader = client_for(seeded, "leader")
    page = leader.get(f"/dashboard/visits/{visit_id}")
    assert page.status_code == 200
    assert "照片已过保存期限" in page.get_data(as_text=True)
    assert leader.get(f"/photos/{PHOTO}.jpg").status_code == 404
    assert leader.get(f"/photos/{PHOTO}/thumb.jpg").status_code == 404
    assert inspector.get(f"/visits/v/{UUID}/view").status_code == 200
    assert _verify(runner)[0] == 0
