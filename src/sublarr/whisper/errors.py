"""Why a transcription failed: one exception type per cause, each with a clear message."""

from __future__ import annotations


class TranscriptionError(Exception):
    """A transcription that cannot finish; ``str(exc)`` is shown to the user."""


class MediaNotFoundError(TranscriptionError):
    """The media file does not exist (any more)."""


class UnreadableMediaError(TranscriptionError):
    """ffprobe/ffmpeg cannot read the file (corrupt, truncated, not media)."""


class NoAudioTrackError(TranscriptionError):
    """The file has no audio stream, or not the one asked for."""


class ToolMissingError(TranscriptionError):
    """ffmpeg or ffprobe is not installed where the settings say."""


class ModelError(TranscriptionError):
    """The Whisper model cannot be loaded or cannot handle the request."""


class RemoteServiceError(TranscriptionError):
    """The remote ASR service is unreachable or answered with an error."""


class NoSpeechError(TranscriptionError):
    """Nothing was recognised, so there is no subtitle to write."""


class JobStopped(Exception):
    """The job was stopped from outside (cancelled by a user or by shutdown)."""
