"""The OpenAPI part of `POST /v1/scripts`, merged into the document by `ramp.api.openapi`."""

from __future__ import annotations

from typing import Any

import msgspec

from ramp.api.openapi_parts import REF, content
from ramp.api.script_models import ScriptErrorResponse, ScriptRequest, ScriptRunResponse


def script_schemas() -> dict[str, Any]:
    _, components = msgspec.json.schema_components(
        [ScriptRequest, ScriptRunResponse, ScriptErrorResponse], ref_template=REF
    )
    return components


def script_paths() -> dict[str, Any]:
    refused = {
        "400": "invalid request: body, id, code, script syntax (with line and column), vars, size",
        "409": "the ledger's state refuses it: insufficient_funds, exists_with_different_*, "
        "or the engine's code for the posting it refused (results attached)",
        "422": "the script asks what the ledger cannot hold: world_account_not_allowed, "
        "script_runtime_error, script_record_too_large, or an engine shape code",
    }
    plain = {
        "401": "signature missing or invalid (code says which)",
        "403": "role missing",
        "413": "body too large",
        "429": "overloaded (see Retry-After)",
        "503": "store unavailable",
    }
    responses: dict[str, Any] = {
        "200": {"description": "the run's postings, each a transfer with its seq (ok, or exists on a retry)",
                "content": content("ScriptRunResponse")},
        **{s: {"description": d, "content": content("ScriptErrorResponse")} for s, d in refused.items()},
        **{s: {"description": d, "content": content("ErrorResponse")} for s, d in plain.items()},
    }  # fmt: skip
    return {
        "/v1/scripts": {
            "post": {
                "summary": "run a Numscript as one linked batch (all or nothing), recorded with its vars",
                "security": [{"httpSignature": []}],
                "requestBody": {"required": True, "content": content("ScriptRequest")},
                "responses": responses,
            }
        }
    }
