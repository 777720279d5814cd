"""The OpenAI-compatible backend's throughput against its fake server, as bench_anthropic.py:
the same 200 documents, 300 ms latency, concurrency 16; target: ratio within 1.25.

    .venv/bin/python bench/bench_openai.py [--docs 200] [--latency 0.3] [--concurrency 16]

See bench/remote.py for what is timed and what the ratios mean. The model is a priced one,
so the cost path runs as it does against OpenAI.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from remote import Remote, main

OPENAI = Remote("openai", "extract.backends.openai", "fake_openai", "OPENAI_BASE_URL",
                "OPENAI_API_KEY", model="gpt-5.6-luna")  # fmt: skip

if __name__ == "__main__":
    main(OPENAI, __doc__ or "")
