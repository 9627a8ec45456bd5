"""findings and timeline steps keep their figures as params

Findings of guide rules and the timeline's generated steps keep what they found or did as data
(``params``), so that each reader gets words in their language instead of "52 min", "20 > 1" or
"deadline: 2026-12-04 → 2026-12-09". The text stored so far is parsed where it follows the
patterns the code wrote; anything else is left as it is and shown verbatim. Issues are titled by
the distinct problems they hold (in Chinese and, new, in English) instead of their first finding;
a downgrade writes the old-style notes and details back but keeps those titles.

Revision ID: c00e2c4c1d60
Revises: 90be1916c03b
Create Date: 2026-11-28 16:04:36.814280

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c00e2c4c1d60'
down_revision = '90be1916c03b'
branch_labels = None
depends_on = None

NUMBER = r"(-?\d+(?:\.\d+)?)"
#: A finding's stored detail, by rule: (pattern, the names of its groups).
DETAILS = {
    "guide:wait_thresholds": (re.compile(rf"{NUMBER} min"), ("minutes",)),
    "guide:over_promised_days": (re.compile(rf"{NUMBER} > {NUMBER}"), ("stated", "limit")),
    "guide:over_statutory_days": (re.compile(rf"{NUMBER} > {NUMBER}"), ("stated", "limit")),
    "guide:over_max_trips": (re.compile(rf"{NUMBER} > {NUMBER}"), ("trips", "limit")),
    "guide:fee_not_in_rule": (re.compile(rf"{NUMBER} 元(?: (.+))?", re.S), ("amount", "note")),
}
MATERIALS = ("guide:extra_materials", "guide:abolished_or_shared_materials")
#: One change of an "updated" step, as update_settings wrote it.
CHANGE = re.compile(r"(lead|severity|rectification_type|deadline): (.+?) → (.+)", re.S)
FIELDS = {"lead": "lead_unit", "severity": "severity", "rectification_type": "rectification_type",
          "deadline": "deadline"}
#: Steps whose note was the title of the finding that caused them.
FINDING_EVENTS = ("assigned", "occurrence", "reopened", "revisit_failed")

findings = sa.table("findings", sa.column("id", sa.Integer), sa.column("issue_id", sa.Integer),
                    sa.column("rule", sa.String), sa.column("title_zh", sa.String),
                    sa.column("title_en", sa.String), sa.column("detail", sa.String),
                    sa.column("params", sa.JSON))
events = sa.table("issue_events", sa.column("id", sa.Integer), sa.column("issue_id", sa.Integer),
                  sa.column("kind", sa.String), sa.column("note", sa.String), sa.column("params", sa.JSON))
issues = sa.table("issues", sa.column("id", sa.Integer), sa.column("title", sa.String),
                  sa.column("title_en", sa.String))
occurrences = sa.table("occurrences", sa.column("id", sa.Integer), sa.column("issue_id", sa.Integer),
                       sa.column("finding_id", sa.Integer))


def finding_params(rule, detail):
    """The figures in a finding's stored detail, or None when it does not follow the rule's pattern."""
    detail = (detail or "").strip()
    if not detail:
        return None
    if rule in MATERIALS:
        return {"names": detail.split("、")}
    pattern, names = DETAILS.get(rule, (None, ()))
    match = pattern.fullmatch(detail) if pattern is not None else None
    if match is None:
        return None
    return {name: value for name, value in zip(names, match.groups()) if value is not None}


def change(part):
    """One change of an "updated" step's note, or None when it is not one the code wrote."""
    if part.startswith("supporting:"):  # "supporting:" alone when none were left (notes were stripped)
        names = part.removeprefix("supporting:").strip()
        return {"field": "supporting_units", "new": names.split("、") if names else []}
    match = CHANGE.fullmatch(part)
    if match is None:
        return None
    return {"field": FIELDS[match.group(1)], "old": match.group(2), "new": match.group(3)}


def event_params(kind, note, titles):
    """(params, the note left) of a step whose note follows a pattern the code wrote, else None.

    ``titles``: the Chinese and English titles of the issue's findings."""
    note = note or ""
    if kind == "updated" and note:
        changes = [change(part) for part in note.split("; ")]
        return None if None in changes else ({"changes": changes}, "")
    if kind == "overdue_notice" and re.fullmatch(r"\d+", note):
        return {"days": int(note)}, ""
    if kind == "extension_requested":
        match = re.fullmatch(r"\+(\d+): (.*)", note, re.S)
        return ({"days": int(match.group(1))}, match.group(2)) if match else None
    if kind == "contest_transferred":
        match = re.fullmatch(r"(.+?) → (.+?)(?:: (.*))?", note, re.S)
        return ({"old": match.group(1), "new": match.group(2)}, match.group(3) or "") if match else None
    if kind in FINDING_EVENTS and note in titles:
        return {"finding": {"zh": note, "en": titles[note]}}, ""
    return None


