"""A step with a deadline keeps it, and a late one its reason and the superior committee's consent
(nullable or blank: the steps recorded before keep their reason in the note)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("admissions", "0004_index_unit_path_for_moves"),
    ]

    operations = [
        migrations.AddField(
            model_name="casestep",
            name="deadline",
            field=models.DateField(blank=True, null=True, verbose_name="deadline"),
        ),
        migrations.AddField(
            model_name="casestep",
            name="extension_reason",
            field=models.TextField(blank=True, verbose_name="reason for the extension"),
        ),
        migrations.AddField(
            model_name="casestep",
            name="consent_number",
            field=models.CharField(blank=True, max_length=40, verbose_name="superior committee's consent (number)"),
        ),
        migrations.AddField(
            model_name="casestep",
            name="consent_on",
            field=models.DateField(blank=True, null=True, verbose_name="superior committee's consent (date)"),
        ),
    ]
