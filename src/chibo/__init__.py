"""Chibo: the information system for party-building work."""

__version__ = "0.1.0"
