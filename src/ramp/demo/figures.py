"""The figures behind the demo: what is published, and every estimated split, labelled.

FY2026 is the government's draft (Cabinet decision 2025-12-26, press: 9兆353億円 including
SACO and US realignment, of which 8兆8,093億円 under the Defense Buildup Program): the Diet's
final figure is not in the sources, so the act and every figure derived from it say "Cabinet
draft (press)"; projects are FY2025's, their FY2026 amounts split in proportion (estimates).

Published (MOF, April 2025): the defense-related total ¥8,700,500,000,000 and the part
covered by the Defense Buildup Program ¥8,474,800,000,000; area figures for ammunition,
maintenance, personnel treatment and living environment, and the KC-46A tankers; press
figures for stand-off defense, space, GCAP and the AI-related request items. The rest is an
estimate, and says so: each area's status travels into the data (the `demo.dataset`
record) and every node whose amount comes from an estimated split carries `estimate=true`.

The budget's legal structure (項 and 目) below is illustrative: the demo's items group the
areas plausibly, they are not MOF's list of items. Organisations are the real actors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_DATA: Final = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "japan-defense-budget.json"

FY2025_TOTAL_YEN: Final = 8_700_500_000_000  # 8兆7,005億円, published
DBP_COVERED_YEN: Final = 8_474_800_000_000  # 8兆4,748億円, published
FY2026_TOTAL_YEN: Final = (
    9_035_300_000_000  # 9兆353億円, Cabinet draft 2025-12-26 (press), with SACO and realignment
)
FY2026_DBP_COVERED_YEN: Final = 8_809_300_000_000  # 8兆8,093億円, same source (press)
FY2026_GCAP_YEN: Final = 160_200_000_000  # 1,602億円, same source (press)
FY2026_STATUS: Final = "press"
FY2026_ACT: Final = (
    "fy2026-budget-cabinet-draft-2025-12-26-press"  # what the demo enacts: the draft, so labelled
)
FY2026_LABEL: Final = ("Cabinet draft (decision 2025-12-26, press): 9兆353億円 including SACO and US realignment; "
                       "the Diet's final figure is not in the sources")  # fmt: skip
GCAP_PROGRAM: Final = "research:gcap:atla:gcap"


@dataclass(frozen=True, slots=True)
class Area:
    """A category of the budget: its tag, its FY2025 total and where that figure comes from."""

    tag: str
    yen: int
    status: str  # published | press | derived | estimate
    name: str
    source: str = ""


def _published() -> dict[str, tuple[int, str]]:
    """FY2025 selected areas from shared/data when it is beside the checkout (checked there)."""
    if not _DATA.is_file():
        return {}
    raw = json.loads(_DATA.read_text())["fiscal_years"]["FY2025"]
    assert raw["total_defense_related"]["yen"] == FY2025_TOTAL_YEN
    assert raw["dbp_covered_cash_basis"]["yen"] == DBP_COVERED_YEN
    fy26 = json.loads(_DATA.read_text())["fiscal_years"]["FY2026"]
    assert fy26["total_defense_related"]["yen"] == FY2026_TOTAL_YEN
    assert fy26["total_defense_related"]["status"] == FY2026_STATUS
    assert fy26["dbp_covered_cash_basis"]["yen"] == FY2026_DBP_COVERED_YEN
    assert fy26["selected_areas"]["gcap_next_fighter_development"]["yen"] == FY2026_GCAP_YEN
    return {k: (int(v["yen"]), v["status"]) for k, v in raw["selected_areas"].items()}


_P = _published()


def _fig(key: str, yen: int, status: str) -> tuple[int, str]:
    got = _P.get(key)
    assert got is None or got == (yen, status), (key, got)  # the data and this table agree
    return yen, status


_STAND_OFF = _fig("stand_off_defense", 939_000_000_000, "press")
_SPACE = _fig("space", 540_300_000_000, "press")
_AMMUNITION = _fig("ammunition", 767_500_000_000, "published")
_MAINTENANCE = _fig("maintenance_and_equipment_upkeep", 2_224_700_000_000, "published")
_LIVING = _fig("personnel_treatment_and_living_environment", 409_700_000_000, "published")
GCAP_YEN, GCAP_STATUS = _fig("gcap_next_fighter_development", 108_700_000_000, "press")
KC46A_YEN, KC46A_STATUS = _fig("kc46a_tankers_x4", 223_100_000_000, "published")

# Areas partition the total: the published and press figures as published, the rest split by
# estimate so that everything adds up to the published total, to the yen.
AREAS: Final = (
    Area("stand-off", *_STAND_OFF, "Stand-off defense", "press, FY2025"),
    Area("iamd", 450_000_000_000, "estimate", "Integrated air and missile defense"),
    Area("unmanned", 200_000_000_000, "estimate", "Unmanned assets"),
    Area("space", *_SPACE, "Space", "press, FY2025"),
    Area("cyber", 130_000_000_000, "estimate", "Cyber"),
    Area("c2-isr", 140_000_000_000, "estimate", "Command, control and ISR"),
    Area("mobility", 330_000_000_000, "estimate", "Mobility and transport (includes the KC-46A, published)"),
    Area("ammunition", *_AMMUNITION, "Ammunition", "MOF Finance April 2025 p15"),
    Area("maintenance", *_MAINTENANCE, "Maintenance and equipment upkeep", "MOF Finance April 2025 p15"),
    Area("facilities", 193_600_000_000, "estimate", "Facilities and resilience"),
    Area("personnel-living", *_LIVING, "Personnel treatment and living environment", "MOF, published"),
    Area("personnel", 2_000_000_000_000, "estimate", "Personnel and provisions (salaries)"),
    Area("r-and-d", 150_000_000_000, "estimate", "Research and development (includes GCAP, press)"),
    Area("us-realignment", FY2025_TOTAL_YEN - DBP_COVERED_YEN, "derived",
         "SACO, US forces realignment (local burden) and other items outside the Defense Buildup Program",
         "total minus DBP-covered, both published"),
)  # fmt: skip
assert sum(a.yen for a in AREAS) == FY2025_TOTAL_YEN
assert sum(a.yen for a in AREAS if a.tag != "us-realignment") == DBP_COVERED_YEN

# Items (項): key -> (name, name_ja, 繰越明許費?, 移用 allowed with). Illustrative, not MOF's list.
ITEMS: Final = {
    "personnel": ("Personnel and provisions (illustrative)", "人件・糧食費", False, ()),
    "equipment": ("Equipment acquisition (illustrative)", "装備品等購入費", True, ("maintenance",)),
    "maintenance": ("Equipment maintenance (illustrative)", "装備品等整備費", True, ("equipment",)),
    "research": ("Research and development (illustrative)", "研究開発費", True, ()),
    "facilities": ("Facilities (illustrative)", "施設整備費", True, ("realignment",)),
    "foundation": ("Defense foundation: C2, ISR, cyber (illustrative)", "防衛力基盤強化推進費", False, ()),
    "realignment": ("US forces realignment and SACO (illustrative)", "在日米軍等駐留関連諸費", True, ("facilities",)),
}
SUB_ITEMS: Final = {
    "salaries": "職員基本給", "allowances": "職員諸手当", "provisions": "糧食費",
    "missiles": "誘導弾等購入費", "aircraft": "航空機購入費", "vessels": "艦船建造費", "vehicles": "車両等購入費",
    "ammunition": "弾薬購入費", "space-systems": "宇宙関連装備品費", "uav": "無人機購入費",
    "aircraft-upkeep": "航空機修理費", "vessel-upkeep": "艦船修理費", "vehicle-upkeep": "武器車両等修理費",
    "logistics": "補給・輸送費", "gcap": "次期戦闘機開発費", "standoff-rd": "誘導弾研究開発費", "tech-rd": "技術研究費",
    "construction": "施設整備費", "resilience": "強靱化事業費", "living": "隊舎・宿舎整備費",
    "cyber": "サイバー関連経費", "c2-isr": "指揮統制・情報関連経費", "realignment": "米軍再編関係経費",
    "saco": "SACO関係経費", "community": "基地周辺対策経費",
}  # fmt: skip
ORGANISATIONS: Final = {
    "internal-bureaus": ("MoD internal bureaus", "内部部局"),
    "gsdf": ("Ground Self-Defense Force", "陸上自衛隊"),
    "msdf": ("Maritime Self-Defense Force", "海上自衛隊"),
    "asdf": ("Air Self-Defense Force", "航空自衛隊"),
    "joint-staff": ("Joint Staff / Joint Operations Command", "統合幕僚監部"),
    "atla": ("Acquisition, Technology & Logistics Agency", "防衛装備庁"),
}


@dataclass(frozen=True, slots=True)
class Program:
    """A program of the tree (item:sub-item:organisation:program) and how it spends.

    `style`: acquisition | rd | works (multi-year contracts, milestone payments), upkeep
    (service contracts and call-off invoices), supply (call-off invoices), payroll (monthly
    pay by unit), services (monthly fees). `fixed_yen`: a program whose figure is published
    or reported on its own, kept exact (one project)."""

    area: str
    path: str
    name: str
    name_ja: str
    style: str
    weight: int = 10
    fixed_yen: int = 0
    fixed_status: str = ""
    tags: tuple[str, ...] = ()


PROGRAMS: Final = (
    Program("stand-off", "equipment:missiles:gsdf:ssm-12", "Type-12 SSM (upgraded)", "12式地対艦誘導弾能力向上型", "acquisition", 30),
    Program("stand-off", "equipment:missiles:msdf:tomahawk", "Tomahawk", "トマホーク", "acquisition", 25),
    Program("stand-off", "equipment:missiles:asdf:jsm", "JSM for F-35A", "JSM", "acquisition", 10),
    Program("stand-off", "research:standoff-rd:atla:hvgp", "Hyper Velocity Gliding Projectile", "島嶼防衛用高速滑空弾", "rd", 20),
    Program("stand-off", "research:standoff-rd:atla:hcm", "Hypersonic cruise missile", "極超音速誘導弾", "rd", 15),
    Program("iamd", "equipment:missiles:gsdf:sam-03", "Type-03 SAM (improved)", "03式中距離地対空誘導弾(改善型)", "acquisition", 20),
    Program("iamd", "equipment:missiles:msdf:sm-3", "SM-3 Block IIA", "SM-3ブロックIIA", "acquisition", 25),
    Program("iamd", "equipment:missiles:asdf:pac-3", "PAC-3 MSE", "PAC-3MSE", "acquisition", 20),
    Program("iamd", "equipment:vessels:msdf:asev", "Aegis system equipped vessel", "イージス・システム搭載艦", "acquisition", 35),
    Program("unmanned", "equipment:uav:gsdf:small-uav", "Small UAVs", "小型無人機", "acquisition", 10),
    Program("unmanned", "equipment:uav:msdf:mq-9b", "MQ-9B SeaGuardian", "MQ-9B", "acquisition", 15),
    Program("unmanned", "equipment:uav:asdf:global-hawk", "RQ-4B Global Hawk", "グローバルホーク", "acquisition", 10),
    Program("space", "equipment:space-systems:asdf:ssa-sat", "Space situational awareness satellite", "宇宙領域把握衛星", "acquisition", 20),
    Program("space", "equipment:space-systems:joint-staff:constellation", "Satellite constellation", "衛星コンステレーション", "acquisition", 30),
    Program("space", "equipment:space-systems:internal-bureaus:sat-comms", "X-band satellite communications", "Xバンド衛星通信", "services", 10),
    Program("cyber", "foundation:cyber:joint-staff:cyber-defense", "Cyber defense units' systems", "サイバー防衛隊関連経費", "services", 15),
    Program("cyber", "foundation:cyber:internal-bureaus:security-ops", "Security operations", "セキュリティ監視", "services", 10),
    Program("c2-isr", "foundation:c2-isr:joint-staff:jjoc", "Joint Operations Command systems", "統合作戦司令部システム", "services", 10),
    Program("c2-isr", "foundation:c2-isr:internal-bureaus:mod-cloud", "MOD cloud (AI-related; request, press)", "防衛省クラウド", "services",
            fixed_yen=97_000_000_000, fixed_status="press", tags=("ai",)),
    Program("c2-isr", "foundation:c2-isr:gsdf:base-monitoring", "Remote base monitoring (AI; request, press)", "遠隔基地監視", "services",
            fixed_yen=18_000_000_000, fixed_status="press", tags=("ai",)),
    Program("mobility", "equipment:aircraft:asdf:kc-46a", "KC-46A tankers (4)", "KC-46A空中給油機 4機", "acquisition",
            fixed_yen=KC46A_YEN, fixed_status=KC46A_STATUS),
    Program("mobility", "equipment:vessels:msdf:transport", "Mobility vessels", "機動舟艇", "acquisition", 10),
    Program("mobility", "equipment:vehicles:gsdf:transport", "Transport vehicles", "輸送車両", "acquisition", 10),
    Program("ammunition", "equipment:ammunition:gsdf:artillery", "Artillery and small-arms ammunition", "弾薬", "acquisition", 30),
    Program("ammunition", "equipment:ammunition:msdf:torpedoes", "Torpedoes", "魚雷", "acquisition", 15),
    Program("ammunition", "equipment:ammunition:asdf:air-munitions", "Air munitions", "航空弾薬", "acquisition", 20),
    Program("maintenance", "maintenance:aircraft-upkeep:asdf:fighter-upkeep", "Fighter upkeep", "戦闘機の維持整備", "upkeep", 30),
    Program("maintenance", "maintenance:aircraft-upkeep:gsdf:helo-upkeep", "Helicopter upkeep", "ヘリコプターの維持整備", "upkeep", 15),
    Program("maintenance", "maintenance:vessel-upkeep:msdf:ship-repair", "Ship repair", "艦船修理", "upkeep", 25),
    Program("maintenance", "maintenance:vehicle-upkeep:gsdf:vehicle-repair", "Vehicle repair", "車両整備", "upkeep", 15),
    Program("maintenance", "maintenance:logistics:joint-staff:fuel", "Fuel", "燃料", "supply", 15),
    Program("maintenance", "maintenance:logistics:msdf:spare-parts", "Spare parts", "部品", "supply", 10),
    Program("maintenance", "maintenance:logistics:internal-bureaus:ai-logistics", "AI supply-demand forecasting (request, press)",
            "AIによる需給予測", "services", fixed_yen=1_900_000_000, fixed_status="press", tags=("ai",)),
    Program("maintenance", "maintenance:logistics:gsdf:warehouse-auto", "Warehouse automation (AI; request, press)", "倉庫の自動化",
            "services", fixed_yen=4_300_000_000, fixed_status="press", tags=("ai",)),
    Program("facilities", "facilities:construction:internal-bureaus:hardening", "Base hardening", "施設の強靱化", "works", 15),
    Program("facilities", "facilities:construction:gsdf:ammo-depots", "Ammunition depots", "火薬庫の整備", "works", 10),
    Program("facilities", "facilities:resilience:asdf:runways", "Runway resilience", "滑走路の強靱化", "works", 10),
    Program("personnel-living", "facilities:living:gsdf:barracks", "Barracks renewal", "隊舎の整備", "works", 20),
    Program("personnel-living", "facilities:living:msdf:quarters", "Quarters and amenities", "宿舎・生活環境", "works", 10),
    Program("personnel-living", "personnel:allowances:joint-staff:treatment", "Treatment improvements", "処遇改善", "payroll", 10),
    Program("personnel", "personnel:salaries:gsdf:pay", "GSDF pay", "陸上自衛官の給与", "payroll", 40),
    Program("personnel", "personnel:salaries:msdf:pay", "MSDF pay", "海上自衛官の給与", "payroll", 20),
    Program("personnel", "personnel:salaries:asdf:pay", "ASDF pay", "航空自衛官の給与", "payroll", 20),
    Program("personnel", "personnel:salaries:internal-bureaus:pay", "Civilian staff pay", "事務官等の給与", "payroll", 8),
    Program("personnel", "personnel:salaries:atla:pay", "ATLA staff pay", "防衛装備庁職員の給与", "payroll", 3),
    Program("personnel", "personnel:provisions:gsdf:rations", "GSDF rations", "糧食", "supply", 6),
    Program("personnel", "personnel:provisions:msdf:rations", "MSDF rations", "糧食", "supply", 3),
    Program("r-and-d", "research:gcap:atla:gcap", "GCAP next fighter development", "次期戦闘機の開発", "rd",
            fixed_yen=GCAP_YEN, fixed_status=GCAP_STATUS),
    Program("r-and-d", "research:tech-rd:atla:future-tech", "Future technology research", "将来技術の研究", "rd", 10),
    Program("r-and-d", "research:tech-rd:atla:ai-rd", "AI research", "AI技術の研究", "rd", 5, tags=("ai",)),
    Program("us-realignment", "realignment:realignment:internal-bureaus:relocation", "US forces realignment (local burden)",
            "米軍再編(地元負担軽減)", "works", 20),
    Program("us-realignment", "realignment:saco:internal-bureaus:saco", "SACO-related measures", "SACO関係経費", "works", 3),
    Program("us-realignment", "realignment:community:internal-bureaus:community", "Host-community measures", "基地周辺対策",
            "works", 10),
)  # fmt: skip

# Fictitious vendors: region + trade, by the styles of work they take.
REGIONS: Final = ("kanto", "tohoku", "chubu", "kinki", "chugoku", "shikoku", "kyushu", "hokuriku", "tokai", "hokkaido",
                  "sanyo", "shonan", "yamato", "fuji", "asahi", "sakura", "shinwa", "daiichi", "heisei", "mizuho")  # fmt: skip
TRADES: Final = {
    "acquisition": ("aerospace", "heavy-ind", "electric", "shipbuilding", "precision", "optics", "motors"),
    "rd": ("aerospace", "electric", "systems", "labs", "precision"),
    "works": ("construction", "engineering", "civil-works"),
    "upkeep": ("aero-service", "dockyard", "motors", "engineering", "electric"),
    "supply": ("foods", "energy", "trading", "parts", "logistics"),
    "services": ("systems", "software", "telecom", "data"),
}  # fmt: skip
