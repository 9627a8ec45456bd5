"""Administration through the test client: every part's create, edit, deactivate, validation."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from geopy.distance import geodesic

from app.extensions import db
from app.models import AuditLog, Hall, Role, ServiceItem, Unit, User, Window
from app.services.accounts import hasher_from_config
from tests.conftest import AuthActions


@pytest.fixture
def admin(seeded, auth, client):
    assert auth.login("admin").status_code == 302
    return client


def one(model, **where):
    with db.session.no_autoflush:
        return db.session.scalar(sa.select(model).filter_by(**where))


def text(response) -> str:
    return response.get_data(as_text=True)


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditLog.action).where(AuditLog.actor_name == "admin")))


# --- Units -----------------------------------------------------------------------------------


def test_unit_create_edit_deactivate(app, admin) -> None:
    response = admin.post("/admin/units/new", data={"code": "civil", "name": "县民政局"})
    assert response.status_code == 302 and response.location == "/catalogue/units/"
    assert "单位已保存" in text(admin.get("/catalogue/units/"))
    with app.app_context():
        unit_id = one(Unit, code="civil").id
    admin.post(f"/admin/units/{unit_id}/edit", data={"code": "civil", "name": "县民政局（婚姻登记）"})
    admin.post(f"/admin/units/{unit_id}/active", data={"active": "0"})
    listing = text(admin.get("/catalogue/units/"))
    assert "婚姻登记" not in listing  # deactivated units leave the list...
    assert "婚姻登记" in text(admin.get("/catalogue/units/?all=1"))  # ...but keep their row
    with app.app_context():
        unit = one(Unit, code="civil")
        assert unit.name == "县民政局（婚姻登记）" and not unit.active
        assert {"unit.create", "unit.update", "unit.deactivate"} <= set(audit_actions())


@pytest.mark.parametrize(
    ("data", "message"),
    [({"code": "market", "name": "重复"}, "已有代码为 market 的单位"),
     ({"code": "Bad Code", "name": "x"}, "只能包含小写字母"),
     ({"code": "ok-code", "name": ""}, "此项必填")],
)
def test_unit_validation_messages(admin, data, message) -> None:
    response = admin.post("/admin/units/new", data=data)
    assert response.status_code == 422  # refused: the form again, with why
    assert message in text(response)


def test_deactivated_unit_leaves_pickers_but_keeps_windows(app, admin) -> None:
    with app.app_context():
        gas = one(Unit, code="gas")
        windows_before = len(gas.windows)
    admin.post(f"/admin/units/{gas.id}/active", data={"active": "0"})
    form = text(admin.get("/admin/windows/new?hall_id=1"))
    assert "县燃气有限公司" not in form
    with app.app_context():
        assert len(one(Unit, code="gas").windows) == windows_before
    # the window run by gas still shows its unit in its own form
    with app.app_context():
        window_id = one(Window, number="D02").id
    assert "县燃气有限公司" in text(admin.get(f"/admin/windows/{window_id}/edit"))


# --- Halls ------------------------------------------------------------------------------------


def hall_data(**overrides) -> dict:
    data = {"name": "龙布镇便民服务中心", "kind": "township", "address": "安远县龙布镇",
            "position": "", "coordinate_system": "wgs84", "radius_m": "300",
            "wait_medium_min": "30", "wait_high_min": "60"}
    data.update(overrides)
    return data


def test_hall_position_typed_from_amap_is_stored_as_wgs84(app, admin) -> None:
    # 115.4074,25.1378 on WGS-84 is 115.412518,25.135166 on AMap (GCJ-02), longitude first.
    response = admin.post("/admin/halls/new", data=hall_data(position="115.412518,25.135166",
                                                              coordinate_system="gcj02"))
    assert response.status_code == 302
    with app.app_context():
        hall = one(Hall, name="龙布镇便民服务中心")
        assert geodesic((hall.latitude, hall.longitude), (25.1378, 115.4074)).m < 1
        assert "gcj02 -> wgs84" in db.session.scalar(
            sa.select(AuditLog.detail).where(AuditLog.action == "hall.create"))
    page = text(admin.get(f"/catalogue/halls/{hall.id}"))
    assert "25.137800, 115.407400" in page


def test_hall_position_from_baidu(app, admin) -> None:
    admin.post("/admin/halls/new", data=hall_data(position="115.419013, 25.141213", coordinate_system="bd09"))
    with app.app_context():
        hall = one(Hall, name="龙布镇便民服务中心")
        assert geodesic((hall.latitude, hall.longitude), (25.1378, 115.4074)).m < 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"position": "somewhere"}, "请用逗号分隔的两个数字"),
     ({"position": "2.35, 48.85", "coordinate_system": "gcj02"}, "必须位于中国境内"),
     ({"radius_m": "5"}, "数值大小必须介于 10 到 5000 之间"),
     ({"wait_medium_min": "40", "wait_high_min": "30"}, "不能小于"),
     ({"name": "安远县政务服务中心"}, "已有名为"),
     ({"kind": "palace"}, "不是有效的选择")],
)
def test_hall_validation(app, admin, overrides, message) -> None:
    response = admin.post("/admin/halls/new", data=hall_data(**overrides))
    assert response.status_code == 422  # refused: the form again, with why
    assert message in text(response)
    with app.app_context():
        assert one(Hall, name="龙布镇便民服务中心") is None


def test_hall_edit_and_deactivate(app, admin) -> None:
    with app.app_context():
        hall = one(Hall, name="孔田镇便民服务中心")
    form = text(admin.get(f"/admin/halls/{hall.id}/edit"))
    assert "25.2842000, 115.3605000" in form
    admin.post(f"/admin/halls/{hall.id}/edit", data=hall_data(name="孔田镇便民服务中心", radius_m="500",
                                                              position="25.2842, 115.3605"))
    admin.post(f"/admin/halls/{hall.id}/active", data={"active": "0", "next": "/catalogue/halls/"})
    assert "孔田镇" not in text(admin.get("/catalogue/halls/"))
    assert "孔田镇" not in text(admin.get("/admin/windows/new"))
    with app.app_context():
        hall = one(Hall, name="孔田镇便民服务中心")
        assert hall.radius_m == 500 and not hall.active and hall.windows


# --- Windows -----------------------------------------------------------------------------------


def test_window_create_edit_and_clash(app, admin) -> None:
    with app.app_context():
        hall = one(Hall, name="欣山镇便民服务中心")
        water = one(Unit, code="water")
        item_ids = [one(ServiceItem, code="water-connection").id, one(ServiceItem, code="gas-connection").id]
    data = {"hall_id": hall.id, "unit_id": water.id, "number": "3", "name": "水气报装窗口",
            "service_item_ids": item_ids}
    response = admin.post("/admin/windows/new", data=data)
    assert response.status_code == 302 and response.location == f"/catalogue/halls/{hall.id}"
    assert "水气报装窗口" in text(admin.get(f"/catalogue/halls/{hall.id}"))
    clash = admin.post("/admin/windows/new", data=data)
    assert "该服务场所已有 3 号窗口" in text(clash)
    with app.app_context():
        window = one(Window, hall_id=hall.id, number="3")
        assert [i.code for i in window.service_items] == ["gas-connection", "water-connection"]
    admin.post(f"/admin/windows/{window.id}/edit", data={**data, "service_item_ids": item_ids[:1],
                                                         "comprehensive": "y"})
    admin.post(f"/admin/windows/{window.id}/active", data={"active": "0"})
    with app.app_context():
        window = db.session.get(Window, window.id)
        assert [i.code for i in window.service_items] == ["water-connection"]
        assert window.comprehensive and not window.active


# --- Service items -----------------------------------------------------------------------------


def item_data(**overrides) -> dict:
    data = {
        "code": "civil-marriage", "name": "内地居民婚姻登记", "unit_code": "approval",
        "promised_days": "0", "statutory_days": "", "fee_rule": "不收费", "max_trips": "1",
        "online_available": "", "one_thing_package": "", "guide_url": "",
        "materials-0-name": "本人户口簿", "materials-0-condition": "",
        "materials-0-obtainable_by_sharing": "y",
        "materials-1-name": "本人居民身份证", "materials-1-condition": "",
        "materials-2-name": "", "materials-2-condition": "",
        "scenarios-0-name": "双方均为本县户籍", "scenarios-0-description": "",
        "fees-0-name": "", "fees-0-amount_yuan": "",
    }
    data.update(overrides)
    return data


def test_item_create_with_materials_then_edit(app, admin) -> None:
    response = admin.post("/admin/items/new", data=item_data())
    assert response.status_code == 302
    with app.app_context():
        item = one(ServiceItem, code="civil-marriage")
        assert [(m.name, m.obtainable_by_sharing) for m in item.materials] == [
            ("本人户口簿", True), ("本人居民身份证", False)]
        assert [s.name for s in item.scenarios] == ["双方均为本县户籍"]
        assert item.fees == []
    page = text(admin.get(f"/catalogue/items/{item.id}"))
    assert "可共享获取：不得要求提供" in page and "免费办理" in page
    edit_form = text(admin.get(f"/admin/items/{item.id}/edit"))
    assert 'value="本人户口簿"' in edit_form
    response = admin.post(f"/admin/items/{item.id}/edit", data=item_data(**{
        "materials-0-remove": "y", "materials-2-name": "婚姻登记声明书",
        "fees-0-name": "工本费", "fees-0-amount_yuan": "9"}))
    assert response.status_code == 302
    with app.app_context():
        item = one(ServiceItem, code="civil-marriage")
        assert [m.name for m in item.materials] == ["本人居民身份证", "婚姻登记声明书"]
        assert [(f.name, int(f.amount_yuan)) for f in item.fees] == [("工本费", 9)]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"promised_days": "5", "statutory_days": "3"}, "法定时限不能短于承诺时限"),
     ({"code": "market-company-setup"}, "已有编码为 market-company-setup 的事项"),
     ({"materials-1-name": "本人户口簿"}, "“本人户口簿”重复了"),
     ({"materials-0-abolished": "y"}, "不能既“已取消”又“可共享获取”"),
     ({"promised_days": "0.25"}, "最多一位小数"),
     ({"promised_days": "sNaN"}, "请输入数字"),
     ({"statutory_days": "Infinity"}, "请输入数字"),
     ({"unit_code": "nobody"}, "不是有效的选择")],
)
def test_item_validation(app, admin, overrides, message) -> None:
    response = admin.post("/admin/items/new", data=item_data(**overrides))
    assert response.status_code == 422  # refused: the form again, with why
    assert message in text(response)
    with app.app_context():
        assert one(ServiceItem, code="civil-marriage") is None


def test_item_deactivate_hides_it_from_window_picker(app, admin) -> None:
    with app.app_context():
        item = one(ServiceItem, code="gas-connection")
    admin.post(f"/admin/items/{item.id}/active", data={"active": "0"})
    assert "用气报装" not in text(admin.get("/admin/windows/new?hall_id=1"))
    assert "用气报装" not in text(admin.get("/catalogue/items/"))
    with app.app_context():
        assert one(ServiceItem, code="gas-connection").windows  # its links are kept


# --- Import page -------------------------------------------------------------------------------

HEADER = "事项编码,事项名称,实施单位代码,承诺时限,法定时限,材料名称\n"


def upload(client, content: str, name: str = "guides.csv"):
    return client.post("/admin/items/import", data={"file": (io.BytesIO(content.encode("utf-8")), name)},
                       content_type="multipart/form-data")


def test_import_page_good_bad_and_reimport(app, admin) -> None:
    good = HEADER + "civil-adoption,收养登记,approval,20,30,收养登记申请书\ncivil-adoption,,,,,收养人身份证件\n"
    response = upload(admin, good)
    assert response.status_code == 200
    assert "导入完成：新增 1 个，更新 0 个" in text(response)
    bad = HEADER + "civil-adoption,收养登记,approval,20,30,收养登记申请书\nnew-item,新事项,nounit,1,,申请书\n"
    response = upload(admin, bad)
    body = text(response)
    assert response.status_code == 422  # refused: the page again, with each bad cell
    assert "未导入任何内容" in body
    assert "<td>3</td><td>实施单位代码</td>" in body
    with app.app_context():
        assert one(ServiceItem, code="new-item") is None
        assert len(one(ServiceItem, code="civil-adoption").materials) == 2
    response = upload(admin, HEADER + "civil-adoption,收养登记,approval,10,30,收养登记申请书\n")
    assert "更新 1 个" in text(response)
    with app.app_context():
        item = one(ServiceItem, code="civil-adoption")
        assert int(item.promised_days) == 10 and len(item.materials) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceItem).where(
            ServiceItem.code == "civil-adoption")) == 1


def test_import_page_refuses_other_files(admin) -> None:
    response = upload(admin, "%PDF-1.4", "guides.pdf")
    assert response.status_code == 422 and "请上传 .xlsx 或 .csv 文件" in text(response)
    response = admin.post("/admin/items/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "请选择文件" in text(response)


def test_import_larger_than_the_app_accepts_is_413(app_factory) -> None:
    application = app_factory(MAX_CONTENT_LENGTH=1024)
    with application.app_context():
        db.session.add(User(username="root", role=Role.ADMIN, password_hash=hasher_from_config(
            application.config).hash("Ruwo-test-2026")))
        db.session.commit()
    client = application.test_client()
    AuthActions(client).login("root")
    response = client.post("/admin/items/import", content_type="multipart/form-data",
                           headers={"Referer": "http://localhost/admin/items/import"},
                           data={"file": (io.BytesIO(HEADER.encode() * 100), "guides.csv")})
    assert response.status_code == 413
    page = text(response)
    assert "超过了系统允许的大小" in page and 'href="http://localhost/admin/items/import"' in page


# --- Accounts -----------------------------------------------------------------------------------


def test_create_account_must_change_password(app, admin) -> None:
    response = admin.post("/admin/users/new", data={
        "username": "liu.sen", "display_name": "刘森", "role": "inspector", "unit_code": "approval",
        "password": "Kfz-8429-rwq", "confirm": "Kfz-8429-rwq"})
    assert response.status_code == 302
    with app.app_context():
        user = one(User, username="liu.sen")
        assert user.must_change_password and user.unit.code == "approval"
    other = app.test_client()
    AuthActions(other).login("liu.sen", "Kfz-8429-rwq")
    assert other.get("/visits/").location == "/account/password"


@pytest.mark.parametrize(
    ("data", "message"),
    [({"username": "admin"}, "用户名 admin 已被使用"),
     ({"role": "unit", "unit_code": ""}, "必须指定单位"),
     ({"password": "12345678", "confirm": "12345678"}, "三类"),
     ({"confirm": "Other-pass-2026"}, "两次输入的密码不一致")],
)
def test_create_account_validation(admin, data, message) -> None:
    base = {"username": "liu.sen", "display_name": "", "role": "leader", "unit_code": "",
            "password": "Kfz-8429-rwq", "confirm": "Kfz-8429-rwq"}
    response = admin.post("/admin/users/new", data={**base, **data})
    assert response.status_code == 422  # refused: the form again, with why
    assert message in text(response)


def test_edit_role_revokes_sessions(app, admin) -> None:
    inspector = app.test_client()
    AuthActions(inspector).login("inspector3")
    assert inspector.get("/visits/").status_code == 200
    with app.app_context():
        user_id = one(User, username="inspector3").id
    response = admin.post(f"/admin/users/{user_id}/edit", data={
        "display_name": "暗访员三", "role": "leader", "unit_code": ""})
    assert response.status_code == 302
    assert inspector.get("/visits/").status_code == 302  # logged out
    with app.app_context():
        assert one(User, username="inspector3").role == Role.LEADER


def test_reset_password_unlock_deactivate(app, admin, client) -> None:
    other = app.test_client()
    for _ in range(5):
        other.post("/login", data={"username": "inspector2", "password": "wrong"})
    assert "已锁定" in text(admin.get("/admin/users/"))
    with app.app_context():
        user_id = one(User, username="inspector2").id
    admin.post(f"/admin/users/{user_id}/unlock")
    assert AuthActions(other).login("inspector2").status_code == 302
    response = admin.post(f"/admin/users/{user_id}/password", data={
        "password": "Reset-pass-2026", "confirm": "Reset-pass-2026"})
    assert response.status_code == 302
    assert other.get("/visits/").status_code == 302  # the reset ended the session
    with app.app_context():
        user = one(User, username="inspector2")
        assert user.must_change_password
        assert hasher_from_config(app.config).verify(user.password_hash, "Reset-pass-2026")
    admin.post(f"/admin/users/{user_id}/active", data={"active": "0"})
    assert AuthActions(other).login("inspector2", "Reset-pass-2026").status_code == 200
    with app.app_context():
        actions = audit_actions()
    assert {"account.unlock", "password.reset", "user.deactivate"} <= set(actions)


def test_admin_cannot_deactivate_or_demote_self(app, admin) -> None:
    with app.app_context():
        me = one(User, username="admin").id
    admin.post(f"/admin/users/{me}/active", data={"active": "0"})
    assert "不能停用自己的账号" in text(admin.get("/admin/users/"))
    response = admin.post(f"/admin/users/{me}/edit", data={"role": "leader", "unit_code": "", "display_name": ""})
    assert "不能修改自己的角色" in text(response)
    with app.app_context():
        assert one(User, username="admin").active


def test_audit_log_page(admin) -> None:
    body = text(admin.get("/admin/audit/?action=login"))
    assert "login" in body and "admin" in body


# --- Access for every role ---------------------------------------------------------------------

ADMIN_ONLY_GET = ["/admin/", "/admin/units/new", "/admin/units/1/edit", "/admin/halls/new",
                  "/admin/halls/1/edit", "/admin/windows/new", "/admin/windows/1/edit",
                  "/admin/items/new", "/admin/items/1/edit", "/admin/items/import", "/admin/users/",
                  "/admin/users/new", "/admin/users/1/edit", "/admin/users/1/password", "/admin/audit/"]
ADMIN_ONLY_POST = ["/admin/units/1/active", "/admin/halls/1/active", "/admin/windows/1/active",
                   "/admin/items/1/active", "/admin/users/2/unlock", "/admin/users/2/active"]
READ_CATALOGUE = ["/catalogue/units/", "/catalogue/halls/", "/catalogue/halls/1",
                  "/catalogue/items/", "/catalogue/items/1"]


@pytest.mark.parametrize("username", ["leader", "inspector1", "unit-market"])
def test_only_admins_change_things(seeded, app, username) -> None:
    client = app.test_client()
    AuthActions(client).login(username)
    for path in ADMIN_ONLY_GET:
        assert client.get(path).status_code == 403, path
    for path in ADMIN_ONLY_POST:
        assert client.post(path, data={"active": "0"}).status_code == 403, path
    with app.app_context():
        assert all(u.active for u in db.session.scalars(sa.select(Unit)))


@pytest.mark.parametrize(("username", "status"), [("admin", 200), ("leader", 200), ("inspector1", 403),
                                                  ("unit-market", 403)])
def test_catalogue_readers(seeded, app, username, status) -> None:
    client = app.test_client()
    AuthActions(client).login(username)
    for path in READ_CATALOGUE:
        assert client.get(path).status_code == status, path


def test_leader_sees_no_edit_buttons(seeded, app) -> None:
    client = app.test_client()
    AuthActions(client).login("leader")
    body = text(client.get("/catalogue/halls/1"))
    assert "/admin/" not in body


def test_anonymous_is_sent_to_login(seeded, app) -> None:
    client = app.test_client()
    for path in ADMIN_ONLY_GET + READ_CATALOGUE:
        response = client.get(path)
        assert response.status_code == 302 and response.location.startswith("/login"), path
