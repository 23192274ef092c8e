"""`ramp demo`'s server: the demo database opened with every read model the dashboard uses, its
demo people given their logins (`ramp.demo.people`, also for a database made before them), two
local witnesses cosigning its checkpoints, and the service with web sign-in for the dashboard
(or, with `--open-access`, the old open read-only access).

The witnesses run in this process on loopback ports of their own, each with its own key and
state file beside the database: enough to show cosigned checkpoints verified in the browser,
not the independence real witnesses have (separate operators and machines).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final

import uvicorn

from ramp.auth.credentials import CredentialFile
from ramp.demo.people import add_people, credentials_path
from ramp.disclosure.classify import Classifier
from ramp.journal import Journal
from ramp.journal.log import LogSigner
from ramp.journal.progress import ProgressLine, Reporter
from ramp.journal.witnessing import WitnessEndpoint, WitnessSubmitter
from ramp.policy.identities import IdentityRegistry
from ramp.server import create_app
from ramp.service.projections import service_projections
from ramp.store import SQLiteStore
from ramp.tlog.cosignature import SIG_TYPE_COSIGNATURE, Cosigner
from ramp.tlog.keys import read_private_key_file, write_private_key_file
from ramp.tlog.note import Ed25519Verifier, generate_private_key
from ramp.tlog.witness import WitnessConfig
from ramp.tlog.witness import create_app as witness_app
from ramp.web.access import DemoAccess

WITNESS_NAMES: Final = ("witness.demo/a", "witness.demo/b")
SHUTDOWN_GRACE_S: Final = 3  # open feed streams are cut after this on Ctrl-C


def open_for_dashboard(path: str, progress: Reporter | None = None) -> tuple[Journal, IdentityRegistry]:
    """The demo journal with every read model of the service and the dashboard; `progress`
    hears how far the replay of its log has come."""
    store = SQLiteStore(path)
    key_file, origin = store.get_meta("log_key_file"), store.get_meta("origin")
    if key_file is None or origin is None:
        store.close()
        raise SystemExit(f"ramp demo: {path} is not a demo database (no log key recorded)")
    identities, projections = service_projections()  # all folded in this one replay
    journal = Journal(store, log=LogSigner.from_key_file(key_file, origin), projections=projections,
                      classifier=Classifier(), progress=progress)  # fmt: skip
    return journal, identities


def forget_witness_state(path: str) -> None:
    """A new database is a new log: the witnesses' memory of the old one must go with it."""
    for k in range(len(WITNESS_NAMES)):
        Path(f"{path}.witness-{k}.state").unlink(missing_ok=True)


def _cosigner(path: str, k: int) -> Cosigner:
    key_file = f"{path}.witness-{k}.key"
    if not os.path.exists(key_file):
        write_private_key_file(key_file, generate_private_key(WITNESS_NAMES[k], SIG_TYPE_COSIGNATURE).encode())
    return Cosigner.from_skey(read_private_key_file(key_file))


class _Background:
    """A uvicorn server on a free loopback port, in a daemon thread."""

    def __init__(self, app: object) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.sock.close()


class _Announcing(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_ready()


def serve(path: str, sock: socket.socket, on_ready: Callable[[str], None], *, open_access: bool = False) -> int:
    """Serve the demo on the listening `sock` (`ramp.server.listen`, taken before any work)
    until interrupted; `on_ready(url)` once the port answers. The replay of the log says its
    progress on stderr; the people get their logins first (nothing is added when they have them)."""
    journal, identities = open_for_dashboard(path, ProgressLine("ramp demo: replaying the log"))
    origin, log_vkey = journal.store.get_meta("origin"), journal.store.get_meta("log_verifier_key")
    assert origin is not None and log_vkey is not None
    witnesses: list[_Background] = []
    submitter = None
    try:
        add_people(journal, path)
        endpoints = []
        for k in range(len(WITNESS_NAMES)):
            cosigner = _cosigner(path, k)
            config = WitnessConfig(cosigner, Path(f"{path}.witness-{k}.state"),
                                   {origin: (Ed25519Verifier.from_vkey(log_vkey),)})
            witnesses.append(_Background(witness_app(config)))
            endpoints.append(WitnessEndpoint(witnesses[-1].url, cosigner.verifier_key().encode()))
        submitter = WitnessSubmitter(journal, endpoints)
        submitter.start()
        app = create_app(journal, identities, credentials=CredentialFile(credentials_path(path)),
                         web_access=DemoAccess() if open_access else None)  # fmt: skip
        # Said as localhost on this machine: a passkey's RP id is a host name, never an address, and
        # http://localhost is a secure context, so the demo people can add passkeys and decide with them.
        url = _url(sock)
        config = uvicorn.Config(app, log_level="warning", access_log=False,
                                timeout_graceful_shutdown=SHUTDOWN_GRACE_S)  # fmt: skip
        server = _Announcing(config, lambda: on_ready(url))
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
            server.run(sockets=[sock])
        return 0 if server.started else 1
    finally:
        if submitter is not None:
            submitter.stop()
        for w in witnesses:
            w.stop()
        journal.close()


def _url(sock: socket.socket) -> str:
    """How a person opens the socket's address: a loopback address as `localhost`, IPv6 in brackets."""
    host, port = sock.getsockname()[:2]
    if host in ("127.0.0.1", "::1"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
