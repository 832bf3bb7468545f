import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="student",
            name="user",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="student",
                to=settings.AUTH_USER_MODEL,
                verbose_name="account",
            ),
        ),
        migrations.AddField(
            model_name="student",
            name="guardian_verified_phone",
            field=models.CharField(
                blank=True, max_length=20, verbose_name="verified guardian phone"
            ),
        ),
        migrations.AddField(
            model_name="student",
            name="guardian_verified_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="guardian phone verified at"
            ),
        ),
    ]
