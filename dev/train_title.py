"""Fit the title ranker of the text front end (services/vestnik/extract/_headline.py).

Usage::

    .venv/bin/python dev/train_title.py [--pages dev/pages dev/full dev/cyr]
                                        [--check dev/bg seeds] [--folds 5]

Every text dump of ``--pages`` whose gold title is one of its lines is run through the
extractor; the candidates of ``_headline.candidates`` are recorded with their features
and the one whose text is the gold title is the answer.  A conditional logit (softmax
over a page's candidates, L2, gradient descent) is fitted on the pages where the
answer is among the candidates.

Pages where the rules' title is settled (``_headline.settled``) never reach the ranker:
they count with the rules' title.  Prints, per folder, the share of the pages where the
title is right: the hand-written rules alone, the extractor's output as it stands (with
the weights in _headline.py), the model cross-validated by page (folds of
``--pages``), and the model fitted on all of ``--pages`` applied to ``--check`` (folders
kept out of the fit); then the WEIGHTS lines to paste into _headline.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "services"))

from vestnik.evaluation import gold_pages, norm  # noqa: E402
from vestnik.extract import Extracted, Page, _headline, extract  # noqa: E402
from vestnik.extract._blocks import Block  # noqa: E402

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class PageTitles:
    name: str
    gold: str
    rules_ok: bool
    texts: list[str]
    x: np.ndarray  # candidates x features
    answer: int  # index of the gold title among the candidates, -1 when absent
    settled: bool = False  # the ranker was not asked (``_headline.settled``)
    rules_alone_ok: bool = False  # the hand-written rules' title, without the ranker


def collect(folder: Path) -> list[PageTitles]:
    pages: list[PageTitles] = []
    seen: list[tuple[list[Block], int, int, frozenset[str], str]] = []
    original = _headline.rank

    def record(
        blocks: list[Block], start: int, end: int, slug: frozenset[str], rules: str = ""
    ) -> int | None:
        seen.append((blocks, start, end, slug, rules))
        return original(blocks, start, end, slug, rules)

    _headline.rank = record  # type: ignore[assignment]
    try:
        for page_file, gold_file in gold_pages(folder):
            if page_file.suffix != ".txt":
                continue
            raw = json.loads(gold_file.read_text(encoding="utf-8"))
            gold = norm(raw.get("title") or "")
            text = page_file.read_text(encoding="utf-8", errors="replace")
            if not gold or not any(norm(line) == gold for line in text.splitlines()):
                continue
            seen.clear()
            url = raw.get("url") or f"https://dev.invalid/{page_file.stem}"
            found = extract(Page(url, NOW, "text/plain", text))
            rules_ok = isinstance(found, Extracted) and norm(found.title) == gold
            if not seen:
                pages.append(PageTitles(page_file.stem, gold, rules_ok, [], np.zeros((0, 0)), -1,
                                        settled=True, rules_alone_ok=rules_ok))
                continue
            blocks, start, end, slug, rules = seen[-1]
            cands = _headline.candidates(blocks, start, end)
            rows: list[list[float]] = []
            texts = []
            if cands:
                ctx = _headline.context(blocks, cands, start, end, slug, rules)
                for r, i in enumerate(cands):  # as _headline.rank weighs them
                    if start - i <= _headline.NEAR or _headline.related(blocks[i].text, ctx):
                        rows.append(_headline.features(blocks, i, r, ctx))
                        texts.append(blocks[i].text)
            x = np.asarray(rows, dtype=float).reshape(len(rows), len(_headline.FEATURE_NAMES))
            answer = next((r for r, t in enumerate(texts) if norm(t) == gold), -1)
            pages.append(PageTitles(page_file.stem, gold, rules_ok, texts, x, answer,
                                    rules_alone_ok=norm(rules) == gold))
    finally:
        _headline.rank = original  # type: ignore[assignment]
    return pages


def fit(pages: list[PageTitles], l2: float = 1e-2, steps: int = 3000) -> np.ndarray:
    used = [p for p in pages if p.answer >= 0 and len(p.texts) > 1]
    allx = np.vstack([p.x for p in used])
    mean = allx[:, 1:].mean(axis=0)
    std = allx[:, 1:].std(axis=0) + 1e-9
    z = allx.copy()
    z[:, 1:] = (z[:, 1:] - mean) / std
    sizes = np.array([len(p.texts) for p in used])
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    page_of = np.repeat(np.arange(len(used)), sizes)
    answers = offsets + np.array([p.answer for p in used])
    w = np.zeros(allx.shape[1])
    lr = 0.5
    for _ in range(steps):
        s = z @ w
        top = np.maximum.reduceat(s, offsets)
        e = np.exp(s - top[page_of])
        prob = e / np.add.reduceat(e, offsets)[page_of]
        prob[answers] -= 1.0
        grad = z.T @ prob / len(used) + l2 * np.r_[0, w[1:]]
        w -= lr * grad
    raw = w.copy()
    raw[1:] = w[1:] / std
    raw[0] = 0.0  # a constant does not change a ranking
    return raw


def correct(pages: list[PageTitles], w: np.ndarray) -> int:
    ok = 0
    for p in pages:
        if p.settled:
            ok += p.rules_ok
            continue
        if p.answer < 0:
            continue
        s = p.x @ w
        best = max(range(len(s)), key=lambda r: (round(float(s[r]), 9), -r))
        ok += best == p.answer
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", nargs="+",
                    default=[str(ROOT / "dev" / d) for d in ("pages", "full", "cyr")])
    ap.add_argument("--check", nargs="*",
                    default=[str(ROOT / "dev" / "bg"), str(ROOT / "seeds")])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--l2", type=float, default=1e-2)
    ap.add_argument("--misses", action="store_true", help="list the model's misses")
    args = ap.parse_args()

    sets = {d: collect(Path(d)) for d in args.pages if Path(d).is_dir()}
    checks = {d: collect(Path(d)) for d in args.check if Path(d).is_dir()}
    pages = [p for ps in sets.values() for p in ps]
    fold_of = {id(p): k % args.folds for ps in sets.values() for k, p in enumerate(ps)}
    cv = dict.fromkeys(sets, 0)
    for k in range(args.folds):
        w = fit([p for p in pages if fold_of[id(p)] != k], args.l2)
        for d, ps in sets.items():
            cv[d] += correct([p for p in ps if fold_of[id(p)] == k], w)
    w = fit(pages, args.l2)
    print("title right on the pages whose gold title is a line of the dump")
    print(f"{'folder':<12}{'pages':>6}{'reachable':>10}{'rules':>8}{'output':>8}{'model':>8}")
    for d, ps in {**sets, **checks}.items():
        n = len(ps)
        model = cv[d] if d in cv else correct(ps, w)
        reach = sum(p.answer >= 0 or p.settled for p in ps)
        rules = sum(p.rules_alone_ok for p in ps)
        output = sum(p.rules_ok for p in ps)
        tag = "cv" if d in cv else "fit"
        print(f"{Path(d).name:<12}{n:>6}{reach / n:>10.3f}{rules / n:>8.3f}"
              f"{output / n:>8.3f}{model / n:>8.3f} ({tag})")
        if args.misses:
            for p in ps:
                s = p.x @ w if len(p.texts) else np.zeros(0)
                if p.answer >= 0 and int(np.argmax(s)) != p.answer:
                    print(f"    {p.name}: {p.texts[int(np.argmax(s))][:60]!r} "
                          f"| gold {p.gold[:60]!r}")
    print("\n# paste into services/vestnik/extract/_headline.py")
    print("WEIGHTS: tuple[float, ...] = (")
    for name, v in zip(_headline.FEATURE_NAMES, w, strict=True):
        print(f"    {v:.4f},  # {name}")
    print(")")


if __name__ == "__main__":
    main()
