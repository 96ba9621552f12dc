"""The ``pulang`` console command: Django's manage.py under the project's name."""

from __future__ import annotations

import os
import sys

from pulang.audit.context import Origin, origin


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    with origin(Origin(channel="cli")):
        execute_from_command_line(argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
