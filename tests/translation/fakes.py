"""Fake translation services speaking the real Ollama, OpenAI, LibreTranslate and DeepL
protocols, with a deterministic "translation" (upper case) and switchable misbehaviour."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from tests.support.http import Recorded, Reply

NUMBERED = re.compile(r"^(\d+): ?(.*)$")
HTML_PAGE = "<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>"


def fake_translate(text: str) -> str:
    return text.upper()


@dataclass
class FakeTranslator:
    """Knobs: ``mode`` in ok | fewer | more | html | hang | status; ``key`` expected."""

    key: str = "good-key"
    model: str = "test-model"
    mode: str = "ok"
    status: int = 500
    hang_seconds: float = 3.0
    translate: Callable[[str], str] = fake_translate
    block_at: int | None = None  # the request after this many batches waits for release
    release: threading.Event = field(default_factory=threading.Event)
    blocked: threading.Event = field(default_factory=threading.Event)
    batches: list[list[str]] = field(default_factory=list)

    def __call__(self, req: Recorded) -> Reply:
        if self.block_at is not None and len(self.batches) >= self.block_at:
            self.blocked.set()
            self.release.wait(30)
            return Reply(503, {"error": "shutting down"})
        if self.mode == "hang":
            return Reply(200, {}, delay=self.hang_seconds)
        if self.mode == "html":
            return Reply(200, HTML_PAGE, {"Content-Type": "text/html"})
        if self.mode == "status":
            return Reply(self.status, {"error": "boom"})
        handler = {"/api/chat": self._ollama, "/v1/chat/completions": self._openai,
                   "/translate": self._libre, "/v2/translate": self._deepl}.get(req.path)
        if handler is None or req.method != "POST":
            return Reply(404, {"error": "not found"})
        return handler(req)

    def _lines_out(self, lines: list[str]) -> list[str]:
        self.batches.append(list(lines))
        out = [self.translate(line) for line in lines]
        if self.mode == "fewer" and len(out) > 1:
            out = out[:-1]
        if self.mode == "more":
            out = out + ["EXTRA"]
        return out

    def _numbered(self, body: dict[str, Any]) -> str:
        user = body["messages"][-1]["content"]
        lines = [NUMBERED.match(row).group(2) for row in user.split("\n")]
        out = self._lines_out(lines)
        return "\n".join(f"{i}: {text}" for i, text in enumerate(out, start=1))

    def _ollama(self, req: Recorded) -> Reply:
        body = req.json()
        if body.get("model") != self.model:
            return Reply(404, {"error": f"model '{body.get('model')}' not found"})
        content = self._numbered(body)
        return Reply(200, {"model": self.model, "created_at": "2026-01-01T00:00:00Z",
                           "message": {"role": "assistant", "content": content},
                           "done": True, "done_reason": "stop"})

    def _openai(self, req: Recorded) -> Reply:
        if req.headers.get("Authorization") != f"Bearer {self.key}":
            return Reply(401, {"error": {"message": "Incorrect API key provided",
                                         "type": "invalid_request_error"}})
        body = req.json()
        if body.get("model") != self.model:
            return Reply(404, {"error": {"message": f"The model `{body.get('model')}` does "
                                         "not exist", "type": "invalid_request_error"}})
        content = self._numbered(body)
        return Reply(200, {"id": "chatcmpl-1", "object": "chat.completion",
                           "model": self.model,
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant",
                                                    "content": content}}]})

    def _libre(self, req: Recorded) -> Reply:
        body = req.json()
        if body.get("api_key") != self.key:
            return Reply(403, {"error": "Invalid API key"})
        q = body["q"]
        out = self._lines_out(q if isinstance(q, list) else [q])
        return Reply(200, {"translatedText": out if isinstance(q, list) else out[0]})

    def _deepl(self, req: Recorded) -> Reply:
        if req.headers.get("Authorization") != f"DeepL-Auth-Key {self.key}":
            return Reply(403, {"message": "Wrong endpoint or authorization key"})
        body = req.json()
        out = self._lines_out(body["text"])
        return Reply(200, {"translations": [{"detected_source_language": "EN", "text": t}
                                            for t in out]})
