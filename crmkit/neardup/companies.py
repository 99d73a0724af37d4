"""Lead-to-account pairs: the lead's Company against the account's name, and — when the lead
names no company — its email domain against the account's website and its phone against the
account's phone. Free-mail domains never link (keys.people masks them); look-alike names whose
differing word is an established word of the org ("Solar" vs "Polar") are not a typo.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmkit.neardup import blocking, keys
from crmkit.neardup.compare import company_level, pair_tf, strings, vocabulary
from crmkit.neardup.phones import PhoneTable
from crmkit.neardup.settings import NearDupSettings
from crmkit.neardup.slips import one_slip
from crmkit.neardup.weights import NULL, Compared, Level

COMPARISONS = {
    "company": (
        Level("exact_key", 0.6, 1e-4, tf=True),
        Level("typo", 0.08, 1e-4),
        Level("different", 0.3, 0.99),
    ),
    "domain": (Level("email_domain", 0.6, 1e-4, tf=True), Level("different", 0.4, 0.99)),
    "phone": (
        Level("phone", 0.5, 1e-5, tf=True),
        Level("phone_national", 0.05, 1e-5, tf=True),
        Level("different", 0.45, 0.999),
    ),
}


class AccountMatcher:
    """Leads and accounts keyed once; compares any (lead, account) positional pairs."""

    def __init__(
        self,
        leads: pd.DataFrame,
        accounts: pd.DataFrame,
        settings: NearDupSettings,
        linked: pd.Series | None = None,
        lead_keys: keys.People | None = None,
    ):
        """``linked``: ids of leads Zoho ties to a contact; their account comes with the contact,
        so neither their email domain nor their phone is used to find one."""
        self.settings = settings
        lp = lead_keys or keys.people(leads, "Company")
        lead_company = lp.frame["company"]
        quiet = lead_company.notna().to_numpy(dtype=bool).copy()
        if linked is not None:
            quiet |= lp.frame["id"].isin(linked.astype("string")).to_numpy(dtype=bool)
        lf = pd.DataFrame(
            {
                "company": lead_company,
                "domain": lp.frame["org_domain"].mask(quiet),
            }
        )
        rf = pd.DataFrame(
            {
                "company": keys.companies(keys.text(accounts, "Account_Name")),
                "domain": keys.website_domain(keys.text(accounts, "Website")),
            }
        )
        self.frames = (lf, rf)
        self.ids = (lp.frame["id"], keys.ids(accounts))
        self.n = (len(lf), len(rf))
        self.total = len(lf) + len(rf)
        self.code = {c: keys.codes(lf[c], rf[c]) for c in ("company", "domain")}
        self.text = {c: (strings(lf[c]), strings(rf[c])) for c in ("company", "domain")}
        self.tf = {}
        for c in ("company", "domain"):
            self.tf[c] = pair_tf(lf[c], rf[c], self.total)[0]
        self.vocab = vocabulary(lf["company"], rf["company"])
        lead_phones = [p.mask(quiet) for p in lp.raw_phones]
        self.phones = PhoneTable(
            lead_phones, [keys.text(accounts, "Phone")], settings.region, self.total
        )

    def candidates(self) -> tuple[np.ndarray, np.ndarray, list[blocking.BlockStat]]:
        lf, rf = self.frames
        mx = self.settings.max_block_pairs
        flat_l = lf["company"].str.replace(" ", "", regex=False)
        flat_r = rf["company"].str.replace(" ", "", regex=False)
        pairs, stats = [], []

        def add(
            rule: str, lk: pd.Series, rk: pd.Series, finer: list[tuple[pd.Series, pd.Series]]
        ) -> None:
            i, j, st = blocking.block(rule, lk, rk, mx, finer)
            pairs.append((i, j))
            stats.append(st)

        add("company key", lf["company"], rf["company"], [])
        # A slip late in the name keeps the start: sorted together, the two are neighbours;
        # a slip early keeps the end: sorted by the reversed key, likewise.
        w = self.settings.window
        for rule, (lk, rk) in (
            ("company", (lf["company"], rf["company"])),
            ("reversed company", (_reversed(lf["company"]), _reversed(rf["company"]))),
        ):
            i, j, st = blocking.sorted_neighbourhood(lk, rk, w)
            pairs.append((i, j))
            stats.append(blocking.BlockStat(f"{rule} {st.rule}", st.pairs, 0, 0, 0))
        # One slip anywhere in the name, spaces ignored ("Sapphire Analytcs", "Sapphire
        # Anlaytics", "SapphireAnalytics").
        i, j, st = one_slip("company key, one slip", flat_l, flat_r, mx, min_length=5)
        pairs.append((i, j))
        stats.append(st)
        add("email domain = website", lf["domain"], rf["domain"], [])
        for a, lt in enumerate(self.phones.tails[0]):
            add(f"phone tail {a}", lt, self.phones.tails[1][0], [])
        i, j = blocking.union(pairs, self.n[1])
        return i, j, stats

    def compare(self, i: np.ndarray, j: np.ndarray) -> Compared:
        company = company_level(
            (self.code["company"][0][i], self.code["company"][1][j]),
            (self.text["company"][0][i], self.text["company"][1][j]),
            self.vocab,
            self.settings,
            NULL,
        )
        dl, dr = self.code["domain"][0][i], self.code["domain"][1][j]
        dnull = (dl == NULL) | (dr == NULL)
        domain = np.select([dnull, dl == dr], [NULL, 0], default=1).astype(np.int8)
        phone, ptf, _, _ = self.phones.level(i, j)
        return Compared(
            {"company": company, "domain": domain, "phone": phone},
            {
                "company": np.where(company == 0, self.tf["company"][i], np.nan),
                "domain": np.where(domain == 0, self.tf["domain"][i], np.nan),
                "phone": ptf,
            },
        )

    def shown(self, field: str, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if field == "phone":
            _, _, sl, sr = self.phones.level(i, j)
            return sl, sr
        return self.text[field][0][i], self.text[field][1][j]


def _reversed(keys: pd.Series) -> pd.Series:
    return keys.map(lambda v: v[::-1], na_action="ignore").astype("string")
