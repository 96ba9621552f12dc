#!/usr/bin/env python
"""Django's command-line utility; ``pulang`` is the same command once installed."""

from pulang.cli import main

if __name__ == "__main__":
    main()
