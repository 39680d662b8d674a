"""Nationalities of the people a story counts: "Brazil (4)", "four from Brazil", "188 Hondurans",
"a Cape Verde national"; and the largest count per country over a story's fields."""

from __future__ import annotations

import re

import pycountry

from monitor.intel.facts.counts import _PARTITIVE, _PARTITIVE_LONG, _PEOPLE
from monitor.intel.facts.fact import Fact, Field
from monitor.intel.facts.numbers import NUM, Q, alternation, finditer, lowered_exactly, parse_number, qualifier
from monitor.intel.facts.rules import rule

_COUNTRY_ALIASES = {
    "Cape Verde": "CV", "Ivory Coast": "CI", "Russia": "RU", "Turkey": "TR", "South Korea": "KR", "Korea": "KR",
    "North Korea": "KP", "Vietnam": "VN", "Laos": "LA", "Syria": "SY", "Iran": "IR", "Venezuela": "VE",
    "Bolivia": "BO", "Tanzania": "TZ", "Moldova": "MD", "Macedonia": "MK", "North Macedonia": "MK",
    "Czech Republic": "CZ", "Burma": "MM", "Democratic Republic of the Congo": "CD", "DR Congo": "CD",
    "Republic of the Congo": "CG", "Britain": "GB", "Great Britain": "GB", "United Kingdom": "GB",
    "Micronesia": "FM", "Palestine": "PS", "Taiwan": "TW", "Brunei": "BN", "East Timor": "TL",
    "Swaziland": "SZ", "Holland": "NL", "Bahamas": "BS", "Gambia": "GM", "Philippines": "PH",
    "Netherlands": "NL", "Cabo Verde": "CV", "Dominican Republic": "DO", "Vatican": "VA",
}
# Not nationalities in this domain, or colliding with US states and common words.
_COUNTRY_EXCLUDED = {"US", "UM", "GE", "JE", "GG", "IM", "AQ", "BV", "HM", "TF", "IO", "AS", "GU", "MP", "PR", "VI"}

# Demonym -> ISO alpha-2. Hand-kept (no maintained package maps demonyms cleanly); a test checks
# every code against pycountry. "Dominican" means the Dominican Republic here.
DEMONYMS = {
    "Afghan": "AF", "Albanian": "AL", "Algerian": "DZ", "Angolan": "AO", "Argentine": "AR", "Argentinian": "AR",
    "Armenian": "AM", "Australian": "AU", "Austrian": "AT", "Azerbaijani": "AZ", "Bahamian": "BS",
    "Bangladeshi": "BD", "Barbadian": "BB", "Belarusian": "BY", "Belgian": "BE", "Belizean": "BZ",
    "Beninese": "BJ", "Bolivian": "BO", "Bosnian": "BA", "Brazilian": "BR", "British": "GB", "Bulgarian": "BG",
    "Burkinabe": "BF", "Burmese": "MM", "Burundian": "BI", "Cambodian": "KH", "Cameroonian": "CM",
    "Canadian": "CA", "Cape Verdean": "CV", "Chadian": "TD", "Chilean": "CL", "Chinese": "CN", "Colombian": "CO",
    "Congolese": "CD", "Costa Rican": "CR", "Croatian": "HR", "Cuban": "CU", "Czech": "CZ", "Danish": "DK",
    "Dominican": "DO", "Dutch": "NL", "Ecuadorian": "EC", "Ecuadoran": "EC", "Egyptian": "EG", "Emirati": "AE",
    "Eritrean": "ER", "Estonian": "EE", "Ethiopian": "ET", "Fijian": "FJ", "Filipino": "PH", "Finnish": "FI",
    "French": "FR", "Gambian": "GM", "German": "DE", "Ghanaian": "GH", "Greek": "GR", "Grenadian": "GD",
    "Guatemalan": "GT", "Guinean": "GN", "Guyanese": "GY", "Haitian": "HT", "Honduran": "HN", "Hungarian": "HU",
    "Icelandic": "IS", "Indian": "IN", "Indonesian": "ID", "Iranian": "IR", "Iraqi": "IQ", "Irish": "IE",
    "Israeli": "IL", "Italian": "IT", "Ivorian": "CI", "Jamaican": "JM", "Japanese": "JP", "Jordanian": "JO",
    "Kazakh": "KZ", "Kenyan": "KE", "Kuwaiti": "KW", "Kyrgyz": "KG", "Laotian": "LA",
    "Latvian": "LV", "Lebanese": "LB", "Liberian": "LR", "Libyan": "LY", "Lithuanian": "LT", "Malaysian": "MY",
    "Malian": "ML", "Mauritanian": "MR", "Mexican": "MX", "Moldovan": "MD", "Mongolian": "MN",
    "Montenegrin": "ME", "Moroccan": "MA", "Nepali": "NP", "Nepalese": "NP", "New Zealander": "NZ",
    "Nicaraguan": "NI", "Nigerian": "NG", "Nigerien": "NE", "North Korean": "KP", "Norwegian": "NO",
    "Pakistani": "PK", "Palestinian": "PS", "Panamanian": "PA", "Paraguayan": "PY", "Peruvian": "PE",
    "Polish": "PL", "Portuguese": "PT", "Romanian": "RO", "Russian": "RU", "Rwandan": "RW", "Salvadoran": "SV",
    "Salvadorean": "SV", "Saudi": "SA", "Senegalese": "SN", "Serbian": "RS", "Sierra Leonean": "SL",
    "Singaporean": "SG", "Slovak": "SK", "Slovenian": "SI", "Somali": "SO", "South African": "ZA",
    "South Korean": "KR", "Korean": "KR", "South Sudanese": "SS", "Spanish": "ES", "Sri Lankan": "LK",
    "Sudanese": "SD", "Surinamese": "SR", "Swedish": "SE", "Swiss": "CH", "Syrian": "SY", "Taiwanese": "TW",
    "Tajik": "TJ", "Tanzanian": "TZ", "Thai": "TH", "Togolese": "TG", "Trinidadian": "TT", "Tunisian": "TN",
    "Turkish": "TR", "Turkmen": "TM", "Ugandan": "UG", "Ukrainian": "UA", "Uruguayan": "UY", "Uzbek": "UZ",
    "Venezuelan": "VE", "Vietnamese": "VN", "Yemeni": "YE", "Zambian": "ZM", "Zimbabwean": "ZW",
}


