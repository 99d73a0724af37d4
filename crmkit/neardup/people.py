"""Lead-to-contact pairs: blocked, compared field by field, weighed, proposed by probability.

Fields: ``name`` (first and last together: exact, nickname, swapped, initial, typo, or the
ways names contradict), ``email``, ``phone`` (best of Phone/Mobile on each side) and
``company`` (the lead's Company against the contact's account). Each pair's weight is the sum
over fields (crmkit.neardup.weights); the route is the contact field that weighs most.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from crmkit.neardup import blocking, keys
from crmkit.neardup.blocking import BlockStat
from crmkit.neardup.compare import (
    company_level,
    osa,
    pair_tf,
    rare_slip,
    strings,
    vocabulary,
)
from crmkit.neardup.phones import PhoneTable
from crmkit.neardup.settings import NearDupSettings
from crmkit.neardup.slips import one_slip
from crmkit.neardup.weights import NULL, Compared, Level
from crmkit.normalize import first_name_links

NAME_LEVELS = (
    Level("exact_key", 0.55, 1e-4, tf=True),
    Level("nickname", 0.12, 1e-4, tf=True),
    Level("swap", 0.02, 1e-5),
    Level("initial", 0.03, 1e-4, tf=True),
    Level("typo", 0.12, 1e-4, tf=True),
    Level("spelling", 0.06, 1e-4, tf=True),
    Level("first_name_similar", 0.003, 5e-3, u_from_candidates=True),
    Level("last_name", 0.05, 1e-3, tf=True),
    Level("first_name_differs", 0.05, 5e-3, u_from_candidates=True),
    Level("last_name_differs", 0.0005, 5e-3, u_from_candidates=True),
    Level("different", 0.0001, 0.99),
)
EMAIL_LEVELS = (
    Level("exact_key", 0.45, 1e-5, tf=True),
    Level("typo", 0.1, 1e-5),
    Level("domain", 0.1, 1e-3, tf=True, names_route=False),
    # One domain, addresses a slip apart or of one surname that each spell their owner's first
    # name and not the other's (mmucha@ / bmucha@): two mailboxes of two people (``_own_names``).
    Level("other_mailbox", 1e-4, 1e-3, u_from_candidates=True, names_route=False),
    Level("different", 0.35, 0.999),
)
EMAIL = {level.name: k for k, level in enumerate(EMAIL_LEVELS)}
NAME = {level.name: k for k, level in enumerate(NAME_LEVELS)}
CONTRADICTIONS = (NAME["first_name_differs"], NAME["last_name_differs"], NAME["different"])
PHONE_LEVELS = (
    Level("exact_key", 0.5, 1e-5, tf=True),
    Level("national", 0.05, 1e-5, tf=True),
    Level("different", 0.45, 0.999),
)
COMPANY_LEVELS = (
    Level("exact_key", 0.5, 1e-3, tf=True),
    Level("typo", 0.05, 1e-4),
    Level("different", 0.45, 0.99),
)
COMPARISONS = {
    "name": NAME_LEVELS,
    "email": EMAIL_LEVELS,
    "phone": PHONE_LEVELS,
    "company": COMPANY_LEVELS,
}
PERSON_ROUTES = ("name", "email", "phone")  # the contact fields a route can be


CODED = (
    "full",
    "email",
    "domain",
    "org_domain",
    "company",
    "initial",
    "local_digits",
    "phon",
    "phon_first",
)
TEXT = ("full", "formfull", "local", "company", "first", "last", "email")
TF = (
    "full",
    "last",
    "form",
    "initial",
    "email",
    "org_domain",
    "company",
    "phon",
    "phon_first",
)


class PersonMatcher:
    """Leads and contacts keyed once; compares any (lead, contact) positional pairs."""

    def __init__(
        self,
        leads: pd.DataFrame,
        contacts: pd.DataFrame,
        settings: NearDupSettings,
        lead_keys: keys.People | None = None,
    ):
        self.settings = settings
        lp = lead_keys or keys.people(leads, "Company")
        rp = keys.people(contacts, "Account_Name.name")
        frames = (lp.frame.copy(), rp.frame)  # rp is this matcher's own
        # A domain the contacts of many different accounts write from is a mail provider's
        # (no list knows every ISP: telia.com, orange.fr, uol.com.br), not an organisation's.
        shared = keys.provider_domains(rp.frame["org_domain"], rp.frame["company"])
        for f in frames:
            f["org_domain"] = f["org_domain"].mask(f["org_domain"].isin(shared))
        for f in frames:
            f["formfull"] = (f["form"].fillna("") + " " + f["last"].fillna("")).str.strip()
            f["initial"] = f["first"].str[0]
            f["local_digits"] = f["local"].str.replace(r"\D", "", regex=True)
        lf, rf = frames
        self.frames = frames
        self.n = (len(lf), len(rf))
        self.total = len(lf) + len(rf)
        self.code = {c: keys.codes(lf[c], rf[c]) for c in CODED}
        # First names, last names and nickname forms share one code space (swaps compare them).
        cols = ("first", "last", "form")
        tokens = pd.concat([f[c] for f in frames for c in cols], ignore_index=True)
        tc, uniques = pd.factorize(tokens.astype("string"), use_na_sentinel=True)
        nl, nr = self.n
        cuts = np.cumsum([nl, nl, nl, nr, nr])
        parts = np.split(tc, cuts)
        for k, c in enumerate(cols):
            self.code[c] = (parts[k], parts[3 + k])
        self.text = {c: (strings(lf[c]), strings(rf[c])) for c in TEXT}
        self.single = tuple(
            f["first"].str.len().eq(1).fillna(False).to_numpy(dtype=bool) for f in frames
        )
        self.n_tokens = len(uniques)
        self.token_names = [str(t) for t in uniques]
        self.compatible = _compatible_codes(pd.Index(uniques))
        self.tf = {}
        for c in TF:
            self.tf[c] = pair_tf(lf[c], rf[c], self.total)
        self.phones = PhoneTable(lp.raw_phones, rp.raw_phones, settings.region, self.total)
        # Per record: how many records use its first name, its last name (for rare_slip).
        self.name_counts = tuple(
            _use_counts(*self.code[c], self.n_tokens) for c in ("first", "last")
        )
        self.lengths = {
            c: tuple(np.fromiter(map(len, t), np.int64, len(t)) for t in self.text[c])
            for c in ("full", "formfull")
        }
        self.company_vocab = vocabulary(lf["company"], rf["company"])

    # ------------------------------------------------------------------------------ blocking
    def candidates(self) -> tuple[np.ndarray, np.ndarray, list[blocking.BlockStat]]:
        """Positional (lead, contact) pairs sharing any blocking key, and what each key gave."""
        lf, rf = self.frames
        mx = self.settings.max_block_pairs
        pairs, stats = [], []

        def add(
            rule: str, lk: pd.Series, rk: pd.Series, finer: list[tuple[pd.Series, pd.Series]]
        ) -> None:
            i, j, st = blocking.block(rule, lk, rk, mx, finer)
            pairs.append((i, j))
            stats.append(st)

        def slip(rule: str, col: str, group: str, blank_is_group: bool = False) -> None:
            gl, gr = self.code[group]
            if blank_is_group:  # records without that value form a group of their own
                blank = np.iinfo(np.int32).max
                gl, gr = np.where(gl < 0, blank, gl), np.where(gr < 0, blank, gr)
            i, j, st = one_slip(rule, lf[col], rf[col], mx, groups=(gl, gr))
            pairs.append((i, j))
            stats.append(st)

        by_name = [(lf["phon"], rf["phon"]), (lf["first"], rf["first"])]
        for a, lt in enumerate(self.phones.tails[0]):
            for b, rt in enumerate(self.phones.tails[1]):
                add(f"phone tail {a}{b}", lt, rt, by_name)
        add("email", lf["email"], rf["email"], [])
        # A slip in the address (one letter swapped, dropped, doubled, mistyped) on one domain.
        slip("email local part, one slip, same domain", "local", "domain")
        add(
            "last name + first form",
            lf["last"] + "|" + lf["form"],
            rf["last"] + "|" + rf["form"],
            [(lf["company"], rf["company"])],
        )
        slip("last name, one slip, same first form", "last", "form", blank_is_group=True)
        slip("first name, one slip, same last name", "first", "last")
        # Sounds alike, first and last (Steven/Stephen Meyer/Meier).
        add(
            "phonetic first and last name",
            lf["phon"] + "|" + lf["phon_first"],
            rf["phon"] + "|" + rf["phon_first"],
            [(lf["company"], rf["company"])],
        )
        # "J. Smith": an initial on either side meets every first name with that letter.
        for side in (0, 1):
            initial_l = lf["last"] + "|" + lf["initial"]
            initial_r = rf["last"] + "|" + rf["initial"]
            only = pd.Series(self.single[side])
            if side == 0:
                initial_l = initial_l.where(only.to_numpy())
            else:
                initial_r = initial_r.where(only.to_numpy())
            add(
                f"last name + initial ({('lead', 'contact')[side]} gives an initial)",
                initial_l,
                initial_r,
                [(lf["company"], rf["company"])],
            )
        sw_l = _unordered(lf["first"], lf["last"])
        sw_r = _unordered(rf["first"], rf["last"])
        add("first and last in any order", sw_l, sw_r, [(lf["company"], rf["company"])])
        w = self.settings.window
        for rule, key in (("last first", _last_first), ("reversed name", _reversed)):
            i, j, st = blocking.sorted_neighbourhood(key(lf), key(rf), w)
            pairs.append((i, j))
            stats.append(BlockStat(f"{rule} {st.rule}", st.pairs, 0, 0, 0))
        i, j = blocking.union(pairs, self.n[1])
        return i, j, stats

    # ------------------------------------------------------------------------------ compare
    def compare(self, i: np.ndarray, j: np.ndarray) -> Compared:
        levels, tf = {}, {}
        levels["name"], tf["name"] = self._name(i, j)
        levels["email"], tf["email"] = self._email(i, j)
        levels["phone"], tf["phone"] = self._phone(i, j)
        levels["company"], tf["company"] = self._company(i, j)
        return Compared(levels, tf)

    def _pair(self, col: str, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.code[col]
        return a[i], b[j]

    def _tf(self, col: str, i: np.ndarray) -> np.ndarray:
        got: np.ndarray = self.tf[col][0][i]
        return got

    def _name(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fl, fr = self._pair("first", i, j)
        ll, lr = self._pair("last", i, j)
        ol, orr = self._pair("form", i, j)
        ul, ur = self._pair("full", i, j)
        il, ir = self._pair("initial", i, j)
        null = (ll == NULL) | (lr == NULL)
        both_first = (fl != NULL) & (fr != NULL)
        same_last = (ll == lr) & ~null
        exact = (ul == ur) & (ul != NULL)
        nick = same_last & ((ol == orr) & (ol != NULL) | self._compatible(fl, fr))
        maybe = np.flatnonzero(same_last & both_first & ~nick & (fl != fr))
        nick[maybe] = self._pairwise(is_short_form, fl[maybe], fr[maybe])
        similar = np.zeros(len(i), dtype=bool)
        rest = np.flatnonzero(same_last & both_first & ~nick & (fl != fr))
        similar[rest] = self._pairwise(share_bigram, fl[rest], fr[rest])
        swap = both_first & (fl == lr) & (ll == fr) & (fl != ll)
        short = self.single[0][i] | self.single[1][j]
        initial = same_last & both_first & (il == ir) & short
        settled = null | exact | nick | swap | initial
        typo = np.zeros(len(i), dtype=bool)
        todo = np.flatnonzero(~settled)
        if len(todo):
            ti, tj = i[todo], j[todo]
            (cfl, cfr), (cll, clr) = self.name_counts
            ok_first = (
                (fl[todo] == fr[todo]) | (ol[todo] == orr[todo]) | rare_slip(cfl[ti], cfr[tj])
            )
            ok_last = (ll[todo] == lr[todo]) | rare_slip(cll[ti], clr[tj])
            # One slip apart needs lengths at most one apart: the distance is asked only there.
            (nl, nr), (ml, mr) = self.lengths["full"], self.lengths["formfull"]
            near_length = (np.abs(nl[ti] - nr[tj]) <= 1) | (np.abs(ml[ti] - mr[tj]) <= 1)
            ask = np.flatnonzero(ok_first & ok_last & (ll[todo] != NULL) & near_length)
            ai, aj = ti[ask], tj[ask]
            d1, _ = osa(self.text["full"][0][ai], self.text["full"][1][aj])
            d2, _ = osa(self.text["formfull"][0][ai], self.text["formfull"][1][aj])
            typo[todo[ask]] = np.minimum(d1, d2) <= self.settings.name_max_slips
        same_first = both_first & ((fl == fr) | (ol == orr) | self._compatible(fl, fr))
        pl, pr = self._pair("phon", i, j)
        ql, qr = self._pair("phon_first", i, j)
        # Sounds alike, first and last (metaphone): Steven/Stephen, Allen/Alan, Kristina/Christina.
        spelling = both_first & (pl == pr) & (pl != NULL) & (ql == qr) & (ql != NULL)
        same_first = both_first & ((fl == fr) | (ol == orr) | self._compatible(fl, fr))
        n = NAME
        level = np.select(
            [
                null,
                exact,
                nick,
                swap,
                initial,
                typo,
                spelling,
                similar,
                same_last & ~both_first,
                same_last,
                same_first,
            ],
            [
                NULL,
                n["exact_key"],
                n["nickname"],
                n["swap"],
                n["initial"],
                n["typo"],
                n["spelling"],
                n["first_name_similar"],
                n["last_name"],
                n["first_name_differs"],
                n["last_name_differs"],
            ],
            default=n["different"],
        ).astype(np.int8)
        last_tf = self._tf("last", i)
        # u of a typo: the share of contacts within one slip of this lead's name (at least the
        # one compared), so a slip among many look-alike names says less than a slip of a rare one.
        is_typo = level == n["typo"]
        near = np.bincount(i[is_typo], minlength=self.n[0])[i] / max(self.n[1], 1)
        t = np.select(
            [
                level == n["exact_key"],
                level == n["nickname"],
                level == n["initial"],
                is_typo,
                level == n["spelling"],
                level == n["last_name"],
            ],
            [
                self._tf("full", i),
                last_tf * self._tf("form", i),
                last_tf * self._tf("initial", i),
                near,
                self._tf("phon", i) * self._tf("phon_first", i),
                last_tf,
            ],
            default=np.nan,
        )
        return level, t

    def _pairwise(
        self, test: Callable[[str, str], bool], fl: np.ndarray, fr: np.ndarray
    ) -> np.ndarray:
        """``test`` on two first names, asked once per distinct pair of names."""
        if not len(fl):
            return np.zeros(0, dtype=bool)
        k = np.int64(self.n_tokens + 1)
        uniq, inverse = np.unique(
            fl.astype(np.int64) * k + fr.astype(np.int64), return_inverse=True
        )
        names = self.token_names
        ok = np.array([test(names[c // k], names[c % k]) for c in uniq], dtype=bool)
        answer: np.ndarray = ok[inverse.reshape(-1)]
        return answer

    def _compatible(self, fl: np.ndarray, fr: np.ndarray) -> np.ndarray:
        """First names that can be the same person's: a nickname and any formal name it has."""
        k = np.int64(self.n_tokens + 1)
        code = fl.astype(np.int64) * k + fr.astype(np.int64)
        if not len(self.compatible):
            return np.zeros(len(code), dtype=bool)
        # A lookup in the sorted codes (np.isin would sort millions of pair codes first).
        at = np.minimum(np.searchsorted(self.compatible, code), len(self.compatible) - 1)
        found: np.ndarray = self.compatible[at] == code
        return found

    def _email(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        el, er = self._pair("email", i, j)
        dl, dr = self._pair("domain", i, j)
        ol, orr = self._pair("org_domain", i, j)
        gl, gr = self._pair("local_digits", i, j)
        null = (el == NULL) | (er == NULL)
        exact = (el == er) & ~null
        same_domain = (dl == dr) & ~null & ~exact
        typo = np.zeros(len(i), dtype=bool)
        two = np.zeros(len(i), dtype=bool)
        todo = np.flatnonzero(same_domain)
        if len(todo):
            d, sim = osa(self.text["local"][0][i[todo]], self.text["local"][1][j[todo]])
            s = self.settings
            typo[todo] = (d <= s.email_max_slips) & (sim >= s.email_min_similarity)
            typo[todo] &= gl[todo] == gr[todo]  # "flores71" and "flores70" are two mailboxes
            # Slips, and any two addresses of one surname on the domain: each spelling its
            # owner's own first name, they are two people's mailboxes (arey@ / orey@ too).
            ll, lr = self._pair("last", i[todo], j[todo])
            kin = np.union1d(todo[typo[todo]], todo[(ll == lr) & (ll != NULL)])
            two[kin] = self._own_names(i[kin], j[kin])
            typo &= ~two
        org = (ol == orr) & (ol != NULL) & ~exact & ~typo & ~two
        e = EMAIL
        level = np.select(
            [null, exact, typo, two, org],
            [NULL, e["exact_key"], e["typo"], e["other_mailbox"], e["domain"]],
            default=e["different"],
        ).astype(np.int8)
        t = np.select(
            [level == 0, level == 2],
            [self._tf("email", i), self._tf("org_domain", i)],
            default=np.nan,
        )
        return level, t

    def _own_names(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Two addresses that each spell their owner's first name (or its initial and the
        surname) and not the other's: "patrick.garcia" / "patricia.garcia", "ehartman" /
        "jhartman" differ because the names do, not by a slip of one mailbox ("jeffey.butler"
        / "jeffrey.butler" is one: the second spells Jeff too)."""
        first, last, local = self.text["first"], self.text["last"], self.text["local"]
        out = [
            _spells(la, fa, sa) and not _spells(la, fb, sb)
            and _spells(lb, fb, sb) and not _spells(lb, fa, sa)
            for fa, fb, sa, sb, la, lb in zip(
                first[0][i], first[1][j], last[0][i], last[1][j], local[0][i], local[1][j],
                strict=True,
            )
        ]  # fmt: skip
        return np.array(out, dtype=bool)

    def _phone(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        level, tf, _, _ = self.phones.level(i, j)
        return level, tf

    def _company(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        level = company_level(
            self._pair("company", i, j),
            (self.text["company"][0][i], self.text["company"][1][j]),
            self.company_vocab,
            self.settings,
            NULL,
        )
        return level, np.where(level == 0, self._tf("company", i), np.nan)

    def adjust(self, got: Compared, w: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Fields that do not agree independently, as Fellegi-Sunter assumes, count once.

        Colleagues share both the company and the email domain: only the company's weight is
        kept. Answers, per field, the pairs where that field may not name the route.
        """
        both = (got.levels["email"] == 2) & (got.levels["company"] == 0)
        w["email"] = np.where(both, 0.0, w["email"])
        # A switchboard is the workplace too: with the company agreeing, the larger counts
        # (kept on the phone). A number more than the two records hold is the workplace's: it
        # says where the person works, not who they are, so it may not name the route.
        shared = (got.levels["phone"] <= 1) & (got.levels["phone"] != NULL) & (w["company"] > 0)
        held = np.nan_to_num(got.tf["phone"]) * self.total  # records holding the number
        workplace = shared & (held > 2)
        w["phone"] = np.where(shared, np.maximum(w["phone"], w["company"]), w["phone"])
        w["company"] = np.where(shared, 0.0, w["company"])
        # A local part is made of the name ("thenry", "dhenry"): when the names contradict, a
        # look-alike address on the same domain is the name pattern again, not a slip. First
        # names merely similar (Jonty/Jonathan, Dane/Daniel) keep the slip's weight: addresses
        # that spell two different own names are no slip but ``other_mailbox``.
        unlike = np.isin(got.levels["name"], CONTRADICTIONS)
        w["email"] = np.where(unlike & (got.levels["email"] == 1), 0.0, w["email"])
        # A channel that disagrees is not why a pair was found: it never names the route.
        apart = {f: got.levels[f] == len(COMPARISONS[f]) - 1 for f in ("email", "phone")}
        return {"phone": workplace | apart["phone"], "email": apart["email"]}

    def refuse(self, got: Compared, w: dict[str, np.ndarray]) -> np.ndarray:
        """Pairs never proposed: names that contradict (a family on one phone, colleagues on
        one switchboard or domain), and a name — however alike — with nothing else that agrees.

        In any sizeable org most pairs whose only agreement is the name (the same, a nickname,
        a slip) are two people, namesakes: crmkit proposes one only when a phone, an email,
        the company or the domain agrees too.
        """
        others = np.vstack([w[f] for f in COMPARISONS if f != "name"]).max(axis=0)
        # Two different first names (or surnames) on one phone, one company, one domain are
        # a family or colleagues: whatever else they share, not one person. One personal
        # address (role mailboxes are missing values) with the surname is one person going by
        # a first name no list knows (Izzy/Isabella): the difference weighs, it does not veto.
        held = np.nan_to_num(got.tf["email"]) * self.total  # records holding the address
        own_address = (
            (got.levels["name"] == NAME["first_name_differs"])
            & (got.levels["email"] == 0)
            & (held <= 2)  # a mailbox more people use is shared (vertrieb@, ventas@)
        )
        contradict = np.isin(got.levels["name"], CONTRADICTIONS) & ~own_address
        # Two first names alike but not known as one (Maria/Marta): a shared phone is a family's
        # as often as one person's; an email or the company must agree. Two mailboxes on one
        # domain, each spelling its owner's name (mmucha@ Maurycy, bmucha@ Borys), are two
        # colleagues, whatever else they share.
        similar = got.levels["name"] == NAME["first_name_similar"]
        company = got.levels["company"]
        by_phone_only = (w["email"] <= 0) & ~((company == 0) | (company == 1))
        two_mailboxes = got.levels["email"] == EMAIL["other_mailbox"]
        name_only = others <= 0
        refused: np.ndarray = name_only | contradict | (similar & (by_phone_only | two_mailboxes))
        return refused

    # ------------------------------------------------------------------------------ keys shown
    def shown(self, field: str, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The normalised values a person reads to see why a pair was proposed by ``field``."""
        if field == "phone":
            _, _, shown_l, shown_r = self.phones.level(i, j)
            return shown_l, shown_r
        col = {"name": "full", "email": "email", "company": "company"}[field]
        return self.text[col][0][i], self.text[col][1][j]


def _use_counts(left: np.ndarray, right: np.ndarray, n_codes: int) -> tuple[np.ndarray, np.ndarray]:
    """Per record of each side: how many records (both sides) hold its code; 0 for NA (-1)."""
    both = np.concatenate([left, right])
    counts = np.bincount(both[both >= 0], minlength=n_codes).astype(float)
    held_left = np.where(left >= 0, counts[np.maximum(left, 0)], 0.0)
    held_right = np.where(right >= 0, counts[np.maximum(right, 0)], 0.0)
    return held_left, held_right


def _last_first(f: pd.DataFrame) -> pd.Series:
    return (f["last"] + " " + f["first"].fillna("")).astype("string")


def _reversed(f: pd.DataFrame) -> pd.Series:
    return f["full"].map(lambda v: v[::-1], na_action="ignore").astype("string")


def _unordered(first: pd.Series, last: pd.Series) -> pd.Series:
    lo = first.where(first <= last, last)
    hi = last.where(first <= last, first)
    return (lo + "|" + hi).astype("string")


_DIMINUTIVE_ENDINGS = ("sie", "sy", "ie", "ey", "y", "i", "o")


def share_bigram(a: str, b: str) -> bool:
    """Two first names with two letters in a row in common (Emmy/Emily, Nikki/Nicole): maybe a
    short form no list knows; Piotr/Agnieszka share none."""
    grams = {a[k : k + 2] for k in range(len(a) - 1)}
    return any(b[k : k + 2] in grams for k in range(len(b) - 1))


def _spells(local: str, first: str, last: str) -> bool:
    """The local part holds the first name, or begins with its initial and the surname."""
    plain = local.replace(".", "").replace("_", "").replace("-", "")
    surname = last.replace(" ", "").replace("-", "")
    return bool(first) and (first in local or plain.startswith(first[0] + surname))


def is_short_form(a: str, b: str) -> bool:
    """One first name is a short form of the other: the shorter, less a diminutive ending (and
    a doubled last letter), begins the longer ("kath", "benj(i)", "dan(ny)"), or the shorter
    (four letters or more) is inside it ("bert" in "robert", "gail" in "abigail")."""
    short, long_ = sorted((a, b), key=len)
    if len(short) < 3 or short == long_:
        return False
    if len(short) >= 4 and short in long_:
        return True
    stem = short
    for ending in _DIMINUTIVE_ENDINGS:
        if stem.endswith(ending) and len(stem) - len(ending) >= 3:
            stem = stem[: -len(ending)]
            break
    if len(stem) >= 4 and stem[-1] == stem[-2]:
        stem = stem[:-1]
    return len(stem) >= 3 and long_.startswith(stem)


def _compatible_codes(tokens: pd.Index) -> np.ndarray:
    """Encoded (a, b) token-code pairs of first names one person can go by (both orders): a
    shared formal form (Kate/Kathy: Katherine) or a pair the nickname list names (Ned/Edward)."""
    k = len(tokens) + 1  # Python ints: the codes are made exactly, then stored as int64
    pos = {str(t): n for n, t in enumerate(tokens)}
    links = first_name_links()
    groups: dict[str, set[int]] = {}
    out: list[int] = []
    for name, code in pos.items():
        for form in (name, *links.formal.get(name, ())):
            groups.setdefault(form, set()).add(code)
        for other in links.direct.get(name, ()):
            if other in pos:
                out += [code * k + pos[other], pos[other] * k + code]
    out += [
        a * k + b
        for members in groups.values()
        if len(members) > 1
        for a in members
        for b in members
        if a != b
    ]
    return np.unique(np.asarray(out, dtype=np.int64))
