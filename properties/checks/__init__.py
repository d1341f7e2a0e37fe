"""The conformance checks, one module per chapter of SPEC.md; ``properties.registry.checks()``
loads them all. A check module imports helpers (``properties.casework``, ``compare``,
``strategies``), never another check module."""
