"""The production settings plus one URL, the bare view the app's pages are compared with.

Every target of the benchmark, the bare view included, is served through these settings, so all
of them pass through the same middleware and differ only in what the view does.
"""

from kechuang.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"
