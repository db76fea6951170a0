"""SMS backends, chosen by the SMS_BACKEND setting, in the manner of django.core.mail's email backends."""

from __future__ import annotations

import logging
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


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
