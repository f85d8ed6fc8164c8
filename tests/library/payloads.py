"""Webhook bodies and API answers shaped like real Sonarr v4 / Radarr v5 ones.

Written from the public payload classes (WebhookPayload, WebhookSeries,
WebhookEpisodeFile, SeriesResource, EpisodeFileResource, MovieResource…);
values are invented.
"""

from __future__ import annotations

from typing import Any

SONARR_SERIES = {
    "id": 12, "title": "Sousou no Frieren", "titleSlug": "sousou-no-frieren",
    "path": "/tv/Sousou no Frieren", "tvdbId": 424536, "tvMazeId": 68542, "tmdbId": 209867,
    "imdbId": "tt22248376", "type": "anime", "year": 2023, "genres": ["Animation", "Anime"],
    "images": [{"coverType": "poster", "url": "/MediaCover/12/poster.jpg",
                "remoteUrl": "https://artworks.thetvdb.com/banners/v4/series/424536/posters/x.jpg"}],
    "tags": ["anime"], "originalLanguage": {"id": 8, "name": "Japanese"},
}


def sonarr_episode_file(path: str, file_id: int = 501) -> dict[str, Any]:
    return {
        "id": file_id, "relativePath": path.rsplit("/", 1)[-1], "path": path,
        "quality": "WEBDL-1080p", "qualityVersion": 1, "releaseGroup": "SubsPlease",
        "sceneName": "[SubsPlease] Sousou no Frieren - 05 (1080p) [ABCD1234]",
        "size": 1445713312, "dateAdded": "2026-01-05T18:02:11Z",
        "languages": [{"id": 8, "name": "Japanese"}],
        "mediaInfo": {"audioChannels": 2, "audioCodec": "AAC", "audioLanguages": ["jpn"],
                      "height": 1080, "width": 1920, "subtitles": [], "videoCodec": "x264",
                      "videoDynamicRange": "", "videoDynamicRangeType": ""},
        "sourcePath": "/downloads/complete/anime/" + path.rsplit("/", 1)[-1],
        "recycleBinPath": None,
    }


def sonarr_download(path: str, *, upgrade: bool = False) -> dict[str, Any]:
    """Sonarr v4 "On Import" (eventType Download)."""
    return {
        "series": SONARR_SERIES,
        "episodes": [{"id": 9001, "episodeNumber": 5, "seasonNumber": 1, "title": "Phantoms of the Dead",
                      "overview": "...", "airDate": "2023-10-06", "airDateUtc": "2023-10-06T14:00:00Z",
                      "seriesId": 12, "tvdbId": 9876543, "absoluteEpisodeNumber": 5}],
        "episodeFile": sonarr_episode_file(path),
        "isUpgrade": upgrade,
        "downloadClient": "qBittorrent", "downloadClientType": "qBittorrent",
        "downloadId": "ABCDEF0123456789ABCDEF0123456789ABCDEF01",
        "release": {"quality": "WEBDL-1080p", "qualityVersion": 1, "releaseGroup": "SubsPlease",
                    "releaseTitle": "[SubsPlease] Sousou no Frieren - 05 (1080p) [ABCD1234].mkv",
                    "indexer": "Nyaa", "size": 1445713312, "customFormatScore": 0,
                    "customFormats": []},
        "deletedFiles": [sonarr_episode_file("/tv/Sousou no Frieren/Season 1/old.mkv", 400)]
        if upgrade else [],
        "customFormatInfo": {"customFormats": [], "customFormatScore": 0},
        "eventType": "Download", "instanceName": "Sonarr",
        "applicationUrl": "http://sonarr.local:8989",
    }


def sonarr_import_complete(paths: list[str]) -> dict[str, Any]:
    """Sonarr v4 "On Import Complete": every file of a release at once."""
    files = [sonarr_episode_file(p, 600 + i) for i, p in enumerate(paths)]
    episodes = [{"id": 9100 + i, "episodeNumber": 6 + i, "seasonNumber": 1,
                 "title": f"Episode {6 + i}", "seriesId": 12, "tvdbId": 9900 + i,
                 "episodeFileId": 600 + i} for i in range(len(paths))]
    return {
        "series": SONARR_SERIES, "episodes": episodes, "episodeFiles": files,
        "downloadClient": "SABnzbd", "downloadClientType": "SABnzbd", "downloadId": "SABnzbd_nzo_x",
        "release": {"quality": "WEBDL-1080p", "qualityVersion": 1, "releaseTitle": "Frieren S01 batch",
                    "indexer": "NZBgeek", "size": 9_000_000_000},
        "fileCount": len(files), "sourcePath": "/downloads/complete/Frieren.S01",
        "destinationPath": "/tv/Sousou no Frieren",
        "eventType": "Download", "instanceName": "Sonarr", "applicationUrl": "",
    }


