"""Notifications in the app, by e-mail and to WeCom group robots; reminders and the overdue ladder.

- ``core``: tell users and units (unique keys), read and mark them;
- ``messages``: what each kind says, in the reader's language;
- ``ladder``: the reminders and escalation steps, counted in working days (``remind``);
- ``channels``: sending the e-mails and WeCom posts that are due, with retries (``send_due``);
- ``events``: who is told of each step of an issue, a visit or a campaign.
"""

from app.services.notifications.channels import DeliveryError, default_sender, send_due
from app.services.notifications.core import (
    latest,
    mark_read,
    notify,
    notify_leaders,
    notify_unit,
    opened,
    unread_count,
    unread_of,
)
from app.services.notifications.ladder import Summary, remind
from app.services.notifications.messages import text

__all__ = ["DeliveryError", "Summary", "default_sender", "latest", "mark_read", "notify", "notify_leaders",
           "notify_unit", "opened", "remind", "send_due", "text", "unread_count", "unread_of"]
