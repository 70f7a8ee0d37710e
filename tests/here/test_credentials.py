"""Credentials files: each mistake named by its key, the secret never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from evtui.here import CredentialsError, insecure_permissions, load_credentials, parse_credentials

SECRET = "Zx9-very-secret-value"
GOOD = {
    "here.user.id": "HERE-user",
    "here.client.id": "client",
    "here.access.key.id": "KEYID",
    "here.access.key.secret": SECRET,
    "here.token.endpoint.url": "https://account.api.here.com/oauth2/token",
}


def properties(values: dict[str, str]) -> str:
    return "".join(f"{k} = {v}\n" for k, v in values.items())


def test_parses_the_file_heres_portal_writes() -> None:
    creds = parse_credentials("# downloaded\n" + properties(GOOD))
    assert creds.access_key_id == "KEYID"
    assert creds.access_key_secret == SECRET
    assert creds.token_endpoint_url == GOOD["here.token.endpoint.url"]
    assert creds.client_id == "client"


def test_java_properties_syntax_colons_escapes_and_continuations() -> None:
    text = (
        "! comment\n"
        "here.access.key.id:KEYID\n"
        "here.access.key.secret   ab\\\n"
        "    cd\\=ef\n"
        "here.token.endpoint.url=https\\://account.api.here.com/oauth2/token\n"
    )
    creds = parse_credentials(text)
    assert creds.access_key_id == "KEYID"
    assert creds.access_key_secret == "abcd=ef"
    assert creds.token_endpoint_url == "https://account.api.here.com/oauth2/token"


@pytest.mark.parametrize(
    "key", ["here.access.key.id", "here.access.key.secret", "here.token.endpoint.url"]
)
def test_a_missing_key_is_named(key: str) -> None:
    values = {k: v for k, v in GOOD.items() if k != key}
    with pytest.raises(CredentialsError) as caught:
        parse_credentials(properties(values), "creds.properties")
    assert caught.value.key == key
    assert f"{key} is missing in creds.properties" in str(caught.value)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "key", ["here.access.key.id", "here.access.key.secret", "here.token.endpoint.url"]
)
def test_an_empty_key_is_named(key: str) -> None:
    with pytest.raises(CredentialsError, match=f"{key} is empty"):
        parse_credentials(properties({**GOOD, key: ""}))


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://account.api.here.com/oauth2/token", False),
        ("ftp://x/y", False),
        ("not a url", False),
        ("http://127.0.0.1:8421/oauth2/token", True),
        ("http://localhost:8421/oauth2/token", True),
        ("http://[::1]:8421/oauth2/token", True),
    ],
)
def test_token_url_must_be_https_off_loopback(url: str, ok: bool) -> None:
    text = properties({**GOOD, "here.token.endpoint.url": url})
    if ok:
        assert parse_credentials(text).token_endpoint_url == url
    else:
        with pytest.raises(CredentialsError) as caught:
            parse_credentials(text)
        assert caught.value.key == "here.token.endpoint.url"


def test_the_secret_never_shows_in_repr() -> None:
    creds = parse_credentials(properties(GOOD))
    assert SECRET not in repr(creds)
    assert SECRET not in str(creds)


def test_missing_file_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match=r"no credentials file at .*nope"):
        load_credentials(tmp_path / "nope")


def test_a_file_others_can_read_gets_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "credentials.properties"
    path.write_text(properties(GOOD))
    path.chmod(0o644)
    warning = insecure_permissions(path)
    assert warning is not None and "chmod 600" in warning
    path.chmod(0o600)
    assert insecure_permissions(path) is None