def _plural(demonym: str) -> str:
    if demonym.endswith(("ese", "ss", "ch", "sh", "Thai", "Czech")) or demonym in {"British", "French", "Irish",
                                                                                  "Swiss", "Dutch", "Spanish",
                                                                                  "Polish", "Danish", "Finnish",
                                                                                  "Swedish", "Icelandic", "Turkish",
                                                                                  "Kyrgyz", "Uzbek", "Kazakh", "Tajik",
                                                                                  "Turkmen"}:
        return demonym
    return demonym + "s"


def _country_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for country in pycountry.countries:
        if country.alpha_2 in _COUNTRY_EXCLUDED:
            continue
        for attr in ("name", "common_name", "official_name"):
            name = getattr(country, attr, None)
            if name and "," not in name and "(" not in name:
                table.setdefault(name, country.alpha_2)
    table.update(_COUNTRY_ALIASES)
    return table


COUNTRY_BY_NAME = _country_table()
_COUNTRY = alternation(COUNTRY_BY_NAME)
_DEMONYM = alternation(DEMONYMS)
_DEMONYM_PLURAL = alternation(_plural(d) for d in DEMONYMS if _plural(d) != d)
_PLURAL_TO_CODE = {_plural(d): c for d, c in DEMONYMS.items() if _plural(d) != d}
_NAT_NOUNS = (r"(?:nationals|citizens|men|women|people|workers|immigrants|migrants|children|fugitives|passengers|"
              r"deportees|detainees|adults|residents)")
_SINGULAR_NOUNS = (r"(?:national|citizen|man|woman|fugitive|native|teen|teenager|resident|worker|immigrant|migrant|"
                   r"member|gang member|mother|father)")
# "Brazil", "the Bahamas, France and Guatemala"
_C1 = rf"(?:the\s+)?(?:{_COUNTRY})\b"
_CLIST = rf"{_C1}(?:\s*,\s*(?:and\s+)?{_C1})*(?:,?\s+and\s+{_C1})?"


