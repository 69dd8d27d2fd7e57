"""The electronic member handbook (DOMAIN.md §7): every member's installable web app."""
