"""Key Vault secret ids, as Metaflow's az-key-vault secrets provider reads them.

One leaf module for what both the Azure settings checks (`azure_static`: the vault
prefix, `--secret ID`) and the flow-file checks (`flows`: `@secrets` sources) need:
the secrets backend names, the id check with its exact fixes, the environment
variable a secret is injected as, and collisions between injected variables.
"""

from __future__ import annotations

import json
import re
from typing import Iterable, Mapping, Optional, Sequence
from urllib.parse import urlsplit

from ..findings import ERROR, OK, SKIPPED, WARNING, Location
from ..redact import redact_text
from ..suggest import suggest
from . import azure_rules as R
from .. import ids
from .messages import PYTHON, finding, quote

VAULT_PREFIX_KEY = "METAFLOW_AZURE_KEY_VAULT_PREFIX"
AZ_KEY_VAULT = "az-key-vault"
# The secrets backends of Metaflow itself (used when the catalog lists none).
DEFAULT_SECRETS_BACKENDS = ("inline", "aws-secrets-manager", "gcp-secret-manager", AZ_KEY_VAULT)
# What people write for az-key-vault.
_AZ_KEY_VAULT_ALIASES = ("azure-key-vault", "azure_key_vault", "azurekeyvault", "key-vault",
                         "keyvault", "akv", "azure", "az-keyvault", "azure-keyvault", "az_key_vault")


def suggest_plugin_name(value: str, candidates: Iterable[str]) -> Optional[str]:
    """The backend or provider name `value` most likely means: a known alias of
    az-key-vault, the same name in another case, else the closest name."""
    cands = list(candidates)
    low = value.strip().lower()
    if low in _AZ_KEY_VAULT_ALIASES and AZ_KEY_VAULT in cands:
        return AZ_KEY_VAULT
    for c in cands:
        if c.lower() == low:
            return c
    return suggest(value, cands)


def vault_url_guess(value: str) -> Optional[str]:
    """`https://<vault><domain>` for a prefix written with a wrong scheme, path or case."""
    v = value.strip()
    if "://" not in v:
        v = "https://" + v
    try:
        u = urlsplit(v)
    except ValueError:
        return None
    host = (u.hostname or "").lower()
    dom = next((d for d in R.KEY_VAULT_DOMAINS if host.endswith(d)), None)
    if dom is None:
        # my-kv.vault.azure.com and similar near misses of the public domain
        mm = re.fullmatch(r"([a-z0-9-]+)\.vault(?:\.azure)?(?:\.[a-z]+)?", host)
        if not mm:
            return None
        name, dom = mm.group(1), ".vault.azure.net"
    else:
        name = host[: -len(dom)]
    if R.azure_vault_name_problems(name) or not R.mf_is_valid_vault_name(name):
        return None
    return "https://%s%s" % (name, dom)


def injected_env_var_name(secret_name: Optional[str] = None, *, env_var_name=None,
                          secret_id: Optional[str] = None,
                          vault_prefix: Optional[str] = None) -> Optional[str]:
    """The environment variable az-key-vault injects: `options.env_var_name` if given, else
    the secret's name, with '-', '.', '/' replaced by '_' and the case kept.

    (Metaflow takes the name from Key Vault's answer; names are case-insensitive in Key Vault,
    so a secret created as 'API-Key' and asked for as 'api-key' is injected as 'API_Key'.)
    """
    if env_var_name is not None:
        return R.sanitize_env_var_name(env_var_name) if isinstance(env_var_name, str) else env_var_name
    if secret_name is None and secret_id is not None:
        try:
            secret_name = R.mf_parse_secret_id(secret_id, vault_prefix).name
        except R.KeyVaultIdError:
            return None
    return None if secret_name is None else R.sanitize_env_var_name(secret_name)


def _prefix_usable(vault_prefix: str) -> bool:
    try:
        return R.mf_check_full_url("%s/secrets/probe" % vault_prefix.rstrip("/"))
    except R.KeyVaultIdError:
        return False


