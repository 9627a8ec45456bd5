"""Photo upload, removal and serving through the API; position marks; nearest halls."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import Hall, Photo, Visit
from app.services import geo
from tests.photo_samples import encoded, jpeg_orientation6_with_gps
from tests.test_visit_views import UUID, body, client_for, put

PHOTO = "6f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6a7b"


@pytest.fixture
def inspector(seeded):
    client = client_for(seeded, "inspector1")
    assert put(client, body(seeded)).status_code == 200
    return client


def upload(client, data: bytes, photo_uuid: str = PHOTO, name: str = "IMG_0001.jpg", question: str = "notice_photo"):
    return client.post(f"/visits/api/visits/{UUID}/photos", content_type="multipart/form-data", data={
        "file": (io.BytesIO(data), name), "photo_uuid": photo_uuid, "question_key": question,
        "taken_at": "1795640106587"})


def files(app) -> list:
    return sorted((app.config.get("UPLOADS_PATH") and []) or app.extensions["ruwo_storage"].keys())


def test_upload_stores_a_clean_upright_photo(seeded, inspector) -> None:
    response = upload(inspector, jpeg_orientation6_with_gps())
    assert response.status_code == 201
    data = response.get_json()
    assert (data["width"], data["height"]) == (300, 400)
    with seeded.app_context():
        photo = db.session.scalar(sa.select(Photo))
        assert photo.question_key == "notice_photo"
        assert (photo.exif_latitude, photo.exif_longitude) == (25.1378, 115.4074)
        assert photo.taken_at.year == 2026
    image = inspector.get(data["url"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in image.headers["Cache-Control"] and "private" in image.headers["Cache-Control"]
    stored = Image.open(io.BytesIO(image.data))
    assert dict(stored.getexif()) == {} and "comment" not in stored.info
    assert b"secret comment" not in image.data
    assert inspector.get(data["thumb"]).status_code == 200
    assert len(files(seeded)) == 2


def test_same_photo_twice_is_one_photo(seeded, inspector) -> None:
    assert upload(inspector, encoded("JPEG")).status_code == 201
    assert upload(inspector, encoded("JPEG")).status_code == 200
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 1
    assert len(files(seeded)) == 2


@pytest.mark.parametrize(("data", "name"), [(b"plain text", "photo.jpg"), (b"<svg/>", "x.svg"),
                                            (encoded("JPEG", (800, 600))[:2000], "cut.jpg")])
def test_bad_files_get_400_and_leave_nothing(seeded, inspector, data, name) -> None:
    response = upload(inspector, data, name=name)
    assert response.status_code == 400
    assert response.get_json()["message"]
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0
    assert files(seeded) == []


def test_eleventh_photo_is_refused(seeded, inspector) -> None:
    for n in range(10):
        assert upload(inspector, encoded("PNG"), photo_uuid=f"6f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6a{n:02d}").status_code == 201
    response = upload(inspector, encoded("PNG"), photo_uuid="6f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6aff")
    assert response.status_code == 400 and "最多 10 张" in response.get_json()["message"]
    assert len(files(seeded)) == 20


def test_body_over_25_mb_is_413(seeded, inspector) -> None:
    response = upload(inspector, b"\xff" * (26 * 1024 * 1024))
    assert response.status_code == 413


def test_remove_a_photo_from_a_draft(seeded, inspector) -> None:
    upload(inspector, encoded("JPEG"))
    response = inspector.delete(f"/visits/api/visits/{UUID}/photos/{PHOTO}")
    assert response.status_code == 200
    assert files(seeded) == []
    with seeded.app_context():
        assert db.session.scalar(sa.select(Photo)) is None


def test_submitted_visit_photos_cannot_change(seeded, inspector) -> None:
    from tests.test_visit_views import submit

    upload(inspector, encoded("JPEG"))
    assert submit(inspector, body(seeded)).status_code == 200
    assert inspector.delete(f"/visits/api/visits/{UUID}/photos/{PHOTO}").status_code == 409
    assert upload(inspector, encoded("PNG"), photo_uuid="6f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6a11").status_code == 409


@pytest.mark.parametrize(("username", "status"), [("inspector1", 200), ("inspector2", 404), ("unit-market", 404),
                                                  ("leader", 200), ("admin", 200)])
def test_photo_urls_by_role(seeded, inspector, username, status) -> None:
    upload(inspector, encoded("JPEG"))
    client = inspector if username == "inspector1" else client_for(seeded, username)
    assert client.get(f"/photos/{PHOTO}.jpg").status_code == status
    assert client.get(f"/photos/{PHOTO}/thumb.jpg").status_code == status


def test_photo_urls_anonymous_and_traversal(seeded, inspector) -> None:
    upload(inspector, encoded("JPEG"))
    assert seeded.test_client().get(f"/photos/{PHOTO}.jpg").status_code == 302
    for path in ("/photos/../instance/secret_key.jpg", "/photos/..%2f..%2fsecret_key.jpg", "/photos/nothing.jpg"):
        assert inspector.get(path).status_code == 404


# --- Position ------------------------------------------------------------------------------------

HALL = geo.Position(25.1104, 115.4221)  # 产城新区云服务大厅 in the demo data


@pytest.mark.parametrize(
    ("metres_north", "accuracy", "outside", "poor"),
    [(0, 15, False, False), (299, 15, False, False), (301, 15, True, False),
     (100, 200, False, False), (100, 201, False, True), (1000, 500, True, True)],
)
def test_position_marks_around_the_limits(metres_north, accuracy, outside, poor) -> None:
    lat = HALL.latitude + metres_north / 110_770  # ~metres per degree of latitude at 25°N
    marks = geo.position_marks(geo.Position(lat, HALL.longitude), accuracy, HALL, 300)
    assert (marks.outside_radius, marks.poor_accuracy) == (outside, poor)
    assert abs(marks.distance_m - metres_north) < 3


def test_no_position_is_marked_not_refused() -> None:
    marks = geo.position_marks(None, None, HALL, 300)
    assert marks.no_position and marks.any and not marks.outside_radius


def test_visit_position_is_stored_with_distance(seeded, inspector) -> None:
    from tests.test_visit_views import submit

    far = {"latitude": 25.1104 + 0.01, "longitude": 115.4221, "accuracy": 12, "at": "2026-11-20T09:00:00+08:00"}
    response = submit(inspector, body(seeded, position=far))
    assert response.status_code == 200  # marked, not refused
    with seeded.app_context():
        visit = db.session.scalar(sa.select(Visit))
        assert visit.accuracy_m == 12 and 1100 < visit.distance_m < 1120
    leader = client_for(seeded, "leader")
    listing = leader.get("/dashboard/visits/").get_data(as_text=True)
    assert "超出大厅范围" in listing
    detail = leader.get(f"/dashboard/visits/{visit.id}").get_data(as_text=True)
    assert "超出大厅范围" in detail and "距大厅 11" in detail


def test_visit_without_position_is_marked_for_leaders(seeded, inspector) -> None:
    from tests.test_visit_views import submit

    submit(inspector, body(seeded))
    assert "未记录位置" in client_for(seeded, "leader").get("/dashboard/visits/").get_data(as_text=True)


def test_units_never_see_visits_or_positions(seeded, inspector) -> None:
    from tests.test_visit_views import submit

    submit(inspector, body(seeded, position={"latitude": 25.1104, "longitude": 115.4221, "accuracy": 9}))
    unit = client_for(seeded, "unit-market")
    assert unit.get("/dashboard/visits/").status_code == 403
    assert unit.get("/dashboard/visits/1").status_code == 403


def test_start_lists_nearest_halls_first(seeded, inspector) -> None:
    with seeded.app_context():
        township = db.session.scalar(sa.select(Hall).where(Hall.name == "孔田镇便民服务中心"))
        lat, lon = township.latitude, township.longitude
    page = inspector.get(f"/visits/start?lat={lat}&lon={lon}").get_data(as_text=True)
    assert page.index("孔田镇便民服务中心") < page.index("安远县政务服务中心")
    assert "0.0 公里" in page
    plain = inspector.get("/visits/start").get_data(as_text=True)
    assert "按距离排序" in plain and "公里" not in plain


def test_json_payload_position_errors(seeded, inspector) -> None:
    bad = body(seeded, position={"latitude": "north"})
    assert inspector.put(f"/visits/api/visits/{UUID}", data=json.dumps(bad),
                         content_type="application/json").status_code == 400
