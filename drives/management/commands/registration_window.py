from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from applicants.models import User
from core.errors import PortalError
from drives import services
from drives.models import AfterGrace, WindowChange
from drives.selectors import window_current, window_last_change
from drives.window import window_state

AFTER_GRACE = {"closed": AfterGrace.CLOSED, "open-late": AfterGrace.OPEN_LATE}


class Command(BaseCommand):
    help = (
        "Print the registration window, or set it with --reason (an audited change, as in the admin). Options not "
        "given keep their current values; dates are days in Pakistan time (YYYY-MM-DD), each inclusive."
    )

    def add_arguments(self, parser):
        parser.add_argument("--opens", type=date.fromisoformat, metavar="DATE", help="the day the window opens")
        parser.add_argument("--deadline", type=date.fromisoformat, metavar="DATE", help="the last day on time")
        parser.add_argument("--grace-until", type=date.fromisoformat, metavar="DATE", help="the grace period's end")
        parser.add_argument("--enforcement-from", type=date.fromisoformat, metavar="DATE")
        parser.add_argument("--after-grace", choices=AFTER_GRACE, help="refuse new registrations, or accept them late")
        parser.add_argument("--notice-en", help="the public notice in English")
        parser.add_argument("--notice-ur", help="the public notice in Urdu")
        parser.add_argument("--reason", default="", help="why: kept in the window's history (required to set)")
        parser.add_argument("--by", metavar="EMAIL", help="the supervisor the change is recorded under")

    def handle(self, *args, **options):
        names = ["opens", "deadline", "grace_until", "enforcement_from", "after_grace", "notice_en", "notice_ur"]
        if any(options[name] is not None for name in names):
            self._set(options)
        self._print()

    def _set(self, options) -> None:
        if not options["reason"].strip():
            raise CommandError("Give a --reason: every change to the registration window is kept with its reason.")
        current = window_current()
        deadline: date | None = options["deadline"] or (current.deadline if current else None)
        grace_until: date | None = options["grace_until"] or (current.grace_until if current else None) or deadline
        if deadline is None or grace_until is None:
            raise CommandError("There is no window yet: give at least --deadline (and --grace-until).")

        def kept(option: str, field: str, default=None):
            return options[option] if options[option] is not None else getattr(current, field, default)

        actor = None
        if options["by"]:
            actor = User.objects.filter(email__iexact=options["by"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user with the email {options['by']}.")
        after_grace: str = (
            AFTER_GRACE[options["after_grace"]]
            if options["after_grace"]
            else (current.after_grace if current else AfterGrace.CLOSED)
        )
        try:
            change = services.window_set(
                actor=actor,
                via=WindowChange.Via.COMMAND,
                reason=options["reason"],
                deadline=deadline,
                grace_until=grace_until,
                after_grace=after_grace,
                opens_on=kept("opens", "opens_on"),
                enforcement_from=kept("enforcement_from", "enforcement_from"),
                notice_en=kept("notice_en", "notice_en", ""),
                notice_ur=kept("notice_ur", "notice_ur", ""),
            )
        except PortalError as error:
            raise CommandError(error.message) from error
        self.stdout.write("Nothing changed." if change is None else "Registration window set.")

    def _print(self) -> None:
        state = window_state()
        window = state.window
        if window is None:
            self.stdout.write("No registration window: registration is open, with no deadline.")
            return
        days = f" ({state.days_left} days left)" if state.days_left is not None else ""
        lines = [
            f"state: {state.state}{days}",
            f"opens: {window.opens_on or '-'}",
            f"deadline: {window.deadline}"
            + (f" (extended from {window.extended_from})" if window.extended_from else ""),
            f"grace until: {window.grace_until}",
            f"after grace: {'open-late' if window.after_grace == AfterGrace.OPEN_LATE else 'closed'}",
            f"enforcement from: {window.enforcement_from or '-'}",
            f"notice (en): {window.notice_en or '-'}",
            f"notice (ur): {window.notice_ur or '-'}",
        ]
        if (change := window_last_change()) is not None:
            who = change.actor.email if change.actor else "an operations script"
            lines.append(
                f"last change: {timezone.localtime(change.created_at):%Y-%m-%d %H:%M} PKT by {who}: {change.reason}"
            )
        self.stdout.write("\n".join(lines))
