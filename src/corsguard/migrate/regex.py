"""Origin regexes to corsguard patterns: moved to `corsguard.origin_regex` (the model).

Kept so that ``corsguard.migrate.regex`` imports keep working.
"""

from corsguard.origin_regex import ALPHABET as ALPHABET
from corsguard.origin_regex import Mode as Mode
from corsguard.origin_regex import RegexTranslation as RegexTranslation
from corsguard.origin_regex import Untranslatable as Untranslatable
from corsguard.origin_regex import translate_regex as translate_regex
