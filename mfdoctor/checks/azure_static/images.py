"""§6 container images: METAFLOW_KUBERNETES_CONTAINER_IMAGE, DEFAULT_CONTAINER_IMAGE and
KUBERNETES_CONTAINER_REGISTRY as a container runtime parses them, and the image
@kubernetes will actually pull."""

from __future__ import annotations

import re
from typing import Mapping, Optional

from ...findings import ERROR, OK, WARNING
from ...vocabulary import Source
from ... import ids
from ..fixtext import set_value
from ..messages import PYTHON, finding, quote
from .keys import DEFAULT_IMAGE_KEY, IMAGE_KEY, REGISTRY_KEY

# Docker image references (github.com/distribution/reference grammar).
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = r"(?:%s(?:\.%s)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?" % (_DOMAIN_COMPONENT, _DOMAIN_COMPONENT)
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*"
_NAME = r"(?:%s/)?%s(?:/%s)*" % (_DOMAIN, _PATH_COMPONENT, _PATH_COMPONENT)
_REFERENCE_RE = re.compile(
    r"(?P<name>%s)(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?"
    % _NAME, re.ASCII)


_NOT_A_REFERENCE = "it does not have the form [registry/]repository[:tag][@digest]"


def image_reference_problem(ref: str) -> Optional[str]:
    """Why a container runtime rejects `ref` (None when it parses)."""
    if ref == "":
        return "it is empty"
    if ref != ref.strip():
        return "it has leading or trailing whitespace"
    if "://" in ref:
        return "it has a URL scheme (image references have none)"
    m = _REFERENCE_RE.fullmatch(ref)
    if not m:
        if _REFERENCE_RE.fullmatch(ref.lower()):
            return "repository names must be lowercase"
        return _NOT_A_REFERENCE
    if len(m.group("name")) > 255:
        return "the repository name is longer than 255 characters"
    return None


def _mf_docker_registry(image: str) -> Optional[str]:
    """metaflow.plugins.aws.aws_utils.get_docker_registry."""
    m = re.match(r"^(.+?(?:[:.].+?)\/)?(.*?)(?:[@:])?((?<=[@:]).*)?$", image)
    reg = m.group(1) if m else None
    return reg.rstrip("/") if reg is not None else None


def check_images(values: Mapping[str, tuple], *, python_version: str = "3") -> list:
    """values: key -> (value, source, origin, location) for KUBERNETES_CONTAINER_IMAGE,
    DEFAULT_CONTAINER_IMAGE, KUBERNETES_CONTAINER_REGISTRY (None when unset)."""
    out = []
    img_key, reg_key = IMAGE_KEY, REGISTRY_KEY
    image, isrc, iorig, iloc = values.get(img_key) or (None, None, None, None)
    registry, rsrc, rorig, rloc = values.get(reg_key) or (None, None, None, None)
    for key in (DEFAULT_IMAGE_KEY, img_key):
        v, src, orig, loc = values.get(key) or (None, None, None, None)
        if v is None or src in (Source.DEFAULT, Source.DERIVED):
            continue
        prob = image_reference_problem(v)
        if prob:
            out.append(finding(ids.AZURE_IMAGE, ERROR,
                               "%s=%s is not a valid image reference: %s; pods fail with InvalidImageName"
                               % (key, quote(v, style=PYTHON), prob), key=key, location=loc,
                               fix=set_value(key, v.strip().lower().split("://", 1)[-1], src, loc, orig)
                               if prob != _NOT_A_REFERENCE
                               else "write it as [registry/]repository[:tag], e.g. myregistry.azurecr.io/my-image:v1.0"))
        else:
            out.append(finding(ids.AZURE_IMAGE, OK, "%s=%s is a valid image reference" % (key, quote(v, style=PYTHON)),
                               key=key, location=loc))
    # What @kubernetes will actually pull (kubernetes_decorator.py): the image, or python:X.Y,
    # prefixed with the registry when the image names none.
    if registry:
        eff_image = image or "python:%s" % python_version
        if not _mf_docker_registry(eff_image):
            eff = "%s/%s" % (registry.rstrip("/"), eff_image)
            prob = image_reference_problem(eff)
            if prob:
                out.append(finding(ids.AZURE_IMAGE, ERROR,
                                   "%s=%s makes @kubernetes pull %s, which is not a valid image reference: %s"
                                   % (reg_key, quote(registry, style=PYTHON), quote(eff, style=PYTHON), prob), key=reg_key, location=rloc,
                                   fix="write the registry as a host name, e.g. myregistry.azurecr.io"))
            elif not image:
                out.append(finding(ids.AZURE_IMAGE, WARNING,
                                   "no container image is set, so @kubernetes uses %s from %s=%s; a private "
                                   "registry rarely has that image" % (eff_image, reg_key, quote(registry, style=PYTHON)),
                                   key=img_key, fix="export %s=<registry>/<image>:<tag>" % img_key))
            elif eff_image.split("/")[0] == "localhost":
                out.append(finding(ids.AZURE_IMAGE, WARNING,
                                   "%s starts with 'localhost/', which Metaflow does not recognise as a registry; "
                                   "it pulls %s" % (img_key, eff), key=img_key, location=iloc))
    return out
