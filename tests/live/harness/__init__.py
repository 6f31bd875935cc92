"""Local stand-ins for Azure used by mfdoctor's live tests and bench/bench_live.py.

Real components wherever one exists (Azurite for Blob Storage, the real
azure-identity chain fed by a local managed-identity endpoint or a fake `az`),
fakes only at the HTTP boundary (a fault-injecting proxy in front of Azurite,
an HTTPS server speaking ARM's and Key Vault's documented JSON).
"""
