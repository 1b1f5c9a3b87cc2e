"""Local stand-ins for the Aliyun and Tencent Cloud SMS APIs (a threading http.server on 127.0.0.1).

Each stub checks a request the way the vendor does — independently of the portal's code —
and answers with the vendor's documented bodies. A request whose signature does not verify
gets the vendor's signature error, so a wrongly signed request can never pass a test.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ALIYUN_KEY_ID, ALIYUN_SECRET = "LTAI5tStubKeyId", "stub-aliyun-secret"
TENCENT_ID, TENCENT_KEY, TENCENT_APP = "AKIDstubSecretId", "stub-tencent-secret", "1400000001"

ALIYUN_OK = {"Message": "OK", "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990", "Code": "OK", "BizId": ""}


def aliyun_error(code: str, message: str = "error") -> dict:
    return {"Message": message, "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990", "Code": code}


def tencent_ok(serial: str, phone: str) -> dict:
    return {
        "Response": {
            "SendStatusSet": [
                {
                    "SerialNo": serial,
                    "PhoneNumber": phone,
                    "Fee": 1,
                    "SessionContext": "",
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
            ],
            "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
        }
    }


def tencent_status_error(code: str, phone: str, message: str = "error") -> dict:
    answer = tencent_ok("", phone)
    answer["Response"]["SendStatusSet"][0].update(Code=code, Message=message, Fee=0)
    return answer


def tencent_error(code: str, message: str = "error") -> dict:
    return {
        "Response": {
            "Error": {"Code": code, "Message": message},
            "RequestId": "b9b3b1c0-0000-4000-8000-000000000000",
        }
    }


def _aliyun_encode(value: str) -> str:
    # As documented: URL-encode UTF-8 per RFC 3986, "+" → "%20", "*" → "%2A", "%7E" → "~".
    return urllib.parse.quote_plus(value).replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


# The V3 signature (ACS3-HMAC-SHA256) must cover host and the x-acs-* headers the API requires.
ALIYUN_REQUIRED_SIGNED = {
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
}


def aliyun_signature_ok(method: str, path: str, headers, body: bytes) -> bool:
    """The documented V3 check: canonical request → SHA-256 → HMAC-SHA256 keyed with the secret."""
    auth = headers.get("Authorization", "")
    if not auth.startswith("ACS3-HMAC-SHA256 "):
        return False
    fields = dict(part.strip().split("=", 1) for part in auth[len("ACS3-HMAC-SHA256 ") :].split(","))
    signed = fields.get("SignedHeaders", "").split(";")
    if fields.get("Credential") != ALIYUN_KEY_ID or not ALIYUN_REQUIRED_SIGNED <= set(signed):
        return False
    payload_hash = hashlib.sha256(body).hexdigest()
    if headers.get("x-acs-content-sha256") != payload_hash:
        return False
    url = urllib.parse.urlsplit(path)
    query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
    canonical_query = "&".join(f"{_aliyun_encode(k)}={_aliyun_encode(v)}" for k, v in sorted(query))
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed)
    canonical = "\n".join(
        [method, url.path or "/", canonical_query, canonical_headers, ";".join(signed), payload_hash]
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    expected = hmac.new(ALIYUN_SECRET.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(fields.get("Signature", ""), expected)


def tencent_signature_ok(headers, body: bytes) -> bool:
    auth = headers.get("Authorization", "")
    if not auth.startswith("TC3-HMAC-SHA256 "):
        return False
    fields = dict(part.strip().split("=", 1) for part in auth[len("TC3-HMAC-SHA256 ") :].split(","))
    secret_id, date, service, terminator = fields["Credential"].split("/")
    timestamp = int(headers["X-TC-Timestamp"])
    if secret_id != TENCENT_ID or service != "sms" or terminator != "tc3_request":
        return False
    if date != datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d"):
        return False
    signed = fields["SignedHeaders"].split(";")
    canonical_headers = "".join(
        f"{name}:{headers[name].strip().lower() if name == 'x-tc-action' else headers[name].strip()}\n"
        for name in signed
    )
    canonical = (
        f"POST\n/\n\n{canonical_headers}\n{fields['SignedHeaders']}\n{hashlib.sha256(body).hexdigest()}"
    )
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    k_date = hmac.new(("TC3" + TENCENT_KEY).encode(), date.encode(), hashlib.sha256).digest()
    k_service = hmac.new(k_date, b"sms", hashlib.sha256).digest()
    k_signing = hmac.new(k_service, b"tc3_request", hashlib.sha256).digest()
    expected = hmac.new(k_signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        "content-type" in signed and "host" in signed and hmac.compare_digest(fields["Signature"], expected)
    )


class Stub:
    """A running stub: ``requests`` holds what arrived (verified), ``answers`` what to say next."""

    def __init__(self, vendor: str):
        self.vendor = vendor
        self.requests: list[dict] = []
        self.answers: dict[str, list[tuple[int, dict]]] = {}
        self.bad_signatures = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = stub.handle(self.path, self.headers, body)
                raw = json.dumps(answer).encode()
                self.send_response(status)
                # Each vendor's own content type (the Tencent SDK reads errors only under its one).
                content_type = (
                    "application/json" if stub.vendor == "tencent" else "application/json;charset=utf-8"
                )
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, action: str, *answers: tuple[int, dict]) -> None:
        self.answers.setdefault(action, []).extend(answers)

    def handle(self, path: str, headers, body: bytes) -> tuple[int, dict]:
        if self.vendor == "aliyun":
            if not headers.get("Authorization", "").startswith("ACS3-HMAC-SHA256 Credential="):
                return 400, aliyun_error("InvalidParameter", "signature method")
            if f"Credential={ALIYUN_KEY_ID}," not in headers["Authorization"]:
                return 404, aliyun_error("InvalidAccessKeyId.NotFound", "Specified access key is not found.")
            if not aliyun_signature_ok("POST", path, headers, body):
                self.bad_signatures += 1
                return 400, aliyun_error(
                    "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
                )
            params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query, keep_blank_values=True))
            action = headers["x-acs-action"]
            request = {"Action": action, "Version": headers["x-acs-version"], **params}
        else:
            if headers.get("X-TC-Version") != "2021-01-11" or not tencent_signature_ok(headers, body):
                self.bad_signatures += 1
                return 200, tencent_error(
                    "AuthFailure.SignatureFailure",
                    "The provided credentials could not be validated. Please check your signature is correct.",
                )
            action, request = headers["X-TC-Action"], json.loads(body)
        self.requests.append({"action": action, **request})
        queued = self.answers.get(action) or []
        if queued:
            return queued.pop(0)
        if self.vendor == "aliyun":
            return 200, {**ALIYUN_OK, "BizId": f"900619746936498440^{len(self.requests)}"}
        if action == "SendSms":
            return 200, tencent_ok(f"2640:{len(self.requests)}", request["PhoneNumberSet"][0])
        return 200, {"Response": {"PullSmsSendStatusSet": [], "RequestId": "x"}}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


CODES = {
    "login_code": "SMS_465300001",
    "password_code": "SMS_465300002",
    "session_upcoming": "SMS_465300003",
}


@pytest.fixture
def aliyun_stub(settings):
    stub = Stub("aliyun")
    settings.SMS_BACKEND = "aliyun"
    settings.SMS_ALIYUN_ENDPOINT = stub.url
    settings.SMS_ALIYUN_ACCESS_KEY_ID = ALIYUN_KEY_ID
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = ALIYUN_SECRET
    settings.SMS_SIGN_NAME = "宁津组工"
    settings.SMS_TEMPLATE_CODES = dict(CODES)
    yield stub
    stub.close()


@pytest.fixture
def tencent_stub(settings):
    stub = Stub("tencent")
    settings.SMS_BACKEND = "tencent"
    settings.SMS_TENCENT_ENDPOINT = stub.url
    settings.SMS_TENCENT_SECRET_ID = TENCENT_ID
    settings.SMS_TENCENT_SECRET_KEY = TENCENT_KEY
    settings.SMS_TENCENT_SDK_APP_ID = TENCENT_APP
    settings.SMS_SIGN_NAME = "宁津组工"
    settings.SMS_TEMPLATE_CODES = {key: code.removeprefix("SMS_") for key, code in CODES.items()}
    yield stub
    stub.close()
