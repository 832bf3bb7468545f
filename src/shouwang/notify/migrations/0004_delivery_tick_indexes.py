# The delivery sweep asks these every tick; without them it scans the whole, growing table.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0003_fewer_delivery_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                condition=models.Q(("claimed_at__isnull", False)),
                fields=["channel", "claimed_at"],
                name="delivery_claimed_per_channel",
            ),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                condition=models.Q(("state", "sending")),
                fields=["claimed_at"],
                name="delivery_sending_since",
            ),
        ),
    ]
