"""Moving a unit rewrites the cases' ``unit_path`` over its subtree's range: an index on the path
alone makes that range a search instead of a scan of every case."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("admissions", "0003_case_step_cell"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="admissioncase",
            index=models.Index(fields=["unit_path"], name="case_path"),
        ),
    ]