SONARR_OTHER_EVENTS: dict[str, dict[str, Any]] = {
    "Test": {"series": {"id": 1, "title": "Test Title", "path": "C:\\testpath", "tvdbId": 1234,
                        "type": "standard", "year": 0},
             "episodes": [{"id": 123, "episodeNumber": 1, "seasonNumber": 1, "title": "Test title",
                           "seriesId": 0}],
             "eventType": "Test", "instanceName": "Sonarr", "applicationUrl": ""},
    "Grab": {"series": SONARR_SERIES, "episodes": [{"id": 9001, "episodeNumber": 5, "seasonNumber": 1}],
             "release": {"quality": "WEBDL-1080p", "releaseTitle": "x", "indexer": "Nyaa",
                         "size": 1, "customFormats": ["Anime"], "customFormatScore": 10,
                         "languages": [{"id": 8, "name": "Japanese"}]},
             "downloadClient": "qBittorrent", "downloadId": "ABC", "eventType": "Grab",
             "instanceName": "Sonarr"},
    "Rename": {"series": SONARR_SERIES, "renamedEpisodeFiles": [
        {**sonarr_episode_file("/tv/Sousou no Frieren/Season 1/new name.mkv"),
         "previousRelativePath": "old name.mkv",
         "previousPath": "/tv/Sousou no Frieren/Season 1/old name.mkv"}],
        "eventType": "Rename", "instanceName": "Sonarr"},
    "SeriesAdd": {"series": SONARR_SERIES, "eventType": "SeriesAdd", "instanceName": "Sonarr"},
    "SeriesDelete": {"series": SONARR_SERIES, "deletedFiles": True, "eventType": "SeriesDelete",
                     "instanceName": "Sonarr"},
    "EpisodeFileDelete": {"series": SONARR_SERIES, "episodes": [{"id": 9001, "episodeNumber": 5,
                                                                 "seasonNumber": 1}],
                          "episodeFile": sonarr_episode_file("/tv/Sousou no Frieren/Season 1/x.mkv"),
                          "deleteReason": "upgrade", "eventType": "EpisodeFileDelete",
                          "instanceName": "Sonarr"},
    "Health": {"level": "warning", "message": "Indexers unavailable due to failures",
               "type": "IndexerStatusCheck", "wikiUrl": "https://wiki.servarr.com/sonarr/system",
               "eventType": "Health", "instanceName": "Sonarr"},
    "HealthRestored": {"level": "warning", "message": "Indexers available again",
                       "type": "IndexerStatusCheck", "eventType": "HealthRestored",
                       "instanceName": "Sonarr"},
    "ApplicationUpdate": {"message": "Sonarr updated from 4.0.4 to 4.0.5",
                          "previousVersion": "4.0.4.1491", "newVersion": "4.0.5.1710",
                          "eventType": "ApplicationUpdate", "instanceName": "Sonarr"},
    "ManualInteractionRequired": {
        "series": SONARR_SERIES, "episodes": [], "downloadInfo": {"quality": "WEBDL-1080p",
                                                                  "title": "x", "size": 1},
        "downloadClient": "qBittorrent", "downloadId": "X", "downloadStatus": "Warning",
        "downloadStatusMessages": [{"title": "x", "messages": ["Unable to parse"]}],
        "customFormatInfo": {"customFormats": [], "customFormatScore": 0},
        "release": {"releaseTitle": "x", "indexer": "Nyaa", "size": 1},
        "eventType": "ManualInteractionRequired", "instanceName": "Sonarr"},
    "SomethingAddedIn2030": {"eventType": "SomethingAddedIn2030", "instanceName": "Sonarr",
                             "futureField": {"nested": [1, 2, 3]}},
}

RADARR_MOVIE = {
    "id": 77, "title": "Perfect Days", "year": 2023, "releaseDate": "2023-12-21",
    "folderPath": "/movies/Perfect Days (2023)", "tmdbId": 976893, "imdbId": "tt27503384",
    "overview": "...", "genres": ["Drama"], "images": [], "tags": [], "originalLanguage":
        {"id": 8, "name": "Japanese"},
}


