"""§4 Key Vault settings: METAFLOW_AZURE_KEY_VAULT_PREFIX (the vault URL short secret
ids are appended to), the ids given with `--secret`, and a vault in another cloud than
the storage account. The id rules themselves are in `keyvault_ids`."""

from __future__ import annotations

from typing import Mapping, Optional, Sequence
from urllib.parse import urlparse, urlsplit

from ...findings import ERROR, OK, WARNING, Location
from .. import azure_rules as R
from ... import ids
from ..fixtext import set_value
from ..keyvault_ids import (VAULT_PREFIX_KEY, check_env_var_collisions, check_secret_id,
                            injected_env_var_name, vault_url_guess)
from ..messages import PYTHON, finding, quote
from .endpoint import endpoint_facts

def check_vault_prefix(value, location: Optional[Location] = None, *, key: str = VAULT_PREFIX_KEY,
                       source: Optional[str] = None, origin: Optional[str] = None) -> list:
    """METAFLOW_AZURE_KEY_VAULT_PREFIX: the vault URL that short secret ids are appended to."""
    if value is None or value == "":
        return []

    def fix_to(v):
        return set_value(key, v, source, location, origin)

    shown = quote(value, style=PYTHON)
    guess = vault_url_guess(value)
    # Metaflow builds "<prefix without trailing '/'>/secrets/<id>" and validates the
    # result as a full URL; a prefix is usable iff an ordinary name passes.
    probe = "%s/secrets/%s" % (value.rstrip("/"), "probe")
    mf_error = None
    try:
        if not R.mf_check_full_url(probe):
            mf_error = "unsupported partial secret"
    except R.KeyVaultIdError as e:
        mf_error = str(e)
    out = []
    if mf_error:
        if not value.startswith("https://"):
            why = "does not start with https://"
        else:
            u = urlsplit(value)
            if u.path.strip("/"):
                why = ("has a path ('%s'); Metaflow appends /secrets/<name> itself, so the prefix "
                       "must be the bare vault URL" % u.path)
            elif u.query or u.fragment:
                why = "has a query string or fragment"
            elif not any(d in u.netloc for d in R.KEY_VAULT_DOMAINS):
                why = ("is not on a Key Vault domain (%s; matched case-sensitively)"
                       % ", ".join(R.KEY_VAULT_DOMAINS))
            else:
                why = "does not name a valid vault (%s)" % mf_error
        out.append(finding(ids.AZURE_VAULT_PREFIX, ERROR,
                           "%s=%s %s; every short secret id (name or name/version) fails with "
                           "\"unsupported partial secret\" or \"%s\"" % (key, shown, why, mf_error),
                           key=key, location=location, suggestion=guess, metaflow_error=mf_error,
                           fix=fix_to(guess) if guess else fix_to("https://<vault-name>.vault.azure.net")))
        return out
    netloc = urlparse(value).netloc
    dom = next(d for d in R.KEY_VAULT_DOMAINS if d in netloc)
    vault = netloc[: -len(dom)]
    problems = R.azure_vault_name_problems(vault)
    if problems:
        out.append(finding(ids.AZURE_VAULT_PREFIX, ERROR,
                           "%s=%s: vault name '%s' %s (Azure's rule; Metaflow accepts it, the lookup "
                           "then fails)" % (key, shown, vault, "; ".join(problems)),
                           key=key, location=location, azure_rule=problems,
                           fix="use the vault's real name: %s" % fix_to("https://<vault-name>%s" % dom)))
    if value != value.strip() or any(ord(c) < 32 for c in value):
        out.append(finding(ids.AZURE_VAULT_PREFIX, WARNING,
                           "%s=%s contains whitespace or control characters (Python's URL parser drops "
                           "some of them, so it happens to work)" % (key, shown),
                           key=key, location=location, fix=fix_to("https://%s%s" % (vault, dom))))
    if "Germany" in R.KEY_VAULT_CLOUDS[dom]:
        out.append(finding(ids.AZURE_VAULT_PREFIX, WARNING,
                           "%s=%s is in Azure Germany, which closed in October 2021" % (key, shown),
                           key=key, location=location))
    if not problems:
        out.append(finding(ids.AZURE_VAULT_PREFIX, OK,
                           "%s=%s names vault '%s' (%s); short secret ids resolve to "
                           "https://%s%s/secrets/<name>" % (key, shown, vault, R.KEY_VAULT_CLOUDS[dom], vault, dom),
                           key=key, location=location, vault=vault, cloud=R.KEY_VAULT_CLOUDS[dom]))
    return out


def check_secret_ids(secret_ids: Sequence[str], *, vault_prefix: Optional[str],
                     env: Optional[Mapping[str, str]] = None) -> list:
    """--secret ID...: each id as the az-key-vault provider receives it, plus collisions."""
    out, names = [], []
    for sid in secret_ids:
        fs, parsed = check_secret_id(sid, vault_prefix=vault_prefix, label="--secret %s" % quote(sid, style=PYTHON))
        out.extend(fs)
        if parsed is not None:
            names.append(("%s (az-key-vault)" % sid, injected_env_var_name(parsed.name), None))
    out.extend(check_env_var_collisions(names, env=env))
    return out


def check_vault_cloud(vault_prefix: Optional[str], endpoint: Optional[str],
                      location: Optional[Location] = None) -> list:
    """A warning when the vault and the storage account are in different clouds."""
    if not (vault_prefix and endpoint):
        return []
    vf = endpoint_facts(endpoint)
    vd = next((d for d in R.KEY_VAULT_DOMAINS if d in vault_prefix), None)
    if vf.get("kind") == "azure" and vd and vf.get("cloud") and \
            R.KEY_VAULT_CLOUDS[vd].split(" (")[0] != vf["cloud"].split(" (")[0]:
        return [finding(ids.AZURE_VAULT_PREFIX, WARNING,
                        "the Key Vault (%s) and the storage account (%s) are in different clouds; "
                        "one credential rarely works for both" % (R.KEY_VAULT_CLOUDS[vd], vf["cloud"]),
                        key=VAULT_PREFIX_KEY, location=location)]
    return []
