"""Parse check for the hand-written real-world development set (issue 18 item 8).

Run: python tests/intel/realworld/check_ops.py tests/intel/realworld/ops-a
Checks each file splits on its first '---' line, the header is JSON with the set's keys, ids are unique
and match file names, references (rewrite_of, reports_release) exist, and counts/places/operation names
in the labels occur in the text; prints counts per operation (event) and per error_class.
"""
import collections, datetime, json, pathlib, re, sys

KEYS = ["id", "kind", "source", "published", "title", "relevant", "event", "role", "near_dup", "page_date",
        "rewrite_of", "reports_release", "arrests_main", "arrests_approx", "operation_dates", "error_class"]
FACT_KEYS = ["arrests", "arrests_total", "charges", "state", "places", "nationalities", "agencies",
             "duration", "date_range", "operation", "seizures", "charge_types"]
CLASSES = {"undated", "named-other-operation", "shared-official", "context-number", "nationwide-count",
           "same-town-different-case", "single-arrest", "custody-wording", "summed-parts", "body-beats-title",
           "hedged", "target-not-result", "share-not-count", "statistics-page", "negative-cue-in-passing",
           "junk-page", "title-fragment-name", "name-without-operation-word", "rewrite", "release-coverage",
           "revised-figure", "annual-report"}
WORDS = {1: ["one", "a ", "an ", "the driver", "was arrested", "was detained", "taken into custody"],
         370: ["three hundred and seventy", "three hundred seventy"], 1406: ["one thousand four hundred"],
         1100: ["eleven hundred"], 550: ["five hundred fifty"]}


def load(path):
    raw = path.read_text()
    lines = raw.split("\n")
    cut = lines.index("---")
    return json.loads("\n".join(lines[:cut])), "\n".join(lines[cut + 1:])


def main(folders):
    errors, items = [], {}
    for folder in folders:
        for path in sorted(pathlib.Path(folder).glob("*.txt")):
            try:
                head, body = load(path)
            except Exception as exc:  # noqa: BLE001 - report and go on
                errors.append(f"{path}: does not parse: {exc}")
                continue
            e = lambda msg: errors.append(f"{path.name}: {msg}")
            missing = [k for k in KEYS if k not in head]
            if missing:
                e(f"missing keys {missing}")
            if head.get("id") != path.stem:
                e("id does not match file name")
            if head["id"] in items:
                e("duplicate id")
            items[head["id"]] = (head, body)
            datetime.datetime.fromisoformat(head["published"]).utcoffset() is not None or e("published lacks offset")
            head["kind"] in ("press_release", "news") or e("bad kind")
            head["page_date"] in ("meta", "text", "feed", "none") or e("bad page_date")
            set(head["error_class"]) <= CLASSES or e(f"unknown error_class {set(head['error_class']) - CLASSES}")
            words = len(body.split())
            120 <= words <= 450 or e(f"{words} words")
            if not head["relevant"]:
                head["event"] is None and head["role"] is None and head["arrests_main"] is None or e("negative with labels")
                continue
            f = head.get("facts")
            if not f or [k for k in FACT_KEYS if k not in f]:
                e("facts missing or incomplete")
                continue
            text = (head["title"] + "\n" + body).lower()
            for n in f["arrests"] + ([head["arrests_main"]] if head["arrests_main"] else []):
                forms = [f"{n:,}", str(n)] + WORDS.get(n, [])
                any(x in text for x in forms) or e(f"count {n} not in text")
            if head["arrests_main"] is not None and head["arrests_main"] not in f["arrests"]:
                e("arrests_main not among facts.arrests")
            for p in f["places"]:
                name = p.split("|")[0].lower()
                base = name[:-len(" county")] if name.endswith(" county") else None
                ok = name in text or (base and re.search(rf"\b{re.escape(base)}\b[\w ,-]*\bcounties", text))
                ok or e(f"place {p} not in text")
            for op in f["operation"]:
                op.lower().replace("operation ", "") in text or e(f"operation {op} not in text")
            head["role"] in ("release", "coverage", "follow_up") or e("bad role")
            head["operation_dates"] and re.fullmatch(r"\d{4}-\d\d-\d\d/\d{4}-\d\d-\d\d", head["operation_dates"]) or e("operation_dates")
    for iid, (head, _) in items.items():
        for ref in ("rewrite_of", "reports_release"):
            r = head.get(ref)
            if r and (r not in items or items[r][0].get("event") != head.get("event")):
                errors.append(f"{iid}: {ref} {r} missing or in another event")
        if head.get("reports_release") and items.get(head["reports_release"], ({},))[0].get("role") != "release":
            errors.append(f"{iid}: reports_release is not a release")
    groups = collections.Counter(h["near_dup"] for h, _ in items.values() if h["near_dup"])
    errors += [f"near_dup group {g} has one member" for g, n in groups.items() if n < 2]
    dates = collections.defaultdict(set)
    for h, _ in items.values():
        if h["event"]:
            dates[h["event"]].add(h["operation_dates"])
    errors += [f"event {ev} has operation_dates {d}" for ev, d in dates.items() if len(d) > 1]

    per_event = collections.Counter(h["event"] or "(negative)" for h, _ in items.values())
    per_role = collections.Counter((h["event"] or "(negative)", h["role"]) for h, _ in items.values())
    per_class = collections.Counter(c for h, _ in items.values() for c in h["error_class"])
    cov = [h for h, _ in items.values() if h["role"] == "coverage"]
    undated = sum(h["page_date"] in ("none", "feed") for h in cov)
    print(f"{len(items)} stories")
    for ev, n in sorted(per_event.items()):
        roles = ", ".join(f"{r}={c}" for (e2, r), c in sorted(per_role.items(), key=str) if e2 == ev)
        print(f"  {ev:14} {n:3}  ({roles})")
    print(f"coverage with page_date none/feed: {undated}/{len(cov)}")
    print("error_class:")
    for c, n in sorted(per_class.items(), key=lambda x: (-x[1], x[0])):
        print(f"  {c:28} {n}")
    print(f"{len(errors)} problems")
    for x in errors:
        print("  " + x)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [str(pathlib.Path(__file__).parent / "ops-a")]))
