"""Who Metaflow thinks you are (`metaflow/util.py`: get_username, resolve_identity_as_tuple).

The chain, in Metaflow's order:

1. METAFLOW_PRODUCTION_TOKEN, read from the environment only (not config files):
   if non-empty, the identity is ("production", token) and no user is needed;
2. the USER config key (METAFLOW_USER from the environment, the project config,
   the profile config, or an extension: `from_conf("USER")`, where an empty
   environment variable still wins over the files);
3. SUDO_USER, 4. USERNAME, 5. USER, from the environment.

The first candidate that is non-empty and not "root" is the user; with none,
every run stops with MetaflowUnknownUser ("Unknown user").

One `user.identity` finding carries the outcome (ok with the identity, or error
with the exact reason and fixes); its detail["chain"] lists every link. Extra
findings point out traps: an empty METAFLOW_USER hiding a config-file value,
METAFLOW_USER=root, a production token in a config file (ignored), and user
names that break Kubernetes/Argo names.
"""

from __future__ import annotations

import re
from typing import Mapping, Optional

from ..findings import ERROR, OK, WARNING, Finding, Location
from ..redact import REDACTED, fingerprint
from ..vocabulary import Source
from .. import ids
from .fixtext import where

TOKEN = "METAFLOW_PRODUCTION_TOKEN"
USER_KEY = "METAFLOW_USER"
ENV_CHAIN = ("SUDO_USER", "USERNAME", "USER")

# Kubernetes label values: (([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?, at most 63.
_LABEL_RE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?")


def _status(value) -> str:
    if value is None:
        return "unset"
    if value == "":
        return "empty"
    if value == "root":
        return "root"
    return "used"


def identity_chain(env: Mapping[str, str], user_value=None, user_source: Optional[str] = None,
                   user_origin: Optional[str] = None, user_location=None) -> dict:
    """The chain as data: {"identity": (type, value) | None, "chain": [links], "decided_by": name}.

    `user_value` is the resolved USER config key (None when unset anywhere). Values of the
    production token are never returned, only a fingerprint."""
    chain = []
    identity = None
    decided = None
    tok = env.get(TOKEN)
    link = {"name": TOKEN, "source": "env" if tok is not None else None,
            "value": None if tok is None else (REDACTED if tok else ""),
            "status": "unset" if tok is None else ("used" if tok else "empty")}
    if tok:
        fp = fingerprint(TOKEN, tok)  # None unless --fingerprints
        if fp:
            link["fingerprint"] = fp
        identity, decided = ("production", tok), TOKEN
    chain.append(link)
    candidates = [(USER_KEY, user_value, user_source, user_origin, user_location)]
    candidates += [(n, env.get(n), "env" if n in env else None, n, None) for n in ENV_CHAIN]
    for name, value, source, origin, loc in candidates:
        st = _status(value)
        if identity is not None:
            st = "not consulted" if st != "unset" else "unset"
        elif st == "used":
            identity, decided = ("user", value), name
        chain.append({"name": name, "value": value, "source": source, "origin": origin,
                      "location": loc.to_dict() if loc is not None else None, "status": st})
    return {"identity": identity, "chain": chain, "decided_by": decided}


def _link_text(link) -> str:
    name, st, v = link["name"], link["status"], link["value"]
    if st == "unset":
        return "%s unset" % name
    if name == TOKEN:
        return "%s %s" % (name, "set" if st == "used" else ("empty" if st == "empty" else st))
    shown = "%r" % v
    if st == "empty":
        return "%s='' (empty, skipped)" % name
    if st == "root":
        return "%s='root' (skipped as root)" % name
    if st == "not consulted":
        return "%s=%s (not consulted)" % (name, shown)
    return "%s=%s" % (name, shown)


def _user_where(link) -> str:
    if link["name"] != USER_KEY:
        return "$%s" % link["name"]
    loc = link.get("location")
    loc = Location(**loc) if loc else None
    return "METAFLOW_USER from %s" % where(link.get("source"), link.get("origin"), loc)


def unknown_user_fix(profile_path: Optional[str] = None) -> str:
    home = profile_path or "~/.metaflowconfig/config.json"
    return "\n".join([
        "Give Metaflow a non-root user name where the run starts (root is always skipped, "
        "even as METAFLOW_USER):",
        "  shell / CI runner as root:  export METAFLOW_USER=ci-bot",
        "  Dockerfile:                 ENV METAFLOW_USER=ci-bot   (or RUN useradd -m app + USER app)",
        "  GitHub Actions job:         env:\\n                                 METAFLOW_USER: ${{ github.actor }}",
        "  Kubernetes pod spec:        env: [{name: METAFLOW_USER, value: ci-bot}]",
        "  or in %s:  \"METAFLOW_USER\": \"<name>\"" % home,
    ]).replace("\\n", "\n")


