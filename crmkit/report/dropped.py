"""The report's "Fields a conversion would drop": lead values no conversion mapping carries.

A lead field the org's conversion mapping sends to no module is lost when the lead converts (Zoho
copies only mapped fields; custom ones only where the admin mapped them). Listing those fields with
how many leads hold a value lets a user map them in Zoho — or accept the loss — before converting.
The mapping is the org's own, read from its metadata into the snapshot; a snapshot without it
falls back to Zoho's standard map, and the note says so.
"""

from __future__ import annotations

import pandas as pd

from crmkit.mapping import ConversionMapping
from crmkit.report.formatters import num
from crmkit.report.tables import Frames

__all__ = ["dropped_fields"]


def dropped_fields(frames: Frames) -> tuple[pd.DataFrame, str]:
    """(field, leads_with_value, share) of the snapshot's leads, and a note on the mapping used."""
    config = frames.config
    if config is not None and config.mapping is not None:
        mapping = config.mapping
        origin = "the org's conversion mapping, read from its Leads layouts"
    else:
        mapping = config.conversion_mapping if config is not None else ConversionMapping.standard()
        origin = (
            "Zoho's standard conversion mapping (this snapshot holds none of the org's: fetch it "
            "again with this crmkit to use the org's own)"
        )
    table = mapping.dropped_fields(frames.leads)
    n = len(table)
    if n == 0:
        return table, f"Every lead value is carried to a Contact, Account or Deal by {origin}."
    leads = len(frames.leads)
    return table, (
        f"{num(n)} lead field{'s' if n != 1 else ''} hold values that {origin} carries to no "
        f"module: converting loses them (counts over {num(leads)} leads). Map them in Zoho "
        "(Leads layout → lead conversion mapping) or accept the loss before converting."
    )
