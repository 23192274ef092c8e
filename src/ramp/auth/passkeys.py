"""WebAuthn passkeys (through `fido2`): registration, the `auth.passkey_added` record, and the
check of an assertion — at sign-in, at approval by the desk, and offline by `ramp verify`.

A passkey is registered by a signed-in person: its credential id, COSE public key and RP id
become a log record bound to the identity (`passkey:<id>:k<n>`), as good as the sign-in that made
it. From then on an approval made with it is the authenticator's own signature: the challenge
it signs is SHA-256 over a prefix and the approval statement (`approvals.model.statement`: the
request id, its digest, the decision, the approver), so the assertion in the decision record
(authenticatorData, clientDataJSON, signature, credential id) verifies offline against the
registered key, with no secret of the service involved.

Every use of a passkey is in the log with its authenticator's signature counter (registration,
sign-in, approval, attestation), and the counter must grow from one use to the next (WebAuthn
§7.2 step 22): an assertion whose counter is not above the highest one seen for its credential
is refused as a possible clone (`passkey_cloned`), by the service (`PasskeyCounters`, the
committed counters plus those planned and not yet durable) and by `ramp verify` (`CounterWatch`
over the log). An authenticator that keeps no counter sends 0 every time, and is let be.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

import msgspec
from cryptography.exceptions import InvalidSignature
from fido2 import cbor
from fido2.cose import CoseKey
from fido2.server import Fido2Server
from fido2.webauthn import (
    AttestationConveyancePreference,
    AuthenticatorData,
    CollectedClientData,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialType,
    PublicKeyCredentialUserEntity,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ramp.ledger import AppendRecord, Event, RecordAppended
from ramp.refusal import Kind, Refused

PASSKEY_ADDED: Final = "auth.passkey_added"
PASSKEYS_MAX: Final = 9  # per identity (`passkey:<id>:k1..k9`): a few devices, and a lookup that stays short
RP_NAME: Final = "RAMP"
APPROVAL_CHALLENGE_PREFIX: Final = b"ramp-passkey-approval-v1\n"
CHALLENGE_BYTES: Final = 32
# Bounds on what a client sends (WebAuthn allows credential ids up to 1023 bytes; authenticators
# use 16 to 64, and a decision form must stay small).
CREDENTIAL_ID_MAX_BYTES: Final = 255
AUTHENTICATOR_DATA_MAX_BYTES: Final = 1024
CLIENT_DATA_MAX_BYTES: Final = 1024
SIGNATURE_MAX_BYTES: Final = 512
PUBLIC_KEY_MAX_BYTES: Final = 1024
LOCAL_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})  # secure contexts over plain http
_COUNTER_AT: Final = slice(33, 37)  # authenticatorData: rpIdHash (32), flags (1), signCount (4, big-endian)
# The records that carry a passkey's use: (record type, where the credential and counter are).
LOGIN: Final = "auth.login"
DECIDED: Final = frozenset({"approval.approved", "approval.rejected"})
ATTESTED: Final = "contract.attested"


class PasskeyInvalid(ValueError):
    """An assertion or registration that does not verify; `code` for the answer or the report."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str, max_bytes: int, what: str) -> bytes:
    if not isinstance(text, str) or len(text) > (max_bytes * 4 + 2) // 3 + 2:
        raise PasskeyInvalid("passkey_invalid", f"{what} is not base64url of at most {max_bytes} bytes")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise PasskeyInvalid("passkey_invalid", f"{what} is not base64url") from exc


def record_id(identity: str, n: int) -> str:
    assert 1 <= n <= PASSKEYS_MAX
    return f"passkey:{identity}:k{n}"


def approval_challenge(statement: bytes) -> bytes:
    """What the authenticator signs to approve: bound to the request's digest by the statement."""
    return hashlib.sha256(APPROVAL_CHALLENGE_PREFIX + statement).digest()


def origin_allowed(rp_id: str, origin: str) -> bool:
    """The page's origin may use `rp_id`: the same host, over https (or http on this machine,
    which browsers also treat as a secure context)."""
    parts = urlsplit(origin)
    if parts.hostname != rp_id or parts.path not in ("", "/"):
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and (rp_id in LOCAL_HOSTS or rp_id.endswith(".localhost")))


