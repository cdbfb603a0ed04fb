"""The sandbox's half of the providers' RSA and AES cryptography: its platform keys sign answers
and notifications; the merchants' public keys check requests.

Written on ``cryptography`` and the standard library, not on the SDKs the adapters use, so a
passing test means two independent implementations of each rule agree. WeChat's v2 HMAC
signature has no SDK behind the adapter: the sandbox uses the adapter's own
(``gateways.wechat.v2_sign``)."""

from __future__ import annotations

import base64
import secrets
import string
from collections.abc import Iterable, Mapping
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ALPHANUMERIC = string.ascii_letters + string.digits


def new_rsa_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key (what both providers issue)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_key_pem(key: rsa.RSAPrivateKey) -> str:
    """PKCS#8 PEM ("BEGIN PRIVATE KEY"), the form of apiclient_key.pem and Alipay's tool."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_key_pem(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> str:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@lru_cache(maxsize=256)
def _private(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@lru_cache(maxsize=256)
def _public(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def rsa_sign(private_pem: str, message: str) -> str:
    """SHA256withRSA (PKCS#1 v1.5), base64: both providers' RSA2."""
    signature = _private(private_pem).sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa_verify(public_pem: str, message: str, signature_b64: str) -> bool:
    """True only for a valid SHA256withRSA signature of ``message``; never raises on junk."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        _public(public_pem).verify(signature, message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def aes_gcm_encrypt(key: str, nonce: str, plaintext: str, associated_data: str) -> str:
    """WeChat's AEAD_AES_256_GCM resource encryption (32-byte APIv3 key, 12-char nonce), base64
    of ciphertext plus tag."""
    sealed = AESGCM(key.encode()).encrypt(nonce.encode(), plaintext.encode(), associated_data.encode())
    return base64.b64encode(sealed).decode()


def random_string(length: int, alphabet: str = ALPHANUMERIC) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def random_digits(length: int) -> str:
    return random_string(length, string.digits)


def alipay_content(params: Mapping[str, str], *, exclude: Iterable[str]) -> str:
    """Alipay's string to sign: params sorted by name, empty values and ``exclude`` left out,
    "k=v" joined by "&" with raw (unescaped) values. Requests exclude ``sign``; notifications
    and sync returns exclude ``sign`` and ``sign_type``."""
    skipped = set(exclude)
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in skipped and v != "")
