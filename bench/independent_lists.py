"""Word lists of the independent labelled org (bench/independent_org.py), written for it alone.

Nothing here is taken from crmkit: people's names come from Faker's per-locale data (a public
source shipped in the `faker` package); the countries' legal forms, number plans, mail domains,
nicknames and spelling variants below were written for this builder, so a rule crmkit's matcher
learned from its own generator gets no help from them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    """One country: its Faker locale, calling code, trunk prefix, number plans and company words.

    A number plan is a national significant number pattern: digits stand for themselves, ``d``
    for any digit, ``n`` for 2-9 (subscriber numbers rarely start with 0 or 1).
    """

    code: str
    locale: str
    weight: float
    calling: str
    trunk: str  # what a national number starts with ("0", "06", or "" where none is dialled)
    fixed: tuple[str, ...]
    mobile: tuple[str, ...]
    tld: str
    legal_forms: tuple[tuple[str, ...], ...]  # per form: the usual spelling first, then variants
    free_mail: tuple[str, ...]
    cities: tuple[str, ...]


# The tables below are data, laid out to be read as tables.
# fmt: off
COUNTRIES: tuple[Country, ...] = (
    Country("US", "en_US", 30, "1", "", ("212ndddddd", "415ndddddd", "312ndddddd", "617ndddddd",
            "512ndddddd", "206ndddddd"), ("646ndddddd", "917ndddddd", "310ndddddd"), "com",
            (("Inc.", "Inc", "Incorporated"), ("LLC", "L.L.C."), ("Corp.", "Corporation")),
            ("gmail.com", "yahoo.com", "outlook.com", "aol.com"),
            ("New York", "San Francisco", "Chicago", "Boston", "Austin", "Seattle")),
    Country("GB", "en_GB", 7, "44", "0", ("207ddddddd", "161ndddddd"), ("74dddddddd",), "co.uk",
            (("Ltd", "Ltd.", "Limited"), ("PLC", "plc", "Public Limited Company")),
            ("gmail.com", "btinternet.com", "yahoo.co.uk", "hotmail.co.uk"),
            ("London", "Manchester", "Leeds", "Bristol")),
    Country("IE", "en_IE", 2, "353", "0", ("1ndddddd",), ("85ddddddd", "87ddddddd"), "ie",
            (("Ltd", "Limited"), ("DAC", "Designated Activity Company")),
            ("gmail.com", "eircom.net"), ("Dublin", "Cork", "Galway")),
    Country("DE", "de_DE", 8, "49", "0", ("30nddddddd", "89nddddddd", "40nddddddd"),
            ("151dddddddd", "176dddddddd"), "de",
            (("GmbH", "G.m.b.H.", "Gesellschaft mit beschränkter Haftung"),
             ("AG", "Aktiengesellschaft"), ("GmbH & Co. KG", "GmbH & Co KG")),
            ("web.de", "gmx.de", "t-online.de", "gmail.com"),
            ("Berlin", "München", "Hamburg", "Köln", "Düsseldorf")),
    Country("AT", "de_AT", 2, "43", "0", ("1nddddddd",), ("664ddddddd", "676ddddddd"), "at",
            (("GmbH", "Ges.m.b.H.", "Gesellschaft mbH"), ("AG", "Aktiengesellschaft")),
            ("gmx.at", "aon.at", "gmail.com"), ("Wien", "Graz", "Linz", "Salzburg")),
    Country("CH", "de_CH", 2, "41", "0", ("44ndddddd", "22ndddddd"), ("79ddddddd", "78ddddddd"),
            "ch", (("AG", "A.G."), ("GmbH", "G.m.b.H."), ("SA", "S.A.")),
            ("bluewin.ch", "gmx.ch", "gmail.com"), ("Zürich", "Genève", "Basel", "Bern")),
    Country("FR", "fr_FR", 6, "33", "0", ("14ddddddd", "42ddddddd"), ("61ddddddd", "75ddddddd"),
            "fr", (("SAS", "S.A.S."), ("SARL", "S.A.R.L."), ("SA", "S.A.", "Société Anonyme")),
            ("orange.fr", "free.fr", "laposte.net", "gmail.com"),
            ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes")),
    Country("ES", "es_ES", 4, "34", "", ("91ndddddd", "93ndddddd"), ("6nddddddd",), "es",
            (("S.L.", "SL", "Sociedad Limitada"), ("S.A.", "SA", "Sociedad Anónima")),
            ("gmail.com", "hotmail.es", "telefonica.net"),
            ("Madrid", "Barcelona", "Valencia", "Sevilla")),
    Country("IT", "it_IT", 4, "39", "", ("06ndddddd", "02ndddddd"), ("32dddddddd", "34dddddddd"),
            "it", (("S.r.l.", "Srl", "SRL"), ("S.p.A.", "SpA", "Società per Azioni")),
            ("libero.it", "virgilio.it", "gmail.com"), ("Roma", "Milano", "Torino", "Bologna")),
    Country("NL", "nl_NL", 3, "31", "0", ("20ndddddd", "10ndddddd"), ("61ddddddd",), "nl",
            (("B.V.", "BV", "Besloten Vennootschap"), ("N.V.", "NV")),
            ("ziggo.nl", "kpnmail.nl", "gmail.com"), ("Amsterdam", "Rotterdam", "Utrecht")),
    Country("PT", "pt_PT", 1, "351", "", ("21ndddddd",), ("91ddddddd", "93ddddddd"), "pt",
            (("Lda.", "Lda", "Limitada"), ("S.A.", "SA")), ("sapo.pt", "gmail.com"),
            ("Lisboa", "Porto", "Braga")),
    Country("BR", "pt_BR", 4, "55", "0", ("113ddddddd", "212ddddddd"), ("119dddddddd",
            "219dddddddd"), "com.br", (("Ltda.", "Ltda", "Limitada"), ("S.A.", "S/A")),
            ("uol.com.br", "bol.com.br", "gmail.com"), ("São Paulo", "Rio de Janeiro", "Curitiba")),
    Country("MX", "es_MX", 3, "52", "", ("55nddddddd", "33nddddddd"), ("55nddddddd",), "com.mx",
            (("S.A. de C.V.", "SA de CV", "S.A. de C.V"), ("S. de R.L.", "S de RL")),
            ("hotmail.com", "gmail.com", "prodigy.net.mx"), ("Ciudad de México", "Guadalajara")),
    Country("SE", "sv_SE", 2, "46", "0", ("8nddddddd",), ("70ddddddd", "73ddddddd"), "se",
            (("AB", "Aktiebolag"),), ("telia.com", "gmail.com"),
            ("Stockholm", "Göteborg", "Malmö")),
    Country("DK", "da_DK", 1, "45", "", ("33nddddd",), ("2nnddddd", "4nnddddd"), "dk",
            (("A/S", "AS", "Aktieselskab"), ("ApS", "Anpartsselskab")), ("mail.dk", "gmail.com"),
            ("København", "Aarhus", "Odense")),
    Country("NO", "no_NO", 1, "47", "", ("22dddddd",), ("90dddddd", "41dddddd"), "no",
            (("AS", "A/S", "Aksjeselskap"), ("ASA",)), ("online.no", "gmail.com"),
            ("Oslo", "Bergen", "Trondheim")),
    Country("FI", "fi_FI", 1, "358", "0", ("94dddddd",), ("40ddddddd", "50ddddddd"), "fi",
            (("Oy", "Oy Ab", "Osakeyhtiö"), ("Oyj",)), ("elisanet.fi", "gmail.com"),
            ("Helsinki", "Espoo", "Tampere")),
    Country("CZ", "cs_CZ", 1, "420", "", ("2nddddddd",), ("602dddddd", "77ddddddd"), "cz",
            (("s.r.o.", "s. r. o.", "spol. s r.o."), ("a.s.", "a. s.")), ("seznam.cz", "gmail.com"),
            ("Praha", "Brno", "Ostrava")),
    Country("HU", "hu_HU", 1, "36", "06", ("1ndddddd",), ("20ddddddd", "30ddddddd"), "hu",
            (("Kft.", "Kft", "Korlátolt Felelősségű Társaság"), ("Zrt.", "Zrt")),
            ("freemail.hu", "gmail.com"), ("Budapest", "Debrecen", "Szeged")),
    Country("RO", "ro_RO", 1, "40", "0", ("21ndddddd",), ("72ddddddd", "74ddddddd"), "ro",
            (("S.R.L.", "SRL"), ("S.A.", "SA")), ("yahoo.ro", "gmail.com"),
            ("București", "Cluj-Napoca", "Iași")),
    Country("TR", "tr_TR", 2, "90", "0", ("212ndddddd", "216ndddddd"),
            ("532ddddddd", "542ddddddd"), "com.tr",
            (("A.Ş.", "A.S.", "Anonim Şirketi"), ("Ltd. Şti.", "Limited Şirketi")),
            ("hotmail.com", "gmail.com"), ("İstanbul", "Ankara", "İzmir")),
    Country("IN", "en_IN", 6, "91", "0", ("112ddddddd", "226ddddddd"),
            ("98dddddddd", "99dddddddd", "70dddddddd"), "in",
            (("Pvt. Ltd.", "Private Limited", "Pvt Ltd"), ("Ltd.", "Limited")),
            ("rediffmail.com", "gmail.com", "yahoo.co.in"),
            ("Mumbai", "Bengaluru", "New Delhi", "Chennai", "Pune")),
    Country("JP", "ja_JP", 3, "81", "0", ("3nddddddd",), ("903ddddddd", "803ddddddd"), "co.jp",
            (("K.K.", "Kabushiki Kaisha", "Co., Ltd."), ("G.K.", "Godo Kaisha")),
            ("yahoo.co.jp", "docomo.ne.jp", "gmail.com"), ("Tokyo", "Osaka", "Yokohama")),
    Country("PL", "pl_PL", 2, "48", "", ("22ndddddd",), ("50ddddddd", "60ddddddd",
            "79ddddddd"), "pl",
            (("Sp. z o.o.", "sp. z o.o.", "Spółka z ograniczoną odpowiedzialnością"),
             ("S.A.", "SA")),
            ("wp.pl", "onet.pl", "o2.pl", "gmail.com"), ("Warszawa", "Kraków", "Wrocław")),
)

# Company name words: invented brand words, and sector words in several languages.
BRANDS: tuple[str, ...] = (
    "Altura", "Bluefin", "Crescent", "Kestrel", "Solano", "Brightwater", "Ironbridge", "Lumen",
    "Cobalt", "Aurora", "Granite", "Helix", "Juniper", "Meridian", "Northstar", "Orchid",
    "Pinnacle", "Quarry", "Redwood", "Sable", "Tamarind", "Umbra", "Vireo", "Willow", "Yarrow",
    "Zephyr", "Nordlicht", "Seeblick", "Bergwerk", "Lichtweg", "Azur", "Soleil", "Mistral",
    "Estrella", "Girasol", "Olivo", "Aquila", "Fenice", "Stella", "Tulip", "Polder", "Fjord",
    "Aurum", "Sakura", "Fuji", "Kaveri", "Ganga", "Everest", "Andes", "Atlas", "Borealis",
    "Caldera", "Delta", "Equinox", "Falcon", "Glacier", "Harbor", "Indigo", "Jade", "Krona",
    "Lotus", "Magnolia", "Nimbus", "Onyx", "Prairie", "Quasar", "Riverstone", "Saffron",
    "Terra", "Ultramarine", "Vega", "Wavecrest", "Zenith", "Amber", "Basalt", "Cedar", "Dune",
)
SECTORS: tuple[str, ...] = (
    "Logistics", "Systems", "Analytics", "Consulting", "Engineering", "Foods", "Pharma",
    "Robotics", "Media", "Textiles", "Energy", "Solar", "Biotech", "Capital", "Insurance",
    "Software", "Networks", "Optics", "Motors", "Chemicals", "Design", "Labs", "Partners",
    "Holdings", "Services", "Technologies", "Trading", "Marine", "Aerospace", "Dental",
    "Logistik", "Maschinenbau", "Technik", "Bau", "Elektro", "Immobilien", "Werkzeuge",
    "Conseil", "Transports", "Industries", "Construcciones", "Alimentos", "Servicios",
    "Costruzioni", "Meccanica", "Arredamenti", "Bouw", "Installatie", "Teknik", "Data",
)

# People at one company write its e-mail addresses one way; these are the usual ways.
EMAIL_PATTERNS: tuple[str, ...] = ("first.last", "flast", "first", "firstl", "first_last")
ROLE_MAILBOXES: tuple[str, ...] = (
    "info", "sales", "contact", "office", "hello", "support", "kontakt", "vertrieb", "ventas",
)

# Nicknames and short forms people give instead of their formal first name, several languages.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Will", "Liam"), "Robert": ("Bob", "Rob", "Bobby"),
    "Richard": ("Rick", "Rich", "Dick"), "Elizabeth": ("Liz", "Beth", "Betty"),
    "Margaret": ("Maggie", "Peggy", "Meg"), "Katherine": ("Kate", "Kathy"),
    "Alexander": ("Alex", "Sasha"), "Michael": ("Mike", "Mick"), "James": ("Jim", "Jimmy"),
    "Joseph": ("Joe", "Joey"), "Thomas": ("Tom", "Tommy"), "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"), "Matthew": ("Matt",), "Anthony": ("Tony",),
    "Jennifer": ("Jen", "Jenny"), "Patricia": ("Pat", "Trish"), "Susan": ("Sue",),
    "Edward": ("Ed", "Ted"), "Charles": ("Charlie", "Chuck"), "Nicholas": ("Nick",),
    "Benjamin": ("Ben",), "Samuel": ("Sam",), "Andrew": ("Andy", "Drew"), "Jonathan": ("Jon",),
    "Steven": ("Steve",), "Stephen": ("Steve",), "Timothy": ("Tim",), "Gregory": ("Greg",),
    "Deborah": ("Debbie",), "Rebecca": ("Becky",), "Victoria": ("Vicky",), "David": ("Dave",),
    "Johannes": ("Hannes",), "Friedrich": ("Fritz",), "Katharina": ("Kathi", "Katja"),
    "Franziska": ("Franzi",), "Maximilian": ("Max",), "Andreas": ("Andi",),
    "Matthias": ("Matze",), "Giuseppe": ("Beppe", "Peppe"), "Francesco": ("Franco",),
    "Giovanni": ("Gianni",), "Antonio": ("Toni",), "José": ("Pepe",), "Francisco": ("Paco",),
    "Manuel": ("Manolo",), "Ignacio": ("Nacho",), "Roberto": ("Beto",),
    "Alejandro": ("Alex",), "Eduardo": ("Edu",), "Frédéric": ("Fred",), "Katarzyna": ("Kasia",),
    "Małgorzata": ("Gosia",), "Wojciech": ("Wojtek",), "Magdalena": ("Magda",),
    "Kristoffer": ("Kris",), "Fredrik": ("Fred",), "Rajesh": ("Raj",),
    "Venkatesh": ("Venky",), "Jessica": ("Jess",), "Kimberly": ("Kim",), "Barbara": ("Barb",),
    "Jacqueline": ("Jackie",), "Dorothy": ("Dot",), "Frances": ("Fran",), "Lawrence": ("Larry",),
    "Raymond": ("Ray",), "Ronald": ("Ron",), "Donald": ("Don",), "Kenneth": ("Ken",),
    "Douglas": ("Doug",), "Patrick": ("Pat",), "Peter": ("Pete",), "Jeffrey": ("Jeff",),
}

# Names spelt more than one way; a person's two records may use two of them.
SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("Mohammed", "Muhammad", "Mohamed", "Mohammad"), ("Catherine", "Katherine", "Kathryn"),
    ("Stephen", "Steven"), ("Sara", "Sarah"), ("Philip", "Phillip"), ("Jon", "John"),
    ("Ann", "Anne"), ("Eric", "Erik"), ("Carl", "Karl"), ("Nicolas", "Nicholas", "Nikolas"),
    ("Jakob", "Jacob"), ("Sofia", "Sophia"), ("Isabel", "Isabelle"), ("Schmidt", "Schmitt"),
    ("Meyer", "Meier", "Maier", "Mayer"), ("Nielsen", "Nilsen"), ("Petersen", "Pedersen"),
    ("Hansen", "Hanson"), ("Andersen", "Anderson"), ("Thomson", "Thompson"), ("Reid", "Reed"),
    ("Gray", "Grey"), ("Gonzalez", "Gonzales"), ("Lefebvre", "Lefèvre"), ("Elisabeth",
    "Elizabeth"), ("Christina", "Kristina"), ("Claudia", "Klaudia"), ("Marc", "Mark"),
    ("Alan", "Allan", "Allen"), ("Brian", "Bryan"), ("Geoffrey", "Jeffrey"), ("Teresa",
    "Theresa"), ("Lindsay", "Lindsey"), ("Ashley", "Ashleigh"),
)

# German and Nordic letters people replace by two letters when a keyboard lacks them.
TRANSLITERATIONS: dict[str, str] = {
    "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "å": "aa",
    "ø": "oe", "æ": "ae",
}
# Neighbouring keys on a QWERTY keyboard: the letters a slip of the finger gives instead.
KEY_NEIGHBOURS: dict[str, str] = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x",
}
TITLES: tuple[str, ...] = (
    "CEO", "CFO", "Head of Sales", "Account Manager", "Engineer", "Buyer", "Office Manager",
    "Marketing Lead", "Procurement", "Director", "Analyst", "Founder",
)
INDUSTRIES: tuple[str, ...] = (
    "Technology", "Manufacturing", "Healthcare", "Retail", "Finance", "Logistics", "Energy",
)
# fmt: on