def radarr_movie_file(path: str) -> dict[str, Any]:
    return {
        "id": 301, "relativePath": path.rsplit("/", 1)[-1], "path": path,
        "quality": "Bluray-1080p", "qualityVersion": 1, "releaseGroup": "GRP",
        "sceneName": "Perfect.Days.2023.1080p.BluRay.x264-GRP", "indexerFlags": "0",
        "size": 8_123_456_789, "dateAdded": "2026-01-06T10:00:00Z",
        "languages": [{"id": 8, "name": "Japanese"}],
        "mediaInfo": {"audioChannels": 5.1, "audioCodec": "DTS", "audioLanguages": ["jpn"],
                      "height": 1080, "width": 1920, "subtitles": ["jpn"], "videoCodec": "x264",
                      "videoDynamicRange": "", "videoDynamicRangeType": ""},
        "sourcePath": "/downloads/Perfect.Days.2023.1080p.BluRay.x264-GRP.mkv",
    }


def radarr_download(path: str, *, upgrade: bool = False) -> dict[str, Any]:
    """Radarr v5 "On Import" (eventType Download)."""
    return {
        "movie": RADARR_MOVIE,
        "remoteMovie": {"tmdbId": 976893, "imdbId": "tt27503384", "title": "Perfect Days",
                        "year": 2023},
        "movieFile": radarr_movie_file(path), "isUpgrade": upgrade,
        "downloadClient": "Transmission", "downloadClientType": "Transmission",
        "downloadId": "0123456789ABCDEF", "customFormatInfo": {"customFormats": [],
                                                              "customFormatScore": 0},
        "release": {"releaseTitle": "Perfect.Days.2023.1080p.BluRay.x264-GRP", "indexer": "x",
                    "size": 8_123_456_789},
        "deletedFiles": [radarr_movie_file("/movies/Perfect Days (2023)/old.mkv")]
        if upgrade else [],
        "eventType": "Download", "instanceName": "Radarr", "applicationUrl": "",
    }


RADARR_OTHER_EVENTS: dict[str, dict[str, Any]] = {
    "Test": {"movie": {"id": 1, "title": "Test Title", "year": 1970, "releaseDate": "1970-01-01",
                       "folderPath": "C:\\testpath", "tmdbId": 0, "tags": []},
             "remoteMovie": {"tmdbId": 1234, "imdbId": "5678", "title": "Test title", "year": 1970},
             "release": {"quality": "Test Quality", "qualityVersion": 1, "releaseGroup": "Test Group",
                         "releaseTitle": "Test Title", "indexer": "Test Indexer", "size": 9999999},
             "eventType": "Test", "instanceName": "Radarr", "applicationUrl": ""},
    "MovieDelete": {"movie": RADARR_MOVIE, "deletedFiles": False, "movieFolderSize": 8123456789,
                    "eventType": "MovieDelete", "instanceName": "Radarr"},
    "MovieFileDelete": {"movie": RADARR_MOVIE,
                        "movieFile": radarr_movie_file("/movies/Perfect Days (2023)/x.mkv"),
                        "deleteReason": "manual", "eventType": "MovieFileDelete",
                        "instanceName": "Radarr"},
    "MovieAdded": {"movie": RADARR_MOVIE, "addMethod": "manual", "eventType": "MovieAdded",
                   "instanceName": "Radarr"},
    "Health": {"level": "error", "message": "No download client is available",
               "type": "DownloadClientCheck", "eventType": "Health", "instanceName": "Radarr"},
}


def jellyfin_item_added(path: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ServerId": "a1b2c3", "ServerName": "jelly", "ServerVersion": "10.9.11",
        "ServerUrl": "http://jellyfin:8096", "NotificationType": "ItemAdded",
        "Timestamp": "2026-01-05T19:00:00.0000000+01:00",
        "UtcTimestamp": "2026-01-05T18:00:00.0000000Z", "Name": "Phantoms of the Dead",
        "Overview": "...", "ItemId": "5a3c2b1d", "ItemType": "Episode", "RunTimeTicks": 14400000000,
        "RunTime": "00:24:00", "Year": 2023, "SeriesName": "Sousou no Frieren",
        "SeasonNumber": 1, "SeasonNumber00": "01", "SeasonNumber000": "001",
        "EpisodeNumber": 5, "EpisodeNumber00": "05", "EpisodeNumber000": "005",
        "Provider_tvdb": "9876543",
    }
    if path is not None:
        body["Path"] = path
    return body


# --- Sonarr/Radarr REST API answers -------------------------------------------------------

