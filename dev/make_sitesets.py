"""Build vestnik's per-site development set: several saved pages of each of a few
Cyrillic news (and institutional) sites, articles and non-articles, for the site memory.

Usage::

    .venv/bin/python dev/make_sitesets.py --clones CLONES [OUT_DIR]    # build
    .venv/bin/python dev/make_sitesets.py --score [OUT_DIR]            # per-site baseline
    .venv/bin/python dev/make_sitesets.py --clones CLONES --draft-gold  # new pages' gold

The pages are real pages that other projects keep in their repositories (students'
saved pages of a scraping course, scraper test fixtures).  They are read from clones of
those repositories (work trees or bare clones, see dev/sources.py; nothing needs checking
out), each at the commit ``SITES`` pins.  CLONES is a folder holding one clone per
repository, made in it with::

    git clone https://github.com/fipl-hse/2024-2-level-ctlr
    git clone https://github.com/aquilax/GovAlert-framework
    # the pinned commit of 2024-2-level-ctlr is only on a pull request:
    git -C 2024-2-level-ctlr fetch origin pull/99/head:refs/pull/99/head

Per page this writes::

    OUT_DIR/<site>__<page>.html       the page, decoded to UTF-8 honouring its charset
    OUT_DIR/<site>__<page>.txt        the text dump of dev/make_devset.py (a block a line)
    OUT_DIR/<site>__<page>.gold.json  a copy of dev/gold_sites/<name>.gold.json

and ``OUT_DIR/sites.json``, the index: per site its domain, language, source (repository,
licence, commit) and pages (name, kind, file).  The site is the name's part before
``__`` (``ru_serdobsky__0007``), and the gold's ``site`` (the domain) and ``url``.

The gold of an article is partial but checked: ``title`` (the headline as the page shows
it), ``with`` (sentences of the article's body: its first, a middle and its last
paragraph) and ``without`` (the site's furniture found on the page: menu, footer, the
comment form), the keys ``vestnik eval`` scores.  ``--draft-gold`` writes it for pages
that have none, from each site's hand-chosen selectors (``title_css``, ``body_css``) and
furniture strings, for checking by hand before it is committed.  Pages that are not
articles (listings, section fronts, search pages) have the gold ``{"reject": true}`` and
go to ``OUT_DIR/reject/`` (``vestnik eval OUT_DIR/reject`` counts those rejected);
``--score`` reports them too: the share rejected per front end and site.

OUT_DIR defaults to dev/sites (git-ignored); the script is re-runnable.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from selectolax.lexbor import LexborHTMLParser

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_devset import decode_html, text_dump
from sources import CLONES_HELP, CloneError, clone_git_dir, clone_path

HERE = Path(__file__).resolve().parent
GOLD_DIR = HERE / "gold_sites"
_WS = re.compile(r"\s+")

ARTICLE = "article"


@dataclass(frozen=True)
class Site:
    """One site: where its pages are, and how a draft of their gold is made."""

    key: str  # name prefix: language _ site
    domain: str
    repo: str
    licence: str
    commit: str
    pages: tuple[tuple[str, str, str], ...]  # (path in the repository, page name, kind)
    title_css: str = ""  # the article's headline (drafting only)
    body_css: str = ""  # the article's paragraphs (drafting only) ...
    body_end: str = ""  # ... or the text dump's lines from the title to this line
    without: tuple[str, ...] = ()  # site furniture that must not be in a body
    url_from_meta: tuple[str, str] | None = None  # (page path part, meta JSON path part)
    note: str = ""


def _numbered(fmt: str, n: int) -> tuple[tuple[str, str, str], ...]:
    return tuple((fmt.format(i), f"{i:04d}", ARTICLE) for i in range(1, n + 1))


def _fixtures(folder: str, names: str, kind: str) -> tuple[tuple[str, str, str], ...]:
    return tuple((f"{folder}/{n}.html", "x_" + n.lower(), kind) for n in names.split())


GOVALERT = "aquilax/GovAlert-framework"
GOVALERT_COMMIT = "4813f51801a402dfb89cd3686d6f16c16f7c8663"  # 2014-12-27, tests/fixtures

SITES: list[Site] = [
    # fipl-hse/2024-2-level-ctlr (MIT): a student's 30 saved pages of the Serdobsk
    # district paper (windows-1251), pull request 99
    Site("ru_serdobsky", "serdobsky.ru", "fipl-hse/2024-2-level-ctlr", "MIT",
         "6dc225b0f8ed172fb465c00952e583ba5663f898",
         _numbered("lab_5_scraper/articles_raw/article_{}.html", 30),
         title_css=".onemidnew .mnname", body_end="Оставить комментарий",
         without=("Бюро Добрых Услуг", "Информация для прибывших из Украины",
                  "Полная программа передач", "Copyright © 2010-2011 Газета “serdobsky.ru”",
                  "Разработка сайта - Пенза-Онлайн", "Оставить комментарий",
                  "Представьтесь пожалуйста", "Символы с картинки"),
         url_from_meta=("articles_raw", "articles_meta")),
    # aquilax/GovAlert-framework (CC0): fixtures of a scraper of Bulgarian institutions'
    # news and documents, all listings
    Site("bg_mvr", "mvr.bg", GOVALERT, "CC0-1.0", GOVALERT_COMMIT,
         _fixtures("tests/fixtures/Mvr",
                   "MvrBlagoevgrad MvrBurgas MvrDobrich MvrGabrovo MvrGabrovoIzdirvani "
                   "MvrHaskovo MvrKampanii MvrKardjali MvrKiustendil MvrLovech "
                   "MvrLovechIzdirvani MvrMontana MvrMontanaIzdirvani MvrNovini "
                   "MvrPazardjik", "listing"),
         note="the interior ministry and its regional directorates: news and "
              "wanted-persons listings"),
    Site("bg_government", "government.bg", GOVALERT, "CC0-1.0", GOVALERT_COMMIT,
         _fixtures("tests/fixtures/Government",
                   "GovDokumenti GovNovini GovNovini2 GovPorachki GovResheniq GovSabitiq "
                   "GovZasedaniq", "listing")),
    Site("bg_mi", "mi.government.bg", GOVALERT, "CC0-1.0", GOVALERT_COMMIT,
         _fixtures("tests/fixtures/Min_mi",
                   "Mi_Aktivi Mi_Drugi Mi_Fininst Mi_KoncentraciqFin Mi_Makrobiuletin "
                   "Mi_Obqvi Mi_Obsajdane", "listing")),
    Site("bg_mh", "mh.government.bg", GOVALERT, "CC0-1.0", GOVALERT_COMMIT,
         _fixtures("tests/fixtures/Min_mh",
                   "Mh_Naredbi Mh_Normativni Mh_Novini Mh_Otcheti Mh_Postanovleniq "
                   "Mh_Saobshteniq", "listing")),
    Site("bg_cik", "cik.bg", GOVALERT, "CC0-1.0", GOVALERT_COMMIT,
         _fixtures("tests/fixtures/Cik",
                   "CikDnevenRed CikJalbi CikProtokol CikResheniq CikSaobshteniq",
                   "listing")),
    Site("bg_parliament", "parliament.bg", GOVALERT, "CC0-1.0", GOVALERT_COMMIT,
         _fixtures("tests/fixtures/Parliament",
                   "ParlDokumentiZala ParlKomisii ParlSabitiq ParlZakoni", "listing")),
]


def page_name(site: Site, page: str) -> str:
    return f"{site.key}__{page}"


def read_blobs(gdir: Path, commit: str, paths: list[str]) -> dict[str, bytes]:
    """Many blobs at ``commit`` with one ``git cat-file --batch``; a missing one is left out."""
    proc = subprocess.run(
        ["git", f"--git-dir={gdir}", "cat-file", "--batch"],
        input="".join(f"{commit}:{p}\n" for p in paths).encode(),
        capture_output=True, check=True,
    )
    out: dict[str, bytes] = {}
    buf, pos = proc.stdout, 0
    for p in paths:
        nl = buf.index(b"\n", pos)
        header = buf[pos:nl].split()
        pos = nl + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        out[p] = buf[pos:pos + size]
        pos += size + 1
    return out


def git_dirs(clones: Path) -> dict[str, Path]:
    """The git directory of every source repository; CloneError lists what is missing."""
    gdirs: dict[str, Path] = {}
    errors: list[str] = []
    for repo in dict.fromkeys(s.repo for s in SITES):
        try:
            gdirs[repo] = clone_git_dir(clone_path(clones, repo), repo,
                                        [s.commit for s in SITES if s.repo == repo])
        except CloneError as exc:
            errors.append(str(exc))
    if errors:
        raise CloneError("\n".join(errors))
    return gdirs


def site_pages(site: Site, gdir: Path) -> dict[str, str]:
    """page name -> the page decoded to text."""
    blobs = read_blobs(gdir, site.commit, [p for p, _, _ in site.pages])
    missing = [p for p, _, _ in site.pages if p not in blobs]
    if missing:
        raise CloneError(f"{site.repo} at {site.commit[:12]} lacks {', '.join(missing)}")
    return {page_name(site, name): decode_html(blobs[path]) for path, name, _ in site.pages}


def build(out: Path, clones: Path) -> int:
    try:
        gdirs = git_dirs(clones)
    except CloneError as exc:
        print(exc, file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    (out / "reject").mkdir(exist_ok=True)
    index: dict[str, Any] = {}
    n = missing = 0
    for site in SITES:
        docs = site_pages(site, gdirs[site.repo])
        entry: dict[str, Any] = {
            "domain": site.domain, "lang": site.key.split("_", 1)[0],
            "source": {"repo": site.repo, "licence": site.licence, "commit": site.commit},
            "pages": [],
        }
        if site.note:
            entry["note"] = site.note
        for path, page, kind in site.pages:
            name = page_name(site, page)
            gold_file = GOLD_DIR / f"{name}.gold.json"
            if not gold_file.is_file():
                print(f"skip {name}: no gold (make a draft with --draft-gold)", file=sys.stderr)
                missing += 1
                continue
            gold = json.loads(gold_file.read_text(encoding="utf-8"))
            reject = bool(gold.get("reject"))
            dest = out / "reject" if reject else out
            html = docs[name]
            (dest / f"{name}.html").write_text(html, encoding="utf-8")
            (dest / f"{name}.txt").write_text(text_dump(html), encoding="utf-8")
            shutil.copyfile(gold_file, dest / f"{name}.gold.json")
            entry["pages"].append({"name": name, "kind": kind, "path": path,
                                   "file": f"reject/{name}" if reject else name})
            n += 1
        index[site.key] = entry
    (out / "sites.json").write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
    print(f"wrote {n} pages of {len(index)} sites to {out} ({missing} without gold)",
          file=sys.stderr)
    return 1 if missing else 0


# -- drafting gold ---------------------------------------------------------------------

def _clean(text: str) -> str:
    return _WS.sub(" ", text.replace("\u00a0", " ")).strip()


def _sentence(paragraph: str, limit: int = 320) -> str:
    """The paragraph's first sentence (or two, when the first is short), cut at a word
    before ``limit`` characters."""
    parts = re.split(r"(?<=[.!?…])\s+(?=[«\"A-ZА-ЯЁІЇЄҐ0-9])", paragraph)
    text = parts[0]
    if len(text) < 60 and len(parts) > 1:
        text = f"{text} {parts[1]}"
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0]
    return text


def _page_url(site: Site, gdir: Path, path: str, html: str) -> str:
    tree = LexborHTMLParser(html)
    for sel, attr in (('link[rel="canonical"]', "href"), ('meta[property="og:url"]', "content")):
        node = tree.css_first(sel)
        value = (node.attributes.get(attr) or "").strip() if node is not None else ""
        if value.startswith("http"):
            return value
    if site.url_from_meta:
        a, b = site.url_from_meta
        meta = read_blobs(gdir, site.commit, [path.replace(a, b).replace(".html", ".json")])
        for raw in meta.values():
            url = json.loads(raw.decode("utf-8")).get("url")
            if url:
                return str(url)
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    return f"https://{site.domain}/{stem}"


def draft(site: Site, gdir: Path, path: str, kind: str, html: str) -> dict[str, Any]:
    """A draft gold of one page, from the site's selectors and furniture."""
    gold: dict[str, Any] = {"url": _page_url(site, gdir, path, html), "site": site.domain,
                            "kind": kind}
    if kind != ARTICLE:
        gold["reject"] = True
        return gold
    tree = LexborHTMLParser(html)
    node = tree.css_first(site.title_css) if site.title_css else None
    if node is not None:
        gold["title"] = _clean(node.text())
    if site.body_css:
        blocks = [_clean(p.text()) for p in tree.css(site.body_css)]
    else:  # the dump's lines after the title, up to the site's end marker
        lines = [_clean(line) for line in text_dump(html).splitlines() if line.strip()]
        title = gold.get("title", "")
        start = lines.index(title) + 1 if title in lines else len(lines)
        end = lines.index(site.body_end, start) if site.body_end in lines[start:] else start
        blocks = lines[start:end]
    # prose only: a caption, a photo credit or a contact line is no sentence of the body
    paragraphs = [t for t in blocks if len(t) >= 60 and len(t.split()) >= 8
                  and re.search(r"[.!?…][»\")]?$", t) and not t.startswith(("Фото", "Снимк"))]
    paragraphs = list(dict.fromkeys(paragraphs))
    picks = sorted({0, len(paragraphs) // 2, len(paragraphs) - 1}) if paragraphs else []
    gold["with"] = [_sentence(paragraphs[i]) for i in picks]
    dump = _clean(text_dump(html))
    body = " ".join(blocks)
    gold["without"] = [w for w in site.without if w in dump and w not in body]
    return gold


def draft_gold(clones: Path) -> int:
    try:
        gdirs = git_dirs(clones)
    except CloneError as exc:
        print(exc, file=sys.stderr)
        return 1
    GOLD_DIR.mkdir(exist_ok=True)
    n = 0
    for site in SITES:
        gdir = gdirs[site.repo]
        docs = site_pages(site, gdir)
        for path, page, kind in site.pages:
            name = page_name(site, page)
            gold_file = GOLD_DIR / f"{name}.gold.json"
            if gold_file.exists():
                continue
            gold = draft(site, gdir, path, kind, docs[name])
            gold_file.write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n",
                                 encoding="utf-8")
            n += 1
            if kind == ARTICLE and (not gold.get("title") or len(gold["with"]) < 2):
                print(f"{name}: check the draft (title or body not found)", file=sys.stderr)
    print(f"drafted {n} gold files in {GOLD_DIR}", file=sys.stderr)
    return 0


# -- scoring ---------------------------------------------------------------------------

def score(out: Path) -> int:
    """Per site: articles' body F1, titles and articles wrongly rejected (HTML / text),
    and the share of non-articles rejected."""
    sys.path.insert(0, str(HERE.parent / "services"))
    from vestnik.evaluation import Gold, body_score, title_correct
    from vestnik.extract import Extracted, Page, extract

    index = json.loads((out / "sites.json").read_text(encoding="utf-8"))
    fronts = (("html", ".html", "text/html"), ("text", ".txt", "text/plain"))
    # site -> front -> lists
    f1s: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    titles: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    lost: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    kept_x: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    counts: dict[str, tuple[int, int]] = {}
    for key, entry in index.items():
        arts = [p for p in entry["pages"] if p["kind"] == ARTICLE]
        counts[key] = (len(arts), len(entry["pages"]) - len(arts))
        for p in entry["pages"]:
            raw = json.loads((out / f"{p['file']}.gold.json").read_text(encoding="utf-8"))
            fetched = datetime.fromisoformat(raw.get("fetched_at") or "2026-01-01T00:00:00+00:00")
            for front, suffix, ctype in fronts:
                doc = (out / f"{p['file']}{suffix}").read_text(encoding="utf-8")
                found = extract(Page(url=raw["url"], fetched_at=fetched.astimezone(UTC),
                                     content_type=ctype, text=doc, site=raw.get("site")))  # type: ignore[arg-type]
                if raw.get("reject"):
                    if isinstance(found, Extracted):
                        kept_x[key][front].append(p["name"])
                    continue
                gold = Gold.from_json(raw, front)
                if not isinstance(found, Extracted):
                    lost[key][front] += 1
                    f1s[key][front].append(0.0)
                    titles[key][front].append(False)
                    continue
                lead = [found.lead] if found.lead else []
                f1s[key][front].append(
                    body_score("\n".join([*lead, *found.body_paragraphs]), gold).f1)
                ok = title_correct(found.title, gold)
                if ok is not None:
                    titles[key][front].append(ok)

    def mean(xs: list[float]) -> str:
        return f"{sum(xs) / len(xs):.3f}" if xs else "-"

    def rate(xs: list[bool]) -> str:
        return f"{sum(xs)}/{len(xs)}" if xs else "-"

    print(f"{'site':<16}{'art':>4}{'non':>4}  {'F1 html':>8}{'F1 text':>8}"
          f"{'title h':>8}{'title t':>8}{'lost h':>7}{'lost t':>7}"
          f"{'x rej h':>9}{'x rej t':>9}")
    tot = {"art": 0, "non": 0, "lost_h": 0, "lost_t": 0, "rej_h": 0, "rej_t": 0}
    all_f1: dict[str, list[float]] = defaultdict(list)
    for key in index:
        a, x = counts[key]
        rej = {f: x - len(kept_x[key][f]) for f, _, _ in fronts}
        rej_h, rej_t = rej["html"], rej["text"]
        print(f"{key:<16}{a:>4}{x:>4}  {mean(f1s[key]['html']):>8}{mean(f1s[key]['text']):>8}"
              f"{rate(titles[key]['html']):>8}{rate(titles[key]['text']):>8}"
              f"{lost[key]['html'] if a else '-':>7}{lost[key]['text'] if a else '-':>7}"
              f"{f'{rej_h}/{x}' if x else '-':>9}{f'{rej_t}/{x}' if x else '-':>9}")
        tot["art"] += a
        tot["non"] += x
        tot["lost_h"] += lost[key]["html"]
        tot["lost_t"] += lost[key]["text"]
        tot["rej_h"] += rej["html"]
        tot["rej_t"] += rej["text"]
        for f, _, _ in fronts:
            all_f1[f] += f1s[key][f]
    print(f"\narticles: {tot['art']}, mean body F1 html {mean(all_f1['html'])}, "
          f"text {mean(all_f1['text'])}; wrongly rejected html {tot['lost_h']}, "
          f"text {tot['lost_t']}")
    if tot["non"]:
        print(f"non-articles: {tot['non']}, rejected html {tot['rej_h']} "
              f"({tot['rej_h'] / tot['non']:.0%}), text {tot['rej_t']} "
              f"({tot['rej_t'] / tot['non']:.0%})")
    for key in index:
        for front in ("html", "text"):
            if kept_x[key][front]:
                print(f"  not rejected ({front}): {' '.join(kept_x[key][front])}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", nargs="?", default=str(HERE / "sites"))
    ap.add_argument("--clones", type=Path, metavar="DIR", help=CLONES_HELP)
    ap.add_argument("--score", action="store_true", help="score vestnik on OUT_DIR, per site")
    ap.add_argument("--draft-gold", action="store_true",
                    help="write draft gold for pages without one (to check by hand)")
    args = ap.parse_args()
    if args.score:
        return score(Path(args.out))
    if args.clones is None:
        ap.error("building needs --clones DIR, the folder holding the git clones (see --help)")
    if args.draft_gold:
        return draft_gold(args.clones)
    return build(Path(args.out), args.clones)


if __name__ == "__main__":
    raise SystemExit(main())
