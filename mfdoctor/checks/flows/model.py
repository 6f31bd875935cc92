"""What the flow checks produce: the resolved secret references and one file's scan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ...findings import Location

DECO_ATTRIBUTES = ("sources", "role", "allow_override")  # SecretsDecorator.defaults


@dataclass
class SecretRef:
    """One resolved @secrets source (or --secret id), for the live Key Vault probe."""

    backend: str
    id: str
    env_var_name: Optional[str]
    location: Optional[Location]
    flow: Optional[str] = None
    step: Optional[str] = None
    role: Optional[str] = None
    options: dict = field(default_factory=dict)  # env_var_name only; never values
    vault_url: Optional[str] = None
    name: Optional[str] = None
    version: Optional[str] = None

    def to_dict(self) -> dict:
        return {
            "backend": self.backend, "id": self.id, "env_var_name": self.env_var_name,
            "location": self.location.to_dict() if self.location else None,
            "flow": self.flow, "step": self.step, "vault_url": self.vault_url,
            "name": self.name, "version": self.version,
        }


@dataclass
class FlowScan:
    path: str
    findings: list = field(default_factory=list)
    refs: list = field(default_factory=list)
    decorators: int = 0
    sources: int = 0

