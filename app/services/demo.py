"""A demo county modelled on Anyuan (安远县), Jiangxi: halls, windows, guides and accounts.

Guides follow ../shared/domain/practice.md §4; figures marked there as unverified are demo
data only. Seeding adds what is missing (keyed on codes, names and user names) and never
duplicates; it resets demo passwords only when asked to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Hall,
    HallKind,
    RequiredMaterial,
    Role,
    Scenario,
    ServiceFee,
    ServiceItem,
    Unit,
    User,
    Window,
)
from app.services import accounts
from app.services.accounts import Hasher, check_policy

UNITS = [
    ("market", "县市场监督管理局"),
    ("realestate", "县不动产登记中心"),
    ("housingfund", "市住房公积金管理中心安远分中心"),
    ("hrss", "县人力资源和社会保障局"),
    ("water", "县供水有限公司"),
    ("gas", "县燃气有限公司"),
    ("approval", "县行政审批局"),
]

# Material tuples: (name, condition or None, obtainable by sharing, abolished).
ITEMS: list[dict] = [
    {
        "code": "market-company-setup", "name": "有限责任公司设立登记", "unit": "market",
        "promised": "0.5", "statutory": "3", "fee_rule": "登记不收费；首套印章、税务UKey、邮寄由县财政承担",
        "max_trips": 1, "online": True, "package": "企业开办",
        "materials": [
            ("公司登记（备案）申请书", None, False, False),
            ("全体股东主体资格证明（自然人身份证件）", None, False, False),
            ("住所（经营场所）使用证明", None, False, False),
            ("公司章程", None, False, False),
            ("法定代表人、董事、监事和经理的任职文件及身份证件", None, False, False),
            ("指定代表或者共同委托代理人授权委托书及身份证件", "委托代理人办理时", False, False),
            ("前置审批文件或许可证件", "经营范围涉及前置许可时", False, False),
            ("身份证复印件", None, True, False),
            ("企业名称预先核准通知书", None, False, True),
            ("税务登记证", None, False, True),
            ("社会保险登记证", None, False, True),
            ("验资证明", None, False, True),
            ("银行开户许可证", None, False, True),
        ],
        "scenarios": [
            ("自然人独资有限公司", "一名自然人股东"),
            ("多个自然人股东", "全体股东签署章程"),
            ("委托代理人办理", "需授权委托书及代理人身份证件"),
            ("经营范围涉及前置许可", "需前置审批文件"),
        ],
        "fees": [],
    },
    {
        "code": "market-food-licence", "name": "食品经营许可（新办）", "unit": "market",
        "promised": "5", "statutory": "10", "fee_rule": "不收费", "max_trips": 1, "online": True,
        "package": None,
        "materials": [
            ("食品经营许可申请书", None, False, False),
            ("营业执照", None, True, False),
            ("与食品经营相适应的主要设备设施、经营布局、操作流程等文件", None, False, False),
            ("食品安全自查、从业人员健康管理、进货查验记录等食品安全管理制度", None, False, False),
            ("法定代表人（负责人）身份证件", None, False, False),
            ("授权委托书及代理人身份证件", "委托代理人办理时", False, False),
        ],
        "scenarios": [("仅销售预包装食品", "实行备案，不需许可"), ("餐饮服务", "需现场核查")],
        "fees": [],
    },
    {
        "code": "realestate-transfer", "name": "存量房转移登记", "unit": "realestate",
        "promised": "1", "statutory": "30",
        "fee_rule": "住宅80元/件；非住宅550元/件；车库、车位、储藏室80元/件；首本证书免费，每增加一本10元",
        "max_trips": 1, "online": True, "package": "二手房转移登记及水电气联动过户",
        "materials": [
            ("不动产登记申请书", None, False, False),
            ("申请人身份证明", None, False, False),
            ("不动产权属证书", None, False, False),
            ("存量房买卖合同（网签）", None, False, False),
            ("完税凭证", None, True, False),
            ("婚姻状况证明", "申请人已婚或房屋共有时", True, False),
            ("授权委托书及代理人身份证明", "委托代理人办理时", False, False),
            ("户口簿", None, True, False),
        ],
        "scenarios": [
            ("住宅", "登记费80元/件"), ("非住宅", "登记费550元/件"),
            ("申请人已婚", "婚姻信息可共享核验"), ("委托代理人办理", "需授权委托书"),
        ],
        "fees": [("住宅登记费", "80"), ("非住宅登记费", "550"), ("车库车位储藏室登记费", "80"),
                 ("每增加一本证书工本费", "10")],
    },
    {
        "code": "realestate-mortgage", "name": "抵押权首次登记", "unit": "realestate",
        "promised": "1", "statutory": "30", "fee_rule": "住宅80元/件；非住宅550元/件",
        "max_trips": 1, "online": True, "package": None,
        "materials": [
            ("不动产登记申请书", None, False, False),
            ("申请人身份证明", None, False, False),
            ("不动产权属证书", None, False, False),
            ("主债权合同", None, False, False),
            ("抵押合同", None, False, False),
            ("授权委托书及代理人身份证明", "委托代理人办理时", False, False),
        ],
        "scenarios": [("住宅抵押", ""), ("非住宅抵押", "")],
        "fees": [("住宅登记费", "80"), ("非住宅登记费", "550")],
    },
    {
        "code": "housingfund-withdrawal-purchase", "name": "住房公积金提取（购买自住住房）",
        "unit": "housingfund", "promised": "0", "statutory": "3", "fee_rule": "不收费",
        "max_trips": 1, "online": True, "package": None,
        "materials": [
            ("申请人身份证件", None, False, False),
            ("购房合同或不动产权证书", None, True, False),
            ("购房发票", None, False, False),
            ("本人银行卡", None, False, False),
            ("婚姻状况证明", "提取配偶公积金时", True, False),
            ("单位开具的提取证明", None, False, True),
        ],
        "scenarios": [("新建商品房", ""), ("二手房", ""), ("同时提取配偶公积金", "")],
        "fees": [],
    },
    {
        "code": "housingfund-employer-registration", "name": "单位住房公积金缴存登记",
        "unit": "housingfund", "promised": "0", "statutory": "5", "fee_rule": "不收费",
        "max_trips": 1, "online": True, "package": "企业开办",
        "materials": [
            ("单位缴存登记表", None, False, False),
            ("营业执照", None, True, False),
            ("经办人身份证件", None, False, False),
        ],
        "scenarios": [("企业开办时一并登记", "照章票保金一次办")],
        "fees": [],
    },
    {
        "code": "hrss-employer-registration", "name": "单位社会保险参保登记", "unit": "hrss",
        "promised": "0", "statutory": None, "fee_rule": "不收费", "max_trips": 1, "online": True,
        "package": "企业开办",
        "materials": [
            ("社会保险参保登记表", None, False, False),
            ("营业执照", None, True, False),
            ("经办人身份证件", None, False, False),
        ],
        "scenarios": [("企业开办时一并登记", "照章票保金一次办")],
        "fees": [],
    },
    {
        "code": "hrss-flexible-employment", "name": "灵活就业人员参保登记", "unit": "hrss",
        "promised": "0", "statutory": None, "fee_rule": "不收费", "max_trips": 1, "online": True,
        "package": None,
        "materials": [
            ("本人身份证件", None, False, False),
            ("户口簿", None, True, False),
            ("失业证明", None, False, True),
        ],
        "scenarios": [("本县户籍", ""), ("外地户籍在本县居住", "")],
        "fees": [],
    },
    {
        "code": "water-connection", "name": "用水报装", "unit": "water",
        "promised": "3", "statutory": None, "fee_rule": "报装受理不收费；用户红线内工程按实结算",
        "max_trips": 1, "online": True, "package": "水电气网联合报装",
        "materials": [
            ("用水报装申请表", None, False, False),
            ("申请人身份证件或营业执照", None, False, False),
            ("不动产权证书或房屋权属证明", None, True, False),
            ("用水地址平面图", "非居民用水时", False, False),
        ],
        "scenarios": [("居民用水", "申请+接水两个环节"), ("非居民用水", "需平面图")],
        "fees": [],
    },
    {
        "code": "gas-connection", "name": "用气报装", "unit": "gas",
        "promised": "3", "statutory": None, "fee_rule": "报装受理不收费；户内安装按公示标准收费",
        "max_trips": 1, "online": True, "package": "水电气网联合报装",
        "materials": [
            ("用气报装申请表", None, False, False),
            ("申请人身份证件或营业执照", None, False, False),
            ("不动产权证书或房屋权属证明", None, True, False),
        ],
        "scenarios": [("居民用气", "申请+通气验收两个环节"), ("工商业用气", "需现场勘察")],
        "fees": [],
    },
]

STARTUP = ["market-company-setup", "hrss-employer-registration", "housingfund-employer-registration"]

# (name, kind, address, lat, lon, windows: [(number, name, unit, comprehensive, item codes)])
HALLS: list[tuple] = [
    ("安远县政务服务中心", HallKind.SERVICE_CENTRE, "安远县欣山镇濂江大道1号", 25.1378, 115.4074, [
        ("A01", "企业全生命周期综窗", "approval", True, [*STARTUP, "market-food-licence"]),
        ("A02", "食品经营许可窗口", "market", False, ["market-food-licence"]),
        ("B01", "不动产登记窗口", "realestate", False, ["realestate-transfer", "realestate-mortgage"]),
        ("B02", "不动产登记窗口", "realestate", False, ["realestate-transfer", "realestate-mortgage"]),
        ("C01", "住房公积金窗口", "housingfund", False,
         ["housingfund-withdrawal-purchase", "housingfund-employer-registration"]),
        ("C02", "社会保险窗口", "hrss", False,
         ["hrss-employer-registration", "hrss-flexible-employment"]),
        ("D01", "用水报装窗口", "water", False, ["water-connection"]),
        ("D02", "用气报装窗口", "gas", False, ["gas-connection"]),
        ("Z01", "“办不成事”反映窗口", "approval", True, []),
    ]),
    ("安远县产城新区云服务大厅", HallKind.SERVICE_CENTRE, "安远县产城新区创业大道", 25.1104, 115.4221, [
        ("01", "企业登记窗口", "market", False, ["market-company-setup"]),
        ("02", "不动产登记窗口", "realestate", False, ["realestate-transfer"]),
        ("03", "住房公积金窗口", "housingfund", False, ["housingfund-withdrawal-purchase"]),
        ("04", "云端导办综合窗口", "approval", True, ["market-company-setup", "market-food-licence"]),
    ]),
    ("欣山镇便民服务中心", HallKind.TOWNSHIP, "安远县欣山镇东门路", 25.1349, 115.3938, [
        ("1", "“全县通办”综合窗口", "approval", True,
         ["hrss-flexible-employment", "housingfund-withdrawal-purchase"]),
        ("2", "社保医保窗口", "hrss", False, ["hrss-flexible-employment"]),
    ]),
    ("孔田镇便民服务中心", HallKind.TOWNSHIP, "安远县孔田镇新街", 25.2842, 115.3605, [
        ("1", "“全县通办”综合窗口", "approval", True,
         ["hrss-flexible-employment", "housingfund-withdrawal-purchase", "water-connection"]),
    ]),
    ("安远农商银行城区支行", HallKind.BANK, "安远县欣山镇解放路", 25.1363, 115.3992, [
        ("1", "企业开办“一窗通”", "market", True, STARTUP),
    ]),
]

# (username, role, unit code, display name)
ACCOUNTS: list[tuple[str, Role, str | None, str]] = [
    ("admin", Role.ADMIN, None, "系统管理员"),
    ("leader", Role.LEADER, None, "督查组组长"),
    ("inspector1", Role.INSPECTOR, "hrss", "暗访员一"),
    ("inspector2", Role.INSPECTOR, "water", "暗访员二"),
    ("inspector3", Role.INSPECTOR, "gas", "暗访员三"),
] + [(f"unit-{code}", Role.UNIT, code, name) for code, name in UNITS]


@dataclass
class SeedResult:
    """What a seed run did."""

    created: int = 0
    passwords_reset: int = 0
    skipped: bool = False
    accounts: list[tuple[str, str]] = field(default_factory=list)


def _get_or_add(model: Any, result: SeedResult, defaults: dict, **keys: object) -> Any:
    row = db.session.scalar(sa.select(model).filter_by(**keys))
    if row is None:
        row = model(**keys, **defaults)
        db.session.add(row)
        result.created += 1
    return row


def _seed_item(spec: dict, units: dict[str, Unit], result: SeedResult) -> ServiceItem:
    item = _get_or_add(
        ServiceItem, result,
        {
            "name": spec["name"], "unit": units[spec["unit"]],
            "promised_days": Decimal(spec["promised"]),
            "statutory_days": Decimal(spec["statutory"]) if spec["statutory"] else None,
            "fee_rule": spec["fee_rule"], "max_trips": spec["max_trips"],
            "online_available": spec["online"], "one_thing_package": spec["package"],
        },
        code=spec["code"],
    )
    have = {m.name for m in item.materials}
    for position, (name, condition, shared, abolished) in enumerate(spec["materials"]):
        if name not in have:
            item.materials.append(RequiredMaterial(
                position=position, name=name, condition=condition,
                obtainable_by_sharing=shared, abolished=abolished,
            ))
            result.created += 1
    have = {s.name for s in item.scenarios}
    for position, (name, description) in enumerate(spec["scenarios"]):
        if name not in have:
            item.scenarios.append(Scenario(position=position, name=name, description=description))
            result.created += 1
    have = {f.name for f in item.fees}
    for name, amount in spec["fees"]:
        if name not in have:
            item.fees.append(ServiceFee(name=name, amount_yuan=Decimal(amount)))
            result.created += 1
    return item


def seed(
    password: str, hasher: Hasher, *, reset_passwords: bool, only_if_empty: bool = False
) -> SeedResult:
    """Add the demo county and accounts; see the module docstring for the rules."""
    result = SeedResult(accounts=[(u, str(r)) for u, r, _, _ in ACCOUNTS])
    if only_if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        result.skipped = True
        return result
    for username, *_ in ACCOUNTS:  # refuse before writing anything
        check_policy(password, username)

    units = {
        code: _get_or_add(Unit, result, {"name": name}, code=code) for code, name in UNITS
    }
    items = {spec["code"]: _seed_item(spec, units, result) for spec in ITEMS}
    db.session.flush()
    for name, kind, address, lat, lon, windows in HALLS:
        hall = _get_or_add(
            Hall, result, {"kind": kind, "address": address, "latitude": lat, "longitude": lon},
            name=name,
        )
        db.session.flush()
        for number, wname, unit_code, comprehensive, codes in windows:
            window = _get_or_add(
                Window, result,
                {"name": wname, "unit": units[unit_code], "comprehensive": comprehensive},
                hall_id=hall.id, number=number,
            )
            for code in codes:
                if items[code] not in window.service_items:
                    window.service_items.append(items[code])

    for username, role, unit_code, display_name in ACCOUNTS:
        user = accounts.find_by_username(username)
        if user is None:
            db.session.add(User(
                username=username, role=role, display_name=display_name,
                unit=units[unit_code] if unit_code else None,
                password_hash=hasher.hash(password), must_change_password=False,
            ))
            result.created += 1
        elif reset_passwords:
            accounts.reset_password(user, password, hasher, must_change=False)
            user.unlock()
            result.passwords_reset += 1
    db.session.flush()
    return result
