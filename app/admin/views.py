"""Administration: changing the catalogue, importing guides, managing accounts, the audit log.

Reading the catalogue is in app/catalogue (leaders may read it too).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin import forms
from app.admin.pages import active_flag, form_page, set_active_and_return
from app.args import int_arg, paginate
from app.auth.access import roles_required
from app.auth.session import hasher
from app.extensions import db
from app.formtools import choices, form_status, save_form
from app.labels import AUDIT_OBJECT_LABELS, AUDIT_RESULT_LABELS, audit_action_label, audit_detail
from app.models import AuditLog, Hall, HallKind, Role, ServiceItem, Unit, User, Window
from app.models.base import utcnow
from app.services import accounts, calendar, catalogue, reports
from app.services.errors import ServiceError
from app.services.geo import CoordinateSystem

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles_required(Role.ADMIN)


@bp.route("/")
@admin_only
def index() -> str:
    """The administrator's home: how much is set up, and locked accounts."""
    return render_template(
        "admin/index.html",
        counts=catalogue.counts(),
        units=catalogue.active_units(),
        locked=catalogue.locked_users(utcnow()),
    )


# --- Units -------------------------------------------------------------------------------------


@bp.route("/units/new", methods=["GET", "POST"])
@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
@admin_only
def unit_form(unit_id: int | None = None) -> ResponseReturnValue:
    """Create or edit a unit."""
    unit = db.get_or_404(Unit, unit_id) if unit_id else None
    form = forms.UnitForm(obj=unit)
    done = save_form(
        form, lambda: catalogue.save_unit(
            catalogue.UnitData(form.code.data, form.name.data, form.wecom_webhook.data or ""), unit, actor=current_user),
        _("Unit saved."), lambda _obj: url_for("catalogue.units"))
    return done or form_page(form, _("Edit unit") if unit else _("New unit"), url_for("catalogue.units"))


@bp.route("/units/<int:unit_id>/active", methods=["POST"])
@admin_only
def unit_active(unit_id: int) -> Response:
    """Deactivate or reactivate a unit."""
    return set_active_and_return(db.get_or_404(Unit, unit_id), url_for("catalogue.units"))


# --- Halls and windows ---------------------------------------------------------------------------


@bp.route("/halls/new", methods=["GET", "POST"])
@bp.route("/halls/<int:hall_id>/edit", methods=["GET", "POST"])
@admin_only
def hall_form(hall_id: int | None = None) -> ResponseReturnValue:
    """Create or edit a hall; positions may be typed in GCJ-02 or BD-09."""
    hall = db.get_or_404(Hall, hall_id) if hall_id else None
    form = forms.HallForm(obj=hall)
    if hall and request.method == "GET" and hall.latitude is not None:
        form.position.data = f"{hall.latitude:.7f}, {hall.longitude:.7f}"

    def save() -> Hall:
        return catalogue.save_hall(catalogue.HallData(
            name=form.name.data, kind=HallKind(form.kind.data), address=form.address.data or "",
            position=form.position.data or "",
            coordinate_system=CoordinateSystem(form.coordinate_system.data),
            radius_m=form.radius_m.data, wait_medium_min=form.wait_medium_min.data,
            wait_high_min=form.wait_high_min.data), hall, actor=current_user)

    done = save_form(form, save, _("Hall saved."), lambda h: url_for("catalogue.hall", hall_id=h.id))
    back = url_for("catalogue.hall", hall_id=hall.id) if hall else url_for("catalogue.halls")
    return done or form_page(form, _("Edit hall") if hall else _("New hall"), back)


@bp.route("/halls/<int:hall_id>/active", methods=["POST"])
@admin_only
def hall_active(hall_id: int) -> Response:
    """Deactivate or reactivate a hall."""
    return set_active_and_return(db.get_or_404(Hall, hall_id), url_for("catalogue.halls"))


