"""The contracts desk: planners that sign, attest, obligate, settle, amend, hold, release and
expire milestone contracts under the journal's write lock.

Each planner reads the contract's state from the live engine, checks the request against it,
and returns one linked chain: the contract's new records and the ledger moves they imply, all
applied or none. A refusal raises `Refused` before any command exists.

Money (see docs/contracts.md):
- signing registers the contract with the budget (`budget.contract_registered`, the schedule
  by fiscal year, 国庫債務負担行為 limits) and obligates the signing year's instalment from the
  project into the contract's escrow (availability control applies);
- the attestation that meets a milestone's rule accepts it: penalty and retention are fixed
  that day, and its payment is released in the same batch if the contract is not held and the
  milestone's money is payable now: a milestone is funded by the fiscal year its due date fell
  in at signing; in that year it is paid from that year's escrow, later only from money
  carried over (事故繰越) into the paying year; otherwise the payment waits (`settle`);
- final acceptance releases the retention; expiry de-obligates what is not owed.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Final

import msgspec
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from ramp.auth import passkeys
from ramp.budget import model as budget_model
from ramp.budget import requests as budget_requests
from ramp.budget import rules as budget_rules
from ramp.budget.multiyear import DESIGNATED_YEARS
from ramp.budget.planning import Ctx, contract, node, open_account, secrecy
from ramp.budget.spending import approval_references, obligate_into_escrow, plan_register_contract
from ramp.budget.view import Acc, View
from ramp.contracts import requests as contract_requests
from ramp.contracts import state as contract_state
from ramp.contracts import terms as contract_terms
from ramp.ledger import AppendRecord, Command, CreateTransfer, LedgerEngine
from ramp.policy.identities import Identity, IdentityRegistry, b64
from ramp.refusal import Kind, refuse

Code = budget_model.Code
STATEMENT_PREFIX: Final = "ramp-attestation-v1"
Planner = Callable[[LedgerEngine], list[Command]]


def statement(contract_id: str, milestone: str, slot: str, digest: str, identity: str) -> bytes:
    """The exact bytes an attester signs with their Ed25519 key."""
    return f"{STATEMENT_PREFIX}\n{contract_id}\n{milestone}\n{slot}\n{digest}\n{identity}\n".encode()


def link(commands: list[Command]) -> list[Command]:
    """One linked chain: every command but the last carries `linked` (once)."""
    out = []
    for k, c in enumerate(commands):
        flags = tuple(f for f in c.flags if f != "linked")
        out.append(msgspec.structs.replace(c, flags=(*flags, "linked") if k < len(commands) - 1 else flags))
    return out


class _Batch:
    """The commands of one planner call and the contract state they lead to."""

    def __init__(self, view: View, state: contract_state.ContractState, at_ns: int, actor: str) -> None:
        self.view, self.state, self.at, self.actor = view, state, at_ns, actor
        self.out: list[Command] = []

    def record(self, type_: str, body: dict[str, object]) -> str:
        n = self.state.events + 1
        if n > contract_state.EVENTS_MAX:
            raise refuse(Kind.CONFLICT, "contract_events_exhausted", f"{self.state.id!r} has {contract_state.EVENTS_MAX} records")
        record = AppendRecord(id=contract_state.record_id(self.state.id, n), type=type_,
                              body={**body, "contract": self.state.id, "at_ns": str(self.at), "by": self.actor,
                                    **self._secrecy()})  # fmt: skip
        contract_state.fold(self.state, n, record)
        self.out.append(record)
        return record.id

    def _secrecy(self) -> dict[str, str]:
        """A contract of a secret project is secret, every record of it too (ramp.disclosure)."""
        terms = self.state.signed_terms
        return secrecy(self.view.get(budget_model.node_account(terms.fiscal_year, terms.project)))

    def move(self, id_: str, debit: Acc, credit: Acc, amount: int, code: str, refs: dict[str, str]) -> None:
        self.view.move(debit, credit, amount)
        self.out.append(CreateTransfer(id=id_, debit_account=debit.id, credit_account=credit.id, amount=amount,
                                       asset=budget_model.ASSET, code=code, references={"contract": self.state.id, **refs}))  # fmt: skip


def funding_year(state: contract_state.ContractState, milestone_id: str) -> int:
    m = state.signed_terms.milestone(milestone_id)
    assert m is not None
    return contract_terms.fiscal_year_of_date(m.due)


def schedule(state: contract_state.ContractState) -> dict[int, int]:
    """Fiscal year -> instalment as amended: amounts of the current terms, years fixed at signing."""
    out: dict[int, int] = {}
    for m in state.terms.milestones:
        fy = funding_year(state, m.id)
        out[fy] = out.get(fy, 0) + m.amount_yen
    return out


def escrows(view: View, state: contract_state.ContractState) -> list[Acc]:
    """The contract's escrow accounts that exist, by year, each year's own money first."""
    out = []
    for fy in range(state.terms.fiscal_year, state.terms.fiscal_year + DESIGNATED_YEARS + 1):
        for carried in (False, True):
            acc = view.get(budget_model.escrow_account(state.id, fy, carried))
            if acc is not None:
                out.append(acc)
    return out


def owed_yen(state: contract_state.ContractState) -> int:
    """Accepted and not paid: milestones' net and penalty, and the retention once finally accepted."""
    owed = sum(m.net_yen + m.penalty_yen for m in state.real_milestones if m.accepted and not m.released)
    final = state.final
    if final is not None and final.accepted and not state.retention_paid_at_ns:
        owed += sum(m.retention_yen for m in state.real_milestones)
    return owed


