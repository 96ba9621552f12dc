from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pulang.referrals.services.referrals import reminders_send


class Command(BaseCommand):
    help = (
        "Remind providers and case workers of referrals waiting too long for an answer or "
        "an outcome (PULANG_REFERRAL_ANSWER_DAYS, PULANG_REFERRAL_OUTCOME_DAYS). Run it "
        "daily (cron or a systemd timer); running it twice reminds nobody twice."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        made = reminders_send()
        self.stdout.write(f"Reminders made: {made}")
