"""pain.001.001.09 (the paying office's batch to its bank) and pacs.008.001.08 (bank to bank).

pain.001: one PmtInf per batch (one debtor wallet, one execution date); each payment is a
CdtTrfTxInf with InstrId = transfer id, EndToEndId, InstdAmt in JPY, the creditor, and the
remittance (memo, invoice number, inclusion proof reference). GrpHdr and PmtInf carry
NbOfTxs and CtrlSum, checked against the payments when read back.
pacs.008: one payment per message, settled through the clearing system (CLRG), charges SLEV;
InstrId = TxId = transfer id.
"""

from __future__ import annotations

from ramp.payments._common import MessageParseError, Reader, Writer, decimal_yen
from ramp.payments.model import Payment, PaymentBatch, TransferMessage

__all__ = ["build_pacs008", "build_pain001", "parse_pacs008", "parse_pain001"]

PAIN001 = "pain.001.001.09"
PACS008 = "pacs.008.001.08"


def build_pain001(batch: PaymentBatch) -> bytes:
    writer = Writer(PAIN001)
    initiation = writer.sub(writer.root, "CstmrCdtTrfInitn")
    debtor = batch.payments[0].debtor
    count, total = str(len(batch.payments)), str(batch.total_yen)
    header = writer.sub(initiation, "GrpHdr")
    writer.sub(header, "MsgId", batch.message_id)
    writer.sub(header, "CreDtTm", batch.created_at.isoformat())
    writer.sub(header, "NbOfTxs", count)
    writer.sub(header, "CtrlSum", total)
    writer.party(header, "InitgPty", debtor)
    info = writer.sub(initiation, "PmtInf")
    writer.sub(info, "PmtInfId", batch.payment_info_id)
    writer.sub(info, "PmtMtd", "TRF")
    writer.sub(info, "NbOfTxs", count)
    writer.sub(info, "CtrlSum", total)
    writer.date(info, "ReqdExctnDt", batch.payments[0].execution_date)
    writer.party(info, "Dbtr", debtor)
    writer.account(info, "DbtrAcct", debtor)
    writer.agent(info, "DbtrAgt", debtor)
    for payment in batch.payments:
        transaction = writer.sub(info, "CdtTrfTxInf")
        ids = writer.sub(transaction, "PmtId")
        writer.sub(ids, "InstrId", payment.transfer_id)
        writer.sub(ids, "EndToEndId", payment.end_to_end_id)
        writer.amount(writer.sub(transaction, "Amt"), "InstdAmt", payment.amount_yen)
        if payment.creditor.agent_member_id is not None:
            writer.agent(transaction, "CdtrAgt", payment.creditor)
        writer.party(transaction, "Cdtr", payment.creditor)
        writer.account(transaction, "CdtrAcct", payment.creditor)
        writer.remittance(transaction, payment)
    return writer.finish()


def parse_pain001(data: bytes) -> PaymentBatch:
    reader = Reader(PAIN001, data)
    initiation = reader.one(reader.root, "m:CstmrCdtTrfInitn")
    header = reader.one(initiation, "m:GrpHdr")
    infos = reader.all(initiation, "m:PmtInf")
    if len(infos) != 1:
        raise MessageParseError("unsupported_shape", f"{len(infos)} PmtInf; RAMP writes one per batch")
    info = infos[0]
    debtor = reader.party_account(reader.one(info, "m:Dbtr"), reader.one(info, "m:DbtrAcct"),
                                  reader.one(info, "m:DbtrAgt"))
    execution_date = reader.date(info, "m:ReqdExctnDt/m:Dt")
    payments = []
    for transaction in reader.all(info, "m:CdtTrfTxInf"):
        payments.append(Payment(
            transfer_id=reader.text(transaction, "m:PmtId/m:InstrId"),
            end_to_end_id=reader.text(transaction, "m:PmtId/m:EndToEndId"),
            amount_yen=reader.yen(transaction, "m:Amt/m:InstdAmt"),
            debtor=debtor,
            creditor=reader.party_account(reader.one(transaction, "m:Cdtr"), reader.one(transaction, "m:CdtrAcct"),
                                          transaction.find("m:CdtrAgt", reader.ns)),
            execution_date=execution_date,
            **reader.remittance(transaction),
        ))
    batch = PaymentBatch(
        message_id=reader.text(header, "m:MsgId"),
        created_at=reader.datetime(header, "m:CreDtTm"),
        payment_info_id=reader.text(info, "m:PmtInfId"),
        payments=tuple(payments),
    )
    for where in (header, info):
        if int(reader.text(where, "m:NbOfTxs")) != len(payments):
            raise MessageParseError("count_mismatch", "NbOfTxs differs from the payments")
        if decimal_yen(reader.text(where, "m:CtrlSum"), "CtrlSum") != batch.total_yen:
            raise MessageParseError("control_sum_mismatch", "CtrlSum differs from the sum of the payments")
    return batch


