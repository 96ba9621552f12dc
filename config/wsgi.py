import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Romanisers load their data on first use (Thai about 1 s): load them before the first
# request rather than during it.
from pulang.registry.names import prepare_romanisers  # noqa: E402 - needs Django set up

prepare_romanisers()
