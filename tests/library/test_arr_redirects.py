"""The *arr API key never follows a redirect to another origin."""

from __future__ import annotations

from tests.support.http import Recorded, Reply, TestServer


def test_arr_key_does_not_follow_a_redirect_to_another_origin(client):  # noqa: ANN001
    with TestServer(lambda _req: Reply(200, {"appName": "Elsewhere"})) as elsewhere, \
            TestServer(lambda req: Reply(302, b"", {"Location": elsewhere.url + req.path})
                       ) as sonarr:
        assert client.put("/api/v1/config", json={
            "sonarr_url": sonarr.url, "sonarr_api_key": "arr-secret"}).status_code == 200
        client.post("/api/v1/library/sonarr/test")
        assert sonarr.requests[0].headers["X-Api-Key"] == "arr-secret"
        (req,) = elsewhere.wait_for(1)
    assert req.path == "/api/v3/system/status"
    assert "X-Api-Key" not in req.headers
    assert "arr-secret" not in repr(req.headers)


def test_arr_key_follows_a_redirect_on_the_same_origin(client):  # noqa: ANN001
    def answer(req: Recorded) -> Reply:
        if req.path == "/old/api/v3/system/status":
            return Reply(301, b"", {"Location": "/api/v3/system/status"})
        return Reply(200 if req.headers.get("X-Api-Key") == "arr-secret" else 401,
                     {"appName": "Sonarr", "version": "4"})

    with TestServer(answer) as sonarr:
        client.put("/api/v1/config", json={"sonarr_url": sonarr.url + "/old",
                                           "sonarr_api_key": "arr-secret"})
        resp = client.post("/api/v1/library/sonarr/test")
    assert resp.status_code == 200, resp.json
    assert resp.json["app_name"] == "Sonarr"
