"""Backup and restore of the whole database (rapport backup / rapport restore)."""
