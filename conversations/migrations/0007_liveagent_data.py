"""What the LiveAgent API needs of conversations, attachments and tags. The conversation codes are added empty
here, given to existing conversations by 0008 and made required and unique by 0009."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('conversations', '0006_subject_sort_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='conversation',
            name='code',
            field=models.CharField(editable=False, max_length=13, null=True),
        ),
        migrations.AddField(
            model_name='conversation',
            name='public_url_code',
            field=models.CharField(editable=False, max_length=16, null=True),
        ),
        migrations.AddField(
            model_name='conversation',
            name='acknowledged_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='attachment',
            name='downloads',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name='attachment',
            index=models.Index(condition=models.Q(('thread__isnull', True)), fields=['created_at'], name='attachment_unattached'),
        ),
        migrations.AddField(
            model_name='tag',
            name='text_color',
            field=models.CharField(blank=True, default='', help_text="LiveAgent's title colour, six hexadecimal digits (FFFFFF).", max_length=6),
        ),
        migrations.AddField(
            model_name='tag',
            name='background_color',
            field=models.CharField(blank=True, default='', help_text="LiveAgent's background colour, six hexadecimal digits.", max_length=6),
        ),
        migrations.AddConstraint(
            model_name='tag',
            constraint=models.CheckConstraint(condition=models.Q(('text_color__regex', '^([0-9A-F]{6})?$')), name='tag_text_color_hex'),
        ),
        migrations.AddConstraint(
            model_name='tag',
            constraint=models.CheckConstraint(condition=models.Q(('background_color__regex', '^([0-9A-F]{6})?$')), name='tag_background_color_hex'),
        ),
    ]