def build_pacs008(message: TransferMessage) -> bytes:
    payment = message.payment
    writer = Writer(PACS008)
    transfer = writer.sub(writer.root, "FIToFICstmrCdtTrf")
    header = writer.sub(transfer, "GrpHdr")
    writer.sub(header, "MsgId", message.message_id)
    writer.sub(header, "CreDtTm", message.created_at.isoformat())
    writer.sub(header, "NbOfTxs", "1")
    writer.amount(header, "TtlIntrBkSttlmAmt", payment.amount_yen)
    writer.sub(header, "IntrBkSttlmDt", payment.execution_date.isoformat())
    writer.sub(writer.sub(header, "SttlmInf"), "SttlmMtd", "CLRG")
    transaction = writer.sub(transfer, "CdtTrfTxInf")
    ids = writer.sub(transaction, "PmtId")
    writer.sub(ids, "InstrId", payment.transfer_id)
    writer.sub(ids, "EndToEndId", payment.end_to_end_id)
    writer.sub(ids, "TxId", payment.transfer_id)
    writer.amount(transaction, "IntrBkSttlmAmt", payment.amount_yen)
    writer.sub(transaction, "IntrBkSttlmDt", payment.execution_date.isoformat())
    writer.sub(transaction, "ChrgBr", "SLEV")
    writer.party(transaction, "Dbtr", payment.debtor)
    writer.account(transaction, "DbtrAcct", payment.debtor)
    writer.agent(transaction, "DbtrAgt", payment.debtor)
    writer.agent(transaction, "CdtrAgt", payment.creditor)
    writer.party(transaction, "Cdtr", payment.creditor)
    writer.account(transaction, "CdtrAcct", payment.creditor)
    writer.remittance(transaction, payment)
    return writer.finish()


def parse_pacs008(data: bytes) -> TransferMessage:
    reader = Reader(PACS008, data)
    transfer = reader.one(reader.root, "m:FIToFICstmrCdtTrf")
    header = reader.one(transfer, "m:GrpHdr")
    transactions = reader.all(transfer, "m:CdtTrfTxInf")
    if len(transactions) != 1 or reader.text(header, "m:NbOfTxs") != "1":
        raise MessageParseError("unsupported_shape", "RAMP writes one payment per pacs.008")
    transaction = transactions[0]
    if reader.text(transaction, "m:PmtId/m:TxId") != reader.text(transaction, "m:PmtId/m:InstrId"):
        raise MessageParseError("reference_mismatch", "TxId and InstrId both carry the transfer id")
    payment = Payment(
        transfer_id=reader.text(transaction, "m:PmtId/m:InstrId"),
        end_to_end_id=reader.text(transaction, "m:PmtId/m:EndToEndId"),
        amount_yen=reader.yen(transaction, "m:IntrBkSttlmAmt"),
        debtor=reader.party_account(reader.one(transaction, "m:Dbtr"), transaction.find("m:DbtrAcct", reader.ns),
                                    reader.one(transaction, "m:DbtrAgt")),
        creditor=reader.party_account(reader.one(transaction, "m:Cdtr"), transaction.find("m:CdtrAcct", reader.ns),
                                      reader.one(transaction, "m:CdtrAgt")),
        execution_date=reader.date(transaction, "m:IntrBkSttlmDt"),
        **reader.remittance(transaction),
    )
    if reader.yen(header, "m:TtlIntrBkSttlmAmt") != payment.amount_yen:
        raise MessageParseError("control_sum_mismatch", "TtlIntrBkSttlmAmt differs from the payment")
    return TransferMessage(
        message_id=reader.text(header, "m:MsgId"),
        created_at=reader.datetime(header, "m:CreDtTm"),
        payment=payment,
    )
