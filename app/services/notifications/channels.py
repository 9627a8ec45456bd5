"""Sending what is due: e-mail over SMTP and WeCom (企业微信) group-robot posts, with retries.

A delivery is claimed (PENDING → SENDING, one conditional UPDATE, so two workers never take the
same one) and committed before it is sent; once the server acknowledged it, it is SENT and never
sent again. A failure is recorded and retried later, with back-off (RETRY_AFTER), then given up
(FAILED). A delivery left SENDING by a killed worker is not sent again — the server may have
taken it — but marked failed after STUCK_AFTER, to be seen.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, cast

import sqlalchemy as sa

from app.extensions import db
from app.models import Channel, Delivery, DeliveryState
from app.models.base import utcnow

log = logging.getLogger(__name__)

#: Waits before the 2nd, 3rd, … attempt; after the last, the delivery is given up.
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
               timedelta(hours=6))
STUCK_AFTER = timedelta(hours=1)
#: Seconds a server may take to answer.
TIMEOUT = 15


class DeliveryError(Exception):
    """The server refused or did not answer."""


def send_email(config: Mapping[str, Any], to: str, subject: str, body: str) -> None:
    """One e-mail through the configured SMTP server (MAIL_SERVER, MAIL_PORT, MAIL_SENDER,
    MAIL_TLS "starttls" | "ssl" | "none", MAIL_USERNAME, MAIL_PASSWORD)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["MAIL_SENDER"], to, subject
    message.set_content(body)
    host, port, tls = config["MAIL_SERVER"], int(config["MAIL_PORT"]), config.get("MAIL_TLS", "starttls")
    try:
        if tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=TIMEOUT)
        with smtp:
            if tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP: {exc}") from exc


def post_wecom(url: str, content: str) -> None:
    """One markdown message to a WeCom group robot (its answer must say errcode 0)."""
    if not url.startswith(("https://", "http://")):
        raise DeliveryError("WeCom: the webhook is not an http(s) address")
    data = json.dumps({"msgtype": "markdown", "markdown": {"content": content}}, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"},  # noqa: S310
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - http(s) checked above
            answer = json.loads(response.read(65536) or b"{}")
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"WeCom: {exc}") from exc
    if answer.get("errcode", 0) != 0:
        raise DeliveryError(f"WeCom: {answer.get('errcode')} {answer.get('errmsg', '')}")


Sender = Callable[[Delivery], None]


def default_sender(config: Mapping[str, Any]) -> Sender:
    def send(delivery: Delivery) -> None:
        if delivery.channel is Channel.EMAIL:
            if not config.get("MAIL_SERVER"):
                raise DeliveryError("no MAIL_SERVER is configured")
            send_email(config, delivery.target, delivery.subject, delivery.body)
        else:
            post_wecom(delivery.target, delivery.body)

    return send


def _rows(result: sa.Result) -> int:
    """Rows an UPDATE changed."""
    return int(cast(sa.CursorResult, result).rowcount or 0)


def _claim(delivery_id: int, moment: datetime) -> bool:
    """PENDING → SENDING (its next_attempt_at now says when it was claimed)."""
    claimed = _rows(db.session.execute(
        sa.update(Delivery).where(Delivery.id == delivery_id, Delivery.state == DeliveryState.PENDING)
        .values(state=DeliveryState.SENDING, attempts=Delivery.attempts + 1, next_attempt_at=moment))) == 1
    db.session.commit()
    return claimed


def send_due(send: Sender, now: Callable[[], datetime] = utcnow, limit: int = 200) -> tuple[int, int]:
    """Send the deliveries whose time has come; returns (sent, failed now). Commits each."""
    moment = now()
    stuck = _rows(db.session.execute(sa.update(Delivery).where(
        Delivery.state == DeliveryState.SENDING, Delivery.next_attempt_at < moment - STUCK_AFTER)
        .values(state=DeliveryState.FAILED, last_error="interrupted while sending; not sent again")))
    if stuck:
        log.warning("%s deliveries were interrupted while sending", stuck)
    due = list(db.session.scalars(sa.select(Delivery.id).where(
        Delivery.state == DeliveryState.PENDING, Delivery.next_attempt_at <= moment)
        .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)))
    db.session.commit()
    sent = failed = 0
    for delivery_id in due:
        if not _claim(delivery_id, now()):
            continue  # another worker took it
        delivery = db.session.get(Delivery, delivery_id)
        if delivery is None:
            continue
        try:
            send(delivery)
        except DeliveryError as exc:
            delivery.last_error = str(exc)[:300]
            if delivery.attempts > len(RETRY_AFTER):
                delivery.state = DeliveryState.FAILED
                failed += 1
            else:
                delivery.state = DeliveryState.PENDING
                delivery.next_attempt_at = now() + RETRY_AFTER[delivery.attempts - 1]
            log.warning("delivery %s (%s) failed, attempt %s: %s", delivery.id, delivery.channel,
                        delivery.attempts, exc)
        else:
            delivery.state, delivery.sent_at, delivery.last_error = DeliveryState.SENT, now(), ""
            sent += 1
        db.session.commit()
    return sent, failed
