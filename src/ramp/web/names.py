"""Display names, English and Japanese, for what the data names by a code: budget categories (node
tags), organisations, transfer codes, roles and event kinds. One table for each; a key that has no
name shows as it is (data may name things this table does not know yet).

Budget nodes carry their own names (name, name_ja) and vendors theirs (the vendor account's
`name`); these tables are for the codes the data uses without a name. Words follow
docs/glossary.md.
"""

from __future__ import annotations

from typing import Final

# Category tags of the budget (node metadata): tag -> (English, Japanese).
CATEGORIES: Final[dict[str, tuple[str, str]]] = {
    "ai": ("AI", "AI"),
    "ammunition": ("Ammunition", "弾薬"),
    "c2-isr": ("Command, control and ISR", "指揮統制・情報"),
    "cyber": ("Cyber", "サイバー"),
    "facilities": ("Facilities and resilience", "施設・強靱化"),
    "iamd": ("Integrated air and missile defense", "統合防空ミサイル防衛"),
    "maintenance": ("Maintenance and equipment upkeep", "維持整備"),
    "mobility": ("Mobility and transport", "機動・展開"),
    "personnel": ("Personnel and provisions", "人件・糧食費"),
    "personnel-living": ("Personnel treatment and living environment", "処遇改善・生活勤務環境"),
    "r-and-d": ("Research and development", "研究開発"),
    "space": ("Space", "宇宙"),
    "stand-off": ("Stand-off defense", "スタンド・オフ防衛"),
    "unmanned": ("Unmanned assets", "無人アセット"),
    "us-realignment": ("SACO and US forces realignment", "SACO・米軍再編"),
}

# Organisations as identities and budget nodes name them: key -> (English, Japanese).
ORGANISATIONS: Final[dict[str, tuple[str, str]]] = {
    "mod": ("Ministry of Defense", "防衛省"),
    "mod-feb": ("MoD Finance and Equipment Bureau", "防衛省 経理装備局"),
    "mod-dbpb": ("MoD Defense Buildup Planning Bureau", "防衛省 整備計画局"),
    "internal-bureaus": ("MoD internal bureaus", "内部部局"),
    "mof": ("Ministry of Finance", "財務省"),
    "boa": ("Board of Audit", "会計検査院"),
    "cabinet": ("Cabinet", "内閣"),
    "atla": ("Acquisition, Technology & Logistics Agency", "防衛装備庁"),
    "gsdf": ("Ground Self-Defense Force", "陸上自衛隊"),
    "msdf": ("Maritime Self-Defense Force", "海上自衛隊"),
    "asdf": ("Air Self-Defense Force", "航空自衛隊"),
    "joint-staff": ("Joint Staff / Joint Operations Command", "統合幕僚監部"),
}
CONTRACTOR_PREFIX: Final = "contractor-"  # a contractor's organisation: contractor-<vendor>

# Transfer codes (budget.model.Code and the ledger's own): code -> (English, Japanese).
CODES: Final[dict[str, tuple[str, str]]] = {
    "ENACT": ("enactment", "予算成立"),
    "ISSUE": ("issuance (authority)", "発行(予算権限)"),
    "MINT": ("issuance", "発行"),
    "ALLOT": ("allotment", "配賦"),
    "REALLOT": ("reallotment", "再配賦"),
    "TRANSFER_RYUYO": ("transfer between sub-items (流用)", "流用"),
    "TRANSFER_IYO": ("transfer between items (移用)", "移用"),
    "RESERVE_RELEASE": ("reserve-fund release", "予備費使用"),
    "OBLIGATE": ("obligation", "支出負担行為"),
    "DISBURSE": ("payment", "支出"),
    "DEOBLIGATE": ("obligation reduced", "支出負担行為の減額"),
    "PENALTY": ("late penalty", "遅延違約金"),
    "CARRY_OVER": ("carry-over", "繰越"),
    "LAPSE": ("lapse", "不用"),
}

