"""The file stores, each test on the instance folder and on SeaweedFS (an S3-compatible server):
save, stream, list, delete, refuse odd keys, leave nothing of a failed write, keep the photo and
export stores apart, sweep by age; and, through the app, a photo uploaded by an inspector comes
back byte for byte to the inspector and a leader (and to no one else), an export downloads."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Photo
from app.services import storage as stores
from app.services import sweeper
from tests.photo_samples import encoded
from tests.test_exports import start
from tests.test_photo_views import inspector, upload  # noqa: F401 (fixture)
from tests.test_visit_views import client_for


@pytest.fixture
def store(storage_settings, tmp_path):
    return stores.from_config(storage_settings, tmp_path, "uploads")


@pytest.fixture
def app(app_factory, storage_settings):
    """The app under test with its files in the store of this run."""
    return app_factory(**storage_settings)


def unfinished_write(store) -> str:
    """What a process killed mid-write leaves: a .tmp- file, or a multipart upload never completed."""
    if isinstance(store, stores.FileStorage):
        folder = store.root / "ab"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / ".tmp-killed").write_bytes(b"half a photo")
        return "ab/.tmp-killed"
    store.client.create_multipart_upload(Bucket=store.bucket, Key=store.prefix + "ab/killed.jpg")
    return "ab/killed.jpg"


def test_save_open_list_delete(store) -> None:
    key = store.save(b"abc")
    assert re.fullmatch(r"([0-9a-f]{2})/\1[0-9a-f]{30}\.jpg", key)  # 128 random bits, nothing of the user's
    other = store.save(b"abc")
    assert other != key
    store.delete(other)
    with store.open(key) as fh:
        assert fh.read() == b"abc"
    assert store.keys() == [key]
    [entry] = store.entries()
    assert (entry.key, entry.size, entry.temporary) == (key, 3, False) and abs(entry.modified - time.time()) < 120
    store.delete(key)
    store.delete(key)  # twice is fine
    assert store.keys() == []
    with pytest.raises(KeyError):
        store.open(key)


def test_odd_keys_are_refused(store) -> None:
    for bad in ("../secret_key", "/etc/passwd", "ab/../../x", "", "a/b/c", "ab\\..\\x", "ab/"):
        with pytest.raises(KeyError):
            store.open(bad)
        with pytest.raises(KeyError):
            store.write(bad, [b"x"])
        store.delete(bad)  # nothing to delete, and no error
    assert store.keys() == []


def test_a_large_file_is_streamed_in_and_out(store) -> None:
    piece = bytes(range(256)) * 4096  # 1 MiB
    count = 2 * stores.PART_BYTES // len(piece) + 3  # three multipart parts on S3
    key, size = store.save_chunks((piece for _ in range(count)), ".xlsx")
    assert key.endswith(".xlsx") and size == count * len(piece)
    digest = hashlib.sha256()
    with store.open(key) as fh:
        while chunk := fh.read(65536):
            digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(piece * count).hexdigest()
    assert [e.size for e in store.entries()] == [size]


def test_a_write_that_fails_midway_leaves_nothing(store) -> None:
    def chunks():
        yield b"x" * (stores.PART_BYTES + 10)  # a first part is sent on S3
        raise OSError("the client went away")

    with pytest.raises(OSError):
        store.save_chunks(chunks(), ".csv")
    assert store.entries() == []


def test_photos_and_exports_are_kept_apart(storage_settings, tmp_path) -> None:
    photos = stores.from_config(storage_settings, tmp_path, "uploads")
    exports = stores.from_config(storage_settings, tmp_path, "exports")
    key = photos.save(b"photo")
    assert exports.keys() == [] and photos.keys() == [key]
    with pytest.raises(KeyError):
        exports.open(key)


def test_the_settings_choose_the_store(tmp_path) -> None:
    assert stores.from_config({}, tmp_path, "uploads").root == tmp_path / "uploads"
    assert stores.from_config({"EXPORTS_PATH": str(tmp_path / "x")}, tmp_path, "exports").root == tmp_path / "x"
    s3 = {"STORAGE_BACKEND": "s3", "S3_BUCKET": "photos", "S3_EXPORTS_BUCKET": "exports", "S3_PREFIX": "county"}
    photos, exports = (stores.from_config(s3, tmp_path, kind, client=object()) for kind in ("uploads", "exports"))
    assert (photos.bucket, photos.prefix, exports.bucket, exports.prefix) == (
        "photos", "county/uploads/", "exports", "county/exports/")
    for wrong in ({"STORAGE_BACKEND": "ftp"}, {"STORAGE_BACKEND": "s3"}):
        with pytest.raises(ValueError):
            stores.from_config(wrong, tmp_path, "uploads")


def test_the_sweeper_removes_old_orphans_and_unfinished_writes_only(app, store) -> None:
    orphan = store.save(b"a photo whose row was never committed")
    temporary = unfinished_write(store)
    with app.app_context():
        young = sweeper.sweep(store, sweeper.PHOTO_KEYS)
        assert young.orphans == [] and young.temporary == []  # all of it is young
        later = sweeper.sweep(store, sweeper.PHOTO_KEYS, grace=timedelta(hours=1), now=time.time() + 7200)
    assert later.orphans == [orphan] and later.temporary == [temporary]
    assert store.entries() == []


def test_s3_objects_are_private(seaweedfs, tmp_path) -> None:
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    storage_settings = seaweedfs.settings("t-private/")
    store = stores.from_config(storage_settings, tmp_path, "uploads")
    key = store.save(b"private")
    name = store.prefix + key
    grants = store.client.get_object_acl(Bucket=store.bucket, Key=name)["Grants"]
    assert not [g for g in grants if "AllUsers" in str(g.get("Grantee", {}).get("URI", ""))]
    anonymous = boto3.client("s3", endpoint_url=storage_settings["S3_ENDPOINT_URL"], region_name="us-east-1",
                             config=Config(signature_version=UNSIGNED, s3={"addressing_style": "path"}))
    with pytest.raises(anonymous.exceptions.ClientError):
        anonymous.get_object(Bucket=store.bucket, Key=name)


def test_a_photo_goes_to_the_store_and_comes_back_only_through_the_app(seeded, inspector,  # noqa: F811
                                                                     storage_settings) -> None:
    original = encoded("JPEG", (800, 600))
    response = upload(inspector, original)
    assert response.status_code == 201
    urls = response.get_json()
    store = seeded.extensions["ruwo_storage"]
    with seeded.app_context():
        photo = db.session.scalar(sa.select(Photo))
        with store.open(photo.storage_key) as fh:
            kept = fh.read()
        with store.open(photo.thumbnail_key) as fh:
            thumb = fh.read()
    assert sorted(store.keys()) == sorted([photo.storage_key, photo.thumbnail_key])
    if storage_settings:  # in the bucket, under this app's prefix, and not in the instance folder
        listed = store.client.list_objects_v2(Bucket=store.bucket, Prefix=storage_settings["S3_PREFIX"])
        assert sorted(o["Key"] for o in listed["Contents"]) == sorted(
            f"{storage_settings['S3_PREFIX']}uploads/{k}" for k in (photo.storage_key, photo.thumbnail_key))
        assert not list((Path(seeded.instance_path) / "uploads").glob("*/*"))
    leader = client_for(seeded, "leader")
    for client in (inspector, leader):
        image = client.get(urls["url"])
        assert image.status_code == 200 and image.mimetype == "image/jpeg" and image.data == kept
        assert image.headers["Content-Length"] == str(len(kept))
        assert "no-store" in image.headers["Cache-Control"]
        assert client.get(urls["thumb"]).data == thumb
    assert client_for(seeded, "inspector2").get(urls["url"]).status_code == 404
    assert seeded.test_client().get(urls["url"]).status_code == 302
    with seeded.app_context():  # the sweeper keeps a committed photo's files, however old
        report = sweeper.sweep(store, sweeper.PHOTO_KEYS, now=time.time() + 7200)
    assert report.orphans == [] and len(store.keys()) == 2
    store.delete(photo.storage_key)  # a file lost from the store is a 404, not an error
    assert leader.get(urls["url"]).status_code == 404


def test_a_background_export_is_kept_in_the_store_and_downloaded(seeded) -> None:
    seeded.config["EXPORT_INLINE_LIMITS"] = {"issues.ledger": -1}
    leader = client_for(seeded, "leader")
    html = leader.get(start(leader, leader.get("/issues/all/ledger.xlsx"))).get_data(as_text=True)
    link = re.search(r'href="(/exports/[0-9a-f]{32}/download)"', html).group(1)
    [key] = seeded.extensions["ruwo_exports"].keys()
    with seeded.extensions["ruwo_exports"].open(key) as fh:
        kept = fh.read()
    download = leader.get(link)
    assert download.status_code == 200 and download.data == kept and kept[:2] == b"PK"
    assert download.headers["Content-Length"] == str(len(kept))
