"""One JSON object, one value per key: a body that names a key twice at any depth is refused
(`duplicate_key`, with the key's path), so every reader of the same signed bytes reads the same
money. msgspec keeps the last of two equal keys silently and has no option to refuse them.

`refuse_duplicate_keys` runs on every body msgspec reads as JSON (`ramp.service.http.decode`). jiter (pydantic's Rust parser)
reports a duplicate in one pass; only when it refuses a body (a duplicate, or something it
parses differently from msgspec: a lone surrogate, nesting past its 200 levels) does the exact
walk below, Python's `json` with `object_pairs_hook`, decide and name the path.

Cost on a full batch body (8,189 transfers with references and a memo, 2.66 MB), best of 15-25
runs on the shared two-core machine, which swings by a third between runs
(`bench/strict_json.py` measures it again):
msgspec's typed decode alone 4-9 ms; jiter with `catch_duplicate_keys` 13-19 ms more (jiter
without it: 9 ms; the key sets are the rest); `json.loads(object_pairs_hook=...)` as the
check would be 18-23 ms; a single-pass scanner in Python (regex over strings) 30-46 ms.
The check is the cost of one more parse; a full batch costs ~100 ms end to end
(`ramp bench api --only batches`), so the check is roughly a tenth of it.
"""

from __future__ import annotations

import json
from typing import Final

import jiter

from ramp.refusal import Kind, Refused

KEY_SHOWN_MAX_CHARS: Final = 64  # a refusal names the key; a 4 MiB key is not echoed back


def refuse_duplicate_keys(body: bytes) -> None:
    """Refuse `body` (already valid JSON) if any object in it has a key twice."""
    try:
        jiter.from_json(body, catch_duplicate_keys=True, cache_mode="keys")
        return
    except ValueError:
        pass  # a duplicate, or a body jiter cannot read: the exact walk decides
    path = first_duplicate(body)
    if path is not None:
        raise Refused(Kind.INVALID, "duplicate_key", f"key given twice in one object: {path}")


def first_duplicate(body: bytes) -> str | None:
    """The path (`$.transfers[3].amount`) of a key that repeats a key of its object (an outer
    object's before an inner one's, then in document order); None when no key repeats."""
    try:
        tree = json.loads(body, object_pairs_hook=_Pairs)
    except RecursionError as exc:
        raise Refused(Kind.INVALID, "invalid_json", "the body nests too deeply to be read") from exc
    except (
        ValueError
    ) as exc:  # JSON msgspec took but Python's json does not (msgspec decides first)
        raise Refused(Kind.INVALID, "invalid_json", f"unreadable JSON: {exc}") from exc
    stack: list[tuple[str, object]] = [("$", tree)]
    while stack:  # depth-first, each object's own keys checked before its values'
        path, value = stack.pop()
        children: list[tuple[str, object]] = []
        if isinstance(value, _Pairs):
            seen: set[str] = set()
            for key, child in value:
                if key in seen:
                    return _key_path(path, key)
                seen.add(key)
                children.append((_key_path(path, key), child))
        elif isinstance(value, list):
            children = [(f"{path}[{i}]", child) for i, child in enumerate(value)]
        stack.extend(reversed(children))
    return None


class _Pairs(list[tuple[str, object]]):
    """A JSON object as its (key, value) pairs, in order, repeats kept."""


def _key_path(path: str, key: str) -> str:
    shown = key if len(key) <= KEY_SHOWN_MAX_CHARS else key[:KEY_SHOWN_MAX_CHARS] + "…"
    return (
        f"{path}.{shown}" if shown.isidentifier() else f"{path}[{json.dumps(shown)}]"
    )  # ASCII: a lone surrogate too
