"""Normalisers that turn messy contact data into comparison keys (for near-duplicate finding).

Zoho matches exact strings; people type the same phone, address, company or name many ways.
Each function here maps a whole ``pd.Series`` to keys, calling the maintained library
(``phonenumbers``, ``cleanco``, ``nameparser``) once per *distinct* value, so a million rows with
a hundred thousand distinct values cost a hundred thousand library calls. All offline: no DNS,
no network. NA in, NA out; a value that yields no usable key also gives NA.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import phonenumbers
from nameparser import HumanName
from nicknames import NickNamer

from crmkit.legal_forms import strip_legal_suffix

# ---------------------------------------------------------------------------------- common


def _text(values: pd.Series) -> pd.Series:
    s = values.astype("string").str.strip()
    return s.mask(s == "")


def _per_distinct(values: pd.Series, fn: Callable[[str], str | None]) -> pd.Series:
    """Apply ``fn`` once per distinct non-NA value and broadcast back (NA stays NA)."""
    s = _text(values)
    uniq = s.dropna().unique()
    table = {v: fn(str(v)) for v in uniq}
    out = s.map(table, na_action="ignore").astype("string")
    return out.mask(out == "")


# ---------------------------------------------------------------------------------- phones


def phone_key(value: str, region: str = "US") -> str | None:
    """E.164 form of one phone number, or None when it cannot be a phone number.

    Numbers that parse but are not possible numbers for their region fall back to their digits
    (at least 7), so a malformed but consistently stored number still links to itself.
    """
    value = re.sub(r"^\s*00(?=[1-9])", "+", value)  # 0044…: the international call prefix
    try:
        num = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        num = None
    if num is not None and phonenumbers.is_possible_number(num):
        return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    digits = re.sub(r"\D", "", value)
    return digits if len(digits) >= 7 else None


def normalize_phones(values: pd.Series, region: str = "US") -> pd.Series:
    """E.164 keys for a column of phone numbers (``region``: where numbers without a + are from)."""
    return _per_distinct(values, lambda v: phone_key(v, region))


# ---------------------------------------------------------------------------------- emails

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.co.in", "ymail.com",
        "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "msn.com", "aol.com",
        "icloud.com", "me.com", "mac.com", "protonmail.com", "proton.me", "gmx.com", "gmx.de",
        "gmx.net", "web.de", "mail.com", "zoho.com", "zohomail.com", "yandex.com", "yandex.ru",
        "qq.com", "163.com", "126.com", "rediffmail.com", "fastmail.com", "hey.com",
    }
)  # fmt: skip
ROLE_LOCAL_PARTS = frozenset(
    {
        "info", "sales", "contact", "contactus", "admin", "office", "hello", "support", "help",
        "enquiries", "enquiry", "inquiries", "inquiry", "team", "marketing", "billing",
        "accounts", "accounting", "finance", "hr", "jobs", "careers", "press", "media", "noreply",
        "no-reply", "donotreply", "webmaster", "postmaster", "hostmaster", "abuse", "service",
        "customerservice", "orders", "reception", "general", "mail", "feedback", "legal",
        "privacy", "security", "it", "ops", "operations", "purchasing", "procurement",
    }
)  # fmt: skip


def normalize_emails(values: pd.Series) -> pd.Series:
    """Lower-cased addresses; for Gmail only, dots and ``+tag`` dropped and googlemail -> gmail.

    Gmail documents both rules; other providers differ (many treat dots as significant), so
    crmkit applies them to Gmail alone. A value without exactly one ``@`` gives NA.
    """
    s = _text(values).str.lower()
    valid = s.str.count("@") == 1
    # Regular expressions, not str.split: pyarrow runs them; a split falls back to Python.
    local = s.str.replace(r"@.*$", "", regex=True).where(valid)
    domain = s.str.replace(r"^[^@]*@", "", regex=True).where(valid)
    valid = valid & (local.str.len() > 0) & (domain.str.len() > 0)
    gmail = domain.isin(list(GMAIL_DOMAINS)).fillna(False).astype(bool)
    g_local = local.str.replace(r"\+.*$", "", regex=True).str.replace(".", "", regex=False)
    local = local.where(~gmail, g_local)
    domain = domain.where(~gmail, "gmail.com")
    out = (local + "@" + domain).astype("string")
    return out.where(valid.fillna(False).astype(bool))


def email_domains(values: pd.Series) -> pd.Series:
    """The domain part of each (normalised) address."""
    return normalize_emails(values).str.split("@").str[1].astype("string")


def email_locals(values: pd.Series) -> pd.Series:
    """The local part of each (normalised) address."""
    return normalize_emails(values).str.split("@").str[0].astype("string")


def is_role_address(values: pd.Series) -> pd.Series:
    """True for shared mailboxes (info@, sales@, …): they name a company, not a person."""
    local = email_locals(values).str.split("+").str[0]
    return local.isin(list(ROLE_LOCAL_PARTS)).fillna(False).astype(bool)


def is_free_mail(values: pd.Series) -> pd.Series:
    """True for addresses at free-mail providers: their domain says nothing about the company."""
    return email_domains(values).isin(list(FREE_MAIL_DOMAINS)).fillna(False).astype(bool)


# ---------------------------------------------------------------------------------- companies

# A bracketed qualifier after the name ("Acme (UK) Ltd", "Acme [old]"); a leading bracket
# holds the name itself and only loses its bracket characters.
_BRACKETS = re.compile(r"(?<=\S)\s*(\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\})")
_BRACKET_CHARS = re.compile(r"[()\[\]{}]")
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_LEADING_THE = re.compile(r"^the\s+")
# Long legal forms cleanco does not know, rewritten to the short form it strips.
_LONG_FORMS = (
    (re.compile(r"\bpublic limited company\b", re.IGNORECASE), "PLC"),
    (re.compile(r"\bpublic company limited\b", re.IGNORECASE), "PCL"),
    (re.compile(r"\blimited liability company\b", re.IGNORECASE), "LLC"),
    (re.compile(r"\blimited liability partnership\b", re.IGNORECASE), "LLP"),
    (re.compile(r"\bprivate limited\b", re.IGNORECASE), "Pvt Ltd"),
    (re.compile(r"\bgesellschaft mit beschr(ä|ae|a)nkter haftung\b", re.IGNORECASE), "GmbH"),
    (re.compile(r"\baktiengesellschaft\b", re.IGNORECASE), "AG"),
    (re.compile(r"\bsociedad an(ó|o)nima\b", re.IGNORECASE), "SA"),
    (re.compile(r"\bsociedade an(ô|o)nima\b", re.IGNORECASE), "SA"),
    (re.compile(r"\bsociedad limitada\b", re.IGNORECASE), "SL"),
    (re.compile(r"\blimitada\b", re.IGNORECASE), "Ltda"),
    (re.compile(r"\bsociet(à|a) per azioni\b", re.IGNORECASE), "SpA"),
    (re.compile(r"\bsociet(à|a) a responsabilit(à|a) limitata\b", re.IGNORECASE), "Srl"),
    (re.compile(r"\bsoci(é|e)t(é|e) anonyme\b", re.IGNORECASE), "SA"),
    (
        re.compile(r"\bsoci(é|e)t(é|e) (à|a) responsabilit(é|e) limit(é|e)e\b", re.IGNORECASE),
        "SARL",
    ),
    (
        re.compile(
            r"\bsp(ó|o)(ł|l)ka z ograniczon(ą|a) odpowiedzialno(ś|s)ci(ą|a)\b", re.IGNORECASE
        ),
        "Sp. z o.o.",
    ),
    (re.compile(r"\bsp(ó|o)(ł|l)ka akcyjna\b", re.IGNORECASE), "SA"),
    (re.compile(r"\bbesloten vennootschap\b", re.IGNORECASE), "BV"),
    (re.compile(r"\bnaamloze vennootschap\b", re.IGNORECASE), "NV"),
    (re.compile(r"\baksjeselskap\b", re.IGNORECASE), "AS"),
    (re.compile(r"\baktiebolag\b", re.IGNORECASE), "AB"),
    (re.compile(r"\bosakeyhti(ö|o)\b", re.IGNORECASE), "Oy"),
    (re.compile(r"\bkabushiki kaisha\b", re.IGNORECASE), "KK"),
    (re.compile(r"\bg(ō|o)d(ō|o) kaisha\b", re.IGNORECASE), "GK"),
    (re.compile(r"\banonim (ş|s)irketi\b", re.IGNORECASE), "AS"),
)
# One search says whether any long form is there at all (most names have none).
_ANY_LONG_FORM = re.compile("|".join(f"(?:{p.pattern})" for p, _ in _LONG_FORMS), re.IGNORECASE)
# "GmbH und Co. KG", "GmbH et Co. KG": the "&" of cleanco's form, written out.
_CO_CONNECTOR = re.compile(r"\s+(?:und|and|et|\+)\s+(?=co\b)", re.IGNORECASE)
# Turkey's limited company, which cleanco does not know: "Ltd. Şti." / "Limited Şirketi".
_TURKISH_LIMITED = re.compile(
    r",?\s+(?:ltd\.?\s*(?:ş|s)ti\.?|limited\s+(?:ş|s)irketi)\s*$", re.IGNORECASE
)
# "Barth und Preiss", "Rangel et Chávez", "Kowal y Wierzbicki": a connector between two names
# is the "&" of another language.
_CONNECTORS = re.compile(r"(?<=\w) (und|et|y|e|og|och|en|ve) (?=\w)")
# Organisational words that are not legal forms (cleanco keeps them) but vary freely.
_TRAILING_ORG_WORDS = re.compile(r"\s+(group|grp)$")


@functools.lru_cache(maxsize=1 << 20)
def company_key(value: str) -> str | None:
    """Comparison key for one company name: no legal suffix, brackets, punctuation or leading The.

    Cached per process: cleanco is the slowest step of near-duplicate finding, and the same
    names come back (leads, contacts' accounts and accounts; the report and the explorer).
    Bracketed parts are removed *before* cleanco: cleanco treats a closing bracket as trailing
    punctuation and returns ``"Acme (UK"`` for ``"Acme (UK) Ltd"`` (tests/matching pins this).
    """
    text = _BRACKET_CHARS.sub(" ", _BRACKETS.sub(" ", value))
    if _ANY_LONG_FORM.search(text):
        for pattern, short in _LONG_FORMS:
            text = pattern.sub(short, text)
    text = _CO_CONNECTOR.sub(" & ", text)
    text = _TURKISH_LIMITED.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return None
    stripped = strip_legal_suffix(text)
    stripped = strip_legal_suffix(stripped)  # "Acme Co Ltd": one form per pass
    # "&" only now: cleanco's forms hold it ("GmbH & Co. KG"); in a name it is "and".
    text = (stripped or text).replace("&", " and ")
    text = _NON_WORD.sub(" ", text.lower())
    text = _CONNECTORS.sub(" and ", text)
    text = _SPACES.sub(" ", text).strip()
    text = _LEADING_THE.sub("", text)
    text = _TRAILING_ORG_WORDS.sub("", text)
    return text or None


def normalize_companies(values: pd.Series) -> pd.Series:
    """Company keys for a column (see :func:`company_key`)."""
    return _per_distinct(values, company_key)


# ---------------------------------------------------------------------------------- people

# Nickname -> formal first names it can stand for, lower case (common English diminutives).
# A nickname may stand for several names ("sam": Samuel or Samantha); name matching treats two
# first names as the same when their sets of forms intersect.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "bob": ("robert",), "bobby": ("robert",), "rob": ("robert",), "robbie": ("robert",),
    "bill": ("william",), "billy": ("william",), "will": ("william",), "willy": ("william",),
    "liam": ("william",), "rick": ("richard",), "ricky": ("richard",), "dick": ("richard",),
    "rich": ("richard",), "richie": ("richard",), "jim": ("james",), "jimmy": ("james",),
    "jamie": ("james",), "jack": ("john",), "johnny": ("john",), "jon": ("jonathan", "john"),
    "mike": ("michael",), "mikey": ("michael",), "mick": ("michael",), "liz": ("elizabeth",),
    "lizzie": ("elizabeth",), "beth": ("elizabeth",), "betsy": ("elizabeth",),
    "betty": ("elizabeth",), "eliza": ("elizabeth",), "maggie": ("margaret",),
    "peggy": ("margaret",), "meg": ("margaret",), "kate": ("katherine", "catherine"),
    "kathy": ("katherine", "kathleen"), "katie": ("katherine", "kathleen"),
    "kat": ("katherine",), "cathy": ("catherine",), "cat": ("catherine",),
    "pat": ("patricia", "patrick"), "patty": ("patricia",), "trish": ("patricia",),
    "jen": ("jennifer",), "jenny": ("jennifer",), "joe": ("joseph",), "joey": ("joseph",),
    "tom": ("thomas",), "tommy": ("thomas",), "charlie": ("charles",), "chuck": ("charles",),
    "chris": ("christopher", "christine", "christina", "christian"), "dan": ("daniel",),
    "danny": ("daniel",), "matt": ("matthew",), "tony": ("anthony",), "don": ("donald",),
    "donny": ("donald",), "steve": ("steven", "stephen"), "stevie": ("steven", "stephen"),
    "andy": ("andrew",), "drew": ("andrew",), "josh": ("joshua",), "ken": ("kenneth",),
    "kenny": ("kenneth",), "tim": ("timothy",), "timmy": ("timothy",), "ron": ("ronald",),
    "ronnie": ("ronald",), "ed": ("edward",), "eddie": ("edward",), "ted": ("edward",),
    "teddy": ("edward", "theodore"), "jeff": ("jeffrey",), "nick": ("nicholas",),
    "nicky": ("nicholas", "nicole"), "larry": ("lawrence",), "ben": ("benjamin",),
    "benny": ("benjamin",), "sam": ("samuel", "samantha"), "sammy": ("samuel", "samantha"),
    "greg": ("gregory",), "alex": ("alexander", "alexandra", "alexis"), "al": ("albert", "alan"),
    "ray": ("raymond",), "becky": ("rebecca",), "debbie": ("deborah", "debra"),
    "deb": ("deborah", "debra"), "sue": ("susan",), "susie": ("susan",), "kim": ("kimberly",),
    "steph": ("stephanie",), "vicky": ("victoria",), "tori": ("victoria",), "pam": ("pamela",),
    "abby": ("abigail",), "nate": ("nathan",), "zach": ("zachary",), "zack": ("zachary",),
    "jerry": ("gerald", "jeremy"), "doug": ("douglas",), "terry": ("theresa", "terence"),
    "fran": ("frances", "francis"), "judy": ("judith",), "jackie": ("jacqueline",),
    "walt": ("walter",), "gene": ("eugene",), "russ": ("russell",), "vince": ("vincent",),
    "harry": ("harold", "henry"), "hal": ("harold",), "pete": ("peter",), "jake": ("jacob",),
    "dave": ("david",), "davy": ("david",), "fred": ("frederick",), "freddie": ("frederick",),
    "frank": ("francis", "franklin"), "sandy": ("sandra",), "cindy": ("cynthia",),
    "mandy": ("amanda",), "gabe": ("gabriel",), "phil": ("philip", "phillip"),
    "hank": ("henry",), "ollie": ("oliver",), "wes": ("wesley",), "stu": ("stuart",),
    "cliff": ("clifford",), "len": ("leonard",), "lenny": ("leonard",), "art": ("arthur",),
    "marty": ("martin",), "randy": ("randall",), "gerry": ("gerald",), "sally": ("sarah",),
    "molly": ("mary",), "ginny": ("virginia",), "connie": ("constance",), "dot": ("dorothy",),
    "dottie": ("dorothy",), "lou": ("louis",), "bernie": ("bernard",), "lori": ("lorraine",),
}  # fmt: skip


@dataclass(frozen=True)
class FirstNameLinks:
    """Which first names can be one person's: crmkit's ``NICKNAMES`` beside the ``nicknames``
    package's names.csv (2,692 hand-curated US given-name/nickname pairs, Apache-2.0).

    ``direct[name]``: the names the package lists with it, either way round (Ned/Edward,
    Thom/Thomas). ``formal[name]``: the formal names it is a short form of, crmkit's first (in
    its order), then the package's (the one with most nicknames first); two names sharing one
    are one person's (Kate/Kathy: Katherine). A name the package gives nicknames of its own is a
    formal name: it takes no formal forms from the package, whose rows also run the other way
    (robert has_nickname bob, bob has_nickname robert; ann is listed as short for roseann) —
    otherwise Robert and William would meet through "bill", Ann and Rosie through "roseann".
    """

    formal: dict[str, tuple[str, ...]]
    direct: dict[str, frozenset[str]]

    def first_form(self, token: str) -> str:
        """One formal form, for blocking keys: the first of ``formal``, else the name itself."""
        forms = self.formal.get(token, ())
        return forms[0] if forms else token


@functools.cache
def first_name_links() -> FirstNameLinks:
    """The links above, built once per process from the package's names.csv."""
    namer = NickNamer()
    canonicals = namer.canonical_lookup  # nickname -> the names it is a nickname of
    nicknames = namer.nickname_lookup  # name -> its nicknames
    size = {name: len(nicks) for name, nicks in nicknames.items()}
    formal: dict[str, tuple[str, ...]] = {}
    for name in set(NICKNAMES) | set(canonicals):
        own = NICKNAMES.get(name, ())
        theirs = set() if name in nicknames else canonicals.get(name, set()) - set(own)
        ordered = sorted(theirs - {name}, key=lambda n: (-size.get(n, 0), n))
        if own or ordered:
            formal[name] = (*own, *ordered)
    direct: dict[str, set[str]] = {}
    for name, nicks in nicknames.items():
        for nick in nicks - {name}:
            direct.setdefault(name, set()).add(nick)
            direct.setdefault(nick, set()).add(name)
    return FirstNameLinks(formal, {k: frozenset(v) for k, v in direct.items()})


