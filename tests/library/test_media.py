"""Pure helpers: path mapping, quick release-name reading, language tags."""

from __future__ import annotations

import pytest

from sublarr.library.languages import parse_language_list, to_iso639_1
from sublarr.library.media import is_video, map_path, quick_guess
from sublarr.library.standalone import parse_release


@pytest.mark.parametrize("path,mappings,expected", [
    ("/tv/Show/a.mkv", [("/tv", "/media/tv")], "/media/tv/Show/a.mkv"),
    ("/tv/Show/a.mkv", [("/tv/", "/media/tv/")], "/media/tv/Show/a.mkv"),
    ("/tvshows/a.mkv", [("/tv", "/media/tv")], "/tvshows/a.mkv"),
    ("/data/tv/anime/x.mkv", [("/data", "/a"), ("/data/tv/anime", "/b")], "/b/x.mkv"),
    ("D:\\TV\\Show\\a.mkv", [("D:\\TV", "/mnt/tv")], "/mnt/tv/Show/a.mkv"),
    ("/tv", [("/tv", "/media/tv")], "/media/tv"),
    ("/other/a.mkv", [], "/other/a.mkv"),
    ("/tv/[Group] Show ü/a b.mkv", [("/tv", "/m [x]")], "/m [x]/[Group] Show ü/a b.mkv"),
])
def test_map_path(path, mappings, expected):
    assert map_path(path, mappings) == expected


@pytest.mark.parametrize("name,title,kind,season,episode,year", [
    ("[SubsPlease] Frieren - 05 (1080p).mkv", "Frieren", "episode", None, 5, None),
    ("Show.Name.S02E10.1080p.WEB-DL.mkv", "Show Name", "episode", 2, 10, None),
    ("/x/Show Name - 3x07 - Title.mkv", "Show Name", "episode", 3, 7, None),
    ("The.Movie.2019.1080p.BluRay.x264-GRP.mkv", "The Movie", "movie", None, None, 2019),
    ("Plain Name.mkv", "Plain Name", "movie", None, None, None),
    ("[Grp] One Piece - 1089v2 [1080p].mkv", "One Piece", "episode", None, 1089, None),
])
def test_quick_guess(name, title, kind, season, episode, year):
    guess = quick_guess(name)
    assert (guess.title, guess.media_type, guess.season, guess.episode, guess.year) == (
        title, kind, season, episode, year)


def test_language_tags():
    assert [to_iso639_1(t) for t in ("en", "ENG", "English", "pt-BR", "ger", "deu", "xx", "")] == [
        "en", "en", "en", "pt", "de", "de", None, None]
    assert parse_language_list("eng/spa") == {"en", "es"}
    assert parse_language_list("English / Japanese") == {"en", "ja"}
    assert parse_language_list(["jpn", "Klingon"]) == {"ja"}
    assert parse_language_list(None) == frozenset()


def test_is_video():
    assert is_video("a.MKV") and is_video("x.y.mp4")
    assert not is_video("a.srt") and not is_video(".mkv") and not is_video("mkv")


@pytest.mark.parametrize("relative,expected", [
    ("[SubsPlease] Sousou no Frieren - 28 (1080p) [ABCD1234].mkv",
     ("episode", "Sousou no Frieren", None, 28)),
    ("Show/Season 1/Show - S01E04 - Name.mkv", ("episode", "Show", 1, 4)),
    ("Kimi no Na wa (2016)/Kimi.no.Na.wa.2016.1080p.mkv", ("movie", "Kimi no Na wa", None, None)),
])
def test_parse_release(tmp_path, relative, expected):
    media = parse_release(str(tmp_path / relative), str(tmp_path))
    assert (media.media_type, media.title, media.season, media.episode) == expected
