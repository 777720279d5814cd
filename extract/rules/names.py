"""What a party's name looks like, and what around it says it is an organisation.

Language knowledge, not field labels: legal forms (GmbH, Ltd, SARL, S.A.), words that name
an organisation (Systems, Kanzlei, Atelier), template placeholders ("Your Company Name"),
what an address, a contact line or a sentence looks like, company registration numbers,
and the web and mail domains a document prints. A text layer that dropped its spaces
("NordwindGmbH", "HarbourFoodTrading") is read back into words where the document shows
that habit.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

from extract.rules.labels import folded
from schemas.values import CURRENCY_CODES

# legal forms printed after a name ("Brandt Elektro KG", "Atelier Rive Gauche SARL", "Acme, Inc.")
LEGAL_FORMS = (
    "gmbh & co. kg", "gmbh & co kg", "gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "ug", "e.k.",
    "e.v.", "eg", "ltd", "ltd.", "limited", "plc", "llc", "l.l.c.", "llp", "lp", "inc", "inc.",
    "incorporated", "corp", "corp.", "corporation", "co.", "company", "pty", "pty ltd", "sarl",
    "s.a.r.l.", "sas", "sasu", "s.a.s.", "sa", "s.a.", "eurl", "sci", "snc", "scop", "bv",
    "b.v.", "nv", "n.v.", "vof", "srl", "s.r.l.", "spa", "s.p.a.", "sl", "s.l.", "slu",
    "s.l.u.", "sc", "gbr", "se", "oy", "ab", "as", "a/s", "aps", "kft", "sp. z o.o.",
    "s.r.o.", "a.s.", "pvt. ltd.", "pvt ltd", "private limited",
)  # fmt: skip
# legal forms printed before a name ("SA IFR QUALIAC", "Auto-entrepreneur Jean Dupont"):
# the name is what follows
LEADING_FORMS = (
    "sa", "sas", "sasu", "sarl", "eurl", "ei", "sci", "snc", "auto-entrepreneur",
    "autoentrepreneur", "micro-entrepreneur", "microentrepreneur", "entreprise individuelle",
    "einzelunternehmen",
)  # fmt: skip
ORGANISATION_WORDS = (
    "company", "corporation", "group", "groupe", "gruppe", "holding", "systems", "solutions",
    "services", "consulting", "consultants", "software", "technologies", "technology", "labs",
    "studio", "studios", "agency", "agentur", "agence", "atelier", "cabinet", "kanzlei",
    "partners", "partner", "associates", "enterprises", "industries", "international",
    "trading", "handel", "logistics", "logistik", "media", "bank", "hotel", "hôtel",
    "société", "societe", "sociedad", "società", "manufacturing", "supplies", "werke",
    "maschinenbau", "verlag", "druckerei", "praxis", "clinic", "klinik", "university",
    "universität", "université", "institut", "institute", "foundation", "stiftung",
    "association", "verein", "commune", "communes", "stadt", "ville", "gemeinde",
)  # fmt: skip
# a document's title and stamps: never a party's name
# the words over an addressee's name in an envelope window ("Firma", "Herrn", "Attn"): a
# line of only these is no name, and the name comes under it
SALUTATION_WORDS = frozenset(
    [
        "firma", "herrn", "herr", "frau", "familie", "an", "z", "hd", "zhd", "zu", "handen",
        "monsieur", "madame", "mademoiselle", "m", "mme", "mlle", "messieurs", "société",
        "societe", "à", "l", "attention", "de", "señor", "señora", "sr", "sra", "don", "doña",
        "spett", "spettabile", "le", "egregio", "egr", "sig", "gentile", "gent", "mr", "mrs",
        "ms", "miss", "messrs", "attn", "to", "the", "dhr", "mevr", "heer", "mevrouw", "t",
        "a", "v", "tav",
    ]
)  # fmt: skip
STAMP_WORDS = frozenset(
    [
        "invoice", "invoices", "bill", "rechnung", "facture", "factuur", "factura", "fattura",
        "receipt", "quittung", "gutschrift", "credit", "note", "proforma", "tax", "retail",
        "kopie", "copy", "original", "duplicate", "duplicata", "payment", "statement", "paid",
        "payé", "payée", "bezahlt", "betaald", "pagado", "pagata", "draft", "entwurf",
        "brouillon", "void", "storno", "summary", "details", "transactions", "page", "seite",
        "purchase", "order", "bestellung", "auftrag", "auftragsbestätigung", "commande", "bon",
        "quote", "quotation", "angebot", "devis", "estimate", "delivery", "lieferschein",
        "packing", "slip", "remittance", "advice", "reminder", "mahnung", "relance", "de",
        "of", "and", "tax", "vat",
    ]
)  # fmt: skip
# what invoice templates print until someone fills them in
PLACEHOLDERS = (
    "your company", "company name", "your business", "business name", "vendor name",
    "client name", "customer name", "your name", "anycompany", "any company", "lorem ipsum",
    "name surname", "firmenname", "ihre firma", "nom de l'entreprise", "nom du client",
    "nombre de la empresa", "sample company", "company address",
)  # fmt: skip
STREET_WORDS = (
    "street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "blvd",
    "boulevard", "way", "court", "ct", "place", "pl", "square", "suite", "floor", "unit",
    "straße", "strasse", "str", "weg", "allee", "platz", "gasse", "ring", "damm", "ufer",
    "chaussee", "rue", "chemin", "impasse", "allée", "quai", "route", "calle", "avenida",
    "via", "viale", "piazza", "corso", "straat", "laan", "plein", "gracht", "postfach",
    "po box", "p.o. box", "bp", "cedex",
)  # fmt: skip
COUNTRIES = (
    "germany", "deutschland", "france", "frankreich", "united kingdom", "uk", "england",
    "scotland", "wales", "ireland", "irland", "irlande", "united states", "usa", "u.s.a.",
    "united states of america", "canada", "australia", "new zealand", "netherlands",
    "nederland", "niederlande", "pays-bas", "belgium", "belgique", "belgië", "belgien",
    "luxembourg", "luxemburg", "switzerland", "schweiz", "suisse", "svizzera", "austria",
    "österreich", "autriche", "italy", "italia", "italien", "italie", "spain", "españa",
    "spanien", "espagne", "portugal", "poland", "polska", "polen", "czech republic",
    "denmark", "danmark", "dänemark", "sweden", "sverige", "schweden", "norway", "norge",
    "norwegen", "finland", "suomi", "india", "china", "japan", "brazil", "brasil",
    "mexico", "méxico", "nigeria", "south africa", "kenya", "singapore", "hong kong",
    "royaume-uni", "allemagne", "états-unis", "royaume uni",
)  # fmt: skip
# a company's registration, tax or bank identity printed near its name
COMPANY_IDS = re.compile(
    r"\b(?:siret|siren|rcs|r\.c\.s|ape|naf|hrb|hra|ust-?id|ustid|ust\.?-?idnr|"
    r"p\.?\s?iva|partita|cif|nif|kvk|kvk-nummer|company\s+no|company\s+number|"
    r"registered|handelsregister|amtsgericht|registergericht|steuer-?nr|stnr|tax\s+(?:id|no)|"
    r"iban|bic|swift|au\s+capital|capital\s+de|stammkapital|share\s+capital|gstin|abn|ein)\b"
    # a tax word is a registration only with a number or an "ID" after it, not "VAT 20%"
    r"|\b(?:vat|tva|btw|iva|ust|mwst)\b[\w .:/-]{0,14}?(?:\b[A-Z]{2}\s?\d[\d ]{6,}|\b(?:id|no|nr|"
    r"number|reg|intracom)\b)",
    re.IGNORECASE,
)
FREE_MAIL = frozenset(
    [
        "gmail", "googlemail", "outlook", "hotmail", "live", "msn", "yahoo", "aol", "icloud",
        "me", "mac", "gmx", "web", "t-online", "orange", "free", "laposte", "wanadoo", "sfr",
        "proton", "protonmail", "mail", "yandex", "zoho", "example",
    ]
)  # fmt: skip

_SPACE = re.compile(r"\s+")
_EDGE = " \t,;:|·•●◆■▪–-*/\\"
_DOMAIN = re.compile(
    r"(?:[\w.+-]+@((?:[\w-]+\.)+[a-z]{2,})|(?:https?://|www\.)((?:[\w-]+\.)+[a-z]{2,})"
    r"|(?<![@\w.])((?:[\w-]+\.)+(?:com|net|org|de|fr|co\.uk|uk|nl|be|ch|at|it|es|io|dev|"
    r"ca|us|eu|info|biz))(?![\w]))",
    re.IGNORECASE,
)
_LETTERS = re.compile(r"[^\W\d_]+")
_DOTTED = re.compile(r"\w\.[A-Za-z]{2}")
_CAMEL = re.compile(r"(?<=[a-zäöüßéèàç])(?=[A-ZÄÖÜÉ])|(?<=[A-ZÄÖÜ])(?=[A-ZÄÖÜ][a-zäöüß])")
_SENTENCE_WORDS = frozenset(
    [
        "is", "are", "was", "were", "be", "been", "will", "would", "please", "thank", "thanks",
        "you", "your", "we", "our", "this", "that", "the", "of", "and", "for", "with", "bitte",
        "vielen", "dank", "wir", "sie", "ihr", "ist", "sind", "merci", "nous", "vous", "est",
        "sont", "gracias", "por", "favor", "grazie", "siamo", "wij", "uw", "dear", "sehr",
        "geehrte", "geehrter", "damen", "herren", "madame", "monsieur", "mesdames",
        "messieurs", "regards", "grüßen", "cordialement", "sincerely", "estimado", "gentile",
    ]
)  # fmt: skip
# a bank's name (the bank block beside an IBAN): nobody's party on an invoice
_BANK = re.compile(
    r"(?<![^\W\d_])(?:[^\W\d_]*bank|banque|banco|banca|bankhaus|[^\W\d_]*sparkasse|caisse"
    r"|caja|cassa|crédit|credit|kredit)(?![^\W\d_])",
    re.IGNORECASE,
)
_BANNER = re.compile(r"©|\(c\)|\bcopyright\b|all rights reserved", re.IGNORECASE)
# lower-case words a name does not end with ("Examples for")
_FUNCTION_WORDS = frozenset(
    ["for", "of", "the", "and", "to", "by", "from", "with", "in", "at", "on", "or", "de", "du",
     "des", "la", "le", "les", "et", "pour", "par", "der", "die", "das", "von", "und", "für",
     "mit", "zu", "del", "y", "e", "di", "per", "van", "het", "en", "voor"]
)  # fmt: skip
_SUB_LABEL = re.compile(
    r"^(?:name|company|company name|firma|firmenname|nom|raison sociale|nombre|ragione "
    r"sociale|naam|bedrijfsnaam)\s*[:.]\s*",
    re.IGNORECASE,
)


def _phrase_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(folded(word)) for word in words}, key=len, reverse=True)
    return re.compile(rf"(?<![^\W\d_])(?:{'|'.join(alternatives)})(?![^\W\d_])")


class _Patterns:
    """The word lists as patterns, compiled on first use: a run served from the caches
    imports this module and never needs them."""

    @cached_property
    def legal_at_end(self) -> re.Pattern[str]:
        legal = _phrase_pattern(tuple(form.rstrip(".") for form in LEGAL_FORMS))  # "Co." too
        return re.compile(rf"(?:^|[\s,])(?:{legal.pattern})\.?\s*$")

    @cached_property
    def legal_only(self) -> re.Pattern[str]:
        legal = _phrase_pattern(tuple(form.rstrip(".") for form in LEGAL_FORMS))
        return re.compile(rf"(?:{legal.pattern})\.?")

    @cached_property
    def leading(self) -> re.Pattern[str]:
        return re.compile(rf"^(?:{_phrase_pattern(LEADING_FORMS).pattern})[\s.]+(?=\S)")

    @cached_property
    def organisation(self) -> re.Pattern[str]:
        return _phrase_pattern(ORGANISATION_WORDS)

    @cached_property
    def placeholder(self) -> re.Pattern[str]:
        return _phrase_pattern(PLACEHOLDERS)

    @cached_property
    def placeholders_squeezed(self) -> tuple[str, ...]:
        return tuple(re.sub(r"[\W_]+", "", folded(text)) for text in PLACEHOLDERS)

    @cached_property
    def street(self) -> re.Pattern[str]:
        return _phrase_pattern(STREET_WORDS)

    @cached_property
    def country(self) -> re.Pattern[str]:
        return _phrase_pattern(COUNTRIES)


_P = _Patterns()
_POSTCODE = re.compile(
    r"(?<!\d)\d{4,5}\s*[A-ZÄÖÜ][\w\-]+|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"
    r"|\b[A-Z]{2},?\s*\d{5}(?:-\d{4})?\b|\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"
)
_CONTACT = re.compile(
    r"@|www\.|https?:|\b(?:tel|fax|phone|mobile|e-?mail|telefon|téléphone|address|adresse"
    r"|anschrift|indirizzo|dirección|adres)\b",
    re.I,
)
_REPEATED = re.compile(r"([^\W\d_])\1{4,}")  # "PPPPP", "TESTTTTT": a test fill


def salutation(text: str) -> bool:
    """A line of an address's salutation words only ("Firma", "Herrn", "Spett.le")."""
    words = re.findall(r"[^\W\d_]+", text)
    return bool(words) and {folded(word) for word in words} <= SALUTATION_WORDS


