"""What checking a document's values costs: grounding, the schema's sums and the confidence.

    .venv/bin/python bench/bench_verify.py [samples/pdfs] [--repeat 100]

Every PDF of the folder is parsed and read by the rules backend once; then
``extract.run.verified`` (what a run does with each extraction before it stores it) runs
``--repeat`` times over all of them. Two figures: as the backend answers (the rules backend
on main gives no score of its own, so each value's confidence comes from the checks, and
what is printed elsewhere is counted, as for an LLM) and with a score for every value (as a
backend that scores its values: the 'printed elsewhere' count is skipped). Noisy on a busy
machine: compare runs taken one after the other.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.backends.rules import RulesBackend  # noqa: E402
from extract.documents import folder_documents  # noqa: E402
from extract.pdf import parsed_document  # noqa: E402
from extract.run import verified  # noqa: E402
from schemas.base import field_values  # noqa: E402
from schemas.invoice import Invoice  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "samples" / "pdfs")
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    backend = RulesBackend()
    cases = []
    for document in folder_documents(args.folder):
        parsed = parsed_document(document)
        if parsed.ok:
            extraction = backend.extract(parsed, Invoice)
            keys = [value.key for value in field_values(extraction.result)]
            scored = replace(extraction, scores=dict.fromkeys(keys, 0.95))
            cases.append((parsed, (extraction, scored), len(keys)))
    values = sum(count for _, _, count in cases)
    print(f"{len(cases)} documents, {values} values, {args.repeat} times each")
    for label, index in (("as answered", 0), ("every value scored", 1)):
        started = time.perf_counter()
        for _ in range(args.repeat):
            for parsed, extractions, _ in cases:
                verified(parsed, extractions[index])
        seconds = time.perf_counter() - started
        per_document = seconds * 1000 / (args.repeat * len(cases))
        per_value = seconds * 1e6 / (args.repeat * values)
        print(f"{label:20} {per_document:7.3f} ms/document {per_value:7.2f} us/value")


if __name__ == "__main__":
    main()
