"""camt.054.001.08 (debit/credit notifications) and camt.053.001.08 (end-of-day statement).

Both report one account (a RAMP wallet): Acct/Id/Othr/Id the ledger account, Acct/Ownr its
holder. Each movement is a booked entry (Sts BOOK) with the bank transaction code
PMNT / RCDT (received credit transfer) or ICDT (issued), sub-family DMCT (domestic), and one
TxDtls with the references (InstrId = TxId = transfer id, EndToEndId), the parties and the
remittance. A camt.053 adds the opening (OPBD) and closing (CLBD) booked balances and a
TxsSummry; reading it back checks opening + credits - debits = closing and the summary sums.
"""

from __future__ import annotations

from lxml import etree

from ramp.payments._common import MessageParseError, Reader, Writer, decimal_yen
from ramp.payments.model import (
    CREDIT,
    DEBIT,
    Notification,
    PartyAccount,
    Payment,
    Statement,
    StatementEntry,
)

__all__ = ["build_camt053", "build_camt054", "parse_camt053", "parse_camt054"]

CAMT054 = "camt.054.001.08"
CAMT053 = "camt.053.001.08"
_FAMILY = {CREDIT: "RCDT", DEBIT: "ICDT"}


def _reported_account(writer: Writer, parent: etree._Element, account: PartyAccount) -> None:
    element = writer.sub(parent, "Acct")
    writer.sub(writer.sub(writer.sub(element, "Id"), "Othr"), "Id", account.account_id)
    writer.sub(element, "Ccy", "JPY")
    if account.account_name is not None:
        writer.sub(element, "Nm", account.account_name)
    writer.party(element, "Ownr", account)
    if account.agent_member_id is not None:
        writer.agent(element, "Svcr", account)


def _read_reported_account(reader: Reader, parent: etree._Element) -> PartyAccount:
    element = reader.one(parent, "m:Acct")
    return PartyAccount(
        name=reader.text(element, "m:Ownr/m:Nm"),
        account_id=reader.text(element, "m:Id/m:Othr/m:Id"),
        account_name=reader.optional(element, "m:Nm"),
        agent_member_id=reader.optional(element, "m:Svcr/m:FinInstnId/m:ClrSysMmbId/m:MmbId"),
    )


def _entry(writer: Writer, parent: etree._Element, entry: StatementEntry) -> None:
    payment = entry.payment
    element = writer.sub(parent, "Ntry")
    writer.sub(element, "NtryRef", payment.transfer_id)
    writer.amount(element, "Amt", payment.amount_yen)
    writer.sub(element, "CdtDbtInd", entry.direction)
    writer.sub(writer.sub(element, "Sts"), "Cd", "BOOK")
    writer.date(element, "BookgDt", entry.booking_date)
    writer.date(element, "ValDt", payment.execution_date)
    domain = writer.sub(writer.sub(element, "BkTxCd"), "Domn")
    writer.sub(domain, "Cd", "PMNT")
    family = writer.sub(domain, "Fmly")
    writer.sub(family, "Cd", _FAMILY[entry.direction])
    writer.sub(family, "SubFmlyCd", "DMCT")
    details = writer.sub(writer.sub(element, "NtryDtls"), "TxDtls")
    refs = writer.sub(details, "Refs")
    writer.sub(refs, "InstrId", payment.transfer_id)
    writer.sub(refs, "EndToEndId", payment.end_to_end_id)
    writer.sub(refs, "TxId", payment.transfer_id)
    writer.amount(details, "Amt", payment.amount_yen)
    writer.sub(details, "CdtDbtInd", entry.direction)
    parties = writer.sub(details, "RltdPties")
    writer.party(writer.sub(parties, "Dbtr"), "Pty", payment.debtor)
    writer.account(parties, "DbtrAcct", payment.debtor)
    writer.party(writer.sub(parties, "Cdtr"), "Pty", payment.creditor)
    writer.account(parties, "CdtrAcct", payment.creditor)
    if payment.debtor.agent_member_id is not None or payment.creditor.agent_member_id is not None:
        agents = writer.sub(details, "RltdAgts")
        for tag, who in (("DbtrAgt", payment.debtor), ("CdtrAgt", payment.creditor)):
            if who.agent_member_id is not None:
                writer.agent(agents, tag, who)
    writer.remittance(details, payment)