def bank_name(name: str) -> bool:
    """A bank's name ("Deutsche Kreditbank AG", "Banco Sabadell S.A."): the bank block's."""
    return _BANK.search(name) is not None


def banner(text: str) -> bool:
    """A banner or copyright line ("Examples for ..., (c) 2022"): nobody's letterhead."""
    return _BANNER.search(text) is not None


@lru_cache(maxsize=4096)
def legal_form(name: str) -> bool:
    """The name ends with a legal form, or opens with one ("SA IFR", "Auto-entrepreneur X")."""
    text = folded(name).strip(" .,")
    return bool(_P.legal_at_end.search(text) or _P.leading.match(text))


@lru_cache(maxsize=4096)
def legal_form_only(text: str) -> bool:
    """The text is a legal form and nothing else ("LLC", "GmbH & Co. KG"): no name, but the
    end of one whose line wrapped before it."""
    return _P.legal_only.fullmatch(folded(text).strip(" ,")) is not None


@lru_cache(maxsize=4096)
def organisation_word(name: str) -> bool:
    return _P.organisation.search(folded(name)) is not None


@lru_cache(maxsize=4096)
def placeholder(name: str) -> bool:
    """A template's stand-in ("Your Company Name", "ClientName", "MLLE PPPPPPPP")."""
    text = folded(name)
    squeezed = re.sub(r"[\W_]+", "", text)
    return (
        _P.placeholder.search(text) is not None
        or any(placeholder in squeezed for placeholder in _P.placeholders_squeezed)
        or _REPEATED.search(name) is not None
    )