class ContractDesk:
    def __init__(self, identities: IdentityRegistry, counters: passkeys.PasskeyCounters | None = None) -> None:
        self.identities = identities
        self.counters = counters  # None: this desk takes no passkey attestations (a demo's generator, the sweep)

    # --- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _state(engine: LedgerEngine, contract_id: str) -> contract_state.ContractState:
        state = contract_state.load(engine.record, contract_id)
        if state is None:
            raise refuse(Kind.NOT_FOUND, "contract_not_found", f"no contract {contract_id!r}")
        return state

    @staticmethod
    def _open(state: contract_state.ContractState) -> None:
        if state.status == "completed":
            raise refuse(Kind.CONFLICT, "contract_completed", f"{state.id!r} is completed")
        if state.expired:
            raise refuse(Kind.CONFLICT, "contract_expired", f"{state.id!r} expired")

    # --- signing ---------------------------------------------------------------------------
    def sign(self, op: contract_requests.Sign, actor: str, at_ns: int, request: str = "") -> Planner:
        def planner(engine: LedgerEngine) -> list[Command]:
            return self.plan_sign(View(engine), op, actor, at_ns, request)

        return planner

    def plan_sign(self, view: View, op: contract_requests.Sign, actor: str, at_ns: int, request: str = "") -> list[Command]:
        terms, cid = op.terms, op.terms.contract
        existing = contract_state.load(view.engine.record, cid)
        if existing is not None:
            first = existing.records[0].body
            if first.get("operation") == op.id and first.get("digest") == contract_terms.digest(terms):
                return []  # a retry of this very signing: nothing more to write
            raise refuse(Kind.CONFLICT, "contract_exists", f"contract {cid!r} exists")
        if view.exists(budget_model.contract_account(cid)):
            raise refuse(Kind.CONFLICT, "contract_exists", f"contract {cid!r} is registered with the budget already")
        if view.transfer_exists(op.id):
            raise refuse(Kind.CONFLICT, "operation_exists", f"operation {op.id!r} was already applied")
        signed_on = budget_model.date_of(at_ns)
        contract_terms.check(terms, signed_on, self.identities.all())
        if budget_model.fiscal_year_of(at_ns) != terms.fiscal_year:
            raise refuse(Kind.CONFLICT, budget_rules.OUTSIDE_FISCAL_YEAR, f"a FY{terms.fiscal_year} contract is signed within "
                         f"FY{terms.fiscal_year} ({signed_on} is not)")  # fmt: skip
        plan = terms.schedule()
        ctx = Ctx(view, at_ns, actor)
        reg = budget_requests.RegisterContract(
            contract=cid, vendor=terms.vendor, fiscal_year=terms.fiscal_year, project=terms.project,
            schedule=tuple(budget_requests.Instalment(fy, amount) for fy, amount in plan.items()), designated=terms.designated,
            milestones=tuple(budget_requests.Milestone(m.id, m.amount_yen, m.due) for m in terms.milestones), name=terms.name,
        )  # fmt: skip
        out = plan_register_contract(ctx, reg)
        body: dict[str, object] = {"terms": contract_terms.encode(terms), "digest": contract_terms.digest(terms), "operation": op.id,
                                   "request": request}  # fmt: skip
        now_amount = plan.get(terms.fiscal_year)
        if now_amount is not None:
            c = contract(view, cid)
            refs = {"contract": cid, **approval_references(request)}  # a signing above the threshold: its request
            out += obligate_into_escrow(ctx, c, terms.fiscal_year, now_amount, op.id, refs, now_amount, 0)
            body |= {"obligated_fiscal_year": terms.fiscal_year, "obligated_yen": now_amount}
        project = view.get(budget_model.node_account(terms.fiscal_year, terms.project))
        out.append(AppendRecord(id=contract_state.record_id(cid, 1), type=contract_state.SIGNED,
                                body={**body, "contract": cid, "at_ns": str(at_ns), "by": actor,
                                      **secrecy(project)}))  # fmt: skip
        return link(out)

    # --- attestation -----------------------------------------------------------------------
    def attest(self, contract_id: str, req: contract_requests.AttestRequest, attester: str, at_ns: int, *,
               signature: bytes | None = None, passkey: passkeys.Assertion | None = None) -> Planner:  # fmt: skip
        """An attestation is its attester's own signature over `statement`: their Ed25519 key
        (`signature`, the signed API) or one of their registered passkeys (`passkey`, an assertion
        over `passkeys.approval_challenge(statement)`: the dashboard); with neither, refused."""
        assert signature is None or passkey is None

        def planner(engine: LedgerEngine) -> list[Command]:
            view = View(engine)
            state = self._state(engine, contract_id)
            identity = self.identities.live(engine, attester)
            if identity is None:
                raise refuse(Kind.FORBIDDEN, "identity_unknown", f"no identity {attester!r}")
            m = self._attestable(state, req, identity, at_ns)
            digest = state.digest
            text = statement(contract_id, req.milestone, req.slot, digest, attester)
            if signature is not None:
                if identity.public_key is None:
                    raise refuse(Kind.FORBIDDEN, "key_revoked", f"the key of {attester} is revoked")
                try:
                    VerifyKey(identity.public_key).verify(text, signature)
                except (BadSignatureError, ValueError) as exc:
                    raise refuse(Kind.INVALID, "attestation_signature_invalid",
                                 "the signature is not the attester's over the attestation statement") from exc
                sig, key, via = signature, b64(identity.public_key), "signature"
            elif passkey is not None:
                passkeys.check_signature(engine.record, self.counters, attester, passkey, text)
                sig, key, via = passkey.signature, "", "passkey"
            else:
                raise refuse(Kind.FORBIDDEN, "passkey_required", "an attestation is its attester's own signature: their "
                             "key (the signed API) or a passkey they registered (the web); add a passkey to attest in the web")  # fmt: skip
            b = _Batch(view, state, at_ns, attester)
            slot = m.rule.slot(req.slot) if m.rule else None
            assert slot is not None
            b.record(contract_state.ATTESTED, {
                "milestone": req.milestone, "slot": req.slot, "claim": slot.claim, "identity": attester,
                "organisation": identity.organisation, "digest": digest, "signature": base64.b64encode(sig).decode(),
                "key": key, "via": via,
                **({"second_factor": "passkey", "assertion": passkey.record_body()} if passkey is not None else {}),
            })  # fmt: skip
            assert m.rule is not None
            if len(m.slots_filled()) >= m.rule.required:
                self._accept(b, m)
            settle(b)
            return link(b.out)

        return planner

    def _attestable(self, state: contract_state.ContractState, req: contract_requests.AttestRequest, identity: Identity, at_ns: int) -> contract_state.Milestone:
        self._open(state)
        if at_ns >= contract_terms.day_end_ns(state.terms.expires):
            raise refuse(Kind.CONFLICT, "contract_expired", f"{state.id!r} expired on {state.terms.expires}")
        m = state.milestones.get(req.milestone)
        if m is None or m.rule is None:
            raise refuse(Kind.NOT_FOUND, "milestone_not_found", f"{state.id!r} has no milestone {req.milestone!r}")
        slot = m.rule.slot(req.slot)
        if slot is None:
            raise refuse(Kind.NOT_FOUND, "slot_not_found", f"milestone {req.milestone!r} has no slot {req.slot!r}: "
                         f"{', '.join(s.name for s in m.rule.slots)}")  # fmt: skip
        if not slot.admits(identity):
            who = slot.role + (f" of {slot.organisation}" if slot.organisation else "")
            raise refuse(Kind.FORBIDDEN, "wrong_role", f"slot {req.slot!r} is attested by a {who}; {identity.id} is not one")
        if any(a.identity == identity.id for a in m.attestations):
            raise refuse(Kind.CONFLICT, "already_attested", f"{identity.id} attested milestone {req.milestone!r} already")
        if m.accepted:
            raise refuse(Kind.CONFLICT, "milestone_accepted", f"milestone {req.milestone!r} was accepted already")
        if req.slot in m.slots_filled():
            raise refuse(Kind.CONFLICT, "slot_attested", f"slot {req.slot!r} of {req.milestone!r} is attested already")
        if m.id == contract_terms.FINAL:
            outstanding = [x.id for x in state.real_milestones if not x.accepted]
            if outstanding:
                raise refuse(Kind.CONFLICT, "milestones_outstanding", f"final acceptance comes after every milestone; "
                             f"outstanding: {', '.join(outstanding)}")  # fmt: skip
        return m

    @staticmethod
    def _accept(b: _Batch, m: contract_state.Milestone) -> None:
        terms = b.state.terms
        on = budget_model.date_of(b.at)
        if m.id == contract_terms.FINAL:
            late = penalty = retention = 0
        else:
            late = contract_terms.days_late(m.due, on)
            penalty = contract_terms.penalty_yen(terms, m.amount_yen, late)
            retention = contract_terms.retention_yen(terms, m.amount_yen)
        b.record(contract_state.ACCEPTED, {"milestone": m.id, "accepted_on": on, "due": m.due, "days_late": late,
                              "amount_yen": m.amount_yen, "penalty_yen": penalty, "retention_yen": retention,
                              "net_yen": m.amount_yen - penalty - retention})  # fmt: skip

    # --- later instalments, settling, expiry ----------------------------------------------
    def obligate(self, op: contract_requests.ObligateInstalment, actor: str, at_ns: int) -> Planner:
        def planner(engine: LedgerEngine) -> list[Command]:
            view = View(engine)
            state = self._state(engine, op.contract)
            if view.transfer_exists(op.id):
                if any(r.body.get("operation") == op.id for r in state.records):
                    return []  # a retry: done already
                raise refuse(Kind.CONFLICT, "operation_exists", f"operation {op.id!r} was already applied")
            self._open(state)
            fy = op.fiscal_year
            instalment = schedule(state).get(fy)
            if instalment is None:
                raise refuse(Kind.CONFLICT, budget_rules.INSTALMENT_NOT_SCHEDULED, f"{op.contract!r} pays nothing in FY{fy}")
            already = state.obligated.get(fy, 0)
            if already >= instalment:
                raise refuse(Kind.CONFLICT, "instalment_obligated", f"FY{fy}'s instalment of {op.contract!r} is obligated")
            b = _Batch(view, state, at_ns, actor)
            b.out += obligate_into_escrow(Ctx(view, at_ns, actor), contract(view, op.contract), fy, instalment - already,
                                          op.id, {"contract": op.contract}, instalment, already)  # fmt: skip
            b.record(contract_state.OBLIGATED, {"fiscal_year": fy, "amount_yen": instalment - already, "operation": op.id})
            settle(b)
            return link(b.out)

        return planner

    def settle(self, contract_id: str, actor: str, at_ns: int) -> Planner:
        """Pay what is owed and payable now (after a carry-over, or a hold lifted elsewhere)."""

        def planner(engine: LedgerEngine) -> list[Command]:
            state = self._state(engine, contract_id)
            if state.held:
                raise refuse(Kind.CONFLICT, "contract_held", f"{contract_id!r} is held: its payments wait for a release")
            b = _Batch(View(engine), state, at_ns, actor)
            settle(b)
            if not b.out:
                raise refuse(Kind.CONFLICT, "nothing_payable", f"{contract_id!r} owes {owed_yen(state):,} yen payable now: "
                             "nothing to pay (money not carried into this year, or nothing owed)")  # fmt: skip
            return link(b.out)

        return planner

    def expire(self, contract_id: str, actor: str, at_ns: int) -> Planner:
        def planner(engine: LedgerEngine) -> list[Command]:
            view = View(engine)
            state = self._state(engine, contract_id)
            self._open(state)
            if at_ns < contract_terms.day_end_ns(state.terms.expires):
                raise refuse(Kind.CONFLICT, "not_expired", f"{contract_id!r} runs until the end of {state.terms.expires}")
            b = _Batch(view, state, at_ns, actor)
            settle(b)  # what was accepted is paid before anything is de-obligated
            owed = owed_yen(state)
            if owed:
                raise refuse(Kind.CONFLICT, "payments_pending", f"{contract_id!r} still owes {owed:,} yen (held, or not payable "
                             "in this year): release or carry it over before it can expire")  # fmt: skip
            expire_into(b)
            return link(b.out)

        return planner

    # --- through approved requests ---------------------------------------------------------
    def plan_approved(self, view: View, op: contract_requests.ApprovedOperation, requester: str, request: str,
                      at_ns: int) -> list[Command]:  # fmt: skip
        """The commands of an approved request's contract operation (planned at request time to
        check it could execute, and again when its quorum is reached)."""
        if type(op) is contract_requests.Sign:
            return self.plan_sign(view, op, requester, at_ns, request)
        state = self._state(view.engine, op.contract)
        self._open(state)
        b = _Batch(view, state, at_ns, requester)
        if type(op) is contract_requests.Hold:
            if state.held:
                raise refuse(Kind.CONFLICT, "contract_held", f"{op.contract!r} is held already")
            b.record(contract_state.HELD, {"request": request, "reason": op.reason})
        elif type(op) is contract_requests.Release:
            if not state.held:
                raise refuse(Kind.CONFLICT, "contract_not_held", f"{op.contract!r} is not held")
            b.record(contract_state.UNHELD, {"request": request, "reason": op.reason})
            settle(b)
        else:
            assert type(op) is contract_requests.ChangeOrder
            self._change_order(b, op, request)
        return link(b.out)

    def _change_order(self, b: _Batch, op: contract_requests.ChangeOrder, request: str) -> None:
        state, view = b.state, b.view
        ids = [c.id for c in op.milestones]
        if len(set(ids)) != len(ids):
            raise refuse(Kind.INVALID, "change_order_invalid", "a milestone appears twice in the change order")
        changes = {c.id: c for c in op.milestones}
        milestones = []
        for m in state.terms.milestones:
            ch = changes.pop(m.id, None)
            if ch is None:
                milestones.append(m)
                continue
            if state.milestones[m.id].accepted:
                raise refuse(Kind.CONFLICT, "milestone_accepted", f"milestone {m.id!r} was accepted: it cannot change")
            milestones.append(msgspec.structs.replace(m, amount_yen=ch.amount_yen or m.amount_yen, due=ch.due or m.due))
        if changes:
            raise refuse(Kind.NOT_FOUND, "milestone_not_found", f"no milestone {sorted(changes)[0]!r} in {state.id!r}")
        terms = msgspec.structs.replace(state.terms, milestones=tuple(milestones), expires=op.expires or state.terms.expires,
                                        total_yen=sum(m.amount_yen for m in milestones))  # fmt: skip
        if terms == state.terms:
            raise refuse(Kind.INVALID, "change_order_empty", "the change order changes nothing")
        if terms.total_yen > budget_model.AMOUNT_MAX_YEN:
            raise refuse(Kind.INVALID, budget_rules.AMOUNT_INVALID, "contract total too large")
        contract_terms.check(terms, budget_model.date_of(state.signed_at_ns), self.identities.all())
        if b.at >= contract_terms.day_end_ns(terms.expires):
            raise refuse(Kind.CONFLICT, "contract_expired", f"the amended expiry {terms.expires} has passed")
        year = budget_model.fiscal_year_of(b.at)
        deltas: dict[int, int] = {}
        for old, new in zip(state.terms.milestones, terms.milestones, strict=True):
            if new.amount_yen != old.amount_yen:
                fy = funding_year(state, old.id)
                deltas[fy] = deltas.get(fy, 0) + new.amount_yen - old.amount_yen
        moved: list[dict[str, int]] = []
        amended = {**schedule(state), **{fy: schedule(state)[fy] + d for fy, d in deltas.items()}}
        for fy, delta in sorted(deltas.items()):
            if fy < year and delta:
                raise refuse(Kind.CONFLICT, "instalment_closed", f"FY{fy}'s money cannot be amended in FY{year}")
            already = state.obligated.get(fy, 0)
            if fy > year or not already or not delta:
                continue  # a later year's instalment: the schedule changes, no money moves yet
            ctx = Ctx(view, b.at, b.actor)
            if delta > 0:
                b.out += obligate_into_escrow(ctx, contract(view, state.id), fy, delta,
                                              f"{contract_state.record_id(state.id, state.events + 1)}.ob", {"contract": state.id},
                                              amended[fy], already)  # fmt: skip
            else:
                escrow = view.get(budget_model.escrow_account(state.id, fy))
                held = 0 if escrow is None else escrow.balance
                if escrow is None or held < -delta:
                    raise refuse(Kind.CONFLICT, budget_rules.EXCEEDS_OBLIGATION, f"FY{fy}'s escrow holds {held:,} yen; {-delta:,} to release")
                _, project = node(view, fy, state.terms.project)
                b.move(f"{contract_state.record_id(state.id, state.events + 1)}.deob", escrow, project, -delta, Code.DEOBLIGATE,
                       {"request": request[:128]})  # fmt: skip
            moved.append({"fiscal_year": fy, "delta_yen": delta})
        b.record(contract_state.AMENDED, {"request": request, "reason": op.reason, "terms": contract_terms.encode(terms),
                             "changes": contract_state.body_json(op), "obligation_delta": moved,
                             "schedule": [{"fiscal_year": fy, "amount_yen": a} for fy, a in sorted(amended.items())]})  # fmt: skip


