"""The matchers bench/neardup_bench.py compares, each run alone in a child process.

    python bench/neardup_matchers.py {crmkit,splink,rapidfuzz} DATA_DIR PAIRS_CSV [THRESHOLD]

Every matcher writes `lead_id, module, record_id, route, score` (module Contacts or Accounts).

- crmkit: `crmkit neardup` itself, as a user runs it (reading the CSVs and predicting Zoho's
  exact matches included).
- splink: Splink (DuckDB backend), two link-only models (leads-contacts, leads-accounts) with
  the blocking rules and comparisons a Splink user would write: names Jaro-Winkler with
  term-frequency adjustments, e-mail by Splink's EmailComparison, any phone's last nine digits,
  company Jaro-Winkler with term frequencies, e-mail domain against website domain. u by random
  sampling, lambda from e-mail/phone blocks, m by EM on two blocks. Best match per lead, kept
  at match probability >= SPLINK_THRESHOLD (fixed beforehand, not tuned to any truth).
- rapidfuzz: a plain baseline: equal trimmed lower-case e-mail, equal last nine phone digits,
  same last name and first initial with a first-name ratio >= 85, company names sharing their
  first three letters with a ratio >= 90, e-mail domain equal to the website domain.

The input cleaning of the two others (lower case, accents folded, punctuation dropped, digits of
phones) is deliberately generic: no nickname, legal-form or free-mail list.
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pandas as pd

SPLINK_THRESHOLD = 0.9
PREDICT_FLOOR = 0.5  # pairs below this are never the best match worth keeping
PAIR_COLUMNS = ["lead_id", "module", "record_id", "route", "score"]
ROOT = Path(__file__).resolve().parents[1]


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def _clean(s: pd.Series) -> pd.Series:
    folded = s.fillna("").map(_fold)
    return folded.str.replace(r"[^\w\s]", " ", regex=True).str.replace(r"\s+", " ", regex=True)


def _digits9(s: pd.Series) -> pd.Series:
    d = s.fillna("").str.replace(r"\D", "", regex=True)
    return d.where(d.str.len() >= 7).str[-9:]


def _domain_of_site(s: pd.Series) -> pd.Series:
    d = s.fillna("").str.lower().str.strip()
    d = d.str.replace(r"^https?://", "", regex=True).str.replace(r"^www\.", "", regex=True)
    return d.str.split("/").str[0].replace("", pd.NA)


def prepared(data: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Leads, contacts, accounts with the generic match columns both other matchers use."""
    leads, contacts, accounts = (read(data / f"{m}.csv") for m in ("Leads", "Contacts", "Accounts"))
    if "Converted__s" in leads.columns:
        leads = leads[leads["Converted__s"].str.lower() != "true"]
    for f in (leads, contacts):
        f["first_name"] = _clean(f.get("First_Name", pd.Series("", index=f.index)))
        f["last_name"] = _clean(f["Last_Name"])
        f["email"] = f.get("Email", pd.Series("", index=f.index)).str.strip().str.lower()
        f["p1"] = _digits9(f.get("Phone", pd.Series("", index=f.index)))
        f["p2"] = _digits9(f.get("Mobile", pd.Series("", index=f.index)))
    leads["company"] = _clean(leads.get("Company", pd.Series("", index=leads.index)))
    leads["domain"] = leads["email"].str.split("@").str[1]
    contacts["company"] = _clean(
        contacts.get("Account_Name.name", pd.Series("", index=contacts.index))
    )
    accounts["company"] = _clean(accounts["Account_Name"])
    accounts["domain"] = _domain_of_site(
        accounts.get("Website", pd.Series("", index=accounts.index))
    )
    accounts["p1"] = _digits9(accounts.get("Phone", pd.Series("", index=accounts.index)))
    accounts["p2"] = pd.NA
    for f in (leads, contacts, accounts):
        f.replace("", pd.NA, inplace=True)
        f["unique_id"] = f["id"]
    return leads, contacts, accounts