def upgrade():
    # Added in place (no batch copy): the tables are referenced by other tables' rows.
    op.add_column('findings', sa.Column('params', sa.JSON(), nullable=True))
    op.add_column('issue_events', sa.Column('params', sa.JSON(), nullable=True))
    op.add_column('issues', sa.Column('title_en', sa.String(length=200), server_default=sa.text("''"), nullable=False))

    conn = op.get_bind()
    rules = [*DETAILS, *MATERIALS]
    for id_, rule, detail in conn.execute(sa.select(findings.c.id, findings.c.rule, findings.c.detail)
                                          .where(findings.c.rule.in_(rules))).all():
        params = finding_params(rule, detail)
        if params is not None:
            conn.execute(findings.update().where(findings.c.id == id_).values(params=params, detail=""))

    titles = {}  # issue id -> {title_zh: title_en}, in the order the findings were counted
    for issue_id, zh, en in conn.execute(
            sa.select(occurrences.c.issue_id, findings.c.title_zh, findings.c.title_en)
            .join(findings, findings.c.id == occurrences.c.finding_id).order_by(occurrences.c.id)).all():
        titles.setdefault(issue_id, {}).setdefault(zh, en)
    for id_, issue_id, kind, note in conn.execute(
            sa.select(events.c.id, events.c.issue_id, events.c.kind, events.c.note)).all():
        converted = event_params(kind, note, titles.get(issue_id, {}))
        if converted is not None:
            params, left = converted
            conn.execute(events.update().where(events.c.id == id_).values(params=params, note=left))

    # Titled by what it holds, not by its first finding.
    for issue_id, held in titles.items():
        conn.execute(issues.update().where(issues.c.id == issue_id).values(
            title="、".join(held)[:200], title_en=", ".join(dict.fromkeys(held.values()))[:200]))



def finding_detail(rule, params):
    """The detail as the code wrote it before (for a downgrade)."""
    if rule in MATERIALS:
        return "、".join(params.get("names", []))
    if rule == "guide:wait_thresholds":
        return f"{params['minutes']} min"
    if rule == "guide:fee_not_in_rule":
        return f"{params['amount']} 元 {params.get('note', '')}".strip()
    first = params.get("stated", params.get("trips"))
    return f"{first} > {params['limit']}"


def event_note(kind, params, note):
    """The note as the code wrote it before (for a downgrade)."""
    if kind == "updated":
        old_names = {v: k for k, v in FIELDS.items()}
        return "; ".join("supporting: " + "、".join(c["new"]) if c["field"] == "supporting_units"
                         else f"{old_names[c['field']]}: {c['old']} → {c['new']}" for c in params["changes"])
    if kind == "overdue_notice":
        return str(params["days"])
    if kind == "extension_requested":
        return f"+{params['days']}: {note}"
    if kind == "contest_transferred":
        summary = f"{params['old']} → {params['new']}"
        return f"{summary}: {note}" if note else summary
    if kind in FINDING_EVENTS:
        return params["finding"]["zh"]
    return note


def downgrade():
    conn = op.get_bind()
    for id_, rule, params in conn.execute(sa.select(findings.c.id, findings.c.rule, findings.c.params)
                                          .where(findings.c.params.is_not(None))).all():
        if params and (rule in DETAILS or rule in MATERIALS):
            conn.execute(findings.update().where(findings.c.id == id_)
                         .values(detail=finding_detail(rule, params)[:1000]))
    for id_, kind, params, note in conn.execute(sa.select(events.c.id, events.c.kind, events.c.params, events.c.note)
                                                .where(events.c.params.is_not(None))).all():
        if not params:
            continue
        conn.execute(events.update().where(events.c.id == id_)
                     .values(note=event_note(kind, params, note).strip()[:2000]))

    # Dropped in place (SQLite >= 3.35 and PostgreSQL): batch mode would copy these tables and
    # drop the originals, which other tables' rows reference while foreign keys are enforced.
    op.execute("ALTER TABLE issues DROP COLUMN title_en")
    op.execute("ALTER TABLE issue_events DROP COLUMN params")
    op.execute("ALTER TABLE findings DROP COLUMN params")
