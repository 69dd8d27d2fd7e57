# transfers (issue 13): the operations of chibo.members.transfers.models, written by hand (a
# placeholder first, so that the lifecycle's parts each have their own migration in one chain)

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_party_age"),
        ("org", "0002_drop_fk_indexes_covered_by_composites"),
    ]

    operations = [
        migrations.CreateModel(
            name='Transfer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('official', 'Official'), ('temporary', 'Temporary')], max_length=12, verbose_name='kind')),
                ('reason', models.CharField(choices=[('job_change', 'Change of job'), ('retirement', 'Retirement'), ('residence', 'Change of residence'), ('work_away', 'Working away'), ('study', 'Study'), ('organization_closed', 'Organization closed'), ('other', 'Other reason')], max_length=24, verbose_name='reason')),
                ('state', models.CharField(choices=[('decided', 'Decided, letter not handed over'), ('left', 'Letter handed over'), ('presented', 'Letter presented'), ('accepted', 'Accepted'), ('returned', 'Returned'), ('cancelled', 'Cancelled')], default='decided', max_length=12, verbose_name='state')),
                ('from_path', models.CharField(editable=False, max_length=255)),
                ('to_path', models.CharField(editable=False, max_length=255)),
                ('decision_number', models.CharField(blank=True, max_length=64, verbose_name='decision number')),
                ('decided_on', models.DateField(verbose_name='decided on')),
                ('decided_by', models.CharField(max_length=200, verbose_name='deciding body')),
                ('letter_type', models.CharField(choices=[('grassroots', 'Within the grassroots organization'), ('province', 'Within the province'), ('other_province', 'To another province'), ('temporary', 'Temporary')], max_length=16, verbose_name='letter type')),
                ('letter_number', models.CharField(blank=True, max_length=32, verbose_name='letter number')),
                ('left_on', models.DateField(blank=True, null=True, verbose_name='letter handed over on')),
                ('presented_on', models.DateField(blank=True, null=True, verbose_name='letter presented on')),
                ('accepted_on', models.DateField(blank=True, null=True, verbose_name='accepted on')),
                ('temporary_until', models.DateField(blank=True, null=True, verbose_name='temporary until')),
                ('returned_on', models.DateField(blank=True, null=True, verbose_name='returned on')),
                ('cancelled_on', models.DateField(blank=True, null=True, verbose_name='cancelled on')),
                ('start_by', models.DateField(verbose_name='start by')),
                ('present_by', models.DateField(blank=True, null=True, verbose_name='present by')),
                ('late_days', models.PositiveIntegerField(default=0, verbose_name='days late (not counted in party age)')),
                ('batch', models.CharField(blank=True, max_length=32)),
                ('note', models.CharField(blank=True, max_length=255, verbose_name='note')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('cell', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='receiving cell')),
                ('from_unit', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='sending cell')),
                ('member', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='transfers', to='members.member')),
                ('to_unit', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='receiving unit')),
            ],
            options={
                'verbose_name': 'transfer of party activity',
                'verbose_name_plural': 'transfers of party activity',
                'indexes': [models.Index(fields=['member', 'decided_on'], name='transfer_member'), models.Index(fields=['from_path', 'id'], name='transfer_from'), models.Index(fields=['to_path', 'id'], name='transfer_to'), models.Index(fields=['state', 'start_by'], name='transfer_start_by'), models.Index(fields=['state', 'present_by'], name='transfer_present_by'), models.Index(fields=['state', 'temporary_until'], name='transfer_until'), models.Index(condition=models.Q(('batch', ''), _negated=True), fields=['batch'], name='transfer_batch')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('state__in', ('decided', 'left', 'presented')), models.Q(('kind', 'temporary'), ('state', 'accepted')), _connector='OR'), fields=('member',), name='transfer_one_open')],
            },
        ),
    ]
