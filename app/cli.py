"""Command-line commands. They parse options and call services; the logic lives there."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.database import reading
from app.extensions import db
from app.models import Campaign, Role
from app.services import accounts, audit, backup, calendar, campaigns, catalogue, checklists, demo, scale, visits
from app.services.accounts import hasher_from_config
from app.services.campaigns.sample import seed_sample
from app.services.errors import ServiceError
from app.services.storage import Storage


def stdin_is_terminal() -> bool:
    """Whether a person can answer a prompt (never in scripts or CI)."""
    return sys.stdin.isatty()


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--unit", "unit_code", help="Unit code (required for unit and inspector accounts).")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--password", help="Initial password (prompted for on a terminal if omitted).")
@with_appcontext
def create_user_command(
    username: str, role: str, unit_code: str | None, display_name: str, password: str | None
) -> None:
    """Create an account; the user must change the password at first login."""
    if password is None:
        if not stdin_is_terminal():
            raise click.UsageError("--password is required when not on a terminal.")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    info = accounts.NewUser(
        username=username, role=Role(role), password=password, unit_code=unit_code,
        display_name=display_name, must_change_password=True,
    )
    try:
        user = accounts.create_user(info, hasher_from_config(current_app.config))
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role}); the password must be changed at first login.")


@click.command("seed-demo")
@click.option("--password", help="Demo accounts' password (default: RUWO_DEMO_PASSWORD or Ruwo-demo-2026).")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has users.")
@with_appcontext
def seed_demo_command(password: str | None, if_empty: bool) -> None:
    """Load a demo county; running it again adds only what is missing."""
    chosen = password or current_app.config["DEMO_PASSWORD"]
    try:
        result = demo.seed(
            chosen, hasher_from_config(current_app.config), reset_passwords=password is not None,
            only_if_empty=if_empty,
        )
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    if not result.skipped and seed_sample(calendar.china_today()) is not None:
        db.session.commit()
        click.echo("A sample campaign was drawn and started.")
    if result.skipped:
        click.echo("The database already has accounts; demo data not loaded.")
    else:
        click.echo(
            f"Demo data: {result.created} rows added, {result.passwords_reset} passwords reset."
        )
    if result.skipped:
        click.echo("Demo logins (with the password they were given when the demo data was loaded):")
    else:
        click.echo(f"Demo logins (password: {chosen}):")
    for username, role in result.accounts:
        click.echo(f"  {username:<18} {role}")


@click.command("import-guides")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_guides_command(path: Path) -> None:
    """Import service guides from an .xlsx or .csv file (docs/guide-import.md): all or nothing."""
    try:
        result = catalogue.import_guides(path.name, path.read_bytes())
    except catalogue.ImportFailed as exc:
        db.session.rollback()
        for error in exc.errors:
            where = f"row {error.row}, column {error.column}" if error.column else f"row {error.row}"
            click.echo(f"{path.name}: {where}: {error.message}", err=True)
        raise click.ClickException("Nothing was imported.") from exc
    db.session.commit()
    click.echo(f"Imported {path.name}: {len(result.created)} created, {len(result.updated)} updated.")


@click.group("surveys")
def surveys_group() -> None:
    """Checklist templates (surveys/*.yaml)."""


@surveys_group.command("check")
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def surveys_check_command(folder: Path | None) -> None:
    """Validate the templates (FOLDER, default the app's surveys/); exit 1 naming any problem."""
    folder = folder or Path(current_app.config.get("SURVEYS_PATH") or Path(current_app.root_path).parent / "surveys")
    templates = checklists.load_folder(folder)  # raises SurveyError: file, question key, problem
    try:
        drift = checklists.drifted(templates.values())
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        drift = []
        click.echo("(database not reachable: stored versions not compared)")
    if drift:
        raise click.ClickException("\n".join(drift))
    for (key, version), template in sorted(templates.items()):
        count = sum(1 for _ in template.questions())
        click.echo(f"ok  {key} version {version}: {len(template.sections)} sections, {count} questions")


@click.command("demo-scale")
@click.option("--visits", type=click.IntRange(1, 2_000_000), required=True, help="How many visits to add.")
@click.option("--seed", type=int, default=1, show_default=True, help="The generator's random seed.")
@with_appcontext
def demo_scale_command(visits: int, seed: int) -> None:
    """Add a realistic county's worth of visits, findings and issues to the demo data (benchmarks)."""
    started = time.perf_counter()
    try:
        made = scale.generate(visits, seed=seed)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"Added {made.visits} visits, {made.answers} answers, {made.findings} findings, {made.issues} issues, "
               f"{made.occurrences} occurrences, {made.photos} photo rows in {time.perf_counter() - started:.1f} s.")


@click.group("campaigns")
def campaigns_group() -> None:
    """Campaigns (暗访批次) and their draws."""


@campaigns_group.command("check-draw")
@click.argument("campaign_id", type=int)
@with_appcontext
def check_draw_command(campaign_id: int) -> None:
    """Re-run every draw of CAMPAIGN_ID from its stored seed and inputs; exit 1 if one differs."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"no campaign {campaign_id}")
    if not campaign.draws:
        raise click.ClickException(f"campaign {campaign_id} has not been drawn")
    differ = 0
    for record in campaign.draws:
        same = campaigns.check_draw(record)
        differ += not same
        rows = len(record.result.get("assignments", []))
        click.echo(f"{'identical' if same else 'DIFFERENT'}  draw {record.id}  seed {record.seed}  "
                   f"{record.algorithm}  {rows} assignments{'  (' + record.reason + ')' if record.reason else ''}")
    if differ:
        raise click.ClickException(f"{differ} draw(s) do not reproduce")


def file_stores(app: Flask) -> dict[str, Storage]:
    """The stores a backup holds, by the name their files have in the archive."""
    return {"uploads": app.extensions["ruwo_storage"], "exports": app.extensions["ruwo_exports"]}


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write the database and every photo, evidence and export file to the archive PATH (a tar
    with a manifest of sums); the app may keep serving meanwhile."""
    started = time.perf_counter()
    try:
        manifest = backup.create(path, db.engine, file_stores(current_app), current_app.config["PG_BIN"] or None)
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"Wrote {path}: the {manifest.database} database ({sum(manifest.tables.values())} rows) and "
               f"{manifest.objects()} files, {path.stat().st_size:,} bytes in {time.perf_counter() - started:.1f} s.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the rows and files of an installation that is not empty.")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Check the archive PATH, then rebuild this (empty) installation from it: the same rows and the
    same files. Stop the app and its workers first."""
    started = time.perf_counter()
    db.session.remove()
    try:
        manifest = backup.restore(path, db.engine, file_stores(current_app), force=force,
                                  pg_bin=current_app.config["PG_BIN"] or None)
    except backup.NotEmpty as exc:
        raise click.ClickException(f"{exc.message} (--force)") from exc
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"Restored {path} (taken {manifest.created_at}): {sum(manifest.tables.values())} rows in "
               f"{len(manifest.tables)} tables and {manifest.objects()} files, checked against its manifest, "
               f"in {time.perf_counter() - started:.1f} s.")


@click.group("audit")
def audit_group() -> None:
    """The audit log's hash chain and its retention."""


@audit_group.command("verify")
@with_appcontext
def audit_verify_command() -> None:
    """Check the hash chain; exit 1 naming the first row that was edited or deleted."""
    with reading():  # on SQLite a long walk must not hold the write lock
        result = audit.verify()
        db.session.rollback()
    if not result.ok:
        raise click.ClickException(f"audit log BROKEN after {result.rows} good rows: {result.problem}")
    click.echo(f"audit log intact: {result.rows} rows; head {result.head}")


@audit_group.command("purge")
@click.option("--older-than-days", "days", type=click.IntRange(1), default=None,
              help="Default: AUDIT_RETENTION_DAYS (365).")
@with_appcontext
def audit_purge_command(days: int | None) -> None:
    """Remove audit rows older than the retention period, keeping an anchor (audited)."""
    days = days or int(current_app.config["AUDIT_RETENTION_DAYS"])
    try:
        purged = audit.purge(days)
    except audit.ChainBroken as exc:
        db.session.rollback()
        raise click.ClickException(f"not purged, the log does not verify: {exc}") from exc
    db.session.commit()
    if purged.last_id is None:
        click.echo(f"No audit rows older than {days} days.")
    else:
        click.echo(f"Removed {purged.removed} audit rows up to row {purged.last_id}; anchor {purged.anchor_hash}")


@click.group("photos")
def photos_group() -> None:
    """Visit photos' retention."""


@photos_group.command("purge")
@click.option("--older-than-days", "days", type=click.IntRange(1), default=None,
              help="Default: PHOTO_RETENTION_DAYS.")
@with_appcontext
def photos_purge_command(days: int | None) -> None:
    """Delete the files of visit photos older than N days; their rows stay, marked purged (audited)."""
    days = days or current_app.config.get("PHOTO_RETENTION_DAYS")
    if not days:
        raise click.UsageError("give --older-than-days or set PHOTO_RETENTION_DAYS")
    storage = current_app.extensions["ruwo_storage"]
    result = visits.purge_photos(int(days), storage)
    db.session.commit()
    for key in result.keys:  # after the commit: a crash in between leaves files the next run deletes
        storage.delete(key)
    click.echo(f"Purged {result.purged} photos older than {days} days; {len(result.keys)} files deleted.")


def register(app: Flask) -> None:
    """Add the commands to ``flask``."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(import_guides_command)
    app.cli.add_command(surveys_group)
    app.cli.add_command(campaigns_group)
    app.cli.add_command(demo_scale_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(audit_group)
    app.cli.add_command(photos_group)