@bp.route("/windows/new", methods=["GET", "POST"])
@bp.route("/windows/<int:window_id>/edit", methods=["GET", "POST"])
@admin_only
def window_form(window_id: int | None = None) -> ResponseReturnValue:
    """Create or edit a window: its hall, unit, number and the items it serves."""
    window = db.get_or_404(Window, window_id) if window_id else None
    form = forms.WindowForm(obj=window)
    if window and request.method == "GET":
        form.service_item_ids.data = [i.id for i in window.service_items]
    elif not window and request.method == "GET":
        form.hall_id.data = int_arg("hall_id")
    chosen = tuple(form.service_item_ids.data or ())
    form.hall_id.choices = choices(catalogue.hall_choices(window.hall_id if window else None))
    form.unit_id.choices = choices(catalogue.unit_choices(window.unit_id if window else None))
    form.service_item_ids.choices = choices(catalogue.service_item_choices(chosen))

    def save() -> Window:
        return catalogue.save_window(catalogue.WindowData(
            hall_id=form.hall_id.data, unit_id=form.unit_id.data, number=form.number.data,
            name=form.name.data, comprehensive=form.comprehensive.data,
            service_item_ids=tuple(form.service_item_ids.data or ())), window, actor=current_user)

    done = save_form(form, save, _("Window saved."), lambda w: url_for("catalogue.hall", hall_id=w.hall_id))
    hall_id = window.hall_id if window else form.hall_id.data
    back = url_for("catalogue.hall", hall_id=hall_id) if hall_id else url_for("catalogue.halls")
    return done or form_page(form, _("Edit window") if window else _("New window"), back)


@bp.route("/windows/<int:window_id>/active", methods=["POST"])
@admin_only
def window_active(window_id: int) -> Response:
    """Deactivate or reactivate a window."""
    window = db.get_or_404(Window, window_id)
    return set_active_and_return(window, url_for("catalogue.hall", hall_id=window.hall_id))


# --- Service items and their guides ---------------------------------------------------------------

BLANK_ROWS = 3


def _guide_data(form: forms.ServiceItemForm) -> catalogue.GuideData:
    def kept(entries):  # type: ignore[no-untyped-def]
        return [e.form for e in entries if (e.form.name.data or "").strip() and not e.form.remove.data]

    return catalogue.GuideData(
        code=form.code.data, name=form.name.data, unit_code=form.unit_code.data,
        promised_days=form.promised_days.data, statutory_days=form.statutory_days.data,
        fee_rule=form.fee_rule.data or "", max_trips=form.max_trips.data,
        online_available=form.online_available.data,
        one_thing_package=form.one_thing_package.data or "", guide_url=form.guide_url.data or "",
        materials=tuple(catalogue.MaterialData(m.name.data, m.condition.data or "",
                                            m.obtainable_by_sharing.data, m.abolished.data)
                        for m in kept(form.materials.entries)),
        scenarios=tuple((s.name.data, s.description.data or "") for s in kept(form.scenarios.entries)),
        fees=tuple((f.name.data, f.amount_yuan.data or Decimal(0)) for f in kept(form.fees.entries)),
    )


def _fill_guide_form(form: forms.ServiceItemForm, item: ServiceItem) -> None:
    form.unit_code.data = item.unit.code
    for field_list, rows, attrs in (
        (form.materials, item.materials, ("name", "condition", "obtainable_by_sharing", "abolished")),
        (form.scenarios, item.scenarios, ("name", "description")),
        (form.fees, item.fees, ("name", "amount_yuan")),
    ):
        while field_list.entries:
            field_list.pop_entry()
        for row in rows:
            field_list.append_entry({a: getattr(row, a) for a in attrs})