def _secret_id_fix(secret_id: str, err: R.KeyVaultIdError, vault_prefix: Optional[str]):
    """(explanation, fix, suggestion) for an id the provider rejects."""
    sid = secret_id or ""
    if err.kind == "ValueError":  # short id without a prefix
        return ("a short id needs %s (the vault URL)" % VAULT_PREFIX_KEY,
                "export %s=https://<vault-name>.vault.azure.net, or give the full URL "
                "https://<vault-name>.vault.azure.net/secrets/%s" % (VAULT_PREFIX_KEY, sid.strip("/")),
                None)
    if sid == "":
        return ("the id is empty", "give the secret's name or its full URL", None)
    if sid.startswith("http://"):
        s = "https://" + sid[len("http://"):]
        return ("Key Vault URLs are https://", "use %s" % s, s)
    if sid != sid.strip():
        return ("the id has leading or trailing whitespace", "use %r" % sid.strip(), sid.strip())
    if not sid.startswith("https://"):
        parts = sid.strip("/").split("/")
        if len(parts) > 2:
            hint = ""
            if parts[0].startswith("vault.") or ".vault." in parts[0] or parts[0].endswith(".net"):
                hint = (" (this looks like the tail of a URL cut at its first '.', as a string "
                        "source \"https://<vault>.vault.azure.net/...\" is)")
            return ("a short id is <name> or <name>/<version>, this one has %d parts%s"
                    % (len(parts), hint),
                    "give <name>, <name>/<version>, or the full https:// URL", None)
        if vault_prefix is not None and not _prefix_usable(vault_prefix):
            why = "%s is not a usable https:// vault URL (see azure.vault-prefix)" % VAULT_PREFIX_KEY
            fix = "fix %s to https://<vault-name>.vault.azure.net" % VAULT_PREFIX_KEY
            try:  # and the id itself, as it would be read with a good prefix
                R.mf_parse_secret_id(sid, "https://probe-vault.vault.azure.net")
            except R.KeyVaultIdError as e2:
                why2, fix2, _ = _secret_id_fix(sid, e2, "https://probe-vault.vault.azure.net")
                why += "; the id itself is also invalid: " + why2
                fix += "; " + fix2
            return why, fix, None
        name = parts[0]
        version = parts[1] if len(parts) == 2 else None
    else:
        u = urlsplit(sid) if "[" not in sid else None
        if u is None:
            return ("the URL cannot be parsed", "use https://<vault>.vault.azure.net/secrets/<name>", None)
        netloc = u.netloc
        dom = next((d for d in R.KEY_VAULT_DOMAINS if d in netloc), None)
        guess = vault_url_guess(sid)
        path = u.path.strip("/").split("/")
        if dom is None or err.kind == "MetaflowAzureKeyVaultBadVault":
            if guess and len(path) >= 2 and path[0] == "secrets":
                s = guess + "/" + "/".join(path)
                return ("the host must be <vault>%s (or a sovereign-cloud vault domain)"
                        % R.KEY_VAULT_DOMAINS[0], "use %s" % s, s)
            return ("the host must be <vault> followed by one of %s, and the vault name 3-24 "
                    "letters, digits and single hyphens" % ", ".join(R.KEY_VAULT_DOMAINS),
                    "use https://<vault-name>.vault.azure.net/secrets/<name>", None)
        if err.kind == "MetaflowAzureKeyVaultBadSecretType":
            return ("only secrets are supported (the path must start with /secrets/, not /%s/)" % path[0],
                    "store the value as a Key Vault secret and use https://<vault>%s/secrets/<name>" % dom, None)
        if err.kind == "MetaflowAzureKeyVaultBadSecretPath":
            return ("the path must be /secrets/<name> or /secrets/<name>/<version>",
                    "use https://%s/secrets/<name>[/<version>]" % netloc, None)
        name = path[1] if len(path) > 1 else ""
        version = path[2] if len(path) > 2 else None
    if not R.mf_is_valid_secret_name(name):
        cand = re.sub(r"[^A-Za-z0-9-]", "-", name).strip("-")
        cand = re.sub(r"-{2,}", "-", cand)
        if cand and not cand[0].isalpha():
            cand = ""
        why = ("secret name '%s' must be 1-127 characters, start with a letter, and contain only "
               "letters, digits and hyphens" % name)
        if "_" in name:
            why += " (Key Vault names cannot contain '_'; Metaflow turns '-' into '_' only for the env var)"
        if cand and cand != name:
            s = sid.replace(name, cand, 1)
            return (why, "use the secret's real name, probably '%s': %s" % (cand, s), s)
        return (why, "use the secret's real name", None)
    if version is not None and not R.mf_is_valid_version(version):
        base = sid[: sid.rfind(version)].rstrip("/")
        return ("version '%s' must be 32 letters and digits (the hex id shown in the portal)" % version,
                "omit the version to get the latest (%s), or copy the full version id" % base, base)
    return (str(err), "give <name>, <name>/<version> or https://<vault>.vault.azure.net/secrets/<name>", None)


_FORM_LABEL = {"name": "short (name)", "name+version": "short (name/version)",
               "url": "full-URL", "url+version": "full-URL (with version)"}


