"""What the cleaner records: reason codes, repair methods, the repair log and quarantine rows.

Every value ends in exactly one place: the cleaned table (as read, or repaired with the evidence
logged here), or the quarantine table with a reason code.
"""

from __future__ import annotations

import pandas as pd

from energy_assets.domain.data import schema

# Reason codes of the quarantine table.
REASON_UNPLACEABLE = "unparseable_timestamp"
REASON_DUPLICATE = "duplicate_row"
REASON_MERGED = "duplicate_timestamp_merged"
REASON_TRUNCATED = "truncated_line"
#: Column of a raw frame where the reader notes a broken line (see ingest.read_export); rows with a
#: note are quarantined with REASON_TRUNCATED, their cells never read as values.
ROW_PROBLEM = "row_problem"

# Methods of the repairs table.
M_CANONICAL = "canonicalised"
M_FROM_TIMESTAMP = "recomputed_from_timestamp"
M_TIMESTAMP_POSITION = "timestamp_from_position"
M_DUPLICATE = "taken_from_duplicate"
M_TRIANGLE = "power_triangle"
M_EMISSION = "emission_factor"
M_NEIGHBOURS = "imputed_from_neighbours"
M_INTERPOLATED = "imputed_interpolation"
IMPUTED_METHODS = frozenset({M_NEIGHBOURS, M_INTERPOLATED})

QUARANTINE_COLUMNS = ("source_row", "reason", "detail", *schema.RAW_COLUMNS)
REPAIR_COLUMNS = ("timestamp", "source_row", "column", "original", "value", "method", "rule")


class RepairLog:
    """The repairs table, row by row: timestamp, source row, column, original, value, method, rule."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, ts, source_row, column, original, value, method, rule="") -> None:
        self.rows.append((ts, source_row, column, original, value, method, rule))

    def cell(
        self, frame: pd.DataFrame, i, text: pd.DataFrame, column: str, value, method: str, rule: str = ""
    ) -> None:
        """Log a change to row ``i`` of the working frame, quoting the cell as the export wrote it."""
        source = int(frame.at[i, "source_row"])
        self.add(
            frame.at[i, schema.TIMESTAMP],
            source,
            column,
            text.at[source, schema.CLEAN_TO_RAW[column]],
            value,
            method,
            rule,
        )

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame(self.rows, columns=list(REPAIR_COLUMNS))
        out["original"] = out["original"].astype(str)
        out["value"] = out["value"].astype(str)
        out["source_row"] = out["source_row"].astype("Int64")
        return out


def quarantine_rows(text_rows: pd.DataFrame, reason: str, detail: str | pd.Series) -> pd.DataFrame:
    out = text_rows.copy()
    out.insert(0, "detail", detail)
    out.insert(0, "reason", reason)
    out.insert(0, "source_row", text_rows.index.to_numpy())
    return out[list(QUARANTINE_COLUMNS)].reset_index(drop=True)
