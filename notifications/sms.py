"""SMS backends, chosen by the SMS_BACKEND setting, in the manner of django.core.mail's email backends."""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str


class BaseSmsBackend(ABC):
    @abstractmethod
    def send(self, message: SmsMessage) -> None:
        """Deliver one message or raise; a raised error makes the sending task retry."""


class ConsoleBackend(BaseSmsBackend):
    """Writes each SMS to the log: the embedded quick start's backend."""

    def send(self, message: SmsMessage) -> None:
        logger.info("SMS to %s*****%s: %s", message.to[:6], message.to[-2:], message.text)


class LocmemBackend(BaseSmsBackend):
    """Keeps sent messages in `LocmemBackend.outbox` for tests."""

    outbox: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> None:
        type(self).outbox.append(message)


class SmsDeliveryError(Exception):
    """The gateway refused or did not answer; the sending task tries again later."""


# The GSM 03.38 basic character set: text outside it (Urdu, say) goes as UCS-2, 70 characters a part, not 160.
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def sms_encoding(text: str) -> str:
    return "gsm7" if set(text) <= GSM_BASIC else "ucs2"


class HttpGatewayBackend(BaseSmsBackend):
    """JSON POST to SMS_GATEWAY_URL with basic auth; anything but 2xx, or no answer in time, is a failure."""

    timeout = 10

    def send(self, message: SmsMessage) -> None:
        body = json.dumps(
            {
                "to": message.to,
                "from": settings.SMS_SENDER_ID,
                "text": message.text,
                "encoding": sms_encoding(message.text),
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL comes from settings
            settings.SMS_GATEWAY_URL, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        if settings.SMS_GATEWAY_USERNAME:
            credentials = f"{settings.SMS_GATEWAY_USERNAME}:{settings.SMS_GATEWAY_PASSWORD}".encode()
            request.add_header("Authorization", "Basic " + base64.b64encode(credentials).decode())
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            raise SmsDeliveryError(f"gateway answered {error.code}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsDeliveryError(f"gateway unreachable: {error}") from error
        if not 200 <= status < 300:
            raise SmsDeliveryError(f"gateway answered {status}")


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
