"""OAuth 1.0a signing: a published vector, an independent implementation, and the emulator."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

import httpx
import pytest
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client
from oauthlib.oauth1.rfc5849 import signature as oauthlib_signature

from evtui.emulator import EmulatorServer
from evtui.here import oauth

# RFC 5849 §3.4.1.1: the example request and the base string the RFC prints for it.
RFC_URL = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b"
RFC_BODY = [("c2", ""), ("a3", "2 q")]
RFC_OAUTH = [
    ("oauth_consumer_key", "9djdj82h48djs9d2"),
    ("oauth_token", "kkk9d7dh3k39sjv7"),
    ("oauth_signature_method", "HMAC-SHA1"),
    ("oauth_timestamp", "137131201"),
    ("oauth_nonce", "7d8f3e4a"),
]
RFC_BASE_STRING = (
    "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q"
    "%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9dj"
    "dj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1"
    "%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
)


def test_base_string_matches_rfc_5849_example() -> None:
    query = [("b5", "=%3D"), ("a3", "a"), ("c@", ""), ("a2", "r b")]
    assert oauth.signature_base_string("POST", RFC_URL, RFC_OAUTH + RFC_BODY + query) == (
        RFC_BASE_STRING
    )


def test_hmac_sha256_of_the_rfc_base_string_matches_an_independent_computation() -> None:
    ours = oauth.signature(RFC_BASE_STRING, "j49sk3j29djd", "dh893hdasih9")
    digest = hmac.new(b"j49sk3j29djd&dh893hdasih9", RFC_BASE_STRING.encode(), hashlib.sha256)
    assert ours == base64.b64encode(digest.digest()).decode()
    signer = Client("9djdj82h48djs9d2", "j49sk3j29djd", resource_owner_secret="dh893hdasih9")
    assert ours == oauthlib_signature.sign_hmac_sha256_with_client(RFC_BASE_STRING, signer)


@pytest.mark.parametrize("secret", ["plain", "with spaces & ampersands=", "ünïcode/+%", "x" * 200])
def test_oauthlib_verifies_our_token_request_signature(secret: str) -> None:
    url = "https://account.api.here.com/oauth2/token"
    header = oauth.authorization_header(
        "POST",
        url,
        consumer_key="KEY-ID",
        consumer_secret=secret,
        body_params={"grant_type": "client_credentials"},
    )
    params = oauth.parse_authorization_header(header)
    request_params = [(k, v) for k, v in params.items() if k != "oauth_signature"]
    request_params.append(("grant_type", "client_credentials"))
    normalized = oauthlib_signature.normalize_parameters(request_params)
    base = oauthlib_signature.signature_base_string(
        "POST", oauthlib_signature.base_string_uri(url), normalized
    )
    assert params["oauth_signature_method"] == "HMAC-SHA256"
    signer = Client("KEY-ID", client_secret=secret)
    assert params["oauth_signature"] == oauthlib_signature.sign_hmac_sha256_with_client(
        base, signer
    )


def test_authorization_header_round_trips_through_the_parser() -> None:
    header = oauth.authorization_header(
        "POST", "https://h/t", consumer_key="a b", consumer_secret="s", nonce="n=1", timestamp=5
    )
    params = oauth.parse_authorization_header(header)
    assert params["oauth_consumer_key"] == "a b"
    assert params["oauth_nonce"] == "n=1"
    assert params["oauth_timestamp"] == "5"
    with pytest.raises(ValueError):
        oauth.parse_authorization_header("Bearer abc")


def token_request(server: EmulatorServer, **header_args: object) -> httpx.Response:
    config = server.config
    header = oauth.authorization_header(
        "POST",
        server.token_url,
        consumer_key=str(header_args.pop("key", config.access_key_id)),
        consumer_secret=str(header_args.pop("secret", config.access_key_secret)),
        body_params={"grant_type": "client_credentials"},
        **header_args,  # type: ignore[arg-type]
    )
    return httpx.post(
        server.token_url,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": header},
    )


def test_emulator_accepts_a_request_signed_by_oauthlib(server: EmulatorServer) -> None:
    client = Client(
        server.config.access_key_id,
        client_secret=server.config.access_key_secret,
        signature_method=SIGNATURE_HMAC_SHA256,
        signature_type="AUTH_HEADER",
    )
    body = "grant_type=client_credentials"
    _, headers, _ = client.sign(
        server.token_url,
        http_method="POST",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = httpx.post(server.token_url, content=body, headers=headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["token_type"] == "bearer"
    assert answer["expires_in"] > 0


def test_emulator_refuses_a_wrong_secret(server: EmulatorServer) -> None:
    response = token_request(server, secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["errorCode"] == "401300"
    assert "not-the-secret" not in response.text


def test_emulator_refuses_a_reused_nonce(server: EmulatorServer) -> None:
    assert token_request(server, nonce="once").status_code == 200
    again = token_request(server, nonce="once")
    assert again.status_code == 401
    assert again.json()["errorCode"] == "401207"


def test_emulator_refuses_a_stale_timestamp(server: EmulatorServer) -> None:
    response = token_request(server, timestamp=1_000_000_000)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "401204"


def test_emulator_refuses_an_unknown_key(server: EmulatorServer) -> None:
    response = token_request(server, key="SOMEONE-ELSE")
    assert response.status_code == 401
    assert response.json()["errorCode"] == "401300"


def test_percent_encoding_is_rfc_3986() -> None:
    assert oauth.percent_encode("a b+c/~é") == "a%20b%2Bc%2F~%C3%A9"
    assert quote("~") == "~"