@bp.route("/items/new", methods=["GET", "POST"])
@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@admin_only
def item_form(item_id: int | None = None) -> ResponseReturnValue:
    """Create or edit a service item with its materials, scenarios (情形) and fees."""
    item = db.get_or_404(ServiceItem, item_id) if item_id else None
    form = forms.ServiceItemForm(obj=item)
    form.unit_code.choices = choices(catalogue.unit_choices(item.unit_id if item else None, by_code=True))
    if item and request.method == "GET":
        _fill_guide_form(form, item)
    done = save_form(form,
                     lambda: catalogue.save_guide(_guide_data(form), item, actor=current_user),
                     _("Service item saved."), lambda i: url_for("catalogue.item", item_id=i.id))
    if done:
        return done
    for field_list in (form.materials, form.scenarios, form.fees):
        while sum(1 for e in field_list.entries if not (e.form.name.data or "").strip()) < BLANK_ROWS:
            field_list.append_entry()
    back = url_for("catalogue.item", item_id=item.id) if item else url_for("catalogue.items")
    status = form_status()
    return render_template("admin/item_form.html", form=form, item=item, back=back), status


@bp.route("/items/<int:item_id>/active", methods=["POST"])
@admin_only
def item_active(item_id: int) -> Response:
    """Deactivate or reactivate a service item."""
    return set_active_and_return(db.get_or_404(ServiceItem, item_id), url_for("catalogue.items"))


@bp.route("/items/import", methods=["GET", "POST"])
@admin_only
def import_guides() -> tuple[str, int]:
    """Upload service guides as .xlsx or .csv: all rows or none (422 with the reasons)."""
    form = forms.ImportForm()
    result, errors = None, []
    if form.validate_on_submit():
        upload, filename = form.file.data, form.file.data.filename or ""
        # Reading the file takes no lock: end the transaction that loaded the user (on SQLite a
        # POST's transaction holds the write lock) so that nobody waits while the file is read.
        db.session.rollback()
        try:
            result = catalogue.import_rows(filename, catalogue.read_table(filename, upload.read()), actor=current_user)
        except catalogue.ImportFailed as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
    status = form_status(refused=result is None)
    return render_template("admin/import.html", form=form, result=result, errors=errors,
                           columns=[names[0] for names in catalogue.COLUMNS.values()]), status


# --- Accounts --------------------------------------------------------------------------------------


def _unit_code_choices(current: Unit | None) -> list:
    return choices([("", _("(none)")), *catalogue.unit_choices(current.id if current else None, by_code=True)])


