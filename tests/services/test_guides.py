"""Service-guide validation and import (.csv / .xlsx): good files, bad rows, re-imports."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from app.extensions import db
from app.models import RequiredMaterial, ServiceItem, Unit
from app.services import catalogue
from tests.conftest import count

SAMPLE = Path(__file__).resolve().parents[2] / "app/static/docs/guide-import-sample.csv"
HEADER = ["事项编码", "事项名称", "实施单位代码", "承诺时限", "法定时限", "收费项目", "可网办",
          "情形", "材料名称", "何时需要", "可共享获取", "已取消"]


@pytest.fixture
def units(db):
    db.session.add_all([Unit(code="market", name="县市场监督管理局"),
                        Unit(code="realestate", name="县不动产登记中心")])
    db.session.commit()


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8-sig") -> bytes:
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def item(code: str) -> ServiceItem | None:
    return db.session.scalar(sa.select(ServiceItem).where(ServiceItem.code == code))


GOOD = [
    ["re-transfer", "存量房转移登记", "realestate", "1", "30", "住宅登记费=80；非住宅登记费=550", "是",
     "住宅；非住宅：550元", "不动产登记申请书", "", "否", "否"],
    ["re-transfer", "", "", "", "", "", "", "", "完税凭证", "", "是", "否"],
    ["re-transfer", "", "", "", "", "", "", "", "户口簿", "", "", "是"],
    ["re-transfer", "存量房转移登记", "", "", "", "", "", "", "授权委托书", "委托代理人办理时", "", ""],
    ["mk-setup", "有限责任公司设立登记", "market", "0.5", "3", "", "Y", "", "公司章程", "", "", ""],
]


def test_sample_file_imports(units) -> None:
    result = catalogue.import_guides(SAMPLE.name, SAMPLE.read_bytes())
    assert sorted(result.created) == ["market-individual-business", "realestate-correction"]
    business = item("market-individual-business")
    assert business.promised_days == Decimal("0.5")
    assert [m.name for m in business.materials][:2] == ["个体工商户登记（备案）申请书", "经营者身份证明"]
    assert {m.name for m in business.materials if m.abolished} == {"名称预先核准通知书"}
    assert [s.name for s in business.scenarios] == ["经营者本人办理", "委托代理人办理"]
    assert business.scenarios[1].description == "需委托书"


def test_good_csv_imports_everything(units) -> None:
    result = catalogue.import_guides("guides.csv", csv_bytes(GOOD))
    assert sorted(result.created) == ["mk-setup", "re-transfer"]
    transfer = item("re-transfer")
    assert transfer.unit.code == "realestate"
    assert transfer.statutory_days == Decimal(30)
    assert transfer.online_available
    assert [(f.name, f.amount_yuan) for f in transfer.fees] == [("住宅登记费", Decimal(80)), ("非住宅登记费", Decimal(550))]
    materials = {m.name: m for m in transfer.materials}
    assert materials["完税凭证"].obtainable_by_sharing
    assert materials["户口簿"].abolished
    assert materials["授权委托书"].condition == "委托代理人办理时"
    assert [s.name for s in transfer.scenarios] == ["住宅", "非住宅"]
    assert item("mk-setup").promised_days == Decimal("0.5")


def test_xlsx_imports(units) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["mk-setup", "有限责任公司设立登记", "market", 0.5, 3, None, "否", None, "公司章程", None, None, None])
    sheet.append(["mk-setup", None, None, None, None, None, None, None, "住所使用证明", None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    result = catalogue.import_guides("guides.xlsx", buffer.getvalue())
    assert result.created == ["mk-setup"]
    assert [m.name for m in item("mk-setup").materials] == ["公司章程", "住所使用证明"]
    assert item("mk-setup").statutory_days == Decimal(3)


def test_gb18030_csv_from_chinese_excel(units) -> None:
    result = catalogue.import_guides("guides.csv", csv_bytes(GOOD, encoding="gb18030"))
    assert len(result.created) == 2


def test_english_headers(units) -> None:
    header = ["item_code", "item_name", "unit_code", "promised_days", "material"]
    result = catalogue.import_guides("g.csv", csv_bytes([["mk-a", "Name", "market", "1", "Form"]], header))
    assert result.created == ["mk-a"]


def errors_of(content: bytes, name: str = "g.csv") -> list[tuple[int, str]]:
    with pytest.raises(catalogue.ImportFailed) as caught:
        catalogue.import_guides(name, content)
    return [(e.row, e.column) for e in caught.value.errors]


BAD_CASES = [
    (["re-transfer", "存量房转移登记", "nounit", "1", "30", "", "", "", "申请书", "", "", ""], (2, "实施单位代码")),
    (["re-transfer", "存量房转移登记", "realestate", "soon", "30", "", "", "", "申请书", "", "", ""], (2, "承诺时限")),
    (["re-transfer", "存量房转移登记", "realestate", "5", "3", "", "", "", "申请书", "", "", ""], (2, "法定时限")),
    (["re-transfer", "存量房转移登记", "realestate", "1", "30", "住宅八十元", "", "", "申请书", "", "", ""], (2, "收费项目")),
    (["re-transfer", "存量房转移登记", "realestate", "1", "30", "", "maybe", "", "申请书", "", "", ""], (2, "可网办")),
    (["Bad Code!", "存量房转移登记", "realestate", "1", "30", "", "", "", "申请书", "", "", ""], (2, "事项编码")),
    (["re-transfer", "", "realestate", "1", "30", "", "", "", "申请书", "", "", ""], (2, "事项名称")),
    (["re-transfer", "存量房转移登记", "realestate", "1", "30", "", "", "", "申请书", "", "也许", ""], (2, "可共享获取")),
    (["re-transfer", "存量房转移登记", "realestate", "1", "30", "", "", "", "申请书", "", "是", "是"], (2, "材料名称")),
    (["re-transfer", "存量房转移登记", "realestate", "1", "30", "", "", "", "", "委托时", "", ""], (2, "材料名称")),
]


@pytest.mark.parametrize(("row", "where"), BAD_CASES)
def test_a_bad_row_names_row_and_column_and_imports_nothing(units, row, where) -> None:
    good_first = [["mk-setup", "有限责任公司设立登记", "market", "0.5", "3", "", "", "", "公司章程", "", "", ""]]
    content = csv_bytes(good_first + [row])
    row_number, column = where
    assert (row_number + 1, column) in errors_of(content)
    db.session.rollback()
    assert count(ServiceItem) == 0 and count(RequiredMaterial) == 0


def test_duplicate_material_names_the_second_row(units) -> None:
    rows = [GOOD[0], ["re-transfer", "", "", "", "", "", "", "", "不动产登记申请书", "", "", ""]]
    assert (3, "材料名称") in errors_of(csv_bytes(rows))


def test_conflicting_item_columns_between_rows(units) -> None:
    rows = [GOOD[0], ["re-transfer", "别的名字", "", "", "", "", "", "", "完税凭证", "", "", ""]]
    assert (3, "事项名称") in errors_of(csv_bytes(rows))


def test_unknown_and_missing_columns(units) -> None:
    assert (1, "备注") in errors_of(csv_bytes([["x"]], ["事项编码", "事项名称", "实施单位代码", "承诺时限", "备注"]))
    assert (1, "承诺时限") in errors_of(csv_bytes([["x"]], ["事项编码", "事项名称", "实施单位代码"]))


def test_not_a_spreadsheet(units) -> None:
    assert errors_of(b"%PDF-1.4", "guides.pdf") == [(0, "")]
    assert errors_of(b"not a zip file", "guides.xlsx") == [(0, "")]
    assert errors_of(b"", "guides.csv") == [(1, "")]


def test_reimport_updates_instead_of_duplicating(units) -> None:
    catalogue.import_guides("g.csv", csv_bytes(GOOD))
    db.session.commit()
    first_material_id = item("re-transfer").materials[0].id
    changed = [
        ["re-transfer", "存量房转移登记", "realestate", "0.5", "30", "住宅登记费=80", "是", "", "不动产登记申请书", "", "", ""],
        ["re-transfer", "", "", "", "", "", "", "", "网签合同", "", "", ""],
    ]
    result = catalogue.import_guides("g.csv", csv_bytes(changed))
    db.session.commit()
    assert result.updated == ["re-transfer"] and result.created == []
    transfer = item("re-transfer")
    assert transfer.promised_days == Decimal("0.5")
    assert [m.name for m in transfer.materials] == ["不动产登记申请书", "网签合同"]
    assert transfer.materials[0].id == first_material_id  # kept, not re-created
    assert [f.name for f in transfer.fees] == ["住宅登记费"]
    assert transfer.scenarios == []
    assert count(ServiceItem) == 2  # mk-setup untouched


def test_validate_rules(units) -> None:
    data = catalogue.GuideData(code="mk-x", name="x", unit_code="market", promised_days=Decimal("0.25"),
                            statutory_days=Decimal("0.1"), max_trips=30,
                            materials=(catalogue.MaterialData("a"), catalogue.MaterialData("a")),
                            fees=(("f", Decimal(-1)),), guide_url="ftp://x")
    fields = {p.field for p in catalogue.validate(data)}
    assert fields == {"promised_days", "statutory_days", "max_trips", "materials", "fees", "guide_url"}


def test_cli_import(app, runner, units, tmp_path) -> None:
    result = runner.invoke(args=["import-guides", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["mk-a", "x", "nounit", "1", "", "", "", "", "", "", "", ""]]))
    result = runner.invoke(args=["import-guides", str(bad)])
    assert result.exit_code == 1
    assert "row 2, column 实施单位代码" in result.output


@pytest.mark.parametrize("days", ["Infinity", "NaN", "sNaN", "1e40"])
def test_non_finite_days_are_refused_not_crashing(units, days) -> None:
    rows = [["mk-x", "事项", "market", days, "", "", "", "", "申请书", "", "", ""]]
    assert (2, "承诺时限") in errors_of(csv_bytes(rows))


def test_broken_xlsx_inside_a_zip(units) -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not xml")
    assert errors_of(buffer.getvalue(), "g.xlsx") == [(0, "")]