def _clean_token(value: str) -> str:
    return re.sub(r"[^\w'-]", "", value.strip().lower())


def first_name_forms(value: str) -> tuple[str, ...]:
    """The first name itself (lower case) and the formal names it can be a nickname for."""
    token = _clean_token(value)
    if not token:
        return ()
    return (token, *NICKNAMES.get(token, ()))


def first_name_key(value: str) -> str | None:
    """One canonical form: the first formal name for a nickname, else the name itself."""
    forms = first_name_forms(value)
    if not forms:
        return None
    return forms[1] if len(forms) > 1 else forms[0]


def _name_parts(value: str) -> tuple[str | None, str | None]:
    name = HumanName(value)
    first = _clean_token(name.first) if name.first else None
    last = _clean_token(name.last) if name.last else None
    return (first or None), (last or None)


def normalize_person_names(
    full: pd.Series | None = None,
    first: pd.Series | None = None,
    last: pd.Series | None = None,
) -> pd.DataFrame:
    """Columns ``first_token`` (as written), ``first_key`` (nickname -> formal name),
    ``last_key`` and ``name_key`` ("first last") for each person.

    Separate First/Last columns are used as given (nicknames mapped); a single full-name column
    is parsed with nameparser (titles, suffixes, "Last, First" order handled there).
    """
    if first is not None or last is not None:
        index = (first if first is not None else last).index  # type: ignore[union-attr]
        f = _per_distinct(first, lambda v: _clean_token(v) or None) if first is not None else None
        lk = _per_distinct(last, lambda v: _clean_token(v) or None) if last is not None else None
        empty = pd.Series(pd.NA, index=index, dtype="string")
        f = f if f is not None else empty
        lk = lk if lk is not None else empty
    elif full is not None:
        s = _text(full)
        uniq = s.dropna().unique()
        parsed = {v: _name_parts(str(v)) for v in uniq}
        f = s.map({k: p[0] for k, p in parsed.items()}, na_action="ignore").astype("string")
        lk = s.map({k: p[1] for k, p in parsed.items()}, na_action="ignore").astype("string")
    else:
        raise ValueError("normalize_person_names needs full names or first/last names")
    token = f
    f = _per_distinct(token, first_name_key)
    name = (f.fillna("") + " " + lk.fillna("")).str.strip().astype("string")
    return pd.DataFrame(
        {
            "first_token": token,
            "first_key": f,
            "last_key": lk,
            "name_key": name.mask(name == ""),
        },
        index=f.index,
    )
