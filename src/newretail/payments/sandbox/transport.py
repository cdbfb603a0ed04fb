"""In-process HTTP for the payment sandbox.

The adapters talk HTTP to a base URL; in sandbox mode that URL is this installation's
``PUBLIC_BASE_URL + "/sandbox/…"``. Calling ourselves over the network would deadlock a
single-worker dev server and make tests need a live server, so three client entry points are
wrapped, once, by ``install()`` (called from the app's ``ready()``):

- ``wechatpayv3.core.requests`` (API v3 calls) and ``newretail.payments.gateways.wechat.requests``
  (v2 micropay) become a ``SandboxRequests`` proxy;
- ``alipay.urlopen`` (python-alipay-sdk's server calls) becomes ``SandboxUrlopen``.

A wrapped call whose URL starts with ``PUBLIC_BASE_URL + "/sandbox/"`` (and only while
``settings.PAYMENT_SANDBOX`` is on) is turned into a Django request with ``RequestFactory`` —
the exact bytes and headers ``requests``/``urllib`` would have sent — and handed to the view its
path resolves to; the view's answer comes back as a real ``requests.Response`` or urllib
response. Every other URL goes to the real network, untouched.

Notifications go the same way (``post``): a URL on ``PUBLIC_BASE_URL`` is delivered in-process
to the view it resolves to (the receiving views are csrf-exempt, as providers send no token);
any other URL gets a real HTTP POST.

In-process calls skip middleware and never close the response, because closing it (or the
WSGI handler's request_finished signal) would close the caller's database connection mid-
transaction. Views answer through ``convert_exception_to_response``, so an exception becomes a
404/500 answer exactly as over the network.
"""

from __future__ import annotations

import email.message
import io
import logging
import urllib.error
import urllib.request
import urllib.response
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpResponseNotFound
from django.test import RequestFactory
from django.urls import Resolver404, resolve
from requests.structures import CaseInsensitiveDict

logger = logging.getLogger(__name__)

_installed = False
_NO_TIMEOUT = object()  # urlopen's own default applies when the caller gives none


@dataclass(frozen=True)
class LocalResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def is_local_url(url: str) -> bool:
    """A URL served by this installation."""
    return url.startswith(settings.PUBLIC_BASE_URL + "/")


def is_sandbox_url(url: str) -> bool:
    """A URL the sandbox serves, while the sandbox is on."""
    return bool(settings.PAYMENT_SANDBOX) and url.startswith(settings.PUBLIC_BASE_URL + "/sandbox/")


def call_local(method: str, url: str, *, headers: dict[str, str], body: bytes) -> LocalResponse:
    """Serve ``method url`` with this installation's own view, in this thread."""
    parts = urlsplit(url)
    path = parts.path[len(urlsplit(settings.PUBLIC_BASE_URL).path) :] or "/"
    content_type = _content_type(headers)
    headers = {
        k: v for k, v in headers.items() if k.lower() not in ("content-length", "content-type", "host")
    }
    request = RequestFactory().generic(
        method,
        path + (f"?{parts.query}" if parts.query else ""),
        data=body,
        content_type=content_type or "application/octet-stream",
        secure=parts.scheme == "https",
        headers={**headers, "Host": urlsplit(settings.PUBLIC_BASE_URL).netloc},
    )
    request.user = AnonymousUser()
    try:
        match = resolve(path)
    except Resolver404:
        return LocalResponse(404, {"Content-Type": "text/html"}, HttpResponseNotFound().content)
    view = convert_exception_to_response(lambda r: match.func(r, *match.args, **match.kwargs))
    response: Any = view(request)  # a sync view: always a response, never an awaitable
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return LocalResponse(response.status_code, dict(response.items()), content)


class SandboxRequests:
    """Stands in for the ``requests`` module where providers are called: sandbox URLs are
    served in-process, everything else (and every attribute, e.g. exceptions) is ``requests``."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        if not is_sandbox_url(url):
            return self._real.request(method, url, **kwargs)
        prepared = self._real.Request(
            method,
            url,
            headers=kwargs.get("headers"),
            data=kwargs.get("data"),
            json=kwargs.get("json"),
            params=kwargs.get("params"),
            files=kwargs.get("files"),
        ).prepare()
        body = prepared.body or b""
        local = call_local(
            prepared.method or method,
            prepared.url or url,
            headers=dict(prepared.headers),
            body=body.encode() if isinstance(body, str) else body,
        )
        response = requests.Response()
        response.status_code = local.status
        response.headers = CaseInsensitiveDict(local.headers)
        response._content = local.body
        response.url = prepared.url or url
        response.request = prepared
        response.reason = _reason(local.status)
        response.encoding = _charset(local.headers) or "utf-8"
        return response

    def get(self, url: str, params: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, params=params, **kwargs)

    def post(self, url: str, data: Any = None, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: str, data: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url: str, data: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", url, **kwargs)


class SandboxUrlopen:
    """Stands in for ``urllib.request.urlopen`` in python-alipay-sdk."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __call__(
        self,
        url: Any,
        data: bytes | None = None,
        timeout: Any = _NO_TIMEOUT,
        **kwargs: Any,
    ):
        full_url = url.full_url if isinstance(url, urllib.request.Request) else str(url)
        if not is_sandbox_url(full_url):
            if timeout is not _NO_TIMEOUT:
                kwargs["timeout"] = timeout
            return self._real(url, data, **kwargs)
        if isinstance(url, urllib.request.Request):
            sent = data if data is not None else url.data
            method, headers = url.get_method(), dict(url.header_items())
            body = sent if isinstance(sent, bytes) else b""  # the SDK sends no body at all
        else:
            method, headers, body = ("POST" if data is not None else "GET"), {}, data or b""
        local = call_local(method, full_url, headers=headers, body=body)
        message = email.message.Message()
        for name, value in local.headers.items():
            message[name] = value
        if local.status >= 400:
            raise urllib.error.HTTPError(
                full_url, local.status, _reason(local.status), message, io.BytesIO(local.body)
            )
        return urllib.response.addinfourl(io.BytesIO(local.body), message, full_url, local.status)


def post(url: str, *, headers: dict[str, str], body: bytes, timeout: float) -> tuple[int | None, bytes, str]:
    """POST a notification: in-process for a URL on PUBLIC_BASE_URL, over the network otherwise.
    Returns (HTTP status or None when nothing answered, answer body, error text)."""
    if is_local_url(url):
        local = call_local("POST", url, headers=headers, body=body)
        return local.status, local.body, ""
    try:
        answer = requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as error:
        return None, b"", f"{type(error).__name__}: {error}"[:500]
    return answer.status_code, answer.content, ""


def install() -> None:
    """Wrap the providers' HTTP entry points (idempotent; see the module docstring)."""
    global _installed
    if _installed:
        return
    import alipay
    import wechatpayv3.core

    from newretail.payments.gateways import wechat

    proxy = SandboxRequests(requests)
    wechatpayv3.core.requests = proxy  # type: ignore[assignment]
    wechat.requests = proxy  # type: ignore[assignment]
    alipay.urlopen = SandboxUrlopen(alipay.urlopen)
    _installed = True


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _content_type(headers: dict[str, str]) -> str:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "")


def _charset(headers: dict[str, str]) -> str:
    for part in _content_type(headers).split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset":
            return value.strip('"')
    return ""
