"""The environment of helper programs (ffmpeg, ffprobe, the whisper child): pure.

Helpers get a small allow-list of Sublarr's environment, never the whole of
it: ``SUBLARR_API_KEY`` and the other ``SUBLARR_*`` settings (database
passwords, provider keys) must not reach a program that only decodes media.
"""

from __future__ import annotations

from typing import Iterable, Mapping

# What any program needs to find its libraries, pick a locale and a scratch dir.
BASE_VARIABLES = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE", "TZ", "HOME", "TMPDIR")
# The whisper child is Python running faster-whisper/CTranslate2/Hugging Face Hub.
WHISPER_CHILD_VARIABLES = (
    "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES",
    "OMP_NUM_THREADS", "XDG_CACHE_HOME", "SSL_CERT_FILE", "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy",
    "https_proxy", "no_proxy",
)
WHISPER_CHILD_PREFIXES = ("HF_", "CT2_", "HUGGINGFACE_")
NEVER_PREFIX = "SUBLARR_"


def helper_environment(environ: Mapping[str, str], *, keep: Iterable[str] = (),
                       keep_prefixes: Iterable[str] = ()) -> dict[str, str]:
    """The variables of ``environ`` a helper may see: the base list, ``keep`` and names
    starting with one of ``keep_prefixes`` — never a ``SUBLARR_*`` variable."""
    names = set(BASE_VARIABLES) | set(keep)
    prefixes = tuple(keep_prefixes)
    return {name: value for name, value in environ.items()
            if (name in names or (prefixes and name.startswith(prefixes)))
            and not name.upper().startswith(NEVER_PREFIX)}


def media_tool_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """For ffmpeg and ffprobe: the base variables only."""
    return helper_environment(environ)


def whisper_child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """For ``python -m sublarr.whisper.child``: the base variables, Python's import path and
    the model libraries' own settings (``HF_HUB_OFFLINE``, cache dirs, GPUs)."""
    return helper_environment(environ, keep=WHISPER_CHILD_VARIABLES,
                              keep_prefixes=WHISPER_CHILD_PREFIXES)