# Roles (policy.identities.ROLES): role -> (English, Japanese).
ROLES: Final[dict[str, tuple[str, str]]] = {
    "admin": ("administrator", "システム管理者"),
    "ledger_writer": ("ledger writer", "台帳記帳者"),
    "ledger_reader": ("ledger reader", "台帳閲覧者"),
    "auditor": ("auditor", "監査担当"),
    "finance_officer": ("finance officer", "予算担当官"),
    "contracting_officer": ("contracting officer", "契約担当官"),
    "inspector": ("inspector", "検査官"),
    "mof_examiner": ("MOF budget examiner", "財務省主計官"),
    "contractor": ("contractor", "契約相手方"),
    "treasury_officer": ("treasury officer", "国庫担当官"),
    "certifying_officer": ("certifying officer", "支出負担行為担当官"),
    "disbursing_officer": ("disbursing officer", "支出官"),
    "cabinet_officer": ("cabinet officer", "内閣担当官"),
    "security_officer": ("security officer", "セキュリティ担当官"),
    "analytics": ("analytics (software)", "分析(ソフトウェア)"),
    "supply_party": ("supply party", "サプライチェーン当事者"),
    "mining_operator": ("mining operator", "鉱業事業者"),
    "regulator": ("regulator", "規制当局"),
}

# Event kinds: the first two parts of a record's type (`contract.signed`, `auth.login`), or a
# ledger event's kind -> (English, Japanese).
EVENTS: Final[dict[str, tuple[str, str]]] = {
    "transfer": ("transfer", "送金"),
    "account": ("account opened", "口座開設"),
    "approval.requested": ("request filed", "申請"),
    "approval.approved": ("request approved", "承認"),
    "approval.rejected": ("request rejected", "却下"),
    "approval.executed": ("request executed", "執行"),
    "auth.login": ("sign-in", "サインイン"),
    "auth.login_failed": ("sign-in failed", "サインイン失敗"),
    "auth.logout": ("sign-out", "サインアウト"),
    "auth.enrolled": ("login enrolled", "ログイン登録"),
    "auth.passkey_added": ("passkey added", "パスキー追加"),
    "budget.enacted": ("budget enacted", "予算成立"),
    "budget.year_closed": ("year closed", "決算"),
    "budget.carried_over": ("carried over", "繰越"),
    "budget.contract_registered": ("contract registered", "契約登録"),
    "budget.availability_info": ("availability alert", "執行率アラート"),
    "budget.availability_warning": ("availability warning", "執行率警告"),
    "contract.signed": ("contract signed", "契約締結"),
    "contract.attested": ("milestone attested", "検査・確認"),
    "contract.accepted": ("milestone accepted", "検収"),
    "contract.released": ("payment released", "支払"),
    "contract.held": ("payments held", "支払保留"),
    "contract.amended": ("change order", "契約変更"),
    "contract.expired": ("contract expired", "契約期限切れ"),
    "identity.added": ("identity added", "ID追加"),
    "disclosure.sumtree": ("totals published", "合計公表"),
    "demo.dataset": ("demo data set", "デモデータ"),
}


def _pick(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    names = table.get(key)
    if names is None:
        return key
    return names[1] if lang == "ja" else names[0]


def category_name(tag: str, lang: str) -> str:
    return _pick(CATEGORIES, tag, lang)


def code_name(code: str, lang: str) -> str:
    return _pick(CODES, code, lang)


def role_name(role: str, lang: str) -> str:
    return _pick(ROLES, role, lang)


def organisation_name(key: str, lang: str, vendors: dict[str, str] | None = None) -> str:
    """An organisation's name; a contractor's is its vendor's (from the vendor accounts)."""
    if key.startswith(CONTRACTOR_PREFIX):
        vendor = key[len(CONTRACTOR_PREFIX) :]
        name = (vendors or {}).get(vendor) or vendor
        return f"契約相手方:{name}" if lang == "ja" else f"Contractor: {name}"
    return _pick(ORGANISATIONS, key, lang)


def event_kind(kind: str, code: str) -> str:
    """The kind of a feed item, as the feed filters it: `transfer`, `account`, or a record's
    type to its second part (`contract.signed` of `contract.signed`, `contract.<id>.…` stays
    `contract`)."""
    if kind != "record":
        return kind
    parts = code.split(".")
    two = ".".join(parts[:2])
    return two if two in EVENTS else parts[0]


def event_name(kind: str, lang: str) -> str:
    return _pick(EVENTS, kind, lang)
