"""Build the message classifier from the admin's config: lexicon file or the built-in one, plus the
configured category keywords, names and handling types, and the built-in grid model beside them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from nlp.classifier import Classifier
from nlp.lexicon import default_lexicon, load_lexicon, with_keywords
from nlp.model import default_model, default_urgent_model

if TYPE_CHECKING:
    from bot.config import Config  # only its type: `gridbot classify` never loads the config machinery


def build_classifier(config: Config | None = None, lexicon_path: str | None = None) -> Classifier:
    """Classifier for `config`: lexicon from `lexicon_path`, else `config.nlp.lexicon`, else built-in."""
    path = lexicon_path or (config.nlp.lexicon if config is not None else "")
    lexicon = load_lexicon(Path(path)) if path else default_lexicon()
    if config is None:
        return Classifier(lexicon, model=default_model(), urgent_model=default_urgent_model())
    extra = {cat.id: cat.weighted_keywords for cat in config.categories}
    names = {cat.id: cat.name for cat in config.categories}
    handling = {cat.id: cat.handling.value for cat in config.categories}
    return Classifier(
        with_keywords(lexicon, extra, names),
        handling=handling,
        model=default_model(),
        urgent_model=default_urgent_model(),
    )
