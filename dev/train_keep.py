"""Fit the line filter of the text front end (services/vestnik/extract/_keep.py).

Usage::

    .venv/bin/python dev/train_keep.py [--pages dev/pages dev/cyr] [--folds 5]

Every text dump of ``--pages`` is run through the extractor with the filter off; each
line of the body run that the rules keep is recorded with its features, and labelled
from the gold: 1 when it holds a must-keep snippet ("with"), 0 when it holds a
must-drop one ("without"); other lines are unlabelled (they still count in the scores).
A logistic regression (L2, gradient descent) is fitted on the labelled lines.

Pages with full gold (``body_paragraphs``, such as dev/cyr) label every line: 1 when
it is a gold paragraph, else 0.

The threshold is chosen by cross-validation over pages: for each fold, fit on the other
pages, drop the held-out pages' lines whose keep probability is below the threshold,
and score their bodies against the gold as ``vestnik eval`` does; the cross-validated
mean body F1 is printed for each folder apart.

Prints the figures and the WEIGHTS / JUNK_THRESHOLD lines to paste into _keep.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "services"))

from vestnik.evaluation import Gold, body_score, gold_pages, norm  # noqa: E402
from vestnik.extract import Extracted, Page, _keep, extract  # noqa: E402
from vestnik.extract._blocks import Block  # noqa: E402
from vestnik.extract._layout import KEEP_FILTER_MIN_CHARS  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=UTC)
THRESHOLDS = (0.0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)


@dataclass
class PageLines:
    name: str
    gold: Gold
    lead: str | None
    texts: list[str] = field(default_factory=list)
    x: list[list[float] | None] = field(default_factory=list)  # None: model not asked
    y: list[int] = field(default_factory=list)  # 1 keep, 0 drop, -1 unknown


def _label(text: str, gold: Gold, gold_paras: set[str]) -> int:
    t = norm(text)
    if gold.with_snippets or gold.without_snippets:
        if any(norm(s) and norm(s) in t for s in gold.with_snippets):
            return 1
        if any(norm(s) and norm(s) in t for s in gold.without_snippets):
            return 0
        return -1
    return 1 if t in gold_paras else 0


def collect(folder: Path) -> list[PageLines]:
    pages: list[PageLines] = []
    current: list[PageLines] = []

    def record(blocks: list[Block], i: int, start: int, end: int) -> bool:
        p = current[0]
        p.texts.append(blocks[i].text)
        p.x.append(_keep.features(blocks, i, start, end) if _keep.applies(blocks[i].text)
                   else None)
        return False

    original = _keep.is_junk
    _keep.is_junk = record  # type: ignore[assignment]
    try:
        for page_file, gold_file in gold_pages(folder):
            if page_file.suffix != ".txt":
                continue
            raw = json.loads(gold_file.read_text(encoding="utf-8"))
            gold = Gold.from_json(raw)
            lines = PageLines(page_file.stem, gold, None)
            current[:] = [lines]
            found = extract(Page(raw.get("url") or "https://dev.invalid/a", NOW,
                                 "text/plain", page_file.read_text(encoding="utf-8")))
            if not isinstance(found, Extracted):
                lines.texts, lines.x = [], []
            else:
                lines.lead = found.lead if found.lead and not gold.lead_apart else None
                kept = set(found.body_paragraphs)
                pairs = [(t, x) for t, x in zip(lines.texts, lines.x, strict=True) if t in kept]
                lines.texts = [t for t, _ in pairs]
                lines.x = [x for _, x in pairs]
            paras = {norm(p) for p in raw.get("body_paragraphs") or []}
            lines.y = [_label(t, gold, paras) for t in lines.texts]
            pages.append(lines)
    finally:
        _keep.is_junk = original  # type: ignore[assignment]
    return pages


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 3000) -> np.ndarray:
    mean = x[:, 1:].mean(axis=0)
    std = x[:, 1:].std(axis=0) + 1e-9
    xs = x.copy()
    xs[:, 1:] = (xs[:, 1:] - mean) / std
    w = np.zeros(x.shape[1])
    pos = y.mean()
    sample_w = np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos))  # balanced classes
    lr = 0.5
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xs @ w))
        grad = xs.T @ ((p - y) * sample_w) / len(y) + l2 * np.r_[0, w[1:]]
        w -= lr * grad
    # back to the raw feature scale
    raw = w.copy()
    raw[1:] = w[1:] / std
    raw[0] = w[0] - float((w[1:] * mean / std).sum())
    return raw


def score(pages: list[PageLines], w: np.ndarray | None, threshold: float) -> float:
    f1s = []
    for p in pages:
        if not p.texts:
            f1s.append(0.0)
            continue
        keep = p.texts
        if w is not None and threshold > 0:
            kept = [t for t, x in zip(p.texts, p.x, strict=True)
                    if x is None or 1 / (1 + np.exp(-np.dot(x, w))) >= threshold]
            if sum(map(len, kept)) >= KEEP_FILTER_MIN_CHARS:  # as _layout.assemble does
                keep = kept
        out = "\n".join(([p.lead] if p.lead else []) + keep)
        f1s.append(body_score(out, p.gold).f1)
    return float(np.mean(f1s))


def labelled(pages: list[PageLines]) -> tuple[np.ndarray, np.ndarray]:
    pairs = [(x, y) for p in pages for x, y in zip(p.x, p.y, strict=True)
             if y >= 0 and x is not None]
    xs = [x for x, _ in pairs]
    ys = [y for _, y in pairs]
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", nargs="+",
                    default=[str(ROOT / "dev" / "pages"), str(ROOT / "dev" / "cyr")])
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()

    sets = {d: collect(Path(d)) for d in args.pages if Path(d).is_dir()}
    pages = [p for ps in sets.values() for p in ps]
    x, y = labelled(pages)
    print(f"{len(pages)} pages, {len(y)} labelled lines ({int(y.sum())} keep, "
          f"{int(len(y) - y.sum())} drop)")
    fold_of = {id(p): k % args.folds for ps in sets.values() for k, p in enumerate(ps)}
    cv: dict[str, dict[float, float]] = {d: dict.fromkeys(THRESHOLDS, 0.0) for d in sets}
    for k in range(args.folds):
        w = fit(*labelled([p for p in pages if fold_of[id(p)] != k]))
        for d, ps in sets.items():
            test = [p for p in ps if fold_of[id(p)] == k]
            for t in THRESHOLDS:
                cv[d][t] += score(test, w, t) * len(test) / len(ps)
    print("threshold  cross-validated mean body F1 of the text dumps, per folder")
    print("           " + "  ".join(f"{Path(d).name:>8}" for d in sets) + "      mean")
    for t in THRESHOLDS:
        row = [cv[d][t] for d in sets]
        print(f"  {t:5.2f}    " + "  ".join(f"{v:8.4f}" for v in row)
              + f"  {sum(row) / len(row):8.4f}")
    # the folders weigh the same (a small full-gold set counts as much as a big one),
    # and each threshold is judged with its neighbours: a cliff next to it is a risk
    mean = [sum(cv[d][t] for d in sets) / len(sets) for t in THRESHOLDS]
    smooth = [sum(mean[max(0, i - 1) : i + 2]) / len(mean[max(0, i - 1) : i + 2])
              for i in range(len(mean))]
    best = THRESHOLDS[max(range(len(THRESHOLDS)), key=lambda i: (round(smooth[i], 6), -i))]
    w = fit(x, y)
    print("\n# paste into services/vestnik/extract/_keep.py")
    print("WEIGHTS: tuple[float, ...] = (")
    for name, v in zip(_keep.FEATURE_NAMES, w, strict=True):
        print(f"    {v:.4f},  # {name}")
    print(")")
    print(f"JUNK_THRESHOLD = {best}")


if __name__ == "__main__":
    main()
