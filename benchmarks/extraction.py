"""Extraction quality: scores `monitor.extract.extract_article` beside bare trafilatura defaults.

Two corpora under the shared data directory (MONITOR_SHARED_DATA, --data-dir, default ../shared/data):
`article-extraction-benchmark` (181 pages with ground-truth articleBody; Zyte's metric) and
`trafilatura-eval` (990 pages with must-include / must-exclude snippets).
Run: python -m benchmarks.extraction [--limit N] [--jobs N] [--data-dir DIR] [--skip-eval]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from monitor.extract import extract_article

REPO_ROOT = Path(__file__).resolve().parent.parent
FLOOR_FILE = Path(__file__).resolve().parent / "extraction_floor.json"
BENCHMARK = "article-extraction-benchmark"
EVAL_SET = "trafilatura-eval"

# A text extractor under test: (html bytes, page URL) -> main text or None.
Extractor = Callable[[bytes, str], "str | None"]


@dataclass(frozen=True)
class BenchmarkPage:
    page_id: str
    url: str
    html: bytes
    expected: str


@dataclass(frozen=True)
class EvalPage:
    url: str
    html: bytes
    must_include: tuple[str, ...]
    must_exclude: tuple[str, ...]


def shared_data_dir(override: str | Path | None = None) -> Path:
    """The shared data directory: the argument, else $MONITOR_SHARED_DATA, else ../shared/data."""
    chosen = override or os.environ.get("MONITOR_SHARED_DATA")
    return Path(chosen) if chosen else REPO_ROOT.parent / "shared" / "data"


def load_benchmark_pages(data_dir: str | Path | None = None, limit: int | None = None) -> list[BenchmarkPage]:
    """Pages of the Zyte article-extraction-benchmark, sorted by id (the first `limit` if given)."""
    root = shared_data_dir(data_dir) / BENCHMARK
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        html = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append(BenchmarkPage(page_id, truth[page_id]["url"], html, truth[page_id].get("articleBody") or ""))
    return pages


def load_eval_pages(data_dir: str | Path | None = None, limit: int | None = None) -> list[EvalPage]:
    """Pages of trafilatura's evaluation set with their snippets, sorted by URL."""
    root = shared_data_dir(data_dir) / EVAL_SET
    entries = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url in sorted(entries)[:limit]:
        entry = entries[url]
        html = gzip.decompress((root / "html" / f"{entry['file']}.gz").read_bytes())
        pages.append(EvalPage(url, html, tuple(entry.get("with", ())), tuple(entry.get("without", ()))))
    return pages


# ---------------------------------------------------------------- the extractors compared


def ours(html: bytes, url: str) -> str | None:
    article = extract_article(html, url)
    return article.text if article is not None else None


def trafilatura_defaults(html: bytes, url: str) -> str | None:
    # deliberately bare: default options, no URL (comments included, as by default)
    return trafilatura.extract(html)


EXTRACTORS: dict[str, Extractor] = {"monitor": ours, "trafilatura-defaults": trafilatura_defaults}


# ---------------------------------------------------------------- metrics

_WORD = re.compile(r"\w+")


def _shingles(text: str, size: int) -> Counter:
    tokens = _WORD.findall(text)
    return Counter(tuple(tokens[i:i + size]) for i in range(max(1, len(tokens) - size + 1)) if tokens[i:i + size])


