"""The audit log indexed by subject ("who can see my data", issue 13).

``audit_subject`` (object type, object id, time) replaces ``audit_object`` (the same columns
without the time): a member's reads are read newest first from it. ``audit_export_path_at`` is
a partial index of the export lines only (members.exported, reports.exported) by scope path and
time: the exports of a member's ancestor scopes in a year are found without the scopes' other lines.

The audit table is the biggest table of the system (100 million lines in the bench), so on
PostgreSQL the indexes are built and dropped CONCURRENTLY (no lock on the writes that audit
every request); that cannot run in a transaction, hence ``atomic = False``. SQLite has no
concurrent build and gets the plain statements.
"""

from django.db import migrations, models


def _concurrently(schema_editor) -> dict:
    return {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}


class AddIndexSafely(migrations.AddIndex):
    """AddIndex, CONCURRENTLY on PostgreSQL (django.contrib.postgres' AddIndexConcurrently
    refuses every other database)."""

    atomic = False

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, **_concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, **_concurrently(schema_editor))


class RemoveIndexSafely(migrations.RemoveIndex):
    """RemoveIndex, CONCURRENTLY on PostgreSQL."""

    atomic = False

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.remove_index(model, index, **_concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.add_index(model, index, **_concurrently(schema_editor))


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        AddIndexSafely(
            model_name="auditentry",
            index=models.Index(fields=["object_type", "object_id", "at"], name="audit_subject"),
        ),
        RemoveIndexSafely(
            model_name="auditentry",
            name="audit_object",
        ),
        AddIndexSafely(
            model_name="auditentry",
            index=models.Index(
                condition=models.Q(("action__in", ("members.exported", "reports.exported"))),
                fields=["unit_path", "at"],
                name="audit_export_path_at",
            ),
        ),
    ]
