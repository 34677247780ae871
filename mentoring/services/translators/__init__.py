"""Translators between database rows and the pure `matching` library's records."""
