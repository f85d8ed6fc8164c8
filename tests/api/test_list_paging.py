"""Paging, keyset cursors and server-side filters of /wanted and /history."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from sublarr.db.base import utcnow
from sublarr.library.media import MediaFile
from sublarr.providers import history_repo
from sublarr.wanted import repo as wanted_repo

SHOWS = ("Frieren", "Dandadan", "Mushishi")


def seed_wanted(services, per_show: int = 40) -> None:  # noqa: ANN001
    wants = []
    for show in SHOWS:
        for episode in range(1, per_show + 1):
            media = MediaFile(f"/tv/{show}/Season 1/{show} - S01E{episode:02d}.mkv", "episode",
                              show, "sonarr", season=1, episode=episode)
            wants += [(media, "en"), (media, "de")]
    with services.db.session() as session:
        wanted_repo.insert_wanted(session, wants)
        session.execute(text("UPDATE wanted_items SET status = 'not_found' WHERE id % 3 = 0"))


def walk(client, path: str, **params) -> list[dict]:  # noqa: ANN001
    """Every row, page by page, following next_cursor."""
    rows: list[dict] = []
    params = {"limit": 7, **params}
    for _ in range(1000):
        body = client.get(path, query_string=params).get_json()
        rows += body["items"]
        if body["next_cursor"] is None:
            return rows
        params["cursor"] = body["next_cursor"]
    raise AssertionError("the cursor never ended")


def test_wanted_cursor_and_offset_pages_agree(client, services):
    seed_wanted(services)
    everything = client.get("/api/v1/wanted", query_string={"limit": 500}).get_json()
    assert everything["total"] == 240 and everything["next_cursor"] is None
    ids = [row["id"] for row in everything["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 240
    assert [row["id"] for row in walk(client, "/api/v1/wanted")] == ids
    deep = client.get("/api/v1/wanted", query_string={"limit": 50, "offset": 170}).get_json()
    assert [row["id"] for row in deep["items"]] == ids[170:220]
    assert deep["next_cursor"] == str(ids[219]) and deep["total"] == 240
    after = client.get("/api/v1/wanted", query_string={
        "limit": 50, "cursor": deep["next_cursor"]}).get_json()
    assert [row["id"] for row in after["items"]] == ids[220:]
    assert after["next_cursor"] is None
    # offset counts on from the cursor
    skipped = client.get("/api/v1/wanted", query_string={
        "limit": 5, "cursor": str(ids[9]), "offset": 10}).get_json()
    assert [row["id"] for row in skipped["items"]] == ids[20:25]


def test_wanted_filters_and_text_search_page_server_side(client, services):
    seed_wanted(services)
    rows = walk(client, "/api/v1/wanted", q="danDADan", language="de")
    assert len(rows) == 40
    assert {(r["title"], r["language"]) for r in rows} == {("Dandadan", "de")}
    status_rows = walk(client, "/api/v1/wanted", status="not_found", language="en")
    assert status_rows and all(r["status"] == "not_found" and r["language"] == "en"
                               for r in status_rows)
    body = client.get("/api/v1/wanted", query_string={"status": "not_found", "language": "en",
                                                      "limit": 3}).get_json()
    assert body["total"] == len(status_rows)
    # the path matches too, and LIKE wildcards in the text are literal
    assert client.get("/api/v1/wanted", query_string={"q": "S01E07.mkv"}).get_json()["total"] == 6
    assert client.get("/api/v1/wanted", query_string={"q": "%"}).get_json()["total"] == 0
    assert client.get("/api/v1/wanted", query_string={"search": "_"}).get_json()["total"] == 0


def test_wanted_bad_cursor_is_a_422(client):
    for cursor in ("abc", "-1", "1" * 40):
        response = client.get("/api/v1/wanted", query_string={"cursor": cursor})
        assert response.status_code == 422, cursor
        assert "error" in response.get_json()


def seed_history(services, count: int = 60) -> None:  # noqa: ANN001
    start = utcnow() - timedelta(days=1)
    with services.db.session() as session:
        for number in range(count):
            show = SHOWS[number % 3]
            # pairs share a timestamp: the id breaks the tie, order stays stable
            history_repo.record(
                session, action="upgraded" if number % 4 == 0 else "downloaded",
                media_type="episode", media_path=f"/tv/{show}/e{number}.mkv", title=show,
                season=1, episode=number, language="en" if number % 2 else "de",
                provider="jimaku", subtitle_id=str(number), score=300, format="ass",
                subtitle_path=f"/tv/{show}/e{number}.en.ass",
                created_at=start + timedelta(seconds=number // 2))


def test_history_cursor_walk_is_newest_first_and_matches_offsets(client, services):
    seed_history(services)
    everything = client.get("/api/v1/history", query_string={"limit": 500}).get_json()
    keys = [(row["created_at"], row["id"]) for row in everything["items"]]
    assert len(keys) == 60 and keys == sorted(keys, reverse=True)
    assert [r["id"] for r in walk(client, "/api/v1/history")] == [k[1] for k in keys]
    page = client.get("/api/v1/history", query_string={"limit": 10, "offset": 45}).get_json()
    assert [r["id"] for r in page["items"]] == [k[1] for k in keys[45:55]]
    rest = client.get("/api/v1/history", query_string={
        "limit": 10, "cursor": page["next_cursor"]}).get_json()
    assert [r["id"] for r in rest["items"]] == [k[1] for k in keys[55:]]
    assert rest["next_cursor"] is None


def test_history_text_search_and_filters(client, services):
    seed_history(services)
    rows = walk(client, "/api/v1/history", q="mushi", action="downloaded")
    assert rows and {r["title"] for r in rows} == {"Mushishi"}
    assert all(r["action"] == "downloaded" for r in rows)
    body = client.get("/api/v1/history", query_string={"q": "e13.mkv"}).get_json()
    assert [r["episode"] for r in body["items"]] == [13]


def test_history_bad_cursor_is_a_422(client):
    for cursor in ("abc", "12", "99999999999999999999.1"):
        response = client.get("/api/v1/history", query_string={"cursor": cursor})
        assert response.status_code == 422, cursor
        assert response.get_json()["error"]["code"] == "validation_error"