def sonarr_api_series(series_id: int, title: str, path: str) -> dict[str, Any]:
    return {
        "id": series_id, "title": title, "sortTitle": title.lower(), "status": "continuing",
        "ended": False, "overview": "...", "network": "NTV", "images": [], "seasons": [
            {"seasonNumber": 1, "monitored": True,
             "statistics": {"episodeFileCount": 2, "episodeCount": 2, "totalEpisodeCount": 28,
                            "sizeOnDisk": 1, "percentOfEpisodes": 100.0}}],
        "year": 2023, "path": path, "qualityProfileId": 1, "seasonFolder": True,
        "monitored": True, "monitorNewItems": "all", "useSceneNumbering": False, "runtime": 24,
        "tvdbId": 424536, "seriesType": "anime", "cleanTitle": "x", "titleSlug": "x",
        "rootFolderPath": path.rsplit("/", 1)[0], "genres": [], "tags": [],
        "added": "2023-09-01T00:00:00Z", "ratings": {"votes": 1, "value": 9.0},
        "statistics": {"seasonCount": 1, "episodeFileCount": 2, "episodeCount": 2,
                       "totalEpisodeCount": 28, "sizeOnDisk": 1, "percentOfEpisodes": 100.0},
        "languageProfileId": 1,
    }


def sonarr_api_episode(ep_id: int, series_id: int, season: int, number: int,
                       file_id: int) -> dict[str, Any]:
    return {
        "id": ep_id, "seriesId": series_id, "tvdbId": 1000 + ep_id, "episodeFileId": file_id,
        "seasonNumber": season, "episodeNumber": number, "title": f"Episode {number}",
        "airDate": "2023-10-06", "airDateUtc": "2023-10-06T14:00:00Z", "runtime": 24,
        "overview": "...", "hasFile": file_id > 0, "monitored": True,
        "absoluteEpisodeNumber": number, "unverifiedSceneNumbering": False,
    }


def sonarr_api_episode_file(file_id: int, series_id: int, season: int, path: str,
                            subtitles: str = "") -> dict[str, Any]:
    return {
        "id": file_id, "seriesId": series_id, "seasonNumber": season,
        "relativePath": path.rsplit("/", 1)[-1], "path": path, "size": 1_000_000,
        "dateAdded": "2023-10-06T15:00:00Z", "sceneName": "x", "releaseGroup": "SubsPlease",
        "languages": [{"id": 8, "name": "Japanese"}],
        "quality": {"quality": {"id": 3, "name": "WEBDL-1080p", "source": "web",
                                "resolution": 1080}, "revision": {"version": 1, "real": 0,
                                                                  "isRepack": False}},
        "customFormats": [], "customFormatScore": 0, "indexerFlags": 0,
        "mediaInfo": {"audioBitrate": 128000, "audioChannels": 2, "audioCodec": "AAC",
                      "audioLanguages": "jpn", "audioStreamCount": 1, "videoBitDepth": 8,
                      "videoBitrate": 0, "videoCodec": "x264", "videoFps": 23.976,
                      "videoDynamicRange": "", "videoDynamicRangeType": "",
                      "resolution": "1920x1080", "runTime": "23:40", "scanType": "Progressive",
                      "subtitles": subtitles},
        "qualityCutoffNotMet": False,
    }


def radarr_api_movie(movie_id: int, title: str, folder: str, file_path: str | None,
                     subtitles: str = "") -> dict[str, Any]:
    movie: dict[str, Any] = {
        "id": movie_id, "title": title, "originalTitle": title, "sortTitle": title.lower(),
        "sizeOnDisk": 1, "status": "released", "overview": "...", "images": [],
        "year": 2023, "path": folder, "qualityProfileId": 1, "hasFile": file_path is not None,
        "monitored": True, "minimumAvailability": "released", "isAvailable": True,
        "folderName": folder, "runtime": 124, "tmdbId": 976893, "titleSlug": "976893",
        "rootFolderPath": folder.rsplit("/", 1)[0], "genres": [], "tags": [],
        "added": "2024-01-01T00:00:00Z", "ratings": {"tmdb": {"votes": 1, "value": 7.8}},
        "popularity": 10.0,
    }
    if file_path is not None:
        movie["movieFile"] = {
            "id": movie_id * 10, "movieId": movie_id, "relativePath": file_path.rsplit("/", 1)[-1],
            "path": file_path, "size": 1, "dateAdded": "2024-01-01T00:00:00Z",
            "indexerFlags": 0, "quality": {"quality": {"id": 7, "name": "Bluray-1080p"},
                                           "revision": {"version": 1}},
            "customFormats": [], "customFormatScore": 0,
            "mediaInfo": {"audioChannels": 5.1, "audioCodec": "DTS", "audioLanguages": "jpn",
                          "videoCodec": "x264", "resolution": "1920x1080", "runTime": "2:04:00",
                          "subtitles": subtitles},
            "languages": [{"id": 8, "name": "Japanese"}], "edition": "",
        }
    return movie
