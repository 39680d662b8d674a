"""`python -m benchmarks`: every benchmark in one table, each figure beside its baseline.

The baselines are measured in the same run; a full run rewrites docs/performance.md.

    python -m benchmarks                  # the full run (30 to 50 minutes), writes the docs
    python -m benchmarks --quick          # a small run (a few minutes), prints only
    python -m benchmarks --only crawl,store --pages 500
    python -m benchmarks --only desk --desk-sizes 10000 100000   # the desk's pages at volume
"""

from __future__ import annotations

import argparse
import logging
import os
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks import crawl_speed, daemon_memory, desk_speed, repoll, report, store_cost
from benchmarks.report import Row

BENCHMARKS = ("extraction", "crawl", "repoll", "store", "daemon", "desk")
# modules of this package that are not benchmarks of their own
HELPERS = {"__main__", "report", "local_site", "crawl_speed", "repoll", "store_cost",
           "daemon_memory", "extraction", "bare_crawl", "desk_speed"}
FULL = {"pages": 2000, "sources": [1000, 10_000], "store_sizes": [10_000, 100_000, 1_000_000],
        "samples": 1500, "intel_samples": 12, "runs": 500, "extraction_pages": None, "eval": True,
        "desk_sizes": [10_000, 100_000, 1_000_000]}
QUICK = {"pages": 200, "sources": [100, 1000], "store_sizes": [10_000, 100_000],
         "samples": 90, "intel_samples": 3, "runs": 30, "extraction_pages": 40, "eval": False,
         "desk_sizes": [10_000, 100_000]}


def extraction_rows(limit: int | None, with_eval: bool) -> list[Row]:
    """e. The extraction score (benchmarks.extraction): monitor's extractor beside bare
    trafilatura defaults, on the Zyte benchmark and, in a full run, trafilatura's eval set."""
    from benchmarks import extraction

    root = extraction.shared_data_dir()
    if not (root / extraction.BENCHMARK).is_dir():
        return [Row("e. extraction score", f"skipped: {root / extraction.BENCHMARK} not found", "")]
    for noisy in ("trafilatura", "htmldate", "monitor.extract"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    jobs = os.cpu_count() or 1
    pages = extraction.load_benchmark_pages(root, limit)
    report.progress(f"e. extraction score: {len(pages)} pages of {extraction.BENCHMARK}")
    ours = extraction.score_extractor(extraction.ours, pages, jobs)
    bare = extraction.score_extractor(extraction.trafilatura_defaults, pages, jobs)
    floor = extraction.load_floor()[extraction.BENCHMARK]
    gated = len(pages) == floor["pages"]
    name = f"e. extraction ({len(pages)} pages, Zyte benchmark)"
    rows = [
        Row(name, "F1 of monitor.extract.extract_article", f"{ours['f1']:.3f}",
            "bare trafilatura.extract, defaults", f"{bare['f1']:.3f}",
            f"{ours['f1'] - bare['f1']:+.3f}",
            f">= floor {floor['f1']:.3f}" if gated else "",
            report.verdict(ours["f1"] >= floor["f1"]) if gated else report.INFO),
        Row(name, "precision / recall of monitor.extract",
            f"{ours['precision']:.3f} / {ours['recall']:.3f}", "bare trafilatura",
            f"{bare['precision']:.3f} / {bare['recall']:.3f}"),
        Row(name, f"extraction time per page ({jobs} processes)",
            report.millis(ours["seconds_per_page"]), "bare trafilatura",
            report.millis(bare["seconds_per_page"]),
            report.times(ours["seconds_per_page"] / bare["seconds_per_page"])),
    ]
    if with_eval and (root / extraction.EVAL_SET).is_dir():
        eval_pages = extraction.load_eval_pages(root)
        report.progress(f"e. extraction score: {len(eval_pages)} pages of {extraction.EVAL_SET}")
        ours = extraction.score_snippets(extraction.ours, eval_pages, jobs)
        bare = extraction.score_snippets(extraction.trafilatura_defaults, eval_pages, jobs)
        eval_floor = extraction.load_floor()[extraction.EVAL_SET]
        rows.append(Row(f"e. extraction ({len(eval_pages)} pages, trafilatura eval set)",
                        "snippets satisfied, monitor.extract", f"{ours['satisfied']:.3f}",
                        "bare trafilatura.extract, defaults", f"{bare['satisfied']:.3f}",
                        f"{ours['satisfied'] - bare['satisfied']:+.3f}",
                        f">= floor {eval_floor['satisfied']:.3f}",
                        report.verdict(ours["satisfied"] >= eval_floor["satisfied"])))
    return rows


EXTRACTION_NOTES = [
    "**e. Extraction.** `benchmarks.extraction`'s scoring: the Zyte article-extraction benchmark "
    "(181 pages with ground truth, word 4-gram precision and recall averaged per page) and, in "
    "a full run, trafilatura's 990-page evaluation set (must-include / must-exclude snippets). "
    "The goal is the floor pinned in `benchmarks/extraction_floor.json`; the baseline is bare "
    "`trafilatura.extract` with default settings on the same pages.",
]


def other_benchmarks() -> list[str]:
    """Modules of this package run on their own (`python -m benchmarks.NAME`)."""
    here = Path(__file__).resolve().parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name not in HELPERS)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    others = ", ".join(f"python -m benchmarks.{m}" for m in other_benchmarks())
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=f"Other benchmarks, run on their own: {others}")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes (a few minutes); prints the table, writes no docs")
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    parser.add_argument("--docs", type=Path,
                        help="write the Markdown page here (a full run of everything writes "
                             "docs/performance.md by default)")
    parser.add_argument("--no-docs", action="store_true", help="never write the Markdown page")
    parser.add_argument("--pages", type=int, help="a. pages in the crawled corpus")
    parser.add_argument("--sources", type=int, nargs="+", help="b. feeds re-polled (one run each)")
    parser.add_argument("--store-sizes", type=int, nargs="+", help="c. items stored before timing")
    parser.add_argument("--samples", type=int, help="c. timed calls of each store operation")
    parser.add_argument("--intel-samples", type=int,
                        help="c. timed saves of a new relevant item with its intelligence")
    parser.add_argument("--runs", type=int, help="d. scheduled daemon runs")
    parser.add_argument("--extraction-pages", type=int, help="e. benchmark pages scored")
    parser.add_argument("--desk-sizes", type=int, nargs="+", help="f. items stored when the desk is timed")
    parser.add_argument("--desk-keep", type=Path,
                        help="f. keep the desk's grown databases here and reuse them in later runs")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}; "
                     f"choose from {', '.join(BENCHMARKS)}")
    args.chosen = [name for name in BENCHMARKS if name in chosen]
    sizes = QUICK if args.quick else FULL
    for key, default in sizes.items():
        if getattr(args, key, None) is None:
            setattr(args, key, default)
    return args


