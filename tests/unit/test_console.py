"""The console's pure parts: password hashes, accounts, CSRF comparison, redirect targets,
letter ids and filters, byte rendering."""

from __future__ import annotations

import pytest

from processors.models import DeadLetter
from streams.console.app import _hexdump, _keytext, _local, _time
from streams.console.auth import Accounts, check_password, hash_password, same_token
from streams.errors import ConfigurationError, UsageError
from streams.runtime.deadletters import Letter, parse_id


def test_hashes_are_salted_and_checked() -> None:
    a, b = hash_password("s3cret-pass"), hash_password("s3cret-pass")
    assert a != b and a.startswith("scrypt$16384$8$1$")
    assert check_password("s3cret-pass", a) and check_password("s3cret-pass", b)
    assert not check_password("s3cret-pasS", a)
    assert not check_password("s3cret-pass", "md5$abc")
    assert not check_password("s3cret-pass", "scrypt$broken")


def test_accounts_roles_and_bad_entries() -> None:
    accounts = Accounts(
        {"olga": "operator:" + hash_password("pw-olga-1"), "vera": "viewer:" + hash_password("pw2")}
    )
    assert accounts.names() == ["olga", "vera"]
    assert accounts.sign_in("olga", "pw-olga-1") == "operator"
    assert accounts.sign_in("vera", "pw2") == "viewer"
    assert accounts.sign_in("vera", "pw-olga-1") is None
    assert accounts.sign_in("nobody", "pw2") is None
    with pytest.raises(ConfigurationError, match="ROLE:HASH"):
        Accounts({"x": "admin:" + hash_password("p")})
    with pytest.raises(ConfigurationError, match="ROLE:HASH"):
        Accounts({"x": "operator:plaintext"})


def test_csrf_tokens_compare_exactly() -> None:
    assert same_token("abc", "abc")
    assert not same_token("abd", "abc")
    assert not same_token("", "")
    assert not same_token(None, "abc")


def test_redirects_stay_on_the_site() -> None:
    assert _local("/tasks?q=1")
    for bad in ("//evil.example/x", "https://evil.example", "/\\evil", "tasks"):
        assert not _local(bad)


def test_times_of_the_search_form() -> None:
    assert _time("") is None and _time("yesterday") is None
    assert _time("1970-01-01T00:00:01") == 1000
    assert _time("1970-01-01T01:00:00+01:00") == 0


def test_letter_ids_and_filters() -> None:
    assert parse_id("0:12") == (0, 12)
    for bad in ("12", "a:1", "0:-1", ""):
        with pytest.raises(UsageError, match="PARTITION:OFFSET"):
            parse_id(bad)
    dl = DeadLetter(
        stage="former",
        reason="ValidationFailedError: text too long",
        error_type="ValidationFailedError",
        topic="t1.routed",
        partition=2,
        offset=9,
        key=None,
        original=b"\x00",
        failed_at=0,
    )
    item = Letter(1, 5, 0, dl)
    assert item.id == "1:5" and not item.truncated
    assert item.matches() and item.matches(stage="former", reason="TOO LONG", topic="routed")
    assert not item.matches(stage="router") and not item.matches(topic="raw-events")
    big = Letter(
        0,
        1,
        0,
        dl.model_copy(update={"reason": "x (original of 9 bytes truncated to 4, sha256 ab)"}),
    )
    assert big.truncated


def test_bytes_render_as_text_or_hex() -> None:
    assert _keytext(b"router") == "router" and _keytext(None) == "-"
    assert _keytext(b"\xff\x00") == "hex ff00"
    dump = _hexdump(b"not avro at all")
    assert dump.startswith("000000  6e 6f 74 20") and dump.endswith("not avro at all")
    assert "more bytes" in _hexdump(bytes(5000), limit=32)
