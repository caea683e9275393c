"""A mail backend for tests that refuses chosen recipients and records its connection's life."""

from smtplib import SMTPRecipientsRefused

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    refused: set[str] = set()
    # "open" and "close" as the sender calls them, and "sent <address>" per delivered mail.
    log: list[str] = []

    def open(self):
        FlakyBackend.log.append("open")
        return True

    def close(self):
        FlakyBackend.log.append("close")

    def send_messages(self, messages):
        for message in messages:
            refused = set(message.to) & self.refused
            if refused:
                raise SMTPRecipientsRefused(dict.fromkeys(refused, (550, b"refused")))
        FlakyBackend.log.extend(f"sent {message.to[0]}" for message in messages)
        return super().send_messages(messages)
