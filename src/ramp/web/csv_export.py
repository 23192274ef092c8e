"""CSV downloads of the dashboard's tables: UTF-8 with a byte-order mark (so Excel reads
Japanese names right), a header row, amounts as plain integers (no ¥, no separators)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Final
from urllib.parse import quote

from starlette.responses import Response

BOM: Final = "\ufeff"
CSV_ROWS_MAX: Final = 100_000  # a download is built in memory: ~10 MB at most


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    """At most CSV_ROWS_MAX rows; a cut download says so in `X-RAMP-Rows-Truncated`."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    truncated = False
    for count, row in enumerate(rows):
        if count == CSV_ROWS_MAX:
            truncated = True
            break
        assert len(row) == len(header)
        writer.writerow(row)
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
               "Cache-Control": "no-store"}  # fmt: skip
    if truncated:
        headers["X-RAMP-Rows-Truncated"] = str(CSV_ROWS_MAX)
    return Response(out.getvalue().encode("utf-8"), 200, headers, "text/csv; charset=utf-8")
