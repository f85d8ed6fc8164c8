"""Downloaded bytes → validated UTF-8 subtitle: archives, encodings and bad files (pure)."""

from __future__ import annotations

import codecs
import io
import lzma
import zipfile

import pytest

from sublarr.providers.archives import is_safe_member, unpack
from sublarr.providers.errors import ArchiveError, SubtitleFileError
from sublarr.providers.subtitle_text import parse_subtitle, subtitle_from_download
from tests.providers.fakes import ASS_EN, SRT_EN, SRT_JA_TEXT, zipped

LIMIT = 5 * 1024 * 1024


def test_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.srt", b"\x00" * (50 * 1024 * 1024))  # compresses ~1000:1
    with pytest.raises(ArchiveError, match="unpack to|ratio"):
        subtitle_from_download(buffer.getvalue(), "x.zip", LIMIT)


def test_zip_whose_header_lies_about_the_size_is_read_only_up_to_the_limit():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.srt", SRT_EN * 2000)
    with pytest.raises(ArchiveError):
        subtitle_from_download(buffer.getvalue(), "x.zip", 10_000)


def test_path_traversal_entries_are_ignored():
    data = zipped({"../../etc/evil.srt": SRT_EN, "/abs/evil.srt": SRT_EN,
                   "C:\\windows\\evil.srt": SRT_EN, "good/Frieren.srt": ASS_EN})
    blob = unpack(data, "x.zip", LIMIT)
    assert blob.name == "Frieren.srt" and blob.data == ASS_EN


def test_archive_holding_only_traversal_entries_is_refused():
    with pytest.raises(ArchiveError, match="no subtitle"):
        subtitle_from_download(zipped({"../evil.srt": SRT_EN}), "x.zip", LIMIT)


@pytest.mark.parametrize("name", ["../a.srt", "/a.srt", "a/../../b.srt", "C:/a.srt", "\\a.srt"])
def test_unsafe_member_names(name):
    assert not is_safe_member(name)


def test_season_pack_yields_the_wanted_episode():
    data = zipped({"Show - 04.srt": SRT_EN, "Show - 05.ass": ASS_EN, "Show - 06.srt": SRT_EN})
    assert unpack(data, "pack.zip", LIMIT, episode=5).data == ASS_EN


def test_empty_file_is_refused():
    with pytest.raises(SubtitleFileError, match="empty"):
        subtitle_from_download(b"", "a.srt", LIMIT)
    with pytest.raises(SubtitleFileError, match="empty"):
        parse_subtitle(b"  \n\n ")


def test_non_subtitle_text_is_refused():
    with pytest.raises(SubtitleFileError, match="not a subtitle"):
        parse_subtitle(b"<html><body>Download limit reached, please log in</body></html>")


def test_binary_file_is_refused():
    with pytest.raises(SubtitleFileError):
        parse_subtitle(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)


def test_shift_jis_subtitle_becomes_utf8():
    subtitle = parse_subtitle(SRT_JA_TEXT.encode("shift_jis"))
    assert subtitle.text == SRT_JA_TEXT
    assert subtitle.encoded().decode("utf-8") == SRT_JA_TEXT
    assert subtitle.format == "srt"
    assert subtitle.encoding.replace("_", "").lower() in ("shiftjis", "cp932")


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF16_LE, "utf-16-le"),
                                       (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_utf16_subtitle_with_bom_becomes_utf8(bom, codec):
    subtitle = parse_subtitle(bom + SRT_JA_TEXT.encode(codec))
    assert subtitle.text == SRT_JA_TEXT and subtitle.encoding == "utf-16"


def test_utf8_bom_is_dropped():
    assert not parse_subtitle(codecs.BOM_UTF8 + SRT_EN).text.startswith("\ufeff")


def test_ass_is_kept_verbatim():
    subtitle = parse_subtitle(ASS_EN)
    assert subtitle.format == "ass" and subtitle.text.encode() == ASS_EN


def test_webvtt_is_converted_to_srt():
    vtt = b"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nHello there\n"
    subtitle = parse_subtitle(vtt)
    assert subtitle.format == "srt" and "00:00:01,000 --> 00:00:03,000" in subtitle.text


def test_xz_attachment_is_unpacked():
    data = lzma.compress(ASS_EN, format=lzma.FORMAT_XZ)
    assert subtitle_from_download(data, "track3.eng.ass.xz", LIMIT).format == "ass"


def test_xz_bomb_is_refused():
    data = lzma.compress(b"\x00" * (20 * 1024 * 1024), format=lzma.FORMAT_XZ)
    with pytest.raises(ArchiveError, match="larger"):
        subtitle_from_download(data, "x.ass.xz", LIMIT)


def test_rar_is_refused_with_a_clear_reason():
    with pytest.raises(ArchiveError, match="rar archives are not supported"):
        subtitle_from_download(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 64, "a.rar", LIMIT)


def test_broken_zip_is_refused():
    with pytest.raises(ArchiveError, match="broken zip"):
        subtitle_from_download(b"PK\x03\x04garbage", "a.zip", LIMIT)