def _read_entry(reader: Reader, element: etree._Element) -> StatementEntry:
    details = reader.all(element, "m:NtryDtls/m:TxDtls")
    if len(details) != 1:
        raise MessageParseError("unsupported_shape", "RAMP writes one TxDtls per entry")
    tx = details[0]
    direction = reader.text(element, "m:CdtDbtInd")
    if reader.text(tx, "m:CdtDbtInd") != direction or reader.yen(tx, "m:Amt") != reader.yen(element, "m:Amt"):
        raise MessageParseError("entry_mismatch", "an entry and its transaction details disagree")
    parties = reader.one(tx, "m:RltdPties")
    agents = tx.find("m:RltdAgts", reader.ns)
    payment = Payment(
        transfer_id=reader.text(tx, "m:Refs/m:InstrId"),
        end_to_end_id=reader.text(tx, "m:Refs/m:EndToEndId"),
        amount_yen=reader.yen(element, "m:Amt"),
        debtor=reader.party_account(reader.one(parties, "m:Dbtr/m:Pty"), reader.one(parties, "m:DbtrAcct"),
                                    None if agents is None else agents.find("m:DbtrAgt", reader.ns)),
        creditor=reader.party_account(reader.one(parties, "m:Cdtr/m:Pty"), reader.one(parties, "m:CdtrAcct"),
                                      None if agents is None else agents.find("m:CdtrAgt", reader.ns)),
        execution_date=reader.date(element, "m:ValDt/m:Dt"),
        **reader.remittance(tx),
    )
    return StatementEntry(direction=direction, booking_date=reader.date(element, "m:BookgDt/m:Dt"), payment=payment)


def build_camt054(notification: Notification) -> bytes:
    writer = Writer(CAMT054)
    message = writer.sub(writer.root, "BkToCstmrDbtCdtNtfctn")
    header = writer.sub(message, "GrpHdr")
    writer.sub(header, "MsgId", notification.message_id)
    writer.sub(header, "CreDtTm", notification.created_at.isoformat())
    body = writer.sub(message, "Ntfctn")
    writer.sub(body, "Id", notification.notification_id)
    writer.sub(body, "CreDtTm", notification.created_at.isoformat())
    _reported_account(writer, body, notification.account)
    for entry in notification.entries:
        _entry(writer, body, entry)
    return writer.finish()


def parse_camt054(data: bytes) -> Notification:
    reader = Reader(CAMT054, data)
    message = reader.one(reader.root, "m:BkToCstmrDbtCdtNtfctn")
    bodies = reader.all(message, "m:Ntfctn")
    if len(bodies) != 1:
        raise MessageParseError("unsupported_shape", "RAMP writes one Ntfctn per camt.054")
    body = bodies[0]
    return Notification(
        message_id=reader.text(message, "m:GrpHdr/m:MsgId"),
        created_at=reader.datetime(message, "m:GrpHdr/m:CreDtTm"),
        notification_id=reader.text(body, "m:Id"),
        account=_read_reported_account(reader, body),
        entries=tuple(_read_entry(reader, e) for e in reader.all(body, "m:Ntry")),
    )


def _balance(writer: Writer, parent: etree._Element, code: str, yen: int, day) -> None:  # noqa: ANN001
    element = writer.sub(parent, "Bal")
    writer.sub(writer.sub(writer.sub(element, "Tp"), "CdOrPrtry"), "Cd", code)
    writer.amount(element, "Amt", abs(yen))
    writer.sub(element, "CdtDbtInd", CREDIT if yen >= 0 else DEBIT)
    writer.date(element, "Dt", day)


