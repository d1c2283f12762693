"""The /predict contract of both examples: ``{"row": [...]}`` or ``{"rows": [[...], ...]}``.

Checked by hand (the typed-API decorator can replace this): a body that is JSON but
not rows of 64 finite numbers is a 422 whose message says what is wrong.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from kettle.errors import HTTPException

N_FEATURES = 64  # an 8x8 image, each pixel 0..16


class InvalidRows(HTTPException):
    """The body is JSON but not rows of numbers: 422 naming what is wrong."""

    code = 422


def parse_rows(body: Any, max_rows: int) -> tuple[np.ndarray, bool]:
    """``{"row": [...]}`` or ``{"rows": [[...], ...]}`` as a float matrix, and whether one row."""
    if not isinstance(body, dict) or ("row" in body) == ("rows" in body):
        raise InvalidRows('Send {"row": [64 numbers]} or {"rows": [[64 numbers], ...]}.')
    single = "row" in body
    rows = [body["row"]] if single else body["rows"]
    if not isinstance(rows, list) or not rows:
        raise InvalidRows('"rows" must be a non-empty list of rows.')
    if len(rows) > max_rows:
        raise InvalidRows(f"At most {max_rows} rows per request (PREDICT_MAX_ROWS).")
    for index, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != N_FEATURES or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in row
        ):
            raise InvalidRows(f"Row {index} must be a list of {N_FEATURES} finite numbers.")
    return np.asarray(rows, dtype=np.float64), single
