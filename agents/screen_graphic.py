"""Graphic detail and tool instructions inside lesson text, found sentence by sentence.

A lesson about a massacre must still teach the massacre, so the *fact* of a killing ("around
17,000 people were executed") is not graphic; the *detail* is (blood gushing, severed heads,
torn-out guts). These patterns name the detail, independent of the embedding screen, so a
history passage is judged by what it shows, not by its topic. A second set finds instructions
aimed at the video tool ("Show the beheadings in close-up…") rather than at the learner.

The neutral statement that replaces a graphic passage offline is built from the facts the
passage states: who (the people it names), what (the act, in neutral words), where and when.
"""

from __future__ import annotations

import re

from lessonreel.agents.screen_lexical import normalise

_V = r"(?:kill|stab|wound|murder|execut|behead|corpse|victim|sword|knife|axe|blade|scaffold|"
_V += r"guillotin|bayonet|bullet|torture|massacre|slaughter|hack|slash)"
_GRAPHIC = [
    re.compile(r"\b(gore|gory|grisly|gruesome close|splatter\w*|bloodbath|blood-?soaked)\b"),
    re.compile(r"\bblood\w*\b.{0,40}\b(gush|spurt|spray|splash|pool|drip|soak|pour|stream|spill)"),
    re.compile(r"\b(gush|spurt|spray|splash|pool|drip|soak|pour|spill|drench|smear|cover)\w*\b"
               r".{0,25}\bblood"),
    re.compile(r"\bblood(y|ied)?\b.{0,60}\b" + _V + r"|\b" + _V + r"\w*\b.{0,60}\bblood"),
    re.compile(r"\b(bleeding|bled out|bleed(?:s)? to death|dripping)\b.{0,40}\b(head|neck|"
               r"wound|bod(?:y|ies)|stump|corpse)"),
    re.compile(r"\bsevered\s+(heads?|limbs?|hands?|arms?|legs?|necks?|bod(?:y|ies)|fingers?)\b"),
    re.compile(r"\b(guts|entrails|innards)\b.{0,25}\b(torn|ripped|spill\w*|hanging|"
               r"spattered|splattered)\b"),
    re.compile(r"\b(intestines|organs|brains?|eyes?)\b.{0,25}\b(torn|ripped|gouged|pulled|"
               r"spilled|spilling|spattered|splattered) out\b|\bgouged out\b|\bbrains? "
               r"(?:spattered|splattered|blown out)"),
    re.compile(r"\b(mutilat|dismember|disembowel|eviscerat|decapitat|flay|impal)\w*"),
    re.compile(r"\b(skinned alive|burned alive|torn limb from limb|limb from limb|hacked (?:to "
               r"pieces|apart|to death)|crushed skulls?|"
               r"writhing in agony|screaming (?:faces|victims)|in agony|charred "
               r"(?:bodies|corpses|remains)|rotting (?:bodies|corpses)|maggots)\b"),
    re.compile(r"\b(bod(?:y|ies)|corpses?|victims?|people|prisoners?|limbs?|flesh|skulls?|"
               r"heads?)\b.{0,30}\b(torn|ripped|blown|cut) (apart|open|to pieces|to shreds)"),
]  # fmt: skip
"""Graphic detail of injury or death (matched on normalised, lower-case text)."""

_TOOL_VERB = re.compile(
    r"^\W*(?:(?:please|now|and|also|then|next|instead)\s+)*(show|film|render|depict|animate|"
    r"generate|draw|zoom|include|make|display|portray|linger|focus|dwell|add|put|use|give)\b",
    re.I,
)
_VISUAL = re.compile(
    r"\b(close[- ]?ups?|shots?|scenes?|camera|frames?|footage|video|clip|slow[- ]motion|zoom|"
    r"on[- ]screen|viewers?|audience|in (?:graphic |full |vivid |gory )?detail|graphic\w*|"
    r"(?:students|children|kids|class) (?:see|feel|watch|witness)|realistic|visuals?|images?)\b",
    re.I,
)

_ACTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(behead|decapitat|guillotin|execut|hanged|firing squad)"),
     "executed"),
    (re.compile(r"\bdrown"), "drowned"),
    (re.compile(r"\b(massacr|slaughter|butcher|hack|kill|murder|stab|slain|slew|shot dead)"),
     "killed"),
    (re.compile(r"\btortur"), "tortured"),
    (re.compile(r"\b(mutilat|dismember|disembowel|eviscerat|maim|wound|injur)"), "harmed"),
    (re.compile(r"\b(burn\w* alive|burned|burnt)"), "killed"),
)  # fmt: skip
_WHO = re.compile(
    r"\b(prisoners?|captives?|villagers?|civilians?|soldiers?|victims?|rebels?|priests?|"
    r"nobles?|peasants?|slaves?|enslaved people|women|men|families|refugees|hostages|"
    r"protesters?|workers?|inhabitants|residents|citizens|suspects|enemies|townspeople|"
    r"townsfolk|people|children|defenders|monks|nuns|jews|christians|muslims|natives|"
    r"the (?:village )?chief|the king|the queen|troops|crowds?)\b",
    re.I,
)
_PLACE = re.compile(r"\b(?i:in|at|near|outside|across|throughout)\s+((?:[A-Z][\w'’\-]+\s?){1,3})")
_DATE = re.compile(
    r"\b((?:\d{1,2}\s+)?(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December)(?:\s+\d{1,2})?(?:,?\s+\d{3,4})?|(?:1[0-9]|20)\d{2}s?|\d{1,2}(?:st|nd|"
    r"rd|th) century)\b"
)
_DAY = re.compile(r"\d{1,2} [A-Z]|[A-Z]\w+ \d{1,2}\b")
_NOT_PLACE = frozenset({"The", "A", "An", "This", "That", "His", "Her", "Their", "It"})


def graphic_detail(sentence: str) -> list[str]:
    """The graphic phrases in ``sentence`` (empty when it states facts without gore)."""
    text = normalise(sentence)
    found = []
    for p in _GRAPHIC:
        found += [m.group(0) for m in p.finditer(text)]
    return list(dict.fromkeys(found))


_INTENT = re.compile(
    r"\b(how (?:to|do i|can i|would i|should i)|ways? to|best way to|i(?:'m| am)? (?:going to|"
    r"gonna|want to|will)|let's|help me) (?:\w+ ){0,2}(kill|murder|stab|shoot|strangle|poison|"
    r"behead|hurt|torture|rape|kidnap|bomb|burn|drown|choke)\b(?: \w+){0,2}? (my |your |his |her "
    r"|their |the |a |an |some )?(classmates?|teachers?|students?|kids?|child(?:ren)?|baby|"
    r"people|someone|somebody|him|her|them|wife|husband|girlfriend|boyfriend|family|parents?|"
    r"mother|father|mom|dad|brother|sister|neighbou?rs?|boss|friends?|coworkers?|colleagues?|"
    r"man|woman|person|crowd|school|class)\b"
)
"""A request or threat to harm a person ("how to k1ll your classmates"), whatever the framing."""


def harmful_intent(text: str) -> list[str]:
    """Phrases that ask how to harm, or threaten, a person (matched on normalised text)."""
    return [m.group(0) for m in _INTENT.finditer(normalise(text))]


def tool_instruction(sentence: str) -> bool:
    """True for a sentence that tells the video tool what to film, not the learner what to know.

    An imperative visual verb ("show", "render", "zoom") together with a camera or audience word
    ("close-up", "scene", "so the students feel") — "Show that F = ma" stays, a maths task.
    """
    s = sentence.strip()
    return bool(_TOOL_VERB.match(s) and _VISUAL.search(s))


def neutral_statement(sentences: list[str], context: str = "") -> str:
    """One plain sentence of the facts in ``sentences``: who, what, where, when — no detail.

    Where and when come from ``context`` (the rest of the passage) when the sentences lack them.
    Empty when no act of violence is named, or no one, nowhere and no time is (the sentences
    are then simply dropped: "kill yourself" states no fact to keep).
    """
    text = " ".join(sentences)
    low = normalise(text)
    acts = list(dict.fromkeys(word for p, word in _ACTS if p.search(low)))
    if not acts:
        return ""
    if len(acts) > 1 and "harmed" in acts:
        acts.remove("harmed")
    who = [m.group(1).lower() for m in _WHO.finditer(text)]
    victims = [w for w in who if not w.startswith(("the ", "crowd", "troops", "soldier"))]
    subject = (victims or ["people"])[0]
    places = [p.strip() for p in _PLACE.findall(text) if p.split()[0] not in _NOT_PLACE]
    dates = list(dict.fromkeys(_DATE.findall(text)))
    if context and not places:
        places = [p.strip() for p in _PLACE.findall(context) if p.split()[0] not in _NOT_PLACE]
    if context and not dates:
        dates = list(dict.fromkeys(_DATE.findall(context)))
    if not (victims or places or dates):
        return ""  # no facts to state (an order or a threat, not an event)
    verb = "were" if subject.endswith(("s", "men", "people", "women")) else "was"
    out = f"{subject[:1].upper()}{subject[1:]} {verb} {' and '.join(acts[:2])}"
    if places:
        out += f" in {' and '.join(dict.fromkeys(places[:2]))}"
    if dates:
        on = _DAY.match(dates[0])
        out += f" {'on' if on else 'in'} {dates[0]}"
    return out + "."
