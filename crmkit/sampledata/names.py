"""Word lists for the sample org.

Pools are split on purpose: contacts take last names from ``CONTACT_LAST_NAMES``
and unplanted leads from ``LEAD_LAST_NAMES`` (disjoint), and accounts take company
nouns from ``ACCOUNT_NOUNS`` while unplanted leads use ``LEAD_NOUNS``. That keeps
accidental exact matches out of the sample org, so every match in the ground
truth is one the generator planted on purpose.
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony",
    "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily",
    "Paul", "Donna", "Joshua", "Michelle", "Kenneth", "Carol", "Kevin", "Amanda", "Brian",
    "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca", "Edward", "Sharon",
    "Jason", "Laura", "Jeffrey", "Cynthia", "Ryan", "Kathleen", "Jacob", "Amy", "Gary", "Angela",
    "Nicholas", "Shirley", "Eric", "Anna", "Jonathan", "Brenda", "Stephen", "Pamela", "Larry",
    "Emma", "Justin", "Nicole", "Scott", "Helen", "Brandon", "Samantha", "Benjamin", "Katherine",
    "Samuel", "Christine", "Gregory", "Debra", "Alexander", "Rachel", "Frank", "Carolyn", "Raymond",
    "Janet", "Patrick", "Catherine", "Jack", "Maria", "Dennis", "Heather", "Jerry", "Diane",
    "Tyler", "Ruth", "Aaron", "Julie", "Jose", "Olivia", "Adam", "Joyce", "Nathan", "Virginia",
    "Henry", "Victoria", "Douglas", "Kelly", "Zachary", "Lauren", "Peter", "Christina", "Kyle",
    "Joan", "Ethan", "Evelyn", "Walter", "Judith", "Noah", "Megan", "Jeremy", "Andrea", "Christian",
    "Cheryl", "Keith", "Hannah", "Roger", "Jacqueline", "Terry", "Martha", "Gerald", "Gloria",
    "Harold", "Teresa", "Sean", "Ann", "Austin", "Sara", "Carl", "Madison", "Arthur", "Frances",
    "Lawrence", "Kathryn", "Dylan", "Janice", "Jesse", "Jean", "Jordan", "Abigail", "Bryan",
    "Alice", "Billy", "Judy", "Bruce", "Sophia", "Gabriel", "Grace", "Joe", "Denise", "Logan",
    "Amber",
    "Albert", "Doris", "Willie", "Marilyn", "Alan", "Danielle", "Juan", "Beverly", "Wayne",
    "Isabella", "Elijah", "Theresa", "Randy", "Diana", "Roy", "Natalie", "Vincent", "Brittany",
    "Ralph", "Charlotte", "Eugene", "Marie", "Russell", "Kayla", "Bobby", "Alexis", "Mason", "Lori",
    "Priya", "Arjun", "Ananya", "Rahul", "Kavya", "Vikram", "Meera", "Rohan", "Aditi", "Sanjay",
    "Wei", "Mei", "Hiroshi", "Yuki", "Carlos", "Lucia", "Mateo", "Sofia", "Ahmed", "Fatima",
)  # fmt: skip

# Formal first name -> diminutives people also go by (planted as near-duplicates). Written for
# the generator from its own first names, not taken from crmkit.normalize: a matcher measured on
# this sample must not be graded on the list it was built with (tests/sampledata pins that).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Robbie", "Bert"), "William": ("Bill", "Wills", "Liam"),
    "Richard": ("Rick", "Richie", "Dickie"), "James": ("Jim", "Jamie", "Jem"),
    "John": ("Johnny", "Jock"), "Michael": ("Mike", "Mikey", "Mickey"),
    "Elizabeth": ("Liz", "Libby", "Elsie", "Lisbeth"),
    "Margaret": ("Maggie", "Greta", "Madge", "Marge"),
    "Katherine": ("Kate", "Kit", "Kay"), "Catherine": ("Cathy", "Cate"),
    "Patricia": ("Patty", "Tricia"), "Jennifer": ("Jen", "Jenna"),
    "Joseph": ("Joey", "Jos", "Joss"),
    "Thomas": ("Tom", "Thom", "Tam"), "Charles": ("Charlie", "Chas", "Chaz"),
    "Christopher": ("Chris", "Topher"), "Daniel": ("Danny", "Dane"), "Matthew": ("Matt", "Matty"),
    "Anthony": ("Tony", "Ant"), "Donald": ("Don", "Donnie"), "Steven": ("Steve", "Stevo"),
    "Andrew": ("Andy", "Dre"), "Joshua": ("Josh",), "Kenneth": ("Ken", "Kenny"),
    "Timothy": ("Tim", "Timmy"), "Ronald": ("Ron", "Ronnie"), "Edward": ("Ted", "Ned"),
    "Jeffrey": ("Jeff",), "Nicholas": ("Nick", "Nico"), "Jonathan": ("Jonty",),
    "Lawrence": ("Larry", "Laurie"), "Benjamin": ("Ben", "Benji"), "Samuel": ("Sam", "Sammy"),
    "Gregory": ("Greg", "Gregg"), "Alexander": ("Alex", "Xander"), "Samantha": ("Sammie",),
    "Patrick": ("Pat", "Paddy"), "Rebecca": ("Becky", "Becca"), "Deborah": ("Debbie",),
    "Susan": ("Sue", "Suzy"), "Kimberly": ("Kim", "Kimmy"), "Stephanie": ("Steph",),
    "Christine": ("Chrissy", "Tina"), "Victoria": ("Vicky", "Vic"), "Pamela": ("Pam", "Pammy"),
    "Abigail": ("Abby", "Gail"), "Nathan": ("Nate", "Nat"), "Zachary": ("Zach", "Zak"),
    "Gerald": ("Gerry",), "Douglas": ("Doug", "Dougie"), "Theresa": ("Tess", "Tessa"),
    "Frances": ("Fran", "Fanny"), "Judith": ("Judy", "Jude"), "Jacqueline": ("Jackie", "Jacqui"),
    "Walter": ("Walt", "Wally"), "Russell": ("Russ", "Rusty"), "Vincent": ("Vince", "Vinnie"),
    "Albert": ("Bertie",), "Harold": ("Hal",), "Peter": ("Pete",), "Jacob": ("Jake", "Jay"),
    "Alice": ("Allie",), "Isabella": ("Bella", "Izzy"), "Charlotte": ("Lottie",),
    "Olivia": ("Liv", "Livvy"), "Henry": ("Hank",), "Arthur": ("Artie",), "Virginia": ("Ginny",),
    "Evelyn": ("Evie",), "Natalie": ("Talia",), "Mateo": ("Teo",), "Lucia": ("Lucy",),
    "Emily": ("Em", "Emmy"), "Madison": ("Maddie",), "Jessica": ("Jess", "Jessie"),
    "Amanda": ("Mandy", "Manda"), "Melissa": ("Mel", "Missy"), "Cynthia": ("Cindy",),
    "Kathleen": ("Kath",), "Michelle": ("Shelly",), "Christina": ("Chrissie",),
    "Nicole": ("Nikki",), "Dennis": ("Denny",),
}  # fmt: skip

CONTACT_LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres",
    "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell",
    "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker",
    "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook",
    "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly",
    "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez", "Wood",
    "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez", "Castillo",
    "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Powell", "Jenkins", "Perry",
    "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes", "Gonzales", "Fisher",
    "Vasquez", "Simmons", "Romero", "Jordan", "Patterson", "Alexander", "Hamilton", "Graham",
    "Reynolds", "Griffin", "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera",
    "Gibson", "Ellis", "Tran", "Medina", "Aguilar", "Stevens", "Murray", "Ford", "Castro",
    "Marshall", "Owens", "Harrison", "Fernandez", "McDonald", "Woods", "Washington", "Kennedy",
    "Wells", "Vargas", "Henry", "Chen", "Freeman", "Webb", "Tucker", "Guzman", "Burns", "Crawford",
    "Olson", "Simpson", "Porter", "Hunter", "Gordon", "Mendez", "Silva", "Shaw", "Snyder", "Mason",
    "Dixon", "Munoz", "Hunt", "Hicks", "Holmes", "Palmer", "Wagner", "Black", "Robertson", "Boyd",
    "Rose", "Stone", "Salazar", "Fox", "Warren", "Mills", "Meyer", "Rice", "Schmidt", "Garza",
    "Sharma", "Iyer", "Reddy", "Menon", "Nair", "Gupta", "Rao", "Kapoor", "Tanaka", "Sato",
)  # fmt: skip

LEAD_LAST_NAMES: tuple[str, ...] = (
    "Daniels", "Palmer", "Lane", "Austin", "Pierce", "Hudson", "Hawkins", "Grant", "Knight",
    "Ferguson", "Rose", "Stone", "Hawk", "Dunn", "Perkins", "Hudgens", "Spencer", "Gardner",
    "Stephens", "Payne", "Pierce", "Berry", "Matthews", "Arnold", "Wagoner", "Willis", "Ray",
    "Watkins", "Olsen", "Carroll", "Duncan", "Snider", "Hart", "Cunningham", "Bradley", "Lane",
    "Andrews", "Ruizson", "Harper", "Fox", "Riley", "Armstrong", "Carpenter", "Weaver", "Greene",
    "Lawrence", "Elliott", "Chambers", "Kelley", "Franklin", "Lawson", "Fields", "Gutman", "Ryan",
    "Schneider", "Hanson", "Little", "Walsh", "Warner", "Caldwell", "Frost", "Ashby", "Whitaker",
    "Bishop", "Holland", "Fleming", "Jensen", "Vaughn", "Douglas", "Burton", "Lowe", "Chapman",
    "Hoffman", "Oliver", "Montgomery", "Richards", "Williamson", "Johnston", "Banks", "Meyers",
    "Mccoy", "Howell", "Morrison", "Hansen", "Garrett", "Briggs", "Lynch", "Dean", "Gilbert",
    "Barker", "Bowman", "Hale", "Horton", "Sutton", "Nash", "Mcbride", "Wolfe", "Holt", "Bowen",
    "Quinn", "Blake", "Hodges", "Glover", "Cross", "Haynes", "Sherman", "Mullins", "Ingram",
    "Pratt", "Oconnor", "Farmer", "Bates", "Ball", "Ramsey", "Parsons", "Moss", "Lambert",
    "Summers", "Barton", "Gregory", "Bush", "Mcdaniel", "Joshi", "Verma", "Bhat", "Kulkarni",
    "Desai", "Chopra", "Malhotra", "Agarwal", "Yamamoto", "Suzuki", "Watanabe", "Ito", "Nakamura",
    "Kobayashi", "Wang", "Zhang", "Liu", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun",
    "Schultz", "Keller", "Becker", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Kruger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier",
    "Lehmann", "Kohler", "Moretti", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti",
    "Deluca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Barbieri", "Fontana",
)  # fmt: skip

ADJECTIVES: tuple[str, ...] = (
    "Acme", "Apex", "Blue", "Bright", "Cedar", "Coastal", "Crimson", "Crystal", "Delta", "Eagle",
    "Evergreen", "First", "Global", "Golden", "Granite", "Green", "Harbor", "Horizon", "Iron",
    "Keystone", "Liberty", "Lunar", "Maple", "Meridian", "Metro", "Nimbus", "Noble", "North",
    "Nova", "Oak", "Omega", "Orion", "Pacific", "Peak", "Pinnacle", "Pioneer", "Prime", "Quantum",
    "Radiant", "Red", "Redwood", "River", "Rocky", "Sapphire", "Silver", "Sky", "Solar", "Summit",
    "Sun", "Swift", "Terra", "Titan", "Trident", "Union", "United", "Valley", "Vertex", "Vista",
    "West", "Zenith", "Alpine", "Amber", "Atlas", "Aurora", "Beacon", "Bluebird", "Cobalt",
    "Copper", "Falcon", "Frontier", "Galaxy", "Heritage", "Indigo", "Jade", "Lakeside", "Legacy",
    "Magnolia", "Monarch", "Northstar", "Oceanic", "Onyx", "Paragon", "Phoenix", "Polar",
    "Premier", "Riverbend", "Sequoia", "Sterling", "Stonebridge", "Tidewater", "Trinity", "Willow",
)  # fmt: skip

ACCOUNT_NOUNS: tuple[str, ...] = (
    "Analytics", "Biotech", "Logistics", "Systems", "Foods", "Energy", "Robotics", "Labs",
    "Software", "Textiles", "Pharma", "Motors", "Networks", "Solutions", "Dynamics", "Industries",
    "Electronics", "Media", "Capital", "Health", "Supply", "Materials", "Aerospace", "Consulting",
    "Telecom", "Instruments", "Medical", "Outfitters", "Brewing", "Construction",
)  # fmt: skip

LEAD_NOUNS: tuple[str, ...] = (
    "Bakery", "Plumbing", "Studios", "Ventures", "Partners", "Holdings", "Apparel", "Designs",
    "Farms", "Interiors", "Printing", "Travel", "Realty", "Fitness", "Catering", "Landscaping",
    "Dental", "Optics", "Marine", "Furniture", "Packaging", "Coffee", "Cosmetics", "Security",
    "Recycling", "Tutoring", "Events", "Florists", "Woodworks", "Glassworks",
)  # fmt: skip

# Company nouns of the leads planted as duplicates of one another (``batch``): in no other pool,
# so a planted group shares its Company with no lead, contact or account outside the group.
BATCH_NOUNS: tuple[str, ...] = (
    "Kitchens", "Roofing", "Vineyards", "Tailors", "Clinics", "Kennels", "Orchards", "Bicycles",
    "Ceramics", "Pottery", "Saddlery", "Bookbinders", "Locksmiths", "Upholstery", "Chandlers",
    "Cartography", "Beekeeping", "Distillery", "Millworks", "Tannery",
)  # fmt: skip
# Legal forms a planted near twin drops (every normaliser of company names strips these).
BATCH_SUFFIXES: tuple[str, ...] = ("Inc", "LLC", "Ltd", "Corp")

SUFFIXES: tuple[str, ...] = ("Inc", "LLC", "Ltd", "Corp", "Co", "GmbH", "Pvt Ltd", "PLC", "Group")

# Suffix spellings that mean the same legal form but are different strings for Zoho.
SUFFIX_VARIANTS: dict[str, tuple[str, ...]] = {
    "Inc": ("Inc.", "Incorporated", ", Inc."),
    "LLC": ("L.L.C.", "llc.", ", LLC"),
    "Ltd": ("Ltd.", "Limited"),
    "Corp": ("Corp.", "Corporation"),
    "Co": ("Co.", "Company"),
    "GmbH": ("G.m.b.H.",),
    "Pvt Ltd": ("Private Limited", "Pvt. Ltd."),
    "PLC": ("P.L.C.", "Public Limited Company"),
    "Group": ("Grp",),
}

FREE_MAIL: tuple[str, ...] = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com")
# Shared mailboxes people of one company write from, several languages (the generator's own).
ROLE_LOCALS: tuple[str, ...] = (
    "info", "sales", "contact", "office", "hello", "kontakt", "vertrieb", "bonjour", "ventas",
    "enquiries", "bureau",
)  # fmt: skip
AREA_CODES: tuple[int, ...] = (
    201, 212, 213, 224, 267, 303, 305, 312, 313, 347, 404, 408, 415, 425, 469, 503, 512, 602,
    617, 646, 702, 713, 718, 720, 732, 770, 773, 786, 818, 832, 858, 917, 919, 949, 972,
)  # fmt: skip

INDUSTRIES: tuple[str, ...] = (
    "Technology", "Healthcare", "Manufacturing", "Retail", "Financial Services", "Education",
    "Logistics", "Energy", "Food & Beverage", "Real Estate", "Consulting", "Telecommunications",
)  # fmt: skip
LEAD_SOURCES: tuple[str, ...] = (
    "Advertisement", "Cold Call", "Employee Referral", "External Referral", "Online Store",
    "Partner", "Public Relations", "Sales Email Alias", "Seminar Partner", "Internal Seminar",
    "Trade Show", "Web Download", "Web Research", "Chat",
)  # fmt: skip
LEAD_STATUSES: tuple[str, ...] = (
    "Attempted to Contact", "Contact in Future", "Contacted", "Junk Lead", "Lost Lead",
    "Not Contacted", "Pre-Qualified", "Not Qualified",
)  # fmt: skip
TITLES: tuple[str, ...] = (
    "CEO", "CTO", "CFO", "VP Sales", "VP Marketing", "Sales Manager", "Marketing Manager",
    "Operations Manager", "Procurement Lead", "IT Director", "Office Manager", "Founder",
    "Head of Purchasing", "Account Executive", "Engineer", "Analyst", "Consultant",
)  # fmt: skip
REGIONS: tuple[str, ...] = ("North America", "EMEA", "APAC", "LATAM")
TAGS: tuple[str, ...] = (
    "Trade Show 2025", "Webinar", "VIP", "Newsletter", "Cold", "Hot", "Q1 Campaign",
    "Partner Referral", "Reactivation", "Enterprise",
)  # fmt: skip
PRODUCTS: tuple[str, ...] = (
    "Annual License", "Pilot", "Expansion", "Renewal", "Onboarding", "Support Plan", "Hardware",
)  # fmt: skip
OWNERS: tuple[tuple[str, str], ...] = (
    ("Ava", "Raman"), ("Ben", "Okafor"), ("Chloe", "Lindqvist"), ("Dev", "Menon"),
    ("Elena", "Petrova"), ("Farid", "Haddad"), ("Grace", "Liang"), ("Hugo", "Mercier"),
)  # fmt: skip

# Derived pools, computed once for the generator's modules.
FIRST_SET = frozenset(FIRST_NAMES)
CONTACT_LAST_LOWER = frozenset(x.lower() for x in CONTACT_LAST_NAMES)
# First names with a nickname that is not itself a first name (a near-duplicate Zoho misses).
NICKABLE = tuple(f for f, nicks in NICKNAMES.items() if any(x not in FIRST_SET for x in nicks))
ACCOUNT_NOUN_LOWER = frozenset(x.lower() for x in ACCOUNT_NOUNS)
# Unplanted leads' last names: never a contact's, so no lead matches a contact by accident.
LEAD_LAST = tuple(dict.fromkeys(x for x in LEAD_LAST_NAMES if x.lower() not in CONTACT_LAST_LOWER))
