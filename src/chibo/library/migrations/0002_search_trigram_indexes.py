"""PostgreSQL only: trigram indexes for the library's substring search (ARCHITECTURE.md §8).

SQLite has no trigram index; there the search reads the title and number prefixes as index
ranges and scans the folded titles and texts, which stays fast at a library's size.
"""

from django.db import migrations

INDEXES = {"document_title_trgm": "title_folded", "document_text_trgm": "text_folded"}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON library_document USING gin (({column}::text) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