@dataclass(frozen=True, slots=True)
class Passkey:
    identity: str
    n: int
    credential_id: bytes
    public_key: bytes  # COSE_Key, CBOR
    rp_id: str

    @classmethod
    def of_record(cls, record: RecordAppended) -> Passkey | None:
        b = record.body
        try:
            return cls(str(b["identity"]), int(b["n"]), from_b64url(b["credential_id"], CREDENTIAL_ID_MAX_BYTES, "id"),  # type: ignore[call-overload, arg-type]
                       from_b64url(b["public_key"], PUBLIC_KEY_MAX_BYTES, "key"), str(b["rp_id"]))  # type: ignore[arg-type]  # fmt: skip
        except (KeyError, TypeError, ValueError):
            return None


def passkey_added(identity: str, n: int, credential_id: bytes, public_key: bytes, rp_id: str,
                  sign_count: int = 0) -> AppendRecord:  # fmt: skip
    assert 0 < len(credential_id) <= CREDENTIAL_ID_MAX_BYTES and 0 < len(public_key) <= PUBLIC_KEY_MAX_BYTES
    assert 0 <= sign_count < 1 << 32
    CoseKey.parse(cbor.decode(public_key))  # a key fido2 can verify with, or an error here and not in the log
    return AppendRecord(id=record_id(identity, n), type=PASSKEY_ADDED, body={
        "identity": identity, "n": n, "credential_id": b64url(credential_id), "public_key": b64url(public_key),
        "rp_id": rp_id, "via": "session", "sign_count": sign_count})  # fmt: skip


def registered(lookup: Callable[[str], RecordAppended | None], identity: str) -> list[Passkey]:
    """The identity's passkeys, numbered from 1 without gaps (as a planner or a reader sees them)."""
    out = []
    for n in range(1, PASSKEYS_MAX + 1):
        record = lookup(record_id(identity, n))
        passkey = None if record is None or record.type != PASSKEY_ADDED else Passkey.of_record(record)
        if passkey is None or passkey.identity != identity:
            break
        out.append(passkey)
    return out


@dataclass(frozen=True, slots=True)
class Assertion:
    credential_id: bytes
    authenticator_data: bytes
    client_data_json: bytes
    signature: bytes
    user_handle: bytes = b""  # sign-in only: which identity the discoverable credential is for

    @classmethod
    def of_json(cls, fields: Mapping[str, Any]) -> Assertion:
        """From base64url fields (the dashboard's form, the JSON API, a decision record)."""
        try:
            return cls(from_b64url(fields["credential_id"], CREDENTIAL_ID_MAX_BYTES, "credential_id"),
                       from_b64url(fields["authenticator_data"], AUTHENTICATOR_DATA_MAX_BYTES, "authenticator_data"),
                       from_b64url(fields["client_data_json"], CLIENT_DATA_MAX_BYTES, "client_data_json"),
                       from_b64url(fields["signature"], SIGNATURE_MAX_BYTES, "signature"),
                       from_b64url(fields.get("user_handle") or "", 64, "user_handle"))  # fmt: skip
        except KeyError as exc:
            raise PasskeyInvalid("passkey_invalid", f"an assertion has {exc.args[0]}") from exc

    def record_body(self) -> dict[str, str]:
        """What a decision record keeps (the signature goes in its `signature` field)."""
        return {"credential_id": b64url(self.credential_id), "authenticator_data": b64url(self.authenticator_data),
                "client_data_json": b64url(self.client_data_json)}  # fmt: skip

    @property
    def sign_count(self) -> int:
        return sign_count(self.authenticator_data)


