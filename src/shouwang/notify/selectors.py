from django.db.models import Case, IntegerField, Value, When

from .models import Channel, Delivery, WorkApp


def inbox(person):
    """The person's in-app messages, newest first. Only ever their own."""
    return (
        Delivery.objects.filter(recipient=person, channel=Channel.INAPP)
        .select_related("message")
        .order_by("-created_at", "-pk")
    )


def inbox_unread_first(person):
    """The person's in-app messages: unread ones on top, each part newest first."""
    unread = Case(
        When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return inbox(person).order_by(unread, "-created_at", "-pk")


def inbox_unread_count(person) -> int:
    return Delivery.objects.filter(
        recipient=person, channel=Channel.INAPP, read_at__isnull=True
    ).count()


def work_app_warnings() -> list[str]:
    """check-deploy's warnings (registered in apps.py): work applications whose credentials the
    provider refused."""
    return [
        f"{app.get_kind_display()}: the provider refused the "
        f"credentials ({app.credentials_error}); "
        "its messages go to each person's next channel"
        for app in WorkApp.objects.filter(is_active=True).exclude(credentials_error="")
    ]