def _summary(writer: Writer, parent: etree._Element, tag: str, count: int, total: int) -> etree._Element:
    element = writer.sub(parent, tag)
    writer.sub(element, "NbOfNtries", str(count))
    writer.sub(element, "Sum", str(total))
    return element


def build_camt053(statement: Statement) -> bytes:
    writer = Writer(CAMT053)
    message = writer.sub(writer.root, "BkToCstmrStmt")
    header = writer.sub(message, "GrpHdr")
    writer.sub(header, "MsgId", statement.message_id)
    writer.sub(header, "CreDtTm", statement.created_at.isoformat())
    body = writer.sub(message, "Stmt")
    writer.sub(body, "Id", statement.statement_id)
    writer.sub(body, "CreDtTm", statement.created_at.isoformat())
    _reported_account(writer, body, statement.account)
    _balance(writer, body, "OPBD", statement.opening_yen, statement.date)
    _balance(writer, body, "CLBD", statement.closing_yen, statement.date)
    credits = [e for e in statement.entries if e.direction == CREDIT]
    debits = [e for e in statement.entries if e.direction == DEBIT]
    summary = writer.sub(body, "TxsSummry")
    total = _summary(writer, summary, "TtlNtries", len(statement.entries), statement.credits_yen + statement.debits_yen)
    net = writer.sub(total, "TtlNetNtry")
    net_yen = statement.credits_yen - statement.debits_yen
    writer.sub(net, "Amt", str(abs(net_yen)))
    writer.sub(net, "CdtDbtInd", CREDIT if net_yen >= 0 else DEBIT)
    _summary(writer, summary, "TtlCdtNtries", len(credits), statement.credits_yen)
    _summary(writer, summary, "TtlDbtNtries", len(debits), statement.debits_yen)
    for entry in statement.entries:
        _entry(writer, body, entry)
    return writer.finish()


def _read_balance(reader: Reader, body: etree._Element, code: str) -> int:
    found = [b for b in reader.all(body, "m:Bal") if reader.text(b, "m:Tp/m:CdOrPrtry/m:Cd") == code]
    if len(found) != 1:
        raise MessageParseError("balance_missing", f"{len(found)} {code} balances, not 1")
    yen = reader.yen(found[0], "m:Amt")
    return yen if reader.text(found[0], "m:CdtDbtInd") == CREDIT else -yen


def parse_camt053(data: bytes) -> Statement:
    reader = Reader(CAMT053, data)
    message = reader.one(reader.root, "m:BkToCstmrStmt")
    bodies = reader.all(message, "m:Stmt")
    if len(bodies) != 1:
        raise MessageParseError("unsupported_shape", "RAMP writes one Stmt per camt.053")
    body = bodies[0]
    try:
        statement = Statement(
            message_id=reader.text(message, "m:GrpHdr/m:MsgId"),
            created_at=reader.datetime(message, "m:GrpHdr/m:CreDtTm"),
            statement_id=reader.text(body, "m:Id"),
            account=_read_reported_account(reader, body),
            date=reader.date(body, "m:Bal/m:Dt/m:Dt"),
            opening_yen=_read_balance(reader, body, "OPBD"),
            closing_yen=_read_balance(reader, body, "CLBD"),
            entries=tuple(_read_entry(reader, e) for e in reader.all(body, "m:Ntry")),
        )
    except ValueError as exc:  # the Statement's own invariant: opening + movements = closing
        if isinstance(exc, MessageParseError):
            raise
        raise MessageParseError("balances_inconsistent", str(exc)) from exc
    for tag, expected in (("TtlCdtNtries", statement.credits_yen), ("TtlDbtNtries", statement.debits_yen)):
        if decimal_yen(reader.text(body, f"m:TxsSummry/m:{tag}/m:Sum"), tag) != expected:
            raise MessageParseError("summary_mismatch", f"{tag}/Sum differs from the entries")
    return statement