# The family's rules, in the order they are read; each is tried only on a field holding one of the
# words every match of it contains (`Rule.words`, read from the pattern, in lower case).
RULES = [
    rule("nationality", "list",
         rf"(?P<c>\b(?:{_COUNTRY}))\b\s*\(\s*(?P<n>\d{{1,3}}(?:,\d{{3}})*)\s*\)", skip="lowered"),
    rule("nationality", "from",
         rf"(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?:{_PEOPLE}\s+)?(?:{_PARTITIVE})?"
         rf"(?:(?:were|are|was|is|came|come|hail)\s+)?(?P<each>(?:each|apiece)\s+)?"
         rf"from\s+(?P<list>{_CLIST})", skip="lowered"),
    rule("nationality", "with",
         rf"(?:\bthe\s+)?(?P<c>\b(?:{_COUNTRY}))\b,?\s+with\s+(?P<n>{NUM})\b", skip="lowered"),
    rule("nationality", "citizens_of",
         rf"(?:(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?:{_PARTITIVE_LONG}(?:are|were)\s+)?)?"
         rf"\b(?i:citizens|nationals|natives)\s+of\s+(?P<list>{_CLIST})", skip="lowered"),
    rule("nationality", "largest",
         rf"(?:(?:citizens|nationals)\s+of\s+(?:the\s+)?(?P<c>{_COUNTRY})|"
         rf"(?P<d>\b(?:{_DEMONYM}))\s+(?:nationals|citizens))\b"
         rf"\s+(?:made up|were|was|formed|accounted for|are)\s+(?:again\s+|also\s+)?the\s+largest\s+"
         rf"(?:group|share|number)[^.]*?\b(?:with|at|of)\s+(?P<n>{NUM})", skip="lowered"),
    rule("nationality", "demonym_count",
         rf"(?:\b{Q}\s+)?(?P<n>{NUM})(?:,?\s+{_PARTITIVE_LONG}(?:are|were)|,\s+(?:are|were))?"
         rf"\s+(?P<d>\b(?:{_DEMONYM}))\s+{_NAT_NOUNS}\b", skip="lowered"),
    rule("nationality", "plural_count",
         rf"(?:\b{Q}\s+)?(?P<n>{NUM})\s+(?P<p>\b(?:{_DEMONYM_PLURAL}))\b", skip="lowered"),
    rule("nationality", "singular",
         rf"(?:\b(?:a|an|one|another|the)\s+)?(?:\d+-year-old\s+)?"
         rf"(?P<d>\b(?:{_DEMONYM}|{_COUNTRY}))\s+{_SINGULAR_NOUNS}\b", skip="lowered"),
    rule("nationality", "plural_noun",
         rf"(?P<d>\b(?:{_DEMONYM}))\s+(?:nationals|citizens|immigrants|migrants|workers)\b", skip="lowered"),
    rule("nationality", "people_from",
         rf"\b{_PEOPLE}\s+(?:(?:were|are|came|come)\s+)?(?:all\s+)?from\s+(?P<list>{_CLIST})", skip="lowered"),
]


def _code_for(name: str) -> str | None:
    name = re.sub(r"^the\s+", "", name.strip())
    return COUNTRY_BY_NAME.get(name) or DEMONYMS.get(name) or _PLURAL_TO_CODE.get(name)


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name


def nationality_facts(f: Field) -> list[Fact]:
    text, field = f.text, f.name
    best: dict[str, Fact] = {}
    lowered = lowered_exactly(text)

    def add(code: str | None, count: int | None, qualifier: str | None, start: int, end: int) -> None:
        if not code:
            return
        fact = Fact("nationality", _country_name(code), code, count, qualifier if count is not None else None,
                    start, end, text[start:end], field)
        old = best.get(code)
        if old is None or (count is not None and (old.count is None or count > old.count)):
            best[code] = fact

    for r in RULES:
        if r.cannot_match(text, lowered):
            continue
        kind = r.name
        for m in finditer(r.pattern, text):
            groups = m.groupdict()
            raw = groups.get("n")
            count = parse_number(raw) if raw else None
            if raw and (count is None or count != int(count)):
                continue
            count = int(count) if count is not None else None
            qualifier_ = qualifier(groups.get("q"))
            if kind in ("from", "citizens_of", "people_from"):
                names = re.findall(rf"\b(?:{_COUNTRY})", m.group("list"))
                each = bool(groups.get("each"))
                for i, name in enumerate(names):
                    add(_code_for(name), count if (i == 0 or each) else None, qualifier_, m.start(), m.end())
            elif kind == "list":
                add(_code_for(m.group("c")), int(m.group("n").replace(",", "")), "exact", m.start(), m.end())
            elif kind == "with":
                add(_code_for(m.group("c")), count, qualifier_, m.start(), m.end())
            elif kind == "largest":
                add(_code_for(groups.get("c") or groups.get("d")), count, qualifier_, m.start(), m.end())
            elif kind == "demonym_count":
                add(DEMONYMS.get(m.group("d")), count, qualifier_, m.start(), m.end())
            elif kind == "plural_count":
                add(_PLURAL_TO_CODE.get(m.group("p")), count, qualifier_, m.start(), m.end())
            elif kind == "singular":
                add(_code_for(m.group("d")), 1, "exact", m.start(), m.end())
            else:
                add(DEMONYMS.get(m.group("d")), None, None, m.start(), m.end())
    return sorted(best.values(), key=lambda f: f.start)


def merged_nationalities(facts: list[Fact]) -> dict[str, int | None]:
    """Nationality code -> largest count stated anywhere in the item (title and text), None if none."""
    merged: dict[str, int | None] = {}
    for f in facts:
        if f.kind == "nationality" and f.code:
            old = merged.get(f.code)
            merged[f.code] = f.count if old is None else (old if f.count is None else max(old, f.count))
    return merged
