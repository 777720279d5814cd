"""The Claude backend's throughput against the fake server: do parsing and waiting overlap?

    .venv/bin/python bench/bench_anthropic.py [--docs 200] [--latency 0.3] [--concurrency 16]

See bench/remote.py for what is timed and what the ratios mean.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from remote import Remote, main

CLAUDE = Remote("anthropic", "extract.backends.anthropic", "fake_anthropic", "ANTHROPIC_BASE_URL",
                "ANTHROPIC_API_KEY")  # fmt: skip

if __name__ == "__main__":
    main(CLAUDE, __doc__ or "")
