"""Which packaged icon stands for a word: a stem table, the subject's icon, a fallback."""

from __future__ import annotations

import re

from lessonreel.video.overlay.plan import ShotVisual
from lessonreel.video.overlay.text import icon_charmap

_ICONS: dict[str, str] = {
    "plant": "seedling",
    "leaf": "leaf",
    "photosynth": "leaf",
    "chloro": "leaf",
    "sun": "sun",
    "light": "sun",
    "energy": "bolt",
    "electric": "bolt",
    "water": "droplet",
    "rain": "cloud-rain",
    "cloud": "cloud",
    "evapor": "cloud-sun",
    "condens": "cloud",
    "precipit": "cloud-showers-heavy",
    "snow": "snowflake",
    "runoff": "water",
    "transpir": "tree",
    "groundwater": "water",
    "vapou?r": "smog",
    "cycle": "arrows-rotate",
    "ocean": "water",
    "river": "water",
    "cell": "circle-nodes",
    "membrane": "circle-nodes",
    "dna": "dna",
    "gene": "dna",
    "protein": "dna",
    "virus": "virus",
    "bacteri": "bacterium",
    "heart": "heart-pulse",
    "blood": "droplet",
    "brain": "brain",
    "lung": "lungs",
    "atom": "atom",
    "molecule": "atom",
    "electron": "atom",
    "reaction": "flask",
    "chemical": "flask",
    "acid": "flask-vial",
    "temperature": "temperature-half",
    "heat": "fire",
    "fire": "fire",
    "force": "arrow-right-long",
    "motion": "person-running",
    "velocity": "gauge-high",
    "speed": "gauge-high",
    "mass": "weight-hanging",
    "weight": "weight-hanging",
    "inertia": "cart-flatbed",
    "friction": "hand",
    "gravity": "earth-americas",
    "magnet": "magnet",
    "wave": "wave-square",
    "sound": "music",
    "earth": "earth-americas",
    "plate": "mountain",
    "volcano": "volcano",
    "mountain": "mountain",
    "crust": "layer-group",
    "rock": "gem",
    "fossil": "bone",
    "climate": "temperature-half",
    "wind": "wind",
    "air": "wind",
    "oxygen": "wind",
    "carbon": "smog",
    "gas": "smog",
    "number": "hashtag",
    "fraction": "chart-pie",
    "percent": "percent",
    "probab": "dice",
    "average": "chart-simple",
    "mean": "chart-simple",
    "data": "chart-column",
    "equation": "equals",
    "graph": "chart-line",
    "binary": "microchip",
    "computer": "computer",
    "bit": "microchip",
    "code": "code",
    "history": "landmark",
    "war": "flag",
    "army": "flag",
    "king": "crown",
    "pharaoh": "crown",
    "empire": "crown",
    "pyramid": "monument",
    "egypt": "monument",
    "city": "city",
    "trade": "scale-balanced",
    "law": "scale-balanced",
    "money": "coins",
    "book": "book-open",
    "write": "pen-nib",
    "time": "clock",
    "year": "calendar",
    "ship": "ship",
    "map": "map",
    "people": "users",
    "vote": "check-to-slot",
    "food": "apple-whole",
    "sugar": "cubes-stacked",
    "glucose": "cubes-stacked",
    "root": "seedling",
    "animal": "paw",
    "fish": "fish",
    "bird": "dove",
    "star": "star",
    "planet": "globe",
    "moon": "moon",
    "space": "rocket",
    "machine": "gears",
}
_SUBJECT_ICONS = {
    "biology": "leaf",
    "chemistry": "flask",
    "physics": "atom",
    "math": "square-root-variable",
    "mathematics": "square-root-variable",
    "history": "landmark",
    "earth": "earth-americas",
    "geography": "earth-americas",
    "computer": "microchip",
    "literature": "book-open",
}
_FALLBACK_ICON = "lightbulb"


def icons_for(text: str, subject: str, count: int) -> list[str]:
    """Up to ``count`` distinct icon names for the words in ``text`` (the subject's icon first)."""
    charmap = icon_charmap()
    low = text.lower()
    found = [name for stem, name in _ICONS.items() if re.search(rf"\b{stem}", low)]
    subject_icon = next((v for k, v in _SUBJECT_ICONS.items() if k in subject.lower()), "")
    ordered = [*found, subject_icon, _FALLBACK_ICON, "star"]
    out: list[str] = []
    for name in ordered:
        if name and name in charmap and name not in out:
            out.append(name)
    return out[:count]


def icon_for(label: str, visual: ShotVisual) -> str:
    """One icon for a diagram label (its own words first, then the shot's, then the subject)."""
    own = icons_for(label, "", 1)
    return (
        own[0]
        if own and own[0] != _FALLBACK_ICON
        else icons_for(visual.words, visual.subject, 1)[0]
    )
