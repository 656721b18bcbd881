"""Style presets by subject: the look, palette, lighting, lens and recurring presenter.

The offline director builds its style bible from these, and the LLM director is shown the
matching preset as a starting point. Palettes use plain colour names (last word a basic colour)
so the animatic renderer can parse them. Presenters are fictional and described in full, because
the same words must appear in every shot for the character to stay consistent.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StylePreset:
    """Everything a subject's videos share, plus phrases the offline shot grammar fills in."""

    subject: str
    look: str
    palette: tuple[str, ...]
    lighting: str
    lens: str
    presenter_name: str
    presenter: str
    setting: str
    close_setting: str
    diagram_surface: str
    depict: str
    close_framing: str = "close-up"
    mood: str = "curious, calm"
    sound: str = "soft ambient room tone"
    sounds: dict[str, str] = field(default_factory=dict)


_TEACHER_A = (
    "Ms. Rivera, a teacher in her forties with shoulder-length curly black hair, round "
    "tortoiseshell glasses, a mustard-yellow cardigan over a white collared shirt and dark grey "
    "trousers"
)
_TEACHER_B = (
    "Mr. Okafor, a teacher in his thirties with a short beard, close-cropped hair, a navy "
    "blazer over a pale blue shirt, khaki trousers and a brown leather watch"
)
_TEACHER_C = (
    "Dr. Lind, a scientist in her fifties with a silver bob haircut, a white lab coat over a "
    "teal sweater, and small wire-rimmed glasses"
)

