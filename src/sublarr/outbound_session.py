"""The requests session every outbound call uses (see :mod:`sublarr.outbound_http`).

Its own module: requests is imported only once Sublarr first calls out.
"""

from __future__ import annotations

import requests

from sublarr.outbound_http import CREDENTIAL_HEADERS, origin, same_origin, without_secret_params


class CrossOriginRedirect(requests.RequestException):
    """A redirect would re-send a request body to another origin."""


class CredentialSafeSession(requests.Session):
    """A session whose redirects never carry credentials to another origin.

    requests itself only drops ``Authorization`` on a host change; keys in
    ``X-Api-Key``/``Api-Key`` headers and in query strings would follow.
    """

    def rebuild_auth(self, prepared_request: requests.PreparedRequest,
                     response: requests.Response) -> None:
        previous = response.request.url or ""
        if not same_origin(previous, prepared_request.url or ""):
            if prepared_request.body is not None:  # 307/308 keep the body (and any key in it)
                raise CrossOriginRedirect(
                    f"refusing to re-send the request body to {origin(prepared_request.url)[1]}"
                    " (redirect to another origin)", request=prepared_request,
                    response=response)
            for name in list(prepared_request.headers):
                if name.lower() in CREDENTIAL_HEADERS:
                    del prepared_request.headers[name]
            prepared_request.url = without_secret_params(prepared_request.url or "")
        super().rebuild_auth(prepared_request, response)
