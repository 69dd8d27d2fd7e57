# leaving (issue 13): the operations of chibo.members.leaving.models and the Discipline fields
# (deciding unit, violation, ground barring readmission, status before; expulsion), written by hand

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_transfers"),
        ("org", "0002_drop_fk_indexes_covered_by_composites"),
    ]

    operations = [
        migrations.AddField(
            model_name='discipline',
            name='bars_readmission',
            field=models.BooleanField(default=False, verbose_name='the ground bars readmission'),
        ),
        migrations.AddField(
            model_name='discipline',
            name='reason',
            field=models.CharField(blank=True, max_length=255, verbose_name='violation'),
        ),
        migrations.AddField(
            model_name='discipline',
            name='status_before',
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddField(
            model_name='discipline',
            name='unit',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='deciding unit'),
        ),
        migrations.AlterField(
            model_name='discipline',
            name='kind',
            field=models.CharField(choices=[('reprimand', 'Reprimand'), ('warning', 'Warning'), ('dismissal', 'Dismissal from post'), ('expulsion', 'Expulsion')], max_length=16, verbose_name='sanction'),
        ),
        migrations.CreateModel(
            name='Removal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('unit_path', models.CharField(editable=False, max_length=255)),
                ('ground', models.CharField(choices=[('absences', 'Absent from cell meetings without reason 3 times in a year'), ('unpaid_dues', 'Dues unpaid without reason for 3 months in a year'), ('non_completion', 'Did not complete their tasks 2 years running'), ('not_recognised', 'Probationary member not qualifying for recognition'), ('no_progress', 'No progress 12 months after being educated')], max_length=16, verbose_name='ground')),
                ('evidence', models.JSONField(blank=True, default=dict, verbose_name='evidence')),
                ('note', models.CharField(blank=True, max_length=500, verbose_name="the cell's account")),
                ('proposed_on', models.DateField(verbose_name='cell resolution dated')),
                ('proposal', models.CharField(max_length=128, verbose_name='cell resolution')),
                ('state', models.CharField(choices=[('proposed', 'Proposed by the cell'), ('decided', 'Removed by the committee'), ('rejected', 'Not removed (the committee refused)')], default='proposed', max_length=10, verbose_name='state')),
                ('decided_on', models.DateField(blank=True, null=True, verbose_name='decided on')),
                ('decision', models.CharField(blank=True, max_length=128, verbose_name='decision')),
                ('refusal', models.CharField(blank=True, max_length=500, verbose_name='why not')),
                ('status_before', models.CharField(blank=True, max_length=16)),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('cell', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='cell')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='deciding committee')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='removals', to='members.member')),
            ],
            options={
                'verbose_name': 'removal from the list',
                'ordering': ['proposed_on', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Complaint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('lodged_on', models.DateField(verbose_name='lodged on')),
                ('text', models.CharField(max_length=500, verbose_name='what the member contests')),
                ('outcome', models.CharField(choices=[('pending', 'Pending'), ('upheld', 'Decision upheld'), ('annulled', 'Decision annulled'), ('changed', 'Sanction changed')], default='pending', max_length=10, verbose_name='outcome')),
                ('decided_on', models.DateField(blank=True, null=True, verbose_name='settled on')),
                ('decision', models.CharField(blank=True, max_length=128, verbose_name='decision')),
                ('body', models.CharField(blank=True, max_length=200, verbose_name='settled by')),
                ('changed_to', models.CharField(blank=True, choices=[('reprimand', 'Reprimand'), ('warning', 'Warning'), ('dismissal', 'Dismissal from post'), ('expulsion', 'Expulsion')], max_length=16, verbose_name='new sanction')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('discipline', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='members.discipline')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='members.member')),
                ('removal', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='members.removal')),
            ],
            options={
                'verbose_name': 'complaint',
                'ordering': ['lodged_on', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Departure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('resigned', 'Resigned from the party'), ('deceased', 'Deceased')], max_length=10, verbose_name='kind')),
                ('on', models.DateField(verbose_name='date')),
                ('cause', models.CharField(blank=True, max_length=255, verbose_name='cause')),
                ('decision', models.CharField(blank=True, max_length=128, verbose_name='decision or report')),
                ('status_before', models.CharField(max_length=16)),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='departures', to='members.member')),
                ('unit', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='recorded by')),
            ],
            options={
                'verbose_name': 'departure',
                'ordering': ['on', 'id'],
                'indexes': [models.Index(fields=['member', 'on'], name='departure_member')],
            },
        ),
        migrations.CreateModel(
            name='Exemption',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('age_health', 'Exempted for age and poor health'), ('working_away', 'Temporarily exempted while working far away')], max_length=16, verbose_name='kind')),
                ('applied_on', models.DateField(verbose_name='application dated')),
                ('reason', models.CharField(max_length=255, verbose_name='reason')),
                ('resolved_on', models.DateField(verbose_name='exempted from')),
                ('resolution', models.CharField(max_length=128, verbose_name='cell resolution')),
                ('ends_on', models.DateField(blank=True, null=True, verbose_name='planned end')),
                ('status_before', models.CharField(max_length=16)),
                ('return_asked_on', models.DateField(blank=True, null=True, verbose_name='return asked on')),
                ('returned_on', models.DateField(blank=True, null=True, verbose_name='returned on')),
                ('return_resolution', models.CharField(blank=True, max_length=128, verbose_name='return resolution')),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='exemptions', to='members.member')),
                ('unit', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='cell')),
            ],
            options={
                'verbose_name': 'exemption',
                'ordering': ['resolved_on', 'id'],
                'indexes': [models.Index(fields=['member', 'resolved_on'], name='exemption_member'), models.Index(condition=models.Q(('ends_on__isnull', False), ('returned_on__isnull', True)), fields=['ends_on'], name='exemption_open_ends')],
            },
        ),
        migrations.AddIndex(
            model_name='removal',
            index=models.Index(fields=['member', 'proposed_on'], name='removal_member'),
        ),
        migrations.AddIndex(
            model_name='removal',
            index=models.Index(condition=models.Q(('state', 'proposed')), fields=['unit_path'], name='removal_pending'),
        ),
        migrations.AddConstraint(
            model_name='removal',
            constraint=models.UniqueConstraint(condition=models.Q(('state', 'proposed')), fields=('member',), name='removal_one_pending'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['member', 'lodged_on'], name='complaint_member'),
        ),
        migrations.AddConstraint(
            model_name='complaint',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('discipline__isnull', True), ('removal__isnull', False)), models.Q(('discipline__isnull', False), ('removal__isnull', True)), _connector='OR'), name='complaint_one_subject'),
        ),
    ]
