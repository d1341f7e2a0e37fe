"""Seed-3 golden fixtures: language-neutral JSON with a manifest of checksums, provenance and
per-key comparison rules. ``golden.load(name)`` verifies checksums before returning arrays."""
from .store import GoldenError, load, read_manifest

__all__ = ["GoldenError", "load", "read_manifest"]