def name_warnings(name: str) -> list:
    """Why a user name is awkward later on (empty when it is a plain lowercase name)."""
    out = []
    name = name if isinstance(name, str) else str(name)  # a number or list from a config file
    bad_label = [c for c in sorted(set(name)) if not (c.isascii() and (c.isalnum() or c in "-_."))]
    if bad_label:
        out.append("%s %s not allowed in Kubernetes label values (Metaflow puts the user into pod "
                   "labels/annotations, @project branch names user.<name> and run tags user:<name>)"
                   % (", ".join(repr(c) for c in bad_label), "is" if len(bad_label) == 1 else "are"))
    elif not _LABEL_RE.fullmatch(name) or len(name) > 63:
        out.append("it does not start and end with a letter or digit, or is longer than 63 "
                   "characters, as Kubernetes label values must")
    dns = []
    if "." in name:
        dns.append("dots")
    if any(c.isupper() for c in name):
        dns.append("uppercase letters")
    if "_" in name:
        dns.append("underscores")
    if dns and not bad_label:
        out.append("%s are not allowed in Kubernetes/Argo object names (DNS-1123), which Metaflow "
                   "derives from the user name for @project branches and Argo workflow names (it "
                   "rewrites some, so two users can collide)" % " and ".join(dns))
    return out


def check_user(res) -> list:
    """user.identity: the identity Metaflow resolves here, or why it is "Unknown user"."""
    env = getattr(res, "env", None) or {}
    rk = res.get(USER_KEY)
    user_value = rk.value if rk is not None else None
    data = identity_chain(env, user_value,
                          rk.source if rk is not None and user_value is not None else None,
                          rk.origin if rk is not None and user_value is not None else None,
                          rk.location if rk is not None and user_value is not None else None)
    out = []
    chain = data["chain"]
    ident = data["identity"]
    detail_chain = chain
    if ident is not None and ident[0] == "production":
        fp = chain[0].get("fingerprint")  # only with --fingerprints
        detail = {"identity_type": "production", "decided_by": TOKEN, "chain": detail_chain}
        if fp:
            detail["fingerprint"] = fp
        out.append(Finding(ids.USER_IDENTITY, OK,
                           "Metaflow identifies this process as production:%s (METAFLOW_PRODUCTION_TOKEN "
                           "from the environment%s); no user name is needed"
                           % (REDACTED, ", fingerprint %s" % fp if fp else ""),
                           key=TOKEN, detail=detail))
    elif ident is not None:
        link = next(l for l in chain if l["status"] == "used" and l["name"] != TOKEN)
        skipped = [_link_text(l) for l in chain if l is not link and l["status"] != "not consulted"
                   and chain.index(l) < chain.index(link)]
        out.append(Finding(ids.USER_IDENTITY, OK,
                           "Metaflow identifies you as user:%s (%s)%s"
                           % (ident[1], _user_where(link),
                              "; before it: " + ", ".join(skipped) if skipped else ""),
                           key=USER_KEY if link["name"] == USER_KEY else None,
                           location=rk.location if link["name"] == USER_KEY and rk is not None else None,
                           detail={"identity_type": "user", "identity": ident[1],
                                   "decided_by": link["name"], "source": link.get("source"),
                                   "origin": link.get("origin"), "chain": detail_chain}))
        for w in name_warnings(ident[1]):
            out.append(Finding(ids.USER_IDENTITY, WARNING, "user name %r: %s" % (ident[1], w),
                               key=USER_KEY,
                               fix="export METAFLOW_USER=%s" % _plain_name(ident[1]),
                               suggestion=_plain_name(ident[1])))
    else:
        reason = ", ".join(_link_text(l) for l in chain)
        profile = None
        try:
            profile = res.files.profile.path
        except AttributeError:
            pass
        out.append(Finding(ids.USER_IDENTITY, ERROR,
                           "Unknown user: every Metaflow run here fails with \"Metaflow could not determine "
                           "your user name based on environment variables ($USERNAME etc.)\": %s" % reason,
                           key=USER_KEY, fix=unknown_user_fix(profile),
                           detail={"identity_type": None, "chain": detail_chain}))
    # Traps worth their own line.
    if rk is not None and user_value == "" and rk.source == Source.ENV:
        hidden = [l for l in (rk.overrides or []) if l.value not in (None, "")]
        if hidden:
            h = hidden[0]
            out.append(Finding(ids.USER_IDENTITY, WARNING,
                               "METAFLOW_USER is set but empty in the environment, which hides %r from %s "
                               "(an empty variable still wins over config files)"
                               % (h.value, where(h.source, h.origin, h.location)),
                               key=USER_KEY, fix="unset METAFLOW_USER"))
    if user_value == "root":
        out.append(Finding(ids.USER_IDENTITY, WARNING,
                           "METAFLOW_USER=root (from %s) is skipped: Metaflow never uses 'root' as a user name"
                           % where(rk.source, rk.origin, rk.location),
                           key=USER_KEY, location=rk.location,
                           fix="set METAFLOW_USER to a real name, e.g. ci-bot"))
    for cf_name in ("local", "profile"):
        cf = getattr(getattr(res, "files", None), cf_name, None)
        data_ = getattr(cf, "data", None) if cf is not None else None
        if isinstance(data_, dict) and TOKEN in data_:
            out.append(Finding(ids.USER_IDENTITY, WARNING,
                               "%s in %s is ignored: Metaflow reads the production token only from the "
                               "environment" % (TOKEN, cf.path),
                               key=TOKEN, location=cf.location_of(TOKEN) if hasattr(cf, "location_of") else None,
                               fix="remove it from %s and export %s where production runs start"
                                   % (cf.path, TOKEN)))
    return out


def _plain_name(name: str) -> str:
    base = str(name).split("@")[0]  # a number or list from a config file
    cand = re.sub(r"[^a-z0-9-]+", "-", base.lower()).strip("-")
    return cand or "ci-bot"
