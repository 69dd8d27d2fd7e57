"""The last search phase as index ranges (decision 0001): the name from its third word
(``name_inner``, names of four words or more) and a partial index of the names of five words or
more; the trigram index that phase used (0002, PostgreSQL) is dropped: nothing else reads it.

On PostgreSQL each added column rewrites the table once.
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


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0004_name_tail_and_given_name'),
        ('org', '0002_drop_fk_indexes_covered_by_composites'),
    ]

    operations = [
        migrations.RunPython(drop_trigram_index, restore_trigram_index, elidable=False),
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
        migrations.AddIndex(
            model_name='member',
            index=models.Index(condition=models.Q(('name_inner__isnull', False)), fields=['name_inner', 'id'], name='member_name_inner'),
        ),
        migrations.AddIndex(
            model_name='member',
            index=models.Index(condition=models.Q(('name_rest__isnull', False)), fields=['name_folded', 'id'], name='member_long_name'),
        ),
    ]