@bp.route("/users/")
@admin_only
def users() -> str:
    """Accounts, with search and the locked or inactive ones marked."""
    query = request.args.get("q", "").strip()
    include_inactive = request.args.get("all") == "1"
    stmt = catalogue.search(User, query, include_inactive, User.username, User.display_name)
    page = paginate(stmt.order_by(User.role, User.username), per_page=50)
    return render_template("admin/users.html", page=page, q=query, include_inactive=include_inactive,
                           now=utcnow())


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def user_new() -> ResponseReturnValue:
    """Create an account with a temporary password."""
    form = forms.NewUserForm()
    form.unit_code.choices = _unit_code_choices(None)

    def save() -> User:
        return accounts.create_user(accounts.NewUser(
            username=form.username.data, role=Role(form.role.data), password=form.password.data,
            unit_code=form.unit_code.data or None, display_name=form.display_name.data or "",
            must_change_password=True), hasher(), actor=current_user)

    done = save_form(form, save, _("Account created; the user must change the password at first login."),
                     lambda _u: url_for("admin.users"))
    return done or form_page(form, _("New account"), url_for("admin.users"), fields=[
        "username", "display_name", "role", "unit_code", "password", "confirm"])


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def user_edit(user_id: int) -> ResponseReturnValue:
    """Change an account's role, unit and name."""
    user = db.get_or_404(User, user_id)
    form = forms.EditUserForm(obj=user)
    form.unit_code.choices = _unit_code_choices(user.unit)
    form.conflict_unit_ids.choices = choices(catalogue.unit_choices())
    if request.method == "GET":
        form.unit_code.data = user.unit.code if user.unit else ""
        form.conflict_unit_ids.data = accounts.conflict_unit_ids(user)

    def save() -> None:
        role = Role(form.role.data)
        accounts.update_user(user, role=role, unit_code=form.unit_code.data or None,
                             display_name=form.display_name.data or "", actor=current_user)
        accounts.set_conflicts(user, (form.conflict_unit_ids.data or []) if role is Role.INSPECTOR else [],
                               actor=current_user)

    done = save_form(form, save, _("Account saved."), lambda _u: url_for("admin.users"))
    return done or form_page(form, _("Account %(name)s", name=user.username), url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_only
def user_password(user_id: int) -> ResponseReturnValue:
    """Reset a password: the user must change it at the next login."""
    user = db.get_or_404(User, user_id)
    form = forms.ResetPasswordForm()
    done = save_form(
        form, lambda: accounts.admin_reset_password(user, form.password.data, hasher(), actor=current_user),
        _("Password reset; %(name)s must change it at the next login.", name=user.username),
        lambda _u: url_for("admin.users"))
    return done or form_page(form, _("Reset the password of %(name)s", name=user.username),
                             url_for("admin.users"))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@admin_only
def user_unlock(user_id: int) -> Response:
    """Lift a lock after failed logins."""
    user = db.get_or_404(User, user_id)
    accounts.admin_unlock(user, actor=current_user)
    db.session.commit()
    flash(_("%(name)s is unlocked.", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_only
def user_active(user_id: int) -> Response:
    """Deactivate (ending its sessions) or reactivate an account."""
    user = db.get_or_404(User, user_id)
    active = active_flag()
    try:
        accounts.set_user_active(user, active, actor=current_user)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("Activated.") if active else _("Deactivated; it keeps its history."), "success")
    return redirect(url_for("admin.users", all=1))


# --- Audit log ---------------------------------------------------------------------------------------


@bp.route("/audit/")
@admin_only
def audit_log() -> str:
    """The audit log, newest first (read-only: nobody can change it through the app)."""
    action = request.args.get("action", "").strip()
    stmt = sa.select(AuditLog).order_by(AuditLog.id.desc())
    if action:
        stmt = stmt.where(AuditLog.action.startswith(action))
    page = paginate(stmt, per_page=100)
    return render_template("admin/audit.html", page=page, action=action, action_label=audit_action_label,
                           detail=audit_detail, results=AUDIT_RESULT_LABELS, objects=AUDIT_OBJECT_LABELS)


@bp.route("/office", methods=["GET", "POST"])
@admin_only
def office() -> ResponseReturnValue:
    """The issuing office's particulars printed on 通报 and 整改通知 (defaults where empty)."""
    form = forms.OfficeForm(obj=reports.office.stored())
    done = save_form(form, lambda: reports.office.save(reports.office.Office(
        form.office_name.data or "", form.number_prefix.data or "", form.signatory.data or "",
        form.addressee.data or ""), actor=current_user), _("Saved."), lambda _obj: url_for("admin.office"))
    return done or form_page(form, _("Issuing office"), url_for("admin.index"))


# --- Announced working days and days off -------------------------------------------------------------


@bp.route("/calendar", methods=["GET", "POST"])
@admin_only
def calendar_days() -> ResponseReturnValue:
    """Days the State Council announced for a year the holiday package does not know (调休)."""
    year = int_arg("year", lo=calendar.FIRST_YEAR, hi=calendar.LAST_YEAR) or utcnow().year + 1
    form = forms.CalendarDayForm()
    if form.validate_on_submit():
        calendar.set_day(form.day.data, form.working.data == "1", form.note.data or "", actor=current_user)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("admin.calendar_days", year=form.day.data.year))
    status = form_status()
    return render_template("admin/calendar.html", form=form, year=year, days=calendar.announced_days(year)), status


@bp.route("/calendar/<day>/remove", methods=["POST"])
@admin_only
def calendar_remove(day: str) -> Response:
    """Forget an announced day."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    calendar.remove_day(when, actor=current_user)
    db.session.commit()
    return redirect(url_for("admin.calendar_days", year=when.year))
