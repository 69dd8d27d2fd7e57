"""Moving a unit rewrites the study confirmations' ``unit_path`` over its subtree's range: an
index on the path alone makes that range a search instead of a scan of every confirmation."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("library", "0002_search_trigram_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="studyconfirmation",
            index=models.Index(fields=["unit_path"], name="confirmation_path"),
        ),
    ]