PRESETS: dict[str, StylePreset] = {
    "biology": StylePreset(
        subject="biology",
        look="Clean, bright 3D educational animation mixed with live-action classroom footage",
        palette=("leaf green", "sunlit yellow", "sky blue", "soft white"),
        lighting="soft window light from the left, warm lamp fill, gentle cool rim light",
        lens="35mm, moderate depth of field",
        presenter_name="Ms. Rivera",
        presenter=_TEACHER_A,
        setting="a sunlit biology classroom with potted plants, a microscope and a wooden bench",
        close_setting="a white lab bench beside a glass petri dish",
        diagram_surface="a matte pale-green board",
        depict="a translucent, softly glowing 3D model of {}",
        close_framing="macro shot",
        sounds={"close": "a quiet bubbling of water", "diagram": "a soft marimba note"},
    ),
    "chemistry": StylePreset(
        subject="chemistry",
        look="Crisp 3D laboratory animation with glossy ball-and-stick molecular models",
        palette=("cobalt blue", "amber orange", "clean white", "graphite grey"),
        lighting="overhead softbox light, cool fill from a window, small warm practical lamp",
        lens="50mm, shallow depth of field",
        presenter_name="Dr. Lind",
        presenter=_TEACHER_C,
        setting="a tidy school laboratory with glass beakers, a fume hood and a steel bench",
        close_setting="a clear glass beaker on a steel bench",
        diagram_surface="a matte graphite-grey board",
        depict="glossy ball-and-stick models showing {}",
        close_framing="macro shot",
        sounds={"close": "a gentle fizz of bubbles", "diagram": "a soft glass chime"},
    ),
    "physics": StylePreset(
        subject="physics",
        look="Clean live-action demonstration footage with polished metal and wooden apparatus",
        palette=("steel blue", "signal orange", "warm white", "charcoal grey"),
        lighting="large soft key light from above, cool bounce fill, warm rim from a desk lamp",
        lens="35mm, deep focus",
        presenter_name="Mr. Okafor",
        presenter=_TEACHER_B,
        setting="a physics classroom with a long air track, wooden blocks and a chalkboard",
        close_setting="a smooth wooden air-track bench",
        diagram_surface="a matte charcoal-grey board",
        depict="a polished tabletop apparatus demonstrating {}",
        sounds={"close": "a soft mechanical click", "diagram": "a low synth pulse"},
    ),
    "earth science": StylePreset(
        subject="earth science",
        look="Documentary-style 3D terrain animation with physical rock samples",
        palette=("basalt grey", "magma orange", "ocean blue", "sandstone tan", "moss green"),
        lighting="low golden sunlight from the side, soft sky fill, warm glow from below",
        lens="24mm, deep focus",
        presenter_name="Mr. Okafor",
        presenter=_TEACHER_B,
        setting="a geology lab with rock samples, a globe and a cutaway model of Earth",
        close_setting="a rough slab of layered rock",
        diagram_surface="a matte sandstone-tan board",
        depict="a cutaway 3D terrain model showing {}",
        close_framing="macro shot",
        sounds={"close": "a low rumble of shifting rock", "diagram": "a soft wooden knock"},
    ),
    "astronomy": StylePreset(
        subject="astronomy",
        look="Cinematic 3D space animation alternating with a planetarium set",
        palette=("midnight blue", "starlight white", "nebula purple", "sun gold"),
        lighting="single hard key from a distant sun, faint cool starlight fill",
        lens="28mm, deep focus",
        presenter_name="Dr. Lind",
        presenter=_TEACHER_C,
        setting="a dim planetarium with a domed ceiling and a brass telescope",
        close_setting="a deep star field",
        diagram_surface="a matte midnight-blue board",
        depict="a luminous 3D scale model of {}",
        mood="awed, quiet",
        sounds={"close": "a soft airy hum", "diagram": "a gentle bell tone"},
    ),
    "history": StylePreset(
        subject="history",
        look="Warm documentary look: museum dioramas, period artefacts and relief maps",
        palette=("parchment beige", "brick red", "brass gold", "ink navy"),
        lighting="warm museum spotlights from above, soft amber fill, gentle vignette",
        lens="35mm, moderate depth of field",
        presenter_name="Ms. Rivera",
        presenter=_TEACHER_A,
        setting="a quiet museum gallery with glass cases, old maps and wooden display tables",
        close_setting="a felt-covered museum display table",
        diagram_surface="a large parchment-beige relief map",
        depict="a detailed museum diorama of {} with small painted figures",
        mood="reflective, respectful",
        sounds={"close": "a faint clock tick", "diagram": "soft paper rustle"},
    ),
    "mathematics": StylePreset(
        subject="mathematics",
        look="Playful tabletop stop-motion with wooden blocks, coloured counters and string",
        palette=("tomato red", "mustard yellow", "teal green", "cream white"),
        lighting="soft overhead daylight, warm bounce from the table, no harsh shadows",
        lens="50mm, shallow depth of field",
        presenter_name="Mr. Okafor",
        presenter=_TEACHER_B,
        setting="a bright maths classroom with a round table, wooden blocks and a tall window",
        close_setting="a pale wooden tabletop",
        diagram_surface="a cream-white tabletop seen from above",
        depict="wooden blocks and coloured counters arranged to show {}",
        sounds={"close": "a soft wooden click", "diagram": "a light xylophone note"},
    ),
    "computer science": StylePreset(
        subject="computer science",
        look="Clean modern classroom footage with paper cards, switches and glowing circuit boards",
        palette=("electric blue", "lime green", "chalk white", "slate grey"),
        lighting="cool overhead panel light, warm desk-lamp fill, soft blue glow from a screen",
        lens="35mm, moderate depth of field",
        presenter_name="Ms. Rivera",
        presenter=_TEACHER_A,
        setting="a computing classroom with desks, a row of cards pinned to a board and a laptop",
        close_setting="a desk beside a small green circuit board",
        diagram_surface="a matte slate-grey board",
        depict="a row of white cards and small glowing lamps representing {}",
        sounds={"close": "a faint electronic hum", "diagram": "a short soft beep"},
    ),
    "literature": StylePreset(
        subject="literature",
        look="Soft, painterly live-action with cozy library interiors and paper cut-out scenes",
        palette=("burgundy red", "candle gold", "forest green", "ivory white"),
        lighting="warm lamp light from the side, soft window fill, gentle dust in the air",
        lens="50mm, shallow depth of field",
        presenter_name="Ms. Rivera",
        presenter=_TEACHER_A,
        setting="a wood-panelled library with tall bookshelves, an armchair and a reading lamp",
        close_setting="an open hardback book resting on a wooden desk",
        diagram_surface="a warm ivory paper sheet",
        depict="a paper cut-out theatre scene evoking {}",
        mood="warm, thoughtful",
        sounds={"close": "a soft page turn", "diagram": "a quiet piano note"},
    ),
    "geography": StylePreset(
        subject="geography",
        look="Aerial documentary footage combined with a large 3D relief globe",
        palette=("ocean blue", "grass green", "desert tan", "cloud white"),
        lighting="bright midday sun from high left, soft sky fill, crisp shadows",
        lens="24mm, deep focus",
        presenter_name="Mr. Okafor",
        presenter=_TEACHER_B,
        setting="a geography classroom with a large globe, rolled maps and a window to a city",
        close_setting="a 3D relief map",
        diagram_surface="a large desert-tan relief map",
        depict="a 3D relief landscape model showing {}",
        sounds={"close": "a gentle breeze", "diagram": "a soft wooden tap"},
    ),
    "general": StylePreset(
        subject="general",
        look="Clean, friendly educational live-action with simple tabletop models",
        palette=("sky blue", "sunflower yellow", "coral red", "soft white"),
        lighting="soft window light, warm practical lamp fill, gentle rim light",
        lens="35mm, moderate depth of field",
        presenter_name="Ms. Rivera",
        presenter=_TEACHER_A,
        setting="a bright classroom with a large table, a window and shelves of books",
        close_setting="a light wooden table",
        diagram_surface="a matte sky-blue board",
        depict="a simple tabletop model of {}",
        sounds={"close": "a soft tap", "diagram": "a light chime"},
    ),
}

_YOUNG_LOOK = "Bright, friendly stylised 3D animation with soft rounded shapes"


def style_for(subject: str, grade_band: str | None = None) -> StylePreset:
    """Preset for a subject (unknown subjects get 'general'); younger bands get a softer look."""
    preset = PRESETS.get(subject.strip().lower(), PRESETS["general"])
    if grade_band in {"K-2", "3-5"}:
        return StylePreset(**{**preset.__dict__, "look": _YOUNG_LOOK})
    return preset
