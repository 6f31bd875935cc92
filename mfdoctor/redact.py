"""What user data may be shown, in any output format: the one redaction point.

Every user-supplied value passes through here on its way out (`Finding` runs its
texts through `redact_text` when it is created; `view.shown_value` runs every value
`show` and `explain` print through `redact_value`):

- a secret key's value is "<redacted>", whatever its shape (string, invalid JSON,
  a list where a dict belongs);
- URL userinfo in every form (`https://:pw@h/`, `https://tok@h/`, a password
  holding `@` or `/`) and signed query parameters in any spelling (`sig=`,
  `%73ig=`, `;sig=`, `SIG=`) are cut from any text;
- the secret values mfdoctor has seen (secret keys in the environment and config
  files, secret names in linted files, inline secrets in flow files) are registered
  with `register_secret`, and cut from any text as well: a message that quotes a
  Metaflow error echoing the value cannot leak it.

`printable` escapes control characters for human output (a value must not retitle
or clear the terminal). Fingerprints are off unless `--fingerprints` asks for them.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Optional
from urllib.parse import quote as _urlquote
from urllib.parse import unquote

from .vocabulary import PREFIX

REDACTED = "<redacted>"

# Key names (with or without METAFLOW_) that hold credentials.
_SECRET_NAME = re.compile(
    r"(AUTH_KEY|API_KEY|_TOKEN$|^TOKEN$|PASSWORD|SECRET$|CLIENT_SECRET|_KEY$|"
    r"SERVICE_HEADERS|WEBHOOK_AUTH|CREDENTIAL|SAS|IDENTITY_HEADER|CONNECTION_STRING)",
    re.IGNORECASE,
)
# Names that match the pattern above but hold no secret.
_NOT_SECRET = {
    "METAFLOW_DEFAULT_SECRETS_BACKEND_TYPE",
    "METAFLOW_DEFAULT_SECRETS_ROLE",
    "METAFLOW_AZURE_KEY_VAULT_PREFIX",
    "METAFLOW_GCP_SECRET_MANAGER_PREFIX",
    "METAFLOW_KUBERNETES_SECRETS",
    "METAFLOW_ARGO_WORKFLOWS_KUBERNETES_SECRETS",
    "METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_REGION",
    "METAFLOW_AWS_SECRETS_MANAGER_DEFAULT_ROLE",
    "METAFLOW_KUBERNETES_IMAGE_PULL_SECRETS",
    "METAFLOW_ARGO_EVENTS_WEBHOOK_AUTH",
}


# A documentation comment that says the value holds credentials (netflixext's
# CONDA_SRCS_AUTH_INFO: "a tuple/list of username and password").
_SECRET_DOC = re.compile(r"\b(passwords?|passphrases?|api[ _-]?keys?|access[ _-]?tokens?|"
                         r"auth(?:entication)?[ _-]?tokens?|client[ _-]?secrets?)\b", re.I)


def is_secret_doc(doc: str) -> bool:
    return bool(doc and _SECRET_DOC.search(doc))


def is_secret_name(name: str) -> bool:
    full = name if name.upper().startswith(PREFIX) else PREFIX + name
    if full.upper() in _NOT_SECRET:
        return False
    return bool(_SECRET_NAME.search(name))


# -- fingerprints ----------------------------------------------------------------------

_fingerprints = {"on": False}


def enable_fingerprints(on: bool = True) -> None:
    """`--fingerprints`: secrets get a fingerprint (off by default)."""
    _fingerprints["on"] = on


def fingerprint(name: str, value: Any) -> Optional[str]:
    """A short, slow, salted hash of a secret, so two machines can be compared without
    showing it; None unless fingerprints are on. scrypt salted with the key name: a
    guess costs tens of milliseconds and must be made per key, so a weak secret is not
    recovered at scale from a public log (a short or common one still can be)."""
    if not _fingerprints["on"] or value is None:
        return None
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True, default=str)
    import hashlib  # only when there is a secret to fingerprint

    key = name.upper() if name.upper().startswith(PREFIX) else PREFIX + name.upper()
    data = value.encode("utf-8", "surrogateescape")
    salt = ("mfdoctor-fingerprint:" + key).encode("utf-8", "surrogateescape")
    try:
        digest = hashlib.scrypt(data, salt=salt, n=1 << 14, r=8, p=1, dklen=8)
        return "scrypt:" + digest.hex()
    except (AttributeError, ValueError):  # no scrypt in this OpenSSL
        return "pbkdf2:" + hashlib.pbkdf2_hmac("sha256", data, salt, 300_000, dklen=8).hex()


# -- secrets seen in the input -----------------------------------------------------------

_known: set = set()
_known_re: list = [None]
# Too short or too common to cut from every text without mangling messages.
_MIN_SECRET = 6
_COMMON = {"true", "false", "none", "null", "azure", "local", "default"}


def register_secret(value: Any) -> None:
    """Remember a secret value (every string inside it, in the forms outputs write it:
    as is, JSON-escaped, repr-escaped, percent-encoded), so `redact_text` cuts it from
    free text. Short strings and plain lowercase words are not (a variable merely named
    like a secret may hold "1" or "ignored", and messages use those words); the values of
    secret keys are redacted where they are shown whatever they are."""
    for s in _strings(value):
        if isinstance(s, str) and s.startswith(("{", "[", '"')):
            # JSON (valid or not): the quoted strings inside are secrets too.
            for inner in re.findall(r'"((?:[^"\\]|\\.)*)"', s):
                _add(inner)
                try:
                    _add(json.loads('"%s"' % inner))
                except ValueError:
                    pass
        _add(s)


def _strings(value: Any) -> Iterable:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)


def _add(s: str) -> None:
    s = s.strip()
    if len(s) < _MIN_SECRET or s.lower() in _COMMON or (len(s) < 12 and s.isalpha() and s.islower()):
        return
    forms = {s, json.dumps(s)[1:-1], json.dumps(s, ensure_ascii=False)[1:-1], repr(s)[1:-1]}
    try:
        forms.add(_urlquote(s, safe=""))
    except UnicodeEncodeError:
        pass
    new = {f for f in forms if len(f) >= _MIN_SECRET} - _known
    if new:
        _known.update(new)
        _known_re[0] = None


def forget_secrets() -> None:
    """Drop every registered secret (tests run many invocations in one process)."""
    _known.clear()
    _known_re[0] = None


def _known_pattern():
    if _known_re[0] is None and _known:
        _known_re[0] = re.compile("|".join(re.escape(s) for s in sorted(_known, key=len, reverse=True)))
    return _known_re[0]


# -- secrets inside free text ---------------------------------------------------------

# Query parameters that carry credentials (compared after percent-decoding, any case).
_SECRET_PARAMS = {
    "sig", "signature", "code", "token", "access_token", "refresh_token", "id_token",
    "x-amz-signature", "x-amz-security-token", "x-goog-signature", "password", "passwd",
    "pwd", "secret", "client_secret", "api_key", "apikey", "api-key", "key", "sas",
    "auth", "authorization", "sharedaccesssignature", "accountkey", "sharedaccesskey",
}
_PARAM = re.compile(r"([?&;])([^=&;#\s\"'<>?]+)=([^&;#\s\"'<>]*)")
# A bare "sig=..." at the start of a text or after a space (a SAS token on its own).
_BARE_SIG = re.compile(r"(^|[\s\"'(,])((?:sig|signature)=)([^&;#\s\"'<>]+)", re.I)
# Connection strings: AccountKey=...;SharedAccessSignature=...
_CONN = re.compile(r"((?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=)([^;\s\"']+)", re.I)
_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://)([^\s\"'<>]*)")
# Azure's Hadoop URLs name the container before the "@".
_CONTAINER_SCHEMES = {"abfs://", "abfss://", "wasb://", "wasbs://"}
_HOST_PORT = re.compile(r"[^:]*(?::\d*)?")


def _param_name(raw: str) -> str:
    name = raw
    for _ in range(3):  # %2573ig is %73ig is sig
        decoded = unquote(name)
        if decoded == name:
            break
        name = decoded
    return name.strip().lower()


def _redact_param(m) -> str:
    if _param_name(m.group(2)) in _SECRET_PARAMS and m.group(3):
        return "%s%s=%s" % (m.group(1), m.group(2), REDACTED)
    return m.group(0)


def _redact_url(m) -> str:
    scheme, rest = m.group(1), m.group(2)
    end = min([i for i in (rest.find(c) for c in "/?#") if i >= 0] or [len(rest)])
    authority = rest[:end]
    at = authority.rfind("@")
    if at >= 0:  # user, user:password, :password, a password holding "@"
        if ":" not in authority[:at] and scheme.lower() in _CONTAINER_SCHEMES:
            return m.group(0)  # abfss://container@account...: no credential there
        return scheme + REDACTED + rest[at:]
    if not authority.startswith("[") and not _HOST_PORT.fullmatch(authority):
        # "bob:a/MRK@h": not host:port, so the userinfo runs on past the "/".
        tail = rest[end:]
        stop = min([i for i in (tail.find(c) for c in "?#") if i >= 0] or [len(tail)])
        at = tail.rfind("@", 0, stop)
        if at >= 0:
            return scheme + REDACTED + tail[at:]
    return m.group(0)


def redact_text(text: str, known: bool = True) -> str:
    """Cut credentials from free text: URL userinfo, signed query parameters,
    connection-string keys, and (unless `known` is False: a value of a key that is not
    secret, shown as it is) every registered secret value."""
    if not isinstance(text, str) or not text:
        return text
    pat = _known_pattern() if known else None
    if pat is not None:
        text = pat.sub(REDACTED, text)
    if "=" in text:
        text = _PARAM.sub(_redact_param, text)
        text = _BARE_SIG.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
        text = _CONN.sub(lambda m: m.group(1) + REDACTED, text)
    if "://" in text:
        text = _URL.sub(_redact_url, text)
    return text


def has_url_secret(text: str) -> bool:
    return isinstance(text, str) and redact_text(text) != text


def redact_value(name: str, value: Any, secret: Optional[bool] = None, *,
                 by_member_name: bool = True) -> Any:
    """What may be shown for `value` of key `name` (iterative: any depth). Members of a
    dict named like a secret are redacted too, unless `by_member_name` is False (a
    finding's detail: its keys are mfdoctor's own names)."""
    if value is None:
        return None
    if secret is None:
        secret = is_secret_name(name)
    if secret:
        return REDACTED
    known = not by_member_name  # free text (a finding's detail), not a key's own value
    if isinstance(value, str):
        return redact_text(value, known)
    if not isinstance(value, (dict, list)):
        return value
    root: list = [None]
    stack = [(value, root, 0, False)]  # (value, parent, slot, is it a dict member's value)
    while stack:
        src, parent, slot, member = stack.pop()
        if member and by_member_name and src is not None and is_secret_name(str(slot)):
            dst: Any = REDACTED  # a member named like a secret
        elif isinstance(src, dict):
            dst = {}
            for k, v in src.items():
                dst[k] = None
                stack.append((v, dst, k, True))
        elif isinstance(src, list):
            dst = [None] * len(src)
            for i, v in enumerate(src):
                stack.append((v, dst, i, False))
        else:
            dst = redact_text(src, known) if isinstance(src, str) else src
        parent[slot] = dst
    return root[0]


# -- human output ---------------------------------------------------------------------

# C0 and C1 controls, DEL, lone surrogates (undecodable bytes of a path), and the
# Unicode line separators and bidi overrides that reorder or break what a reader sees.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_CONTROL_KEEP_NL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}


def _escape(m) -> str:
    c = m.group()
    if c in _NAMED:
        return _NAMED[c]
    o = ord(c)
    if 0xDC80 <= o <= 0xDCFF:  # a byte os.fsdecode could not decode
        return "\\x%02x" % (o - 0xDC00)
    return "\\x%02x" % o if o < 0x100 else "\\u%04x" % o


def printable(text: Any, newlines: bool = False) -> str:
    """`text` safe for a terminal: control characters written as escapes (\\x1b, \\r,
    \\x07...). With `newlines`, "\\n" (and tab) stay as they are."""
    text = text if isinstance(text, str) else str(text)
    return (_CONTROL_KEEP_NL if newlines else _CONTROL).sub(_escape, text)