# ---------------------------------------------------------------------------------- splink
_PHONE_LEVELS = {
    "output_column_name": "phone",
    "comparison_levels": [
        {"sql_condition": "(p1_l IS NULL AND p2_l IS NULL) OR (p1_r IS NULL AND p2_r IS NULL)",
         "label_for_charts": "no phone", "is_null_level": True},
        {"sql_condition": "p1_l = p1_r OR p1_l = p2_r OR p2_l = p1_r OR p2_l = p2_r",
         "label_for_charts": "a phone agrees"},
        {"sql_condition": "ELSE", "label_for_charts": "phones differ"},
    ],
}  # fmt: skip
_PHONE_RULES = ("l.p1 = r.p1", "l.p1 = r.p2", "l.p2 = r.p1", "l.p2 = r.p2")
# Blocking tuned to scale (Splink's advice: count each rule's comparisons first). Last name +
# first initial, a 4-letter company prefix and EM on the last name alone made hundreds of
# millions of comparisons at 1M contacts (19 GB, unfinished after 11 minutes); these rules keep
# what those found that a name or company comparison can still score: three letters of the
# other name, six of the company.
_FIRST3 = "substr(l.first_name, 1, 3) = substr(r.first_name, 1, 3)"
_LAST3 = "substr(l.last_name, 1, 3) = substr(r.last_name, 1, 3)"
_COMPANY6 = "substr(l.company, 1, 6) = substr(r.company, 1, 6)"


