"""A small but real OpenID Connect provider for the tests, served over HTTP on 127.0.0.1 (port 0).

Discovery, authorize (auto-approves the configured user), token (client secret, PKCE S256, single-use
codes) and JWKS, with ID tokens signed by joserfc. `mode` makes it misbehave the ways a test needs:
sign with another key, name another audience, issue an expired token, or replay an earlier nonce.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "mentoring-site"
CLIENT_SECRET = "a client secret for the tests only"
MODES = ("normal", "wrong_key", "wrong_audience", "expired", "replay_nonce")


class Provider:
    """The provider's state: its keys, the user it signs in, codes issued, and how it should behave."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1"}, private=True)
        self.wrong_key = RSAKey.generate_key(2048, parameters={"kid": "key-1"}, private=True)  # same kid
        self.user: dict[str, Any] = {}
        self.mode = "normal"
        self.codes: dict[str, dict[str, Any]] = {}
        self.nonces: list[str] = []
        self.authorize_requests: list[dict[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def issuer(self) -> str:
        """The provider's issuer URL (also where its discovery document is)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def reset(self, **user: Any) -> None:
        """Behave normally and sign in `user` (claims such as sub, email, employee_id)."""
        self.mode = "normal"
        self.user = user
        self.codes.clear()
        self.authorize_requests.clear()

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def discovery(self) -> dict[str, Any]:
        """The discovery document."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def authorize(self, query: dict[str, str]) -> str:
        """Approve the request at once; the redirect back to the client, with a code and the state."""
        self.authorize_requests.append(query)
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            raise ValueError("bad authorization request")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": query["redirect_uri"],
            "nonce": query.get("nonce"),
            "challenge": query.get("code_challenge"),
            "method": query.get("code_challenge_method"),
        }
        return query["redirect_uri"] + "?" + urlencode({"code": code, "state": query.get("state", "")})

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        """Exchange a code for tokens, checking the client, the redirect URI and the PKCE verifier."""
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if client_id != CLIENT_ID or secret != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # single use
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant["method"] != "S256" or digest != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        now = int(time.time())
        nonce = grant["nonce"]
        if self.mode == "replay_nonce" and self.nonces:
            nonce = self.nonces[0]
        self.nonces.append(grant["nonce"])
        claims = {
            "iss": self.issuer,
            "aud": "someone-else" if self.mode == "wrong_audience" else CLIENT_ID,
            "iat": now - (3600 if self.mode == "expired" else 0),
            "exp": now - 600 if self.mode == "expired" else now + 300,
            "nonce": nonce,
            **self.user,
        }
        key = self.wrong_key if self.mode == "wrong_key" else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "key-1"}, claims, key)
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def jwks(self) -> dict[str, Any]:
        """The public keys (only the right one)."""
        return KeySet([self.key]).as_dict(private=False)


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            if parts.path == "/.well-known/openid-configuration":
                self._json(200, provider.discovery())
            elif parts.path == "/jwks":
                self._json(200, provider.jwks())
            elif parts.path == "/authorize":
                try:
                    location = provider.authorize(query)
                except (KeyError, ValueError):
                    self._json(400, {"error": "invalid_request"})
                    return
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path != "/token":
                self._json(404, {"error": "not_found"})
                return
            self._json(*provider.token(form, self.headers.get("Authorization")))

    return Handler
