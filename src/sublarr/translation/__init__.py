"""The translation subsystem (start-up wiring in :mod:`sublarr.translation.lifecycle`).

Layout: ``lines`` (pure: split a line into tags and translatable text, decide
what is dialogue), ``prompt`` (pure: numbered-lines prompt and strict reply
parser), ``pipeline`` (pure: adaptive batch halving, marker fallback),
``documents`` (files: streamed ASS rewrite, SRT/VTT via pysubs2, atomic
output, naming), ``http`` + ``backends`` (Ollama, OpenAI-compatible,
LibreTranslate, DeepL), ``jobs_repo``/``glossary_repo`` (the tables),
``worker`` (executor, resume, events) and ``api`` (HTTP edge).
"""
