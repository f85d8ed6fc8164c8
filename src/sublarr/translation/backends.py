"""Translation backends behind one interface: Ollama, OpenAI-compatible, LibreTranslate, DeepL.

Each backend turns a list of lines into a list of translations of the same
length or raises: :class:`ReplyMismatch` when the counts differ (the caller
retries smaller batches), :class:`BackendError` for everything else.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Protocol, Sequence

from sublarr.translation.errors import BackendError, ReplyMismatch
from sublarr.translation.http import JsonClient, RetryPolicy, error_message
from sublarr.translation.prompt import numbered_lines, parse_numbered_reply, system_prompt
from sublarr.translation.settings import TranslationSettings

if TYPE_CHECKING:  # requests is imported with the session, on the first call out
    import requests

Glossary = Sequence[tuple[str, str]]


class Backend(Protocol):
    name: str

    def translate(self, lines: list[str], source: str, target: str,
                  glossary: Glossary) -> list[str]:
        """One translation per line, in order."""


def _messages(lines: list[str], source: str, target: str, glossary: Glossary) -> list[dict]:
    return [
        {"role": "system", "content": system_prompt(source, target, len(lines), glossary)},
        {"role": "user", "content": numbered_lines(lines)},
    ]


def _field(payload: Any, *path: str | int) -> Any:
    value = payload
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value


class OllamaBackend:
    name = "ollama"

    def __init__(self, client: JsonClient, url: str, model: str) -> None:
        self.client, self.url, self.model = client, url, model

    def _map_error(self, status: int, payload: Any) -> BackendError | None:
        message = error_message(payload)
        if status == 404 and "not found" in message:
            return BackendError(f"Ollama has no model '{self.model}' (run 'ollama pull "
                                f"{self.model}' or change translation_ollama_model)")
        return None

    def translate(self, lines: list[str], source: str, target: str,
                  glossary: Glossary) -> list[str]:
        body = {"model": self.model, "stream": False, "options": {"temperature": 0},
                "messages": _messages(lines, source, target, glossary)}
        payload = self.client.post(f"{self.url}/api/chat", body, map_error=self._map_error)
        content = _field(payload, "message", "content")
        if not isinstance(content, str):
            raise BackendError("Ollama answered JSON without message.content")
        return parse_numbered_reply(content, len(lines))


class OpenAIBackend:
    name = "openai"

    def __init__(self, client: JsonClient, url: str, model: str, api_key: str) -> None:
        self.client, self.model, self.api_key = client, model, api_key
        self.endpoint = url + ("/chat/completions" if url.endswith("/v1")
                               else "/v1/chat/completions")

    def _map_error(self, status: int, payload: Any) -> BackendError | None:
        message = error_message(payload) or "no details"
        if status in (401, 403):
            return BackendError(f"the OpenAI-compatible server refused the API key ({status}: "
                                f"{message}); check translation_openai_api_key")
        if status == 404:
            return BackendError(f"the OpenAI-compatible server does not know model "
                                f"'{self.model}' or the URL is wrong (404: {message})")
        return None

    def translate(self, lines: list[str], source: str, target: str,
                  glossary: Glossary) -> list[str]:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"model": self.model, "temperature": 0, "stream": False,
                "messages": _messages(lines, source, target, glossary)}
        payload = self.client.post(self.endpoint, body, headers, self._map_error)
        content = _field(payload, "choices", 0, "message", "content")
        if not isinstance(content, str):
            raise BackendError("the OpenAI-compatible server answered without "
                               "choices[0].message.content")
        return parse_numbered_reply(content, len(lines))


class LibreTranslateBackend:
    name = "libretranslate"

    def __init__(self, client: JsonClient, url: str, api_key: str) -> None:
        self.client, self.url, self.api_key = client, url, api_key

    def _map_error(self, status: int, payload: Any) -> BackendError | None:
        message = error_message(payload) or "no details"
        if status in (401, 403) or "api key" in message.lower():
            return BackendError(f"LibreTranslate refused the API key ({status}: {message}); "
                                "check translation_libretranslate_api_key")
        if status == 400:
            return BackendError(f"LibreTranslate rejected the request (400: {message})")
        return None

    def translate(self, lines: list[str], source: str, target: str,
                  glossary: Glossary) -> list[str]:
        body: dict[str, Any] = {"q": lines, "source": source, "target": target,
                                "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        payload = self.client.post(f"{self.url}/translate", body, map_error=self._map_error)
        translated = _field(payload, "translatedText")
        if isinstance(translated, str) and len(lines) == 1:
            translated = [translated]
        if not isinstance(translated, list) or not all(isinstance(t, str) for t in translated):
            raise BackendError("LibreTranslate answered without a translatedText list")
        if len(translated) != len(lines):
            raise ReplyMismatch(f"sent {len(lines)} lines, LibreTranslate returned "
                                f"{len(translated)}")
        return translated


DEEPL_TARGETS = {"en": "EN-US", "pt": "PT-PT", "zh": "ZH-HANS"}


class DeepLBackend:
    name = "deepl"

    def __init__(self, client: JsonClient, url: str, api_key: str) -> None:
        self.client, self.url, self.api_key = client, url, api_key

    def _map_error(self, status: int, payload: Any) -> BackendError | None:
        message = error_message(payload) or "no details"
        if status == 403:
            return BackendError(f"DeepL answered 403: wrong API key ({message}); check "
                                "translation_deepl_api_key and translation_deepl_url "
                                "(free keys use api-free.deepl.com)")
        if status == 456:
            return BackendError("DeepL answered 456: the character quota is used up")
        if status == 400:
            return BackendError(f"DeepL rejected the request (400: {message})")
        return None

    def translate(self, lines: list[str], source: str, target: str,
                  glossary: Glossary) -> list[str]:
        if not self.api_key:
            raise BackendError("DeepL needs an API key (translation_deepl_api_key)")
        body = {"text": lines, "source_lang": source.split("-")[0].upper(),
                "target_lang": DEEPL_TARGETS.get(target.lower(), target.upper())}
        headers = {"Authorization": f"DeepL-Auth-Key {self.api_key}"}
        payload = self.client.post(f"{self.url}/v2/translate", body, headers, self._map_error)
        translations = _field(payload, "translations")
        if not isinstance(translations, list):
            raise BackendError("DeepL answered without a translations list")
        texts = [_field(item, "text") for item in translations]
        if not all(isinstance(t, str) for t in texts):
            raise BackendError("DeepL answered translations without text")
        if len(texts) != len(lines):
            raise ReplyMismatch(f"sent {len(lines)} lines, DeepL returned {len(texts)}")
        return texts


BACKEND_LABELS = {"ollama": "Ollama", "openai": "the OpenAI-compatible server",
                  "libretranslate": "LibreTranslate", "deepl": "DeepL"}


def make_backend(name: str, settings: TranslationSettings,
                 stop: threading.Event | None = None,
                 session: requests.Session | None = None) -> Backend:
    """The backend ``name`` configured from ``settings`` (HTTP through ``session``)."""
    client = JsonClient(BACKEND_LABELS.get(name, name), settings.translation_timeout_seconds,
                        RetryPolicy(settings.translation_retries,
                                    settings.translation_retry_backoff_seconds), stop, session)
    if name == "ollama":
        return OllamaBackend(client, settings.translation_ollama_url,
                             settings.translation_ollama_model)
    if name == "openai":
        return OpenAIBackend(client, settings.translation_openai_url,
                             settings.translation_openai_model,
                             settings.translation_openai_api_key)
    if name == "libretranslate":
        return LibreTranslateBackend(client, settings.translation_libretranslate_url,
                                     settings.translation_libretranslate_api_key)
    if name == "deepl":
        return DeepLBackend(client, settings.translation_deepl_url,
                            settings.translation_deepl_api_key)
    raise BackendError(f"unknown translation backend {name!r}")
