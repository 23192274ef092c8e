"""A day of ledger payments from the Ministry's paying office to two vendors."""

from __future__ import annotations

import datetime

from ramp.payments import PartyAccount, Payment

JST = datetime.timezone(datetime.timedelta(hours=9))
DAY = datetime.date(2025, 6, 30)
CREATED = datetime.datetime(2025, 6, 30, 17, 0, 0, tzinfo=JST)

OFFICE = PartyAccount(
    name="防衛省 大臣官房会計課", account_id="fy2025:jpyd:mod:disbursing", account_name="支出官口座",
    agent_member_id="0001",
)
VENDOR_A = PartyAccount(name="株式会社 〇〇商事", account_id="1234567", account_name="普通預金", agent_member_id="0005")
VENDOR_B = PartyAccount(name="株式会社 〇〇物産", account_id="fy2025:jpyd:vendor:b")


def payment(n: int, amount_yen: int, creditor: PartyAccount = VENDOR_A, **overrides) -> Payment:
    fields = dict(
        transfer_id=f"t-2025-06-30-{n:04d}",
        end_to_end_id=f"E2E-INV156-{n:04d}",
        amount_yen=amount_yen,
        debtor=OFFICE,
        creditor=creditor,
        execution_date=DAY,
        invoice_id=f"INV-{n}",
        proof_ref=f"ramp-proof:v1:ramp.example/log:seq={1000 + n}:size=2048",
        memo="マイルストーン m1 支払",
    )
    fields.update(overrides)
    return Payment(**fields)