def shingle_counts(expected: str, predicted: str, size: int = 4) -> tuple[float, float, float]:
    """Zyte's per-page (tp, fp, fn) over multisets of word 4-grams, normalised to sum to 1."""
    truth, guess = _shingles(expected, size), _shingles(predicted, size)
    tp = sum((truth & guess).values())
    fp = sum(guess.values()) - tp
    fn = sum(truth.values()) - tp
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision_recall_f1(counts: Sequence[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Mean per-page precision (pages with output) and recall (pages with truth); F1 of the two means."""
    precisions = [1.0 if fp == fn == 0 else tp / (tp + fp) for tp, fp, fn in counts if tp + fp > 0]
    recalls = [1.0 if fp == fn == 0 else tp / (tp + fn) for tp, fp, fn in counts if tp + fn > 0]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _timed(job: tuple[Extractor, bytes, str]) -> tuple[str, float]:
    fn, html, url = job
    start = time.perf_counter()
    text = fn(html, url)
    return text or "", time.perf_counter() - start


def _run(fn: Extractor, pages: Iterable[BenchmarkPage | EvalPage], jobs: int) -> list[tuple[str, float]]:
    work = [(fn, page.html, page.url) for page in pages]
    if jobs <= 1:
        return [_timed(job) for job in work]
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(_timed, work, chunksize=4))


def score_extractor(fn: Extractor, pages: Sequence[BenchmarkPage], jobs: int = 1) -> dict:
    """Score `fn` on benchmark pages: precision, recall, f1 (Zyte definition), pages, seconds_per_page.

    A page where `fn` returns None counts as empty text (recall 0 for it)."""
    results = _run(fn, pages, jobs)
    counts = [shingle_counts(page.expected, text) for page, (text, _) in zip(pages, results, strict=True)]
    precision, recall, f1 = precision_recall_f1(counts)
    return {"precision": precision, "recall": recall, "f1": f1, "pages": len(pages),
            "seconds_per_page": sum(seconds for _, seconds in results) / max(1, len(pages))}


def _squash(text: str) -> str:
    return " ".join(text.split())


def score_snippets(fn: Extractor, pages: Sequence[EvalPage], jobs: int = 1) -> dict:
    """Score `fn` on the eval set: share of snippets satisfied (must-include found, must-exclude absent),
    plus trafilatura's own precision/recall/F1 over the same snippet counts."""
    results = _run(fn, pages, jobs)
    found = missed = leaked = kept_out = 0
    for page, (text, _) in zip(pages, results, strict=True):
        text = _squash(text)
        hits = [_squash(snippet) in text for snippet in page.must_include]
        leaks = [_squash(snippet) in text for snippet in page.must_exclude]
        found += sum(hits)
        missed += len(hits) - sum(hits)
        leaked += sum(leaks)
        kept_out += len(leaks) - sum(leaks)
    precision = found / (found + leaked) if found + leaked else 0.0
    recall = found / (found + missed) if found + missed else 0.0
    total = found + missed + leaked + kept_out
    return {"satisfied": (found + kept_out) / total if total else 0.0,
            "must_include": found / (found + missed) if found + missed else 0.0,
            "must_exclude": kept_out / (leaked + kept_out) if leaked + kept_out else 0.0,
            "precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
            "pages": len(pages),
            "seconds_per_page": sum(seconds for _, seconds in results) / max(1, len(pages))}


def load_floor() -> dict:
    return json.loads(FLOOR_FILE.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- command line


def _table(title: str, columns: Sequence[str], rows: dict[str, dict]) -> str:
    lines = [title, f"{'name':<22}" + "".join(f"{column:>18}" for column in columns)]
    for name, scores in rows.items():
        cells = "".join(f"{scores[c]:>18}" if isinstance(scores[c], int) else f"{scores[c]:>18.4f}" for c in columns)
        lines.append(f"{name:<22}{cells}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extraction", description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="score only the first N pages of each corpus")
    parser.add_argument("--data-dir", help="shared data directory (default: $MONITOR_SHARED_DATA or ../shared/data)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--skip-eval", action="store_true", help=f"score only {BENCHMARK}")
    args = parser.parse_args(argv)
    # keep the table readable: the extractors log every discarded page
    logging.basicConfig(level=logging.ERROR)
    for noisy in ("trafilatura", "htmldate", "monitor.extract"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)

    root = shared_data_dir(args.data_dir)
    if not (root / BENCHMARK).is_dir():
        parser.error(f"{root / BENCHMARK} not found (set MONITOR_SHARED_DATA or --data-dir)")
    pages = load_benchmark_pages(root, args.limit)
    rows = {name: score_extractor(fn, pages, args.jobs) for name, fn in EXTRACTORS.items()}
    print(_table(f"{BENCHMARK}: word 4-gram precision / recall / F1, averaged per page (Zyte)",
                 ("precision", "recall", "f1", "pages", "seconds_per_page"), rows))
    if not args.skip_eval and (root / EVAL_SET).is_dir():
        eval_pages = load_eval_pages(root, args.limit)
        rows = {name: score_snippets(fn, eval_pages, args.jobs) for name, fn in EXTRACTORS.items()}
        print()
        print(_table(f"{EVAL_SET}: share of snippets satisfied (must-include found, must-exclude absent)",
                     ("satisfied", "must_include", "must_exclude", "f1", "pages", "seconds_per_page"), rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
