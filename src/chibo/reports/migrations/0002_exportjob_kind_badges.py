# The badge list of an award day exported in the background (issue 13, review fix): a new kind.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="exportjob",
            name="kind",
            field=models.CharField(choices=[("members", "Member list"), ("report", "Report"),
                                            ("badges", "Party badge list")], max_length=32, verbose_name="what"),
        ),
    ]
