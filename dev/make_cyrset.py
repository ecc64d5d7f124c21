"""Build vestnik's Cyrillic development set from pages stored in public repositories.

Usage::

    .venv/bin/python dev/make_cyrset.py --clones CLONES [OUT_DIR]
    .venv/bin/python dev/make_cyrset.py --score [OUT_DIR]     # vestnik vs trafilatura

The pages are real news (and a few blog) pages that other projects keep as test
fixtures.  They are read from clones of those repositories (work trees or bare clones,
see dev/sources.py; nothing needs checking out), each at the commit ``SOURCES`` pins.
CLONES is a folder holding one clone per repository, made in it with::

    git clone https://github.com/adbar/htmldate
    git clone https://github.com/adbar/trafilatura
    git clone https://github.com/flairNLP/fundus
    git clone https://github.com/mediacloud/metadata-lib
    git clone https://github.com/ukeeper/ukeeper-readability
    git clone https://github.com/omnivore-app/omnivore
    git clone https://github.com/mvasilkov/readability2
    git clone https://github.com/openteam-esp/searcher
    git clone https://github.com/fipl-hse/2022-2-level-ctlr
    git clone https://github.com/fipl-hse/2021-2-level-ctlr
    git clone https://github.com/zanachka/yandex-parser
    git clone https://github.com/aquilax/GovAlert-framework
    # pinned commits that are on no branch, only on a pull request:
    git -C 2022-2-level-ctlr fetch origin pull/38/head:refs/pull/38/head
    git -C 2021-2-level-ctlr fetch origin pull/15/head:refs/pull/15/head
    git -C 2021-2-level-ctlr fetch origin pull/17/head:refs/pull/17/head
    git -C 2021-2-level-ctlr fetch origin pull/39/head:refs/pull/39/head

A missing clone or commit stops the build with the command that gets it.  Per page this
writes::

    OUT_DIR/<name>.html       the page, decoded to UTF-8 honouring its declared charset
    OUT_DIR/<name>.txt        the text dump of dev/make_devset.py (one block per line)
    OUT_DIR/<name>.gold.json  a copy of dev/gold_cyr/<name>.gold.json

The gold is hand-made and full: ``title``, ``published_at`` (null when the page shows no
date), ``lead`` (only where the page has a standfirst set apart from the body) and
``body_paragraphs``, so ``vestnik eval OUT_DIR`` scores it directly.  Pages that are not
articles (section fronts, listings, home pages, an empty article shell) have the gold
``{"reject": true}`` and go to ``OUT_DIR/reject/``, out of reach of ``vestnik eval``
(which has no notion of a wanted rejection); ``--score`` reports them separately.

OUT_DIR defaults to dev/cyr (git-ignored); the script is re-runnable.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_devset import decode_html, text_dump
from sources import CLONES_HELP, CloneError, clone_git_dir, clone_path

HERE = Path(__file__).resolve().parent
GOLD_DIR = HERE / "gold_cyr"

# (repository, commit, path in the repository, page name)
# Name prefixes: bg_/ru_/uk_ = language of the page; *_x_* = not an article (reject).
SOURCES: list[tuple[str, str, str, str]] = [
    # adbar/htmldate: the Media Cloud 2020 date-extraction test set (tests/test_set)
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1740081165.html", "bg_actualno_haskovo"),
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1766087391.html", "bg_vratza_korpus"),
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1523821409.html", "ru_mk_orenburg"),
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1719330438.html", "ru_mk_lukashenko"),
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1810559448.html", "ru_mk_serpukhov"),
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1647262025.html", "ru_tass_tskad"),
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1742998174.html", "ru_aif_terakt"),
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1784458132.html", "ru_inform_kz"),
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1716561772.html", "ru_ukrinform_metro"),
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1786902045.html", "ru_unn_moldova"),
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1628285861.html", "uk_zaxid_speka"),
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1716869064.html", "uk_24tv_venediktova"),
    ("adbar/htmldate", "b8952828329abaeeb3be21387b526f2be614ce67",
     "tests/test_set/1493663910.html", "ru_x_mk_ryazan_empty"),
    # adbar/trafilatura: tests/eval (also in dev/pages, there with snippet gold only)
    ("adbar/trafilatura", "e90b0ef51ab026fdb905fb6c5b3c84dd3d784fd5",
     "tests/eval/football.ua.podolski.html", "ru_football_ua_podolski"),
    # flairNLP/fundus: parser test data (gzipped pages)
    ("flairNLP/fundus", "7362379932e35bc4924a107a3ac6c79eaae3a871",
     "tests/resources/parser/test_data/ru/Kommersant_2025_05_14.html.gz", "ru_kommersant"),
    ("flairNLP/fundus", "d02647d780bdd31d66cca7eaf922b92383234d44",
     "tests/resources/parser/test_data/ua/Pravda_2026_01_08.html.gz", "uk_pravda_2026"),
    ("flairNLP/fundus", "c5057b81940d543ec5a20bf430b05ceb95ca38d7",
     "tests/resources/parser/test_data/ua/Pravda_2025_10_24.html.gz", "uk_pravda_2025"),
    # mediacloud/metadata-lib: cached pages (Wayback Machine copies)
    ("mediacloud/metadata-lib", "0d264e7fa1877044cd1afff251a7732ed7197606",
     "mcmetadata/test/fixtures/cached-httpswebarchiveorgwebhttpsuranewsnews1052317323",
     "ru_uranews"),
    ("mediacloud/metadata-lib", "0d264e7fa1877044cd1afff251a7732ed7197606",
     "mcmetadata/test/fixtures/cached-httpswebarchiveorgwebhttpaptsvetlivejournalcom",
     "ru_x_livejournal_front"),
    # ukeeper/ukeeper-readability: extractor test data (a Russian blog)
    ("ukeeper/ukeeper-readability", "eed80290648e5a77a6093a4248677b20ab40ca57",
     "extractor/testdata/vsiem-mirom-dlia-obshchiei-polzy.html", "ru_ukeeper_vsiem"),
    ("ukeeper/ukeeper-readability", "eed80290648e5a77a6093a4248677b20ab40ca57",
     "extractor/testdata/poiezdka-s-apple-maps.html", "ru_ukeeper_applemaps"),
    # omnivore-app/omnivore: its readability fork's test pages
    ("omnivore-app/omnivore", "322ce62b2e09a4fc8f328dde6003e7066953a9ca",
     "packages/readabilityjs/test/test-pages/habr.com/source.html", "ru_habr"),
    # mvasilkov/readability2: usage example
    ("mvasilkov/readability2", "3b55ef30b489702abaf0ca841dd31644615e067a",
     "usage/https-slon-ru-posts-52033.html", "ru_slon"),
    # openteam-esp/searcher: spec fixtures
    ("openteam-esp/searcher", "d6c1751d963cab5f52b93a707cd373360e74c23e",
     "spec/html/tomsk.gov.ru/news.html", "ru_tomsk_gov_mfc"),
    ("openteam-esp/searcher", "fe759b45365b87e2d3478e9383431fe049e10d3c",
     "spec/html/inotomsk.ru.html", "ru_x_inotomsk_home"),
    # fipl-hse/*-level-ctlr: pages saved during a scraping course (HSE Nizhny Novgorod)
    ("fipl-hse/2022-2-level-ctlr", "95010d82ec6fa2049d9fe16ad98eb2f7ec735347",
     "seminars/index.html", "ru_orenday_budget"),
    ("fipl-hse/2022-2-level-ctlr", "4e5c9d43e3bc2d51a0f25d2e06358a48eace1003",
     "seminars/index.html", "ru_x_orenday_archive"),
    ("fipl-hse/2021-2-level-ctlr", "46ffba8d8a47cde2e909ad8216a2bdbeb4f56feb",
     "index.html", "ru_x_nnru_home"),
    ("fipl-hse/2021-2-level-ctlr", "1f78cf0c8413db61c402adc1dfb1e19195b8b069",
     "index.html", "ru_x_vzru_home"),
    ("fipl-hse/2021-2-level-ctlr", "97baaa1ef82fd7b0cb81f866a9c1cde81376d66b",
     "test.html", "ru_x_snob_theme"),
    # zanachka/yandex-parser: saved Yandex result pages
    ("zanachka/yandex-parser", "3a72b55f8c0796592b073dc5ce6e347f4278fda8",
     "yandex_parser/tests/data/2016-06-14-thousands.html", "ru_x_yandex_serp"),
    # aquilax/GovAlert-framework: scraper fixtures of Bulgarian institutions (listings)
    ("aquilax/GovAlert-framework", "e6881591b0221b01733f83e83f0cb2fc304ee514",
     "tests/fixtures/Constcourt/ConstcourtNovini.html", "bg_x_constcourt_novini"),
    ("aquilax/GovAlert-framework", "0c393149284fc5658ab2202e221b2c3faeb03e7c",
     "tests/fixtures/Kfn/Kfn_Novini.html", "bg_x_kfn_novini"),
    ("aquilax/GovAlert-framework", "59832045cfbc4983be98a840f8294bc17d5b9749",
     "tests/fixtures/Min_mh/Mh_Novini.html", "bg_x_mh_novini"),
    ("aquilax/GovAlert-framework", "fc2b9a174ad037b5134887f0e57cc872c017d92b",
     "tests/fixtures/Nek/NekSaobshteniq.html", "bg_x_nek_novini"),
    ("aquilax/GovAlert-framework", "c6ccb0c2ced632e4c629a02a54d23ad51b3fca01",
     "tests/fixtures/Mvr/MvrHaskovo.html", "bg_x_mvr_haskovo"),
    ("aquilax/GovAlert-framework", "2faab2e305ac4f495ce93f5fe3e53e27bc145b9e",
     "tests/fixtures/Cik/CikSaobshteniq.html", "bg_x_cik_saobshteniq"),
]


def read_blob(gdir: Path, commit: str, path: str) -> bytes:
    raw = subprocess.run(
        ["git", f"--git-dir={gdir}", "cat-file", "blob", f"{commit}:{path}"],
        capture_output=True, check=True,
    ).stdout
    return gzip.decompress(raw) if path.endswith(".gz") else raw


def build(out: Path, clones: Path) -> int:
    gdirs: dict[str, Path] = {}
    errors: list[str] = []
    for repo in dict.fromkeys(repo for repo, _, _, _ in SOURCES):
        try:
            gdirs[repo] = clone_git_dir(clone_path(clones, repo), repo,
                                        [c for r, c, _, _ in SOURCES if r == repo])
        except CloneError as exc:
            errors.append(str(exc))
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    (out / "reject").mkdir(exist_ok=True)
    n = missing = 0
    for repo, commit, path, name in SOURCES:
        gold_file = GOLD_DIR / f"{name}.gold.json"
        gdir = gdirs[repo]
        if not gold_file.is_file():
            print(f"skip {name}: no gold", file=sys.stderr)
            missing += 1
            continue
        html = decode_html(read_blob(gdir, commit, path))
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        dest = out / "reject" if gold.get("reject") else out
        (dest / f"{name}.html").write_text(html, encoding="utf-8")
        (dest / f"{name}.txt").write_text(text_dump(html), encoding="utf-8")
        shutil.copyfile(gold_file, dest / f"{name}.gold.json")
        n += 1
    print(f"wrote {n} pages to {out} ({missing} skipped)", file=sys.stderr)
    return 1 if missing else 0


def score(out: Path) -> int:
    """Per page body F1 of vestnik (html, text) and trafilatura (html), and rejections."""
    sys.path.insert(0, str(HERE.parent / "services"))
    from vestnik.evaluation import Gold, body_score
    from vestnik.extract import Extracted, Page, extract

    fetched = datetime(2026, 1, 1, tzinfo=UTC)
    trafilatura: Any = None
    try:
        import trafilatura
    except ImportError as exc:  # e.g. lxml>=5.2 without lxml_html_clean
        print(f"trafilatura unavailable ({exc}); its column is 0", file=sys.stderr)

    def vestnik(url: str, ctype: str, doc: str, lead_apart: bool) -> str | None:
        found = extract(Page(url=url, fetched_at=fetched, content_type=ctype,  # type: ignore[arg-type]
                             text=doc))
        if not isinstance(found, Extracted):
            return None
        lead = [found.lead] if found.lead and not lead_apart else []
        return "\n".join([*lead, *found.body_paragraphs])

    rows: list[tuple[str, list[float]]] = []
    for gold_file in sorted(out.glob("*.gold.json")):
        name = gold_file.name.removesuffix(".gold.json")
        raw = json.loads(gold_file.read_text(encoding="utf-8"))
        gold = Gold.from_json(raw)
        url = raw.get("url") or f"https://eval.vestnik.invalid/{name}"
        html = (out / f"{name}.html").read_text(encoding="utf-8")
        dump = (out / f"{name}.txt").read_text(encoding="utf-8")
        f1s = []
        traf = (trafilatura.extract(html, url=url, include_comments=False, include_tables=True)
                if trafilatura else None)
        for text in (vestnik(url, "text/html", html, gold.lead_apart),
                     vestnik(url, "text/plain", dump, gold.lead_apart), traf):
            f1s.append(body_score(text, gold).f1 if text else 0.0)
        rows.append((name, f1s))
    print(f"{'page':<28}{'vestnik html':>13}{'vestnik text':>13}{'trafilatura':>12}")
    for name, (a, b, c) in rows:
        print(f"{name:<28}{a:>13.3f}{b:>13.3f}{c:>12.3f}")
    if rows:
        means = [sum(f1s[i] for _, f1s in rows) / len(rows) for i in range(3)]
        print(f"{'mean F1 (' + str(len(rows)) + ' pages)':<28}"
              f"{means[0]:>13.3f}{means[1]:>13.3f}{means[2]:>12.3f}")
    rejects = sorted((out / "reject").glob("*.gold.json"))
    if rejects:
        print(f"\nnot-article pages ({len(rejects)}): rejected by vestnik html / text")
        for gold_file in rejects:
            name = gold_file.name.removesuffix(".gold.json")
            url = (json.loads(gold_file.read_text(encoding="utf-8")).get("url")
                   or f"https://eval.vestnik.invalid/{name}")
            verdicts = []
            for suffix, ctype in ((".html", "text/html"), (".txt", "text/plain")):
                doc = (out / "reject" / f"{name}{suffix}").read_text(encoding="utf-8")
                found = extract(Page(url=url, fetched_at=fetched,
                                     content_type=ctype, text=doc))  # type: ignore[arg-type]
                verdicts.append("extracted" if isinstance(found, Extracted)
                                else f"rejected:{found.reason}")
            print(f"  {name:<28}{verdicts[0]:<26}{verdicts[1]}")
    return 0


def cli(doc: str | None, default_out: Path, build: Callable[[Path, Path], int],
        score: Callable[[Path], int]) -> int:
    """The command line of the dev-set builders: ``[OUT_DIR] --clones DIR | --score``."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", nargs="?", default=str(default_out))
    ap.add_argument("--clones", type=Path, metavar="DIR", help=CLONES_HELP)
    ap.add_argument("--score", action="store_true",
                    help="score vestnik and trafilatura on OUT_DIR instead of building it")
    args = ap.parse_args()
    if args.score:
        return score(Path(args.out))
    if args.clones is None:
        ap.error("building needs --clones DIR, the folder holding the git clones (see --help)")
    return build(Path(args.out), args.clones)


def main() -> int:
    return cli(__doc__, HERE / "cyr", build, score)


if __name__ == "__main__":
    raise SystemExit(main())
