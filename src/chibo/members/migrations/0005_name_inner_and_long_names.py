"""The last search phase as index ranges (decision 0001): the name from its third word
(``name_inner``, names of four words or more) and a partial index of the names of five words or
more; the trigram index that phase used (0002, PostgreSQL) is dropped: nothing else reads it.

Adding a stored generated column rewrites the table (and rebuilds its indexes) on PostgreSQL:
both columns are added by one ALTER TABLE, so the table is rewritten once (189 s for the national
5.7 million rows, during which the table is locked). The planner statistics are refreshed at the
end: without them the new columns' ranges would be estimated blindly.
"""

import django.db.models.expressions
import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS member_name_trgm")


def restore_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS member_name_trgm ON members_member "
            "USING gin ((name_folded::text) gin_trgm_ops)"
        )


COLUMNS = ("name_inner", "name_rest")


def add_columns(apps, schema_editor):
    """The two columns of the state, in one ALTER TABLE on PostgreSQL (one rewrite)."""
    member = apps.get_model("members", "Member")
    fields = [member._meta.get_field(name) for name in COLUMNS]
    if schema_editor.connection.vendor != "postgresql":
        for field in fields:
            schema_editor.add_field(member, field)
        return
    clauses, params = [], []
    for field in fields:
        definition, field_params = schema_editor.column_sql(member, field)
        clauses.append(f"ADD COLUMN {schema_editor.quote_name(field.column)} {definition}")
        params += field_params
    schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(member._meta.db_table)} {', '.join(clauses)}",
                          params or None)


def remove_columns(apps, schema_editor):
    member = apps.get_model("members", "Member")
    for name in COLUMNS:
        schema_editor.remove_field(member, member._meta.get_field(name))


def analyze(apps, schema_editor):
    schema_editor.execute("ANALYZE members_member")


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0004_name_tail_and_given_name'),
        ('org', '0002_drop_fk_indexes_covered_by_composites'),
    ]

    operations = [
        migrations.RunPython(drop_trigram_index, restore_trigram_index, elidable=False),
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AddField(
                model_name='member',
                name='name_inner',
                field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(django.db.models.lookups.GreaterThanOrEqual(django.db.models.expressions.CombinedExpression(django.db.models.functions.text.Length('name_folded'), '-', django.db.models.functions.text.Length(django.db.models.functions.text.Replace('name_folded', models.Value(' '), models.Value('')))), 3), then=django.db.models.functions.text.Substr(django.db.models.functions.text.Substr('name_folded', django.db.models.expressions.CombinedExpression(django.db.models.functions.text.StrIndex('name_folded', models.Value(' ')), '+', models.Value(1))), django.db.models.expressions.CombinedExpression(django.db.models.functions.text.StrIndex(django.db.models.functions.text.Substr('name_folded', django.db.models.expressions.CombinedExpression(django.db.models.functions.text.StrIndex('name_folded', models.Value(' ')), '+', models.Value(1))), models.Value(' ')), '+', models.Value(1)))), default=None), output_field=models.CharField(max_length=120, null=True)),
            ),
            migrations.AddField(
                model_name='member',
                name='name_rest',
                field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(django.db.models.lookups.GreaterThanOrEqual(django.db.models.expressions.CombinedExpression(django.db.models.functions.text.Length('name_folded'), '-', django.db.models.functions.text.Length(django.db.models.functions.text.Replace('name_folded', models.Value(' '), models.Value('')))), 4), then=django.db.models.functions.text.Substr(django.db.models.functions.text.Substr(django.db.models.functions.text.Substr('name_folded', django.db.models.expressions.CombinedExpression(django.db.models.functions.text.StrIndex('name_folded', models.Value(' ')), '+', models.Value(1))), django.db.models.expressions.CombinedExpression(django.db.models.functions.text.StrIndex(django.db.models.functions.text.Substr('name_folded', django.db.models.expressions.CombinedExpression(django.db.models.functions.text.StrIndex('name_folded', models.Value(' ')), '+', models.Value(1))), models.Value(' ')), '+', models.Value(1))), django.db.models.expressions.CombinedExpression(django.db.models.functions.text.StrIndex(django.db.models.functions.text.Substr(django.db.models.functions.text.Substr('name_folded', django.db.models.expressions.CombinedExpression(django.db.models.functions.text.StrIndex('name_folded', models.Value(' ')), '+', models.Value(1))), django.db.models.expressions.CombinedExpression(django.db.models.functions.text.StrIndex(django.db.models.functions.text.Substr('name_folded', django.db.models.expressions.CombinedExpression(django.db.models.functions.text.StrIndex('name_folded', models.Value(' ')), '+', models.Value(1))), models.Value(' ')), '+', models.Value(1))), models.Value(' ')), '+', models.Value(1)))), default=None), output_field=models.CharField(max_length=120, null=True)),
            ),
        ]),
        migrations.RunPython(add_columns, remove_columns, elidable=False),
        migrations.AddIndex(
            model_name='member',
            index=models.Index(condition=models.Q(('name_inner__isnull', False)), fields=['name_inner', 'id'], name='member_name_inner'),
        ),
        migrations.AddIndex(
            model_name='member',
            index=models.Index(condition=models.Q(('name_rest__isnull', False)), fields=['name_folded', 'id'], name='member_long_name'),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop, elidable=False),
    ]
