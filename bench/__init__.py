"""Load and data-scale benchmarks for Rapport (see bench/README.md)."""