def settle(b: _Batch) -> None:
    """Release every payment owed and payable now, in the milestones' order (not while held)."""
    state, view = b.state, b.view
    if state.held:
        return
    year = budget_model.fiscal_year_of(b.at)
    vendor = view.get(budget_model.vendor_account(state.terms.vendor))
    if vendor is None:  # pragma: no cover - signing requires the vendor; accounts are never removed
        return
    for m in state.real_milestones:
        if not m.accepted or m.released or m.cancelled:
            continue
        funded = funding_year(state, m.id)
        if funded > year:
            continue  # accepted early: paid once that year's instalment is obligated
        source = view.get(budget_model.escrow_account(state.id, year, carried=funded < year))
        need = m.net_yen + m.penalty_yen
        if source is None or source.balance < need:
            continue
        rid = b.record(contract_state.RELEASED, {"what": "milestone", "milestone": m.id, "net_yen": m.net_yen,
                                    "penalty_yen": m.penalty_yen, "retention_yen": m.retention_yen,
                                    "source": source.id, "accepted_at_ns": str(m.accepted_at_ns)})  # fmt: skip
        if m.net_yen:
            b.move(f"{rid}.pay", source, vendor, m.net_yen, Code.DISBURSE, {"milestone": m.id})
        if m.penalty_yen:
            b.move(f"{rid}.pen", source, _revenue(b, year), m.penalty_yen, Code.PENALTY, {"milestone": m.id})
    final = state.final
    if final is None or not final.accepted or state.retention_paid_at_ns:
        return
    if not all(m.released for m in state.real_milestones):
        return
    retention = sum(m.retention_yen for m in state.real_milestones)
    sources = [a for a in (view.get(budget_model.escrow_account(state.id, year, carried)) for carried in (True, False)) if a]
    if sum(a.balance for a in sources) < retention:
        return  # not payable in this year (carry it over first)
    rid = b.record(contract_state.RELEASED, {"what": "retention", "amount_yen": retention, "accepted_at_ns": str(final.accepted_at_ns),
                                "sources": [a.id for a in sources]})  # fmt: skip
    left = retention
    for k, source in enumerate(sources):
        take = min(left, source.balance)
        if take:
            b.move(f"{rid}.ret{k}", source, vendor, take, Code.DISBURSE, {"milestone": contract_terms.FINAL})
            left -= take