def check_secret_id(secret_id, *, vault_prefix: Optional[str], location: Optional[Location] = None,
                    env_var_name=None, key: Optional[str] = None, label: Optional[str] = None):
    """An az-key-vault secret id as the provider receives it.

    Returns (findings, parsed): `parsed` is an azure_rules.ParsedSecretId, or None when
    Metaflow (or Azure's naming rules) reject the id.
    """
    label = label or "secret id %s" % quote(secret_id, style=PYTHON)
    try:
        parsed = R.mf_parse_secret_id(secret_id, vault_prefix)
    except R.KeyVaultIdError as e:
        why, fix, sugg = _secret_id_fix(secret_id if isinstance(secret_id, str) else "", e, vault_prefix)
        return [finding(ids.AZURE_SECRET_ID, ERROR,
                        "%s is rejected by Metaflow's az-key-vault provider (%s: %s): %s"
                        % (label, e.kind, e, why),
                        key=key, location=location, fix=fix, suggestion=sugg,
                        metaflow_error="%s: %s" % (e.kind, e), secret_id=redact_text(secret_id or ""))], None
    out = []
    problems = R.azure_vault_name_problems(parsed.vault_name)
    if problems:
        out.append(finding(ids.AZURE_SECRET_ID, ERROR,
                           "%s: vault name '%s' %s (Azure's rule; Metaflow accepts it and the lookup then "
                           "fails)" % (label, parsed.vault_name, "; ".join(problems)),
                           key=key, location=location, azure_rule=problems,
                           fix="use the vault's real name (3-24 letters, digits and single hyphens, starting "
                               "with a letter, ending with a letter or digit)"))
    vw = R.version_warning(parsed.version)
    if vw:
        out.append(finding(ids.AZURE_SECRET_ID, WARNING, "%s: %s" % (label, vw), key=key, location=location,
                           fix="copy the version id from `az keyvault secret list-versions`, or omit it"))
    if isinstance(secret_id, str) and (secret_id != secret_id.strip() or any(ord(c) < 32 for c in secret_id)
                                       or re.search(r"[?#;]", secret_id)):
        out.append(finding(ids.AZURE_SECRET_ID, WARNING,
                           "%s has whitespace, a query, a fragment or ';' parameters that Python's URL "
                           "parser drops: Metaflow fetches '%s'" % (label, parsed.name),
                           key=key, location=location,
                           fix="write the id without them: %s" % (
                          parsed.name + ("/" + parsed.version if parsed.version else "")
                          if parsed.form.startswith("name") else
                          "%s/secrets/%s%s" % (parsed.vault_url, parsed.name,
                                               "/" + parsed.version if parsed.version else ""))))
    if "Germany" in R.KEY_VAULT_CLOUDS[parsed.domain]:
        out.append(finding(ids.AZURE_SECRET_ID, WARNING, "%s is in Azure Germany, which closed in 2021" % label,
                           key=key, location=location))
    env_name = injected_env_var_name(parsed.name, env_var_name=env_var_name)
    env_problem = R.env_var_name_problem(env_name)
    if env_problem:
        out.append(finding(ids.AZURE_SECRET_ID, ERROR,
                           "%s would be injected as %r, which Metaflow refuses: %s"
                           % (label, env_name, env_problem), key=key, location=location,
                           fix='give another name: {"type": "az-key-vault", "id": %s, "options": '
                               '{"env_var_name": "<NAME>"}}' % json.dumps(secret_id),
                           env_var_name=env_name if isinstance(env_name, str) else None))
    if not problems and not env_problem:
        case_note = ""
        if isinstance(env_name, str) and env_name != env_name.upper():
            case_note = " (case kept: not %s)" % env_name.upper()
        out.append(finding(ids.AZURE_SECRET_ID, OK,
                           "%s is a valid %s id: vault '%s'%s, secret '%s'%s; Metaflow injects it as $%s%s"
                           % (label, _FORM_LABEL[parsed.form], parsed.vault_name,
                              "" if parsed.domain == ".vault.azure.net" else " (%s)" % R.KEY_VAULT_CLOUDS[parsed.domain],
                              parsed.name, ", version %s" % parsed.version if parsed.version else "",
                              env_name, case_note),
                           key=key, location=location, env_var_name=env_name, **parsed.to_dict()))
    for f in out:
        f.detail.setdefault("vault_url", parsed.vault_url)
        f.detail.setdefault("name", parsed.name)
    if problems:
        return out, None
    return out, parsed


def check_env_var_collisions(items: Sequence, *, check: str = ids.AZURE_SECRET_ID,
                             env: Optional[Mapping[str, str]] = None,
                             allow_override=False) -> list:
    """items: (label, env_var_name, location). Metaflow's validate_env_vars_across_secrets and
    (unless allow_override) validate_env_vars_vs_existing_env."""
    out = []
    seen = {}
    for label, name, loc in items:
        if not isinstance(name, str):
            continue
        if name in seen:
            out.append(finding(check, ERROR,
                               "Secret %s will inject '%s' as env var, and it is also added by %s"
                               % (label, name, seen[name]), location=loc,
                               fix='give one of them another name with {"options": {"env_var_name": "..."}}',
                               env_var_name=name))
        else:
            seen[name] = label
    if env is not None and allow_override is not True:
        for label, name, loc in items:
            if isinstance(name, str) and name in env:
                if allow_override is None:
                    out.append(finding(check, SKIPPED,
                                       "%s injects '%s', which is already set in this environment; whether "
                                       "that fails depends on allow_override, which is not a literal"
                                       % (label, name), location=loc, env_var_name=name))
                else:
                    out.append(finding(check, ERROR,
                                       "Secret %s will inject '%s' as env var, but it already exists in env"
                                       % (label, name), location=loc,
                                       fix="unset %s before the run, rename the secret's variable with "
                                           "options.env_var_name, or pass allow_override=True" % name,
                                       env_var_name=name))
    return out
