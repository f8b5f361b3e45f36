"""Rapport: a companion for informational interviews."""
