"""The QR token module shared by the service and the terminal."""

import pytest

from hdf_common import clock, qrtoken


@pytest.fixture(scope="module")
def key():
    return qrtoken.generate_private_key()


def test_signed_token_verifies_with_its_public_jwk(key):
    now = int(clock.timestamp())
    token = qrtoken.sign({"card": "23166621", "iat": now, "exp": now + 600}, key)
    claims = qrtoken.verify(token, [qrtoken.public_jwk(key)], at=now + 10)
    assert claims["card"] == "23166621"


def test_expired_token_is_token_expired(key):
    now = int(clock.timestamp())
    token = qrtoken.sign({"card": "23166621", "iat": now - 700, "exp": now - 100}, key)
    with pytest.raises(qrtoken.TokenExpired):
        qrtoken.verify(token, [qrtoken.public_jwk(key)], at=now)
    # ... but it was valid at the moment an offline payment took it
    assert qrtoken.verify(token, [qrtoken.public_jwk(key)], at=now - 200)["card"] == "23166621"


def test_token_from_the_future_is_invalid(key):
    now = int(clock.timestamp())
    token = qrtoken.sign({"card": "23166621", "iat": now + 400, "exp": now + 1000}, key)
    with pytest.raises(qrtoken.TokenInvalid):
        qrtoken.verify(token, [qrtoken.public_jwk(key)], at=now)


def test_forged_token_is_invalid(key):
    now = int(clock.timestamp())
    other = qrtoken.generate_private_key()
    forged = qrtoken.sign(
        {"card": "23166621", "iat": now, "exp": now + 600}, other, kid=qrtoken.key_id(key)
    )
    with pytest.raises(qrtoken.TokenInvalid):
        qrtoken.verify(forged, [qrtoken.public_jwk(key)], at=now)
    # tampered claims with the original signature
    good = qrtoken.sign({"card": "23166621", "iat": now, "exp": now + 600}, key)
    head, _, sig = good.split(".")
    evil = qrtoken.b64url_encode(b'{"card":"23166622","exp":9999999999,"iat":0}')
    with pytest.raises(qrtoken.TokenInvalid):
        qrtoken.verify(f"{head}.{evil}.{sig}", [qrtoken.public_jwk(key)], at=now)


def test_unknown_kid_and_garbage_are_invalid(key):
    now = int(clock.timestamp())
    token = qrtoken.sign({"card": "1", "iat": now, "exp": now + 600}, key, kid="other")
    for bad in (token, "", "a.b", "a.b.c", "x" * 10000, "é.é.é"):
        with pytest.raises(qrtoken.TokenInvalid):
            qrtoken.verify(bad, [qrtoken.public_jwk(key)], at=now)


def test_pem_round_trip_keeps_the_kid(key):
    again = qrtoken.private_key_from_pem(qrtoken.private_key_to_pem(key))
    assert qrtoken.key_id(again) == qrtoken.key_id(key)