_B64URL: Final = r"^[A-Za-z0-9_-]+$"
CredentialIdText = Annotated[str, msgspec.Meta(pattern=_B64URL, max_length=(CREDENTIAL_ID_MAX_BYTES * 4 + 2) // 3)]
AuthenticatorDataText = Annotated[str, msgspec.Meta(pattern=_B64URL, max_length=(AUTHENTICATOR_DATA_MAX_BYTES * 4 + 2) // 3)]
ClientDataText = Annotated[str, msgspec.Meta(pattern=_B64URL, max_length=(CLIENT_DATA_MAX_BYTES * 4 + 2) // 3)]
SignatureText = Annotated[str, msgspec.Meta(pattern=_B64URL, max_length=(SIGNATURE_MAX_BYTES * 4 + 2) // 3)]


class AssertionFields(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A passkey's assertion as JSON requests carry it (base64url, no padding): what
    `navigator.credentials.get` answered, over the challenge the statement gives."""

    credential_id: CredentialIdText
    authenticator_data: AuthenticatorDataText
    client_data_json: ClientDataText
    signature: SignatureText

    def assertion(self) -> Assertion:
        try:
            return Assertion.of_json(msgspec.structs.asdict(self))
        except PasskeyInvalid as exc:
            raise Refused(Kind.INVALID, exc.code, str(exc)) from exc


def sign_count(authenticator_data: bytes) -> int:
    """The signature counter of authenticatorData (0 when it is too short to hold one)."""
    counter = authenticator_data[_COUNTER_AT]
    return int.from_bytes(counter, "big") if len(counter) == 4 else 0


def counter_grows(last: int | None, new: int) -> bool:
    """WebAuthn §7.2 step 22: a use after `last` (None: never seen) is sound when its counter
    is above it, or when the authenticator keeps no counter (both 0)."""
    return last is None or new > last or (new == 0 and last == 0)


def use_of(record: RecordAppended) -> tuple[bytes, int] | None:
    """(credential id, signature counter) of a record that shows a passkey's use, else None."""
    b = record.body
    try:
        if record.type == PASSKEY_ADDED:
            return from_b64url(b["credential_id"], CREDENTIAL_ID_MAX_BYTES, "id"), int(b.get("sign_count", 0))  # type: ignore[arg-type, call-overload]
        if record.type == LOGIN and "passkey" in b:
            use = b["passkey"]
        elif (record.type in DECIDED or record.type == ATTESTED) and b.get("via") == "passkey":
            use = b["assertion"]
        else:
            return None
        assert isinstance(use, dict)
        data = from_b64url(use["authenticator_data"], AUTHENTICATOR_DATA_MAX_BYTES, "authenticator_data")
        return from_b64url(use["credential_id"], CREDENTIAL_ID_MAX_BYTES, "credential_id"), sign_count(data)
    except (KeyError, TypeError, ValueError, AssertionError):
        return None


class CounterWatch:
    """The highest counter seen per credential, fed the log's uses in order (`ramp verify`)."""

    def __init__(self) -> None:
        self.last: dict[bytes, int] = {}

    def observe(self, credential_id: bytes, count: int) -> bool:
        """Note a use; False (and nothing noted) when its counter does not grow."""
        if not counter_grows(self.last.get(credential_id), count):
            return False
        self.last[credential_id] = count
        return True


class PasskeyCounters:
    """Projection: every credential's highest counter in the committed log, and those of uses
    planned but not yet durable (`claim`), so two uses in flight cannot both pass with one count.
    A claim whose batch never commits leaves the bar higher than the log's until the next start:
    stricter, never looser."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._committed = CounterWatch()
        self._claimed: dict[bytes, int] = {}

    def reset(self) -> None:
        with self._lock:
            self._committed, self._claimed = CounterWatch(), {}

    def apply(self, events: list[Event]) -> None:
        for e in events:
            if type(e) is RecordAppended:
                use = use_of(e)
                if use is not None:
                    with self._lock:
                        last = self._committed.last.get(use[0])
                        self._committed.last[use[0]] = use[1] if last is None else max(last, use[1])

    def claim(self, credential_id: bytes, count: int) -> None:
        """Take this use's counter, or raise PasskeyInvalid (`passkey_cloned`) if it does not grow."""
        with self._lock:
            committed = self._committed.last.get(credential_id)
            claimed = self._claimed.get(credential_id)
            last = claimed if committed is None else committed if claimed is None else max(committed, claimed)
            if not counter_grows(last, count):
                raise PasskeyInvalid("passkey_cloned", f"the authenticator's signature counter ({count}) is not above "
                                     f"its last use ({last}): a copied passkey, or a replayed assertion")  # fmt: skip
            self._claimed[credential_id] = count


def verify_assertion(passkey: Passkey, assertion: Assertion, challenge: bytes) -> None:
    """The assertion is `passkey`'s signature over `challenge`, made on a page of its RP, with the
    person present and verified (PIN or biometric); raises PasskeyInvalid."""
    if not hmac.compare_digest(assertion.credential_id, passkey.credential_id):
        raise PasskeyInvalid("passkey_unknown", "the assertion names another credential")
    try:
        client = CollectedClientData(assertion.client_data_json)
        auth = AuthenticatorData(assertion.authenticator_data)
        key = CoseKey.parse(cbor.decode(passkey.public_key))
    except (ValueError, KeyError, TypeError) as exc:
        raise PasskeyInvalid("passkey_invalid", "the assertion does not parse") from exc
    if client.type != CollectedClientData.TYPE.GET or not hmac.compare_digest(client.challenge, challenge):
        raise PasskeyInvalid("passkey_invalid", "the assertion answers another challenge")
    if not origin_allowed(passkey.rp_id, client.origin) or client.cross_origin:
        raise PasskeyInvalid("passkey_invalid", f"the assertion was made on {client.origin}, not for {passkey.rp_id}")
    if not hmac.compare_digest(auth.rp_id_hash, hashlib.sha256(passkey.rp_id.encode()).digest()):
        raise PasskeyInvalid("passkey_invalid", "the assertion is for another relying party")
    if not (auth.is_user_present() and auth.is_user_verified()):
        raise PasskeyInvalid("passkey_invalid", "the authenticator did not verify the person")
    try:
        key.verify(assertion.authenticator_data + client.hash, assertion.signature)
    except (InvalidSignature, ValueError) as exc:
        raise PasskeyInvalid("passkey_invalid", "the assertion's signature does not verify") from exc


def check_signature(lookup: Callable[[str], RecordAppended | None], counters: PasskeyCounters | None, signer: str,
                    assertion: Assertion, statement: bytes) -> None:  # fmt: skip
    """In a planner: the assertion is one of `signer`'s registered passkeys signing `statement`
    (an approval's or an attestation's), with a counter above its last use, which it then takes
    (so call it last, once every other check passed); raises Refused."""
    if counters is None:
        raise Refused(Kind.UNAVAILABLE, "passkeys_unavailable", "this desk takes no passkey signatures")
    passkey = next((p for p in registered(lookup, signer) if p.credential_id == assertion.credential_id), None)
    if passkey is None:
        raise Refused(Kind.FORBIDDEN, "passkey_unknown", f"the passkey is not one {signer} registered")
    try:
        verify_assertion(passkey, assertion, approval_challenge(statement))
        counters.claim(assertion.credential_id, assertion.sign_count)
    except PasskeyInvalid as exc:
        raise Refused(Kind.FORBIDDEN, exc.code, str(exc)) from exc


# --- ceremonies (fido2's server) -------------------------------------------------------------------


def _server(rp_id: str) -> Fido2Server:
    return Fido2Server(PublicKeyCredentialRpEntity(name=RP_NAME, id=rp_id),
                       attestation=AttestationConveyancePreference.NONE,
                       verify_origin=lambda origin: origin_allowed(rp_id, origin))  # fmt: skip


def registration_options(rp_id: str, identity: str, existing: list[Passkey]) -> tuple[dict[str, Any], Any]:
    """(the options `navigator.credentials.create` takes, as JSON; the state to complete it with)."""
    user = PublicKeyCredentialUserEntity(name=identity, id=identity.encode(), display_name=identity)
    options, state = _server(rp_id).register_begin(
        user, [PublicKeyCredentialDescriptor(type=PublicKeyCredentialType.PUBLIC_KEY, id=p.credential_id) for p in existing],
        resident_key_requirement=ResidentKeyRequirement.REQUIRED,
        user_verification=UserVerificationRequirement.REQUIRED)  # fmt: skip
    return dict(options), state


def complete_registration(rp_id: str, state: Any, response: Mapping[str, Any]) -> tuple[bytes, bytes, int]:
    """(credential id, COSE public key, signature counter) of a verified registration; raises
    PasskeyInvalid."""
    try:
        auth = _server(rp_id).register_complete(state, response)
    except (ValueError, KeyError, TypeError) as exc:
        raise PasskeyInvalid("passkey_invalid", f"the registration does not verify: {exc}") from exc
    data = auth.credential_data
    assert data is not None
    credential_id, public_key = bytes(data.credential_id), cbor.encode(dict(data.public_key))
    if not (0 < len(credential_id) <= CREDENTIAL_ID_MAX_BYTES and len(public_key) <= PUBLIC_KEY_MAX_BYTES):
        raise PasskeyInvalid("passkey_invalid", "the credential is larger than this service keeps")
    return credential_id, public_key, int(auth.counter)


def sign_in_options(rp_id: str, challenge: bytes) -> dict[str, Any]:
    """Options for a discoverable credential (the authenticator names the identity)."""
    options, _state = _server(rp_id).authenticate_begin(None, UserVerificationRequirement.REQUIRED, challenge)
    return dict(options)
