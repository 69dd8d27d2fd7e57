"""Drills: scripts that break the running topology on purpose (``scripts/cluster``) and show
that nothing is lost. ``python -m drills NAME`` runs one; each prints what it proves and its
figures, and exits non-zero when what it proves does not hold."""
