"""Word lists the ingest and the offline director score text with.

Kept apart from the algorithms so they can grow without touching logic: stopwords, words too
generic to be a lesson's key concept, and a keyword lexicon per school subject.
"""

from __future__ import annotations


def _w(text: str) -> frozenset[str]:
    """Split a whitespace-separated word list into a set."""
    return frozenset(text.split())


STOPWORDS: frozenset[str] = _w(
    """
    a about above across after afterwards again against all almost alone along already
    also although always am among amongst an and another any anyhow anyone anything
    anyway anywhere are around as at back be became because become becomes becoming been
    before beforehand behind being below beside besides between beyond both but by can
    cannot could did do does doing done down due during each either else elsewhere
    enough etc even ever every everyone everything everywhere except few first for
    former formerly from further get gets getting give given gives go goes going got had
    has have having he hence her here hereafter hereby herein hers herself him himself
    his how however i if in indeed into is it its itself just keep kept last latter
    least less let lets like likely made make makes making many may me meanwhile might
    mine more moreover most mostly much must my myself namely neither never nevertheless
    next no nobody none nor not nothing now nowhere of off often on once one only onto
    or other others otherwise our ours ourselves out over own per perhaps please put
    quite rather really same see seem seemed seeming seems several she should since so
    some somehow someone something sometime sometimes somewhere still such than that the
    their theirs them themselves then thence there thereafter thereby therefore therein
    thereupon these they this those though through throughout thru thus to together too
    toward towards under until up upon us used using very via was we well were what
    whatever when whence whenever where whereafter whereas whereby wherein whereupon
    wherever whether which while whither who whoever whole whom whose why will with
    within without would yet you your yours yourself yourselves s t don doesn didn isn
    aren wasn weren won shall ll ve re d m two three four five six seven eight nine ten
    hundred thousand million billion called known termed named refers refer referred
    means mean meant
    """
)
"""Function words: never a concept on their own, and they break candidate phrases."""

GENERIC_WORDS: frozenset[str] = _w(
    """
    able activity answer answers ask asked chapter class classroom concept concepts
    consider describe described discuss discussion end example examples exercise
    exercises explain explained explore figure figures find found idea ideas important
    include included includes including learn learning lesson lessons minutes note notes
    objective objectives outcome outcomes page part parts people point problem problems
    question questions read section sections show shown shows start student students
    summary table tables teacher teachers term terms thing things think time times
    understand understanding way ways word words work works year years different many
    new large small certain various similar number numbers called use uses typically
    often usually simple general specific following instance case cases kind kinds type
    types lot lots amount fact form forms level levels result results process processes
    order able next today see look looking want wants good better best great high low
    higher lower built identify remain remains cause causes slow region regions
    mechanism visible whole main instead become structure structures component
    components set sets
    """
)
"""Words frequent in any lesson that do not name what the lesson is about."""

GENERIC_HEADINGS: frozenset[str] = frozenset(
    {
        "learning objectives",
        "objectives",
        "learning outcomes",
        "key questions",
        "lesson starter",
        "summary",
        "introduction",
        "conclusion",
        "review",
        "resources",
        "materials",
        "vocabulary",
        "key terms",
        "glossary",
        "activity",
        "homework",
        "assessment",
        "applying what we have just learnt",
        "lesson reflection",
    }
)
"""Headings that structure a lesson without naming its content."""

SUBJECT_LEXICON: dict[str, frozenset[str]] = {
    "biology": _w(
        """
    cell cells membrane organism organisms protein proteins dna gene genes enzyme
    enzymes photosynthesis chlorophyll chloroplast chloroplasts mitochondria tissue
    tissues organ organs species evolution plant plants leaf leaves animal animals
    bacteria virus immune blood heart lungs nucleus phospholipid phospholipids
    cholesterol glucose ecosystem habitat respiration carbohydrates lipids receptor
    receptors biology biological microscope
    """
    ),
    "chemistry": _w(
        """
    atom atoms molecule molecules reaction reactions reactant reactants product products
    catalyst catalysts element elements compound compounds bond bonds acid acids base
    bases solution solutions concentration electron electrons ion ions chemical
    chemistry periodic oxidation mole moles rate rates temperature gas liquid solid
    collision collisions mixture
    """
    ),
    "physics": _w(
        """
    force forces motion velocity acceleration mass inertia energy momentum newton
    newtons friction gravity wave waves frequency electric current voltage magnetic
    field physics kinetic potential speed object objects net external law laws work
    power pressure light lens
    """
    ),
    "earth science": _w(
        """
    evaporation condensation precipitation rain cloud clouds groundwater river rivers
    vapour vapor water cycle runoff transpiration
    earth crust mantle plate plates tectonics volcano volcanoes earthquake earthquakes
    rock rocks mineral minerals erosion sediment continent continents ocean basins
    geology geologists weather climate atmosphere glacier fault faults magma lava
    seafloor subduction mountains
    """
    ),
    "astronomy": _w(
        """
    star stars planet planets galaxy galaxies orbit orbits sun moon telescope universe
    solar comet comets asteroid asteroids cosmic astronomy astronomers eclipse nebula
    light-year spacecraft constellation
    """
    ),
    "history": _w(
        """
    war wars empire empires king kings queen pharaoh pharaohs dynasty revolution treaty
    battle battles army armies century centuries ancient colonial president government
    invasion allied allies troops kingdom historians history civilization tomb tombs
    conference summit soldiers medieval bce
    """
    ),
    "mathematics": _w(
        """
    number numbers equation equations fraction fractions decimal decimals sum average
    mean median mode probability triangle angle angles geometry algebra graph multiply
    divide division multiplication addition subtraction integer integers percent ratio
    value values calculate data set
    """
    ),
    "computer science": _w(
        """
    computer computers binary bit bits byte bytes algorithm algorithms program programs
    programming code data software hardware network internet digital digits processor
    memory variable loop loops
    """
    ),
    "literature": _w(
        """
    poem poems poetry novel novels author authors character characters plot theme themes
    narrator stanza metaphor simile story stories reader readers literary literature
    shakespeare prose verse chapter
    """
    ),
    "geography": _w(
        """
    map maps river rivers country countries population city cities region regions
    climate latitude longitude continent landscape urban rural migration border borders
    geography trade resources
    """
    ),
}
"""Keywords per subject; a lesson's subject is the best-scoring list (else 'general')."""
