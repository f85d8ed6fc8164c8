"""Languages Whisper can transcribe, and normalising what users type (pure)."""

from __future__ import annotations

AUTO = "auto"

# The language tokens of the multilingual Whisper models (ISO 639-1 where one
# exists; "haw" and "yue" have none).
WHISPER_LANGUAGES: frozenset[str] = frozenset("""
af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu
ha haw he hi hr ht hu hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml
mn mr ms mt my ne nl nn no oc pa pl ps pt ro ru sa sd si sk sl sn so sq sr su sv sw
ta te tg th tk tl tr tt uk ur uz vi yi yo zh yue
""".split())

# ISO 639-2 codes the *arr apps and media tags use, mapped to Whisper's codes.
_ALIASES: dict[str, str] = {
    "eng": "en", "jpn": "ja", "ger": "de", "deu": "de", "fre": "fr", "fra": "fr",
    "spa": "es", "ita": "it", "por": "pt", "rus": "ru", "chi": "zh", "zho": "zh",
    "kor": "ko", "dut": "nl", "nld": "nl", "swe": "sv", "nor": "no", "nob": "no",
    "dan": "da", "fin": "fi", "pol": "pl", "tur": "tr", "ara": "ar", "heb": "he",
    "hin": "hi", "tha": "th", "vie": "vi", "ukr": "uk", "ces": "cs", "cze": "cs",
    "hun": "hu", "gre": "el", "ell": "el", "rum": "ro", "ron": "ro", "ind": "id",
    "may": "ms", "msa": "ms", "per": "fa", "fas": "fa", "cat": "ca", "hrv": "hr",
    "srp": "sr", "bul": "bg", "slk": "sk", "slo": "sk", "slv": "sl", "iw": "he",
    "jv": "jw", "nb": "no",
}


class UnsupportedLanguageError(ValueError):
    """A language Whisper cannot transcribe."""


def normalize_language(value: str | None) -> str | None:
    """Whisper's code for ``value``; ``None`` means "detect it".

    Accepts Whisper codes, common ISO 639-2 codes and region tags
    (``en-US``, ``pt_BR``); raises :class:`UnsupportedLanguageError` otherwise.
    """
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("", AUTO):
        return None
    if text in WHISPER_LANGUAGES:
        return text
    base = text.replace("_", "-").split("-", 1)[0]
    code = base if base in WHISPER_LANGUAGES else _ALIASES.get(base)
    if code is None:
        raise UnsupportedLanguageError(
            f"Whisper cannot transcribe language {value!r}; use a code such as "
            "en, ja, de, or 'auto' to detect it")
    return code