def expire_into(b: _Batch) -> None:
    """Cancel what was not accepted, forfeit a retention never finally accepted, and return every
    open year's escrow money to its project (it lapses with its year if that year has ended)."""
    state, view = b.state, b.view
    cancelled = [m.id for m in state.milestones.values() if not m.accepted]
    final = state.final
    forfeited = 0 if final is None or final.accepted else sum(m.retention_yen for m in state.real_milestones)
    returns = []
    for escrow in escrows(view, state):
        fy = int(escrow.metadata.get("fiscal_year", "0"))
        if escrow.balance <= 0 or view.exists(budget_model.lapsed_account(fy)):
            continue
        project = view.get(budget_model.node_account(fy, state.terms.project))
        if project is None:  # pragma: no cover - an escrow's money came from (or was carried next to) it
            continue
        returns.append((escrow, project, escrow.balance))
    total = sum(r[2] for r in returns)
    rid = b.record(contract_state.EXPIRED, {"cancelled": cancelled, "deobligated_yen": total, "forfeited_retention_yen": forfeited,
                               "returned": [{"escrow": e.id, "amount_yen": a} for e, _, a in returns]})  # fmt: skip
    for k, (escrow, project, amount) in enumerate(returns):
        b.move(f"{rid}.deob{k}", escrow, project, amount, Code.DEOBLIGATE, {})


def _revenue(b: _Batch, year: int) -> Acc:
    acc = b.view.get(budget_model.revenue_account(year))
    if acc is None:
        acc = open_account(b.view, b.out, budget_model.revenue_account(year), {"kind": "revenue", "fiscal_year": str(year)})
    return acc
