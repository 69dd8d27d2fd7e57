"""The service's own settings with one more URL: the minimal view that is the load test's baseline."""

from chibo.settings import *  # noqa: F403 - the production settings, unchanged

ROOT_URLCONF = "bench.load_urls"