def plan(args: argparse.Namespace) -> dict[str, Callable[[], list[Row]]]:
    return {
        "extraction": lambda: extraction_rows(args.extraction_pages, args.eval),
        "crawl": lambda: crawl_speed.run(args.pages).rows(),
        "repoll": lambda: [row for count in args.sources for row in repoll.run(count).rows()],
        "store": lambda: store_cost.run(tuple(args.store_sizes), samples=args.samples,
                                        intel_samples=args.intel_samples).rows(),
        "daemon": lambda: daemon_memory.run(args.runs).rows(),
        "desk": lambda: desk_speed.run(tuple(args.desk_sizes), keep=args.desk_keep).rows(),
    }


NOTES = {"extraction": EXTRACTION_NOTES, "crawl": crawl_speed.NOTES, "repoll": repoll.NOTES,
         "store": store_cost.NOTES, "daemon": daemon_memory.NOTES, "desk": desk_speed.NOTES}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    machine = report.machine()
    load = report.MachineLoad()
    started = time.monotonic()
    rows: list[Row] = []
    failed = False
    for name, benchmark in plan(args).items():
        if name not in args.chosen:
            continue
        try:
            produced = benchmark()
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed = True
            produced = [Row(name, f"FAILED: {exc.__class__.__name__}: {str(exc)[:200]}", "",
                            verdict=report.MISSED)]
        rows += produced
        print(report.markdown_table(produced), file=sys.stderr, flush=True)
    duration = time.monotonic() - started
    machine["CPU used by other processes during the run"] = (
        f"{report.percent(load.others_share())} of all cores (the figures are only as steady as "
        "the machine was quiet)")
    print(report.markdown_table(rows))
    others = other_benchmarks()
    notes = [note for name in args.chosen for note in NOTES[name]]
    if others:
        notes.append("Other benchmarks, run on their own: "
                     + ", ".join(f"`python -m benchmarks.{m}`" for m in others) + ".")
    target = args.docs
    if target is None and not args.no_docs and not args.quick and args.chosen == list(BENCHMARKS):
        target = report.DOCS_FILE
    if target is not None and not args.no_docs:
        command = " ".join(["python -m benchmarks", *(argv if argv is not None else sys.argv[1:])])
        text = report.document(rows, machine_info=machine, mode="quick run" if args.quick else "full run",
                               duration=duration, command=command.strip(), notes=notes)
        report.progress(f"wrote {report.write_document(text, target)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
