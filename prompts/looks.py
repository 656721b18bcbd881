"""Looks by subject *and* topic: a water-cycle lesson gets water and sky, not magma.

A subject's preset (:mod:`lessonreel.prompts.styles`) is the starting point; a topic look
replaces the parts that show the topic — look, palette, lighting, sets, the model the shots are
built around and the sound cues — when the lesson's title and key concepts name that topic. The
presenter stays the subject's, so a series keeps its teacher.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from lessonreel.prompts.styles import StylePreset, style_for


@dataclass(frozen=True)
class TopicLook:
    """A topic's look: the words that name it, the subjects it belongs to, what it changes."""

    name: str
    keywords: frozenset[str]
    subjects: frozenset[str]
    look: str
    palette: tuple[str, ...]
    lighting: str = ""
    setting: str = ""
    close_setting: str = ""
    diagram_surface: str = ""
    depict: str = ""
    mood: str = ""
    sounds: dict[str, str] = field(default_factory=dict)


def _k(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SCIENCE = frozenset({"earth science", "geography", "general", "biology", "physics", "chemistry"})

TOPIC_LOOKS: tuple[TopicLook, ...] = (
    TopicLook(
        name="water and weather",
        keywords=_k(
            "water cycle evaporation condensation precipitation transpiration cloud rain "
            "weather rainfall vapour vapor humidity river runoff groundwater snow"
        ),
        subjects=_SCIENCE,
        look="Bright nature documentary footage with a glass terrarium model of water and sky",
        palette=("ocean blue", "cloud white", "rain grey", "sunlit yellow", "leaf green"),
        lighting="soft daylight from a high sun, cool sky fill, sparkling highlights on water",
        setting="a bright classroom by a window with a glass terrarium, a kettle and a globe",
        close_setting="a glass terrarium lid beaded with water droplets",
        diagram_surface="a matte sky-blue board",
        depict="a glass terrarium model of sea, land and sky showing {}",
        mood="fresh, curious",
        sounds={"close": "soft rainfall on glass", "diagram": "a gentle water drip"},
    ),
    TopicLook(
        name="volcanoes and plates",
        keywords=_k(
            "volcano volcanic magma lava tectonic tectonics plate crust mantle earthquake "
            "subduction rift fault seismic"
        ),
        subjects=_SCIENCE,
        look="Documentary-style 3D terrain animation with physical rock samples",
        palette=("basalt grey", "magma orange", "ocean blue", "sandstone tan", "moss green"),
    ),
    TopicLook(
        name="plants and ecosystems",
        keywords=_k(
            "photosynthesis plant leaf leaves chlorophyll chloroplast stomata ecosystem habitat "
            "food chain web pollination seed flower root"
        ),
        subjects=_SCIENCE,
        look="Sunlit greenhouse footage with macro nature shots and a living tabletop garden",
        palette=("leaf green", "sunlit yellow", "soil brown", "sky blue"),
        lighting="warm morning sun through glass, soft green bounce, gentle rim light",
        setting="a sunlit school greenhouse with seedlings in trays and a watering can",
        close_setting="a broad green leaf with dew on its surface",
        diagram_surface="a matte pale-green board",
        depict="a living tabletop garden model showing {}",
        sounds={"close": "a faint rustle of leaves", "diagram": "a soft marimba note"},
    ),
    TopicLook(
        name="the human body",
        keywords=_k(
            "heart blood lung lungs organ organs muscle bone skeleton digestion digestive "
            "nerve brain circulatory respiratory kidney"
        ),
        subjects=_SCIENCE,
        look="Clean anatomy-lab animation with clear teaching models of the body",
        palette=("coral red", "bone white", "vein blue", "soft grey"),
        lighting="soft even studio light, cool fill, gentle rim light",
        setting="a school science room with a clear anatomical model on a stand",
        close_setting="a clear acrylic anatomical model on a white bench",
        diagram_surface="a matte bone-white board",
        depict="a clear anatomical teaching model of {}",
    ),
    TopicLook(
        name="electricity and circuits",
        keywords=_k("circuit current voltage resistance electricity electric battery charge"),
        subjects=_SCIENCE,
        look="Crisp tabletop demonstration footage with bulbs, wires and a battery",
        palette=("copper orange", "electric blue", "steel grey", "warm white"),
        close_setting="a small bulb glowing on a breadboard",
        depict="a tabletop circuit of wires, a battery and bulbs showing {}",
        sounds={"close": "a faint electric hum", "diagram": "a short soft click"},
    ),
    TopicLook(
        name="the ancient world",
        keywords=_k(
            "ancient egypt egyptian pharaoh pharaohs pyramid pyramids nile rome roman greece "
            "greek empire mesopotamia bce temple tomb dynasty kingdom"
        ),
        subjects=frozenset({"history", "geography", "general"}),
        look="Warm documentary look: sunlit museum dioramas, carved stone and painted artefacts",
        palette=("sandstone tan", "lapis blue", "ochre gold", "papyrus cream"),
        lighting="warm low sun through a high window, soft amber fill, gentle vignette",
        setting="an antiquities gallery with carved stone reliefs and a scale model of a site",
        close_setting="a sandstone plinth under a warm spotlight",
        diagram_surface="a large papyrus-cream relief map",
        depict="a detailed scale model of {} with small painted figures",
        sounds={"close": "a faint desert wind", "diagram": "soft paper rustle"},
    ),
    TopicLook(
        name="modern war",
        keywords=_k(
            "war battle troops army invasion allied allies wwii ww1 wwi front soldier soldiers "
            "holocaust treaty summit conference military force victory surrender camp"
        ),
        subjects=frozenset({"history", "general"}),
        look="Sober archival documentary look: muted dioramas, period maps and artefacts",
        palette=("slate grey", "olive green", "faded khaki", "ink navy"),
        lighting="cool overcast light from high windows, soft fill, gentle vignette",
        setting="a quiet war museum gallery with glass cases, period maps and a map table",
        close_setting="a felt-covered archive table with period documents",
        diagram_surface="a large period map in muted greys",
        depict="a detailed museum diorama of {} with small painted figures",
        mood="sombre, respectful",
        sounds={"close": "a faint clock tick", "diagram": "soft paper rustle"},
    ),
    TopicLook(
        name="chance and data",
        keywords=_k(
            "probability average averages mean median mode statistics data chance dice random"
        ),
        subjects=frozenset({"mathematics"}),
        look="Playful tabletop stop-motion with dice, coloured counters and bar charts of blocks",
        palette=("tomato red", "mustard yellow", "teal green", "cream white"),
        depict="dice, counters and stacks of wooden blocks arranged to show {}",
    ),
)
"""Topic looks; the first that the lesson names most strongly wins."""

_TOKEN = re.compile(r"[a-z0-9]+")
MIN_SCORE = 2
"""Topic words a lesson must name (title words count twice) for its topic look to apply."""


def _tokens(text: str) -> list[str]:
    out = []
    for w in _TOKEN.findall(text.lower()):
        out.append(w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w)
    return out


def topic_look(subject: str, title: str, concepts: list[str] | tuple[str, ...]) -> TopicLook | None:
    """The topic look the title and key concepts name most (None: the subject's own look)."""
    subject = subject.strip().lower()
    named = _tokens(title)
    said = set(_tokens(" ".join(concepts)))
    best: tuple[int, TopicLook] | None = None
    for topic in TOPIC_LOOKS:
        if subject not in topic.subjects:
            continue
        keys = {_tokens(k)[0] for k in topic.keywords}
        score = 2 * len(keys & set(named)) + len(keys & said)
        if score >= MIN_SCORE and (best is None or score > best[0]):
            best = (score, topic)
    return best[1] if best else None


def look_for(
    subject: str,
    grade_band: str | None = None,
    *,
    title: str = "",
    concepts: list[str] | tuple[str, ...] = (),
) -> StylePreset:
    """The style preset for a lesson: its subject's, with its topic's look laid over it."""
    preset = style_for(subject, grade_band)
    topic = topic_look(subject, title, concepts)
    if topic is None:
        return preset
    young = preset.look != style_for(subject).look  # the younger bands keep their softer look
    return replace(
        preset,
        look=preset.look if young else topic.look,
        palette=topic.palette,
        lighting=topic.lighting or preset.lighting,
        setting=topic.setting or preset.setting,
        close_setting=topic.close_setting or preset.close_setting,
        diagram_surface=topic.diagram_surface or preset.diagram_surface,
        depict=topic.depict or preset.depict,
        mood=topic.mood or preset.mood,
        sounds=topic.sounds or preset.sounds,
    )


__all__ = ["TOPIC_LOOKS", "TopicLook", "look_for", "topic_look"]
