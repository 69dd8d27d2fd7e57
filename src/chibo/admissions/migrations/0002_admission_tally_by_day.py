"""Admission tallies per day instead of per month (dated transfers when a unit moves). The rows
are dropped here; ``python -m chibo tallies --rebuild`` recounts them from the cases."""

import datetime

from django.db import migrations, models


def drop_rows(apps, schema_editor):
    apps.get_model("admissions", "AdmissionTally").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("admissions", "0001_initial"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(drop_rows, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="admissiontally", name="admission_tally_key"),
        migrations.RemoveField(model_name="admissiontally", name="month"),
        migrations.RemoveField(model_name="admissiontally", name="year"),
        migrations.AddField(
            model_name="admissiontally", name="day",
            field=models.DateField(default=datetime.date(2000, 1, 1)), preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="admissiontally",
            constraint=models.UniqueConstraint(fields=("unit", "day"), name="admission_tally_unit_day"),
        ),
    ]
