"""Realistic demo data in bulk (``rapport seed-demo``), for demos and the benchmarks."""

from app.seed.core import DEMO_PASSWORD, SeededUser, SeedPlan, SeedResult, seed_demo

__all__ = ["DEMO_PASSWORD", "SeedPlan", "SeedResult", "SeededUser", "seed_demo"]