_STREET_SUFFIX = re.compile(
    r"[^\W\d_]{3,}(?:straße|strasse|str\.|weg|gracht|laan|allee|platz|gasse|damm|ufer|"
    r"chaussee|straat|kade|plein|dijk|singel|vej|gade|gatan|vägen)\s*\d",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def address_like(text: str) -> bool:
    """A street, a postcode and town, or a country: what follows a name in its block."""
    folded_text = folded(text)
    if _POSTCODE.search(text) or _P.country.search(folded_text) or _STREET_SUFFIX.search(text):
        return True
    return bool(_P.street.search(folded_text) and re.search(r"\d", text))


@lru_cache(maxsize=4096)
def company_ids(text: str) -> bool:
    return COMPANY_IDS.search(text) is not None


def contact_like(text: str) -> bool:
    return _CONTACT.search(text) is not None


def _sentence(text: str) -> bool:
    words = text.split()
    if len(words) > 8:
        return True
    lowered = {folded(word).strip(".,;:!?") for word in words}
    if len(words) >= 3 and len(lowered & _SENTENCE_WORDS) >= 2:
        return True
    return len(words) >= 4 and text.rstrip().endswith((".", "!", "?")) and not legal_form(text)


def without_leading_form(name: str) -> str:
    """The name after a legal form printed before it ("SA IFR QUALIAC" -> "IFR QUALIAC")."""
    leading = _P.leading.match(folded(name))
    return name[leading.end() :].strip(_EDGE) if leading is not None else name


@lru_cache(maxsize=2048)
def cleaned_name(text: str) -> str | None:
    """The name a cell prints, or None when it is no name: a sub-label ("Name:") and a
    leading legal form dropped, edges trimmed; addresses, contact lines, sentences, dates,
    amounts, placeholders, single letters and file names refused."""
    if text.rstrip().endswith(":") and not _SUB_LABEL.match(text.strip()):
        return None  # "Order Number:": a label
    text = _SUB_LABEL.sub("", _SPACE.sub(" ", text).strip(" \t,;|·•●◆■▪–-*/\\"))
    text = without_leading_form(text.strip(_EDGE))
    if not 2 <= len(text) <= 60:
        return None
    letters = sum(ch.isalpha() for ch in text)
    digits = sum(ch.isdigit() for ch in text)
    if letters < 2 or digits > 3 or text[0].isdigit():
        return None
    words = re.findall(r"[^\W\d_]+", text)
    if not any(len(word) >= 3 for word in words):
        return None  # "D I i", "AB"
    if len(words) == 1 and words[0].upper() in CURRENCY_CODES:
        return None
    if re.search(r"\s\d{2,}[a-z]?$", text):
        return None  # "Keizersgracht 221": a house number ends no name
    if _BANNER.search(text) or words[-1] in _FUNCTION_WORDS:
        return None  # "Examples for ...", "(c) 2022": a banner, not a name
    if contact_like(text) or placeholder(text) or _sentence(text) or ":" in text:
        return None  # "Bank: Lloyds": a label and its value
    if re.search(r"#|\bn[°º]|\bno\.|\bnr\.", text, re.IGNORECASE):
        return None  # "Customer #", "Kunden-Nr.": a number's label
    if re.search(r"[^\W\d_][-_/]\d|\d[-_/][^\W\d_]", text):
        return None  # "CUST-IE-001": a code
    if company_ids(text) and not legal_form(text) and len(words) <= 2:
        return None  # "Siret", "N° intracom": a registration number's label
    if legal_form_only(text):
        return None  # "LLC" under "Lewis & Robinson": the end of a name, no name of its own
    if {folded(word) for word in words} <= STAMP_WORDS:
        return None  # "PAID", "INVOICE", "Kopie"
    if {folded(word) for word in words} <= SALUTATION_WORDS:
        return None  # "Firma", "Herrn", "Spett.le": the name is under it
    if re.match(r"(?:c/o|c\.o\.|p\.\s?a\.|z\.\s?hd\.?)\s", text, re.IGNORECASE):
        return None  # "c/o Harbour Foods Ltd": in the care of someone else
    if "_" in text or re.search(r"\.(?:xml|pdf|txt|csv|json)\b", text, re.I):
        return None  # a file name
    if address_like(text) and not legal_form(text):
        return None
    return text


_GLUED_TOKEN = re.compile(r"(?<!\S)(?=\S{10})\S*?[a-zäöüßéèàç][A-ZÄÖÜÉ]\S*")


def glued_text(document_text: str) -> bool:
    """Whether the text layer runs words together ("DatumderRechnung", "4557DeSilvaSt"):
    at least 4 long tokens with a capital inside, one in 20 tokens or more."""
    tokens = document_text.count(" ") + document_text.count("\n") + 1
    if tokens < 20:
        return False
    glued = len(_GLUED_TOKEN.findall(document_text))
    return glued >= 4 and glued * 20 >= tokens


def deglued(name: str) -> str:
    """A name the text layer ran together, back in words: "NordwindGmbH" -> "Nordwind GmbH",
    "HarbourFoodTrading" -> "Harbour Food Trading"; legal forms kept whole."""
    protected = {}
    for number, form in enumerate(("GmbH", "mbH", "KGaA", "AöR", "eG", "UG", "SpA")):
        token = f"\x00{number}\x00"
        if form in name:
            protected[token] = form
            name = re.sub(rf"(?<=[a-zäöüß]){form}", f" {token}", name)
            name = name.replace(form, token)
    name = _CAMEL.sub(" ", name)
    for token, form in protected.items():
        name = name.replace(token, form)
    return _SPACE.sub(" ", name).strip()


def document_domains(document_text: str) -> set[str]:
    """The names of the web and mail domains the document prints ("brandt" of info@brandt.de),
    free-mail providers left out."""
    found: set[str] = set()
    # only tokens that may hold a domain go through the pattern: a page has few of them
    tokens = " ".join(
        token for token in document_text.split() if "@" in token or _DOTTED.search(token)
    )
    for match in _DOMAIN.finditer(tokens):
        host = next(group for group in match.groups() if group).casefold()
        parts = [part for part in host.split(".") if part]
        if parts and parts[0] == "www":
            parts = parts[1:]
        if len(parts) >= 3 and parts[-2] in ("co", "com", "org", "net", "gov", "ac"):
            parts = parts[:-1]
        if len(parts) < 2:
            continue
        label = parts[-2].replace("-", "")
        if label not in FREE_MAIL and len(label) >= 3:
            found.add(label)
    return found


def matches_domain(name: str, domains: set[str]) -> bool:
    """The name is the one a printed domain carries ("Brandt Elektro KG" and brandt-elektro.de)."""
    squeezed = re.sub(r"[\W_]+", "", folded(_P.legal_at_end.sub("", folded(name))))
    if len(squeezed) < 3:
        return False
    return any(
        label == squeezed
        or (len(label) >= 5 and label in squeezed)
        or (len(squeezed) >= 4 and squeezed in label)
        for label in domains
    )


def name_key(name: str) -> str:
    """One key for names that differ only in case, spacing, punctuation or a trailing legal
    form ("Harbour Foods" and "HARBOUR FOODS LTD")."""
    return re.sub(r"[\W_]+", "", _P.legal_at_end.sub("", folded(name).strip(" .,")))


def holds_word(name: str, words: frozenset[str]) -> bool:
    """The name holds one of the (folded) words as a word of its own ("Demo Customer", not
    "Kundenhaus")."""
    return any(folded(token) in words for token in _LETTERS.findall(name))