def _splink_link(left: pd.DataFrame, right: pd.DataFrame, columns: list[str], comparisons: list,
                 rules: list, lambda_rules: list, em_rules: list) -> pd.DataFrame:  # fmt: skip
    from splink import Linker, SettingsCreator
    from splink.backends.duckdb import DuckDBAPI

    db = DuckDBAPI()
    keep = ["unique_id", *columns]
    sl = db.register(left[keep], table_name="leads")
    sr = db.register(right[keep], table_name="records")
    settings = SettingsCreator(
        link_type="link_only", comparisons=comparisons,
        blocking_rules_to_generate_predictions=rules, retain_matching_columns=True,
    )  # fmt: skip
    linker = Linker([sl, sr], settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(lambda_rules, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in em_rules:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except Exception as exc:  # too few pairs in a small org for one session
            print(f"splink: EM on {rule} skipped: {exc}", file=sys.stderr)
    pred = linker.inference.predict(threshold_match_probability=PREDICT_FLOOR).as_pandas_dataframe()
    lead_left = pred["source_dataset_l"] == "leads"
    pred["lead_id"] = pred["unique_id_l"].where(lead_left, pred["unique_id_r"])
    pred["record_id"] = pred["unique_id_r"].where(lead_left, pred["unique_id_l"])
    best = pred.sort_values("match_weight", ascending=False).drop_duplicates("lead_id")
    return best[best["match_probability"] >= SPLINK_THRESHOLD]


def splink_pairs(data: Path) -> pd.DataFrame:
    import splink.comparison_library as cl
    from splink import block_on
    from splink.blocking_rule_library import CustomRule

    leads, contacts, accounts = prepared(data)
    leads["first_initial"] = leads["first_name"].str[:1]
    contacts["first_initial"] = contacts["first_name"].str[:1]
    people = _splink_link(
        leads, contacts,
        ["first_name", "last_name", "first_initial", "email", "p1", "p2", "company"],
        [
            cl.JaroWinklerAtThresholds("first_name", [0.92, 0.8]).configure(
                term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("last_name", [0.92, 0.8]).configure(
                term_frequency_adjustments=True),
            cl.EmailComparison("email"), _PHONE_LEVELS,
            cl.JaroWinklerAtThresholds("company", [0.9]),
        ],
        [block_on("email"), block_on("last_name", "first_name"),
         CustomRule(f"l.last_name = r.last_name and {_FIRST3}"),
         CustomRule(f"l.first_name = r.first_name and {_LAST3}"),
         *(CustomRule(r) for r in _PHONE_RULES)],
        [block_on("email"), CustomRule(_PHONE_RULES[0])],
        [block_on("last_name", "first_name"), block_on("email")],
    )  # fmt: skip
    email_top = people["gamma_email"] == people["gamma_email"].max()
    route = pd.Series("name", index=people.index).mask(email_top, "email")
    route = route.mask(people["gamma_phone"] == 1, "phone")
    people = people.assign(module="Contacts", route=route, score=people["match_probability"])
    companies = _splink_link(
        leads, accounts, ["company", "domain", "p1", "p2"],
        [
            cl.JaroWinklerAtThresholds("company", [0.95, 0.88]).configure(
                term_frequency_adjustments=True),
            cl.ExactMatch("domain").configure(term_frequency_adjustments=True), _PHONE_LEVELS,
        ],
        [block_on("company"), CustomRule(_COMPANY6), block_on("domain"),
         CustomRule("l.p1 = r.p1"), CustomRule("l.p2 = r.p1")],
        [block_on("company"), block_on("domain")],
        [block_on("domain"), CustomRule(_COMPANY6)],
    )  # fmt: skip
    companies = companies.assign(
        module="Accounts", route="company", score=companies["match_probability"]
    )
    return pd.concat([people, companies], ignore_index=True)[PAIR_COLUMNS]


# ------------------------------------------------------------------------------- rapidfuzz
def _phone_pairs(leads: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    lp = pd.concat([leads[["id", c]].rename(columns={c: "k"}) for c in ("p1", "p2")]).dropna()
    rp = pd.concat([records[["id", c]].rename(columns={c: "k"}) for c in ("p1", "p2")]).dropna()
    return lp.merge(rp, on="k", suffixes=("_l", "_r"))[["id_l", "id_r"]]


def rapidfuzz_pairs(data: Path) -> pd.DataFrame:
    from rapidfuzz import fuzz, process

    leads, contacts, accounts = prepared(data)
    parts = []
    ph = _phone_pairs(leads, contacts).assign(route="phone", score=1.0)
    em = leads[["id", "email"]].dropna().merge(contacts[["id", "email"]].dropna(), on="email")
    em = em.rename(columns={"id_x": "id_l", "id_y": "id_r"}).assign(route="email", score=1.0)
    parts += [ph.assign(module="Contacts"), em.assign(module="Contacts")]
    for f in (leads, contacts):
        f["block"] = f["last_name"] + "|" + f["first_name"].str[:1]
    nm = (
        leads[["id", "block", "first_name"]]
        .dropna()
        .merge(contacts[["id", "block", "first_name"]].dropna(), on="block", suffixes=("_l", "_r"))
    )
    score = process.cpdist(nm["first_name_l"].tolist(), nm["first_name_r"].tolist(),
                           scorer=fuzz.ratio) / 100  # fmt: skip
    nm = nm.assign(score=score, route="name", module="Contacts")
    parts.append(nm[nm["score"] >= 0.85].rename(columns={"id_l": "id_l", "id_r": "id_r"}))
    leads["block"], accounts["block"] = leads["company"].str[:3], accounts["company"].str[:3]
    co = (
        leads[["id", "block", "company"]]
        .dropna()
        .merge(accounts[["id", "block", "company"]].dropna(), on="block", suffixes=("_l", "_r"))
    )
    score = process.cpdist(co["company_l"].tolist(), co["company_r"].tolist(),
                           scorer=fuzz.ratio) / 100  # fmt: skip
    co = co.assign(score=score, route="company", module="Accounts")
    parts.append(co[co["score"] >= 0.9])
    dom = leads[["id", "domain"]].dropna().merge(accounts[["id", "domain"]].dropna(), on="domain")
    dom = dom.rename(columns={"id_x": "id_l", "id_y": "id_r"})
    parts.append(dom.assign(route="company", score=0.9, module="Accounts"))
    out = pd.concat([p[["id_l", "id_r", "route", "score", "module"]] for p in parts])
    out = out.rename(columns={"id_l": "lead_id", "id_r": "record_id"})
    out = out.sort_values("score", ascending=False).drop_duplicates(
        ["lead_id", "module", "record_id"]
    )
    return out[PAIR_COLUMNS]


def crmkit_pairs(data: Path, out: Path) -> None:
    """`crmkit neardup`, in this process (so its peak memory is this process's)."""
    sys.path.insert(0, str(ROOT))
    from crmkit.cli import main as crmkit_main

    if crmkit_main(["neardup", "--data", str(data), "--out", str(out)]) != 0:
        raise SystemExit("crmkit neardup failed")


def main(argv: list[str]) -> int:
    global SPLINK_THRESHOLD
    matcher, data, out = argv[0], Path(argv[1]), Path(argv[2])
    if len(argv) > 3:
        SPLINK_THRESHOLD = float(argv[3])
    if matcher == "crmkit":
        crmkit_pairs(data, out)
        return 0
    pairs = {"splink": splink_pairs, "rapidfuzz": rapidfuzz_pairs}[matcher](data)
    pairs.to_csv(out, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
