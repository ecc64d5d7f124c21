"""Build vestnik's development set from trafilatura's evaluation corpus.

Usage::

    git clone https://github.com/adbar/trafilatura
    .venv/bin/python dev/make_devset.py trafilatura [OUT_DIR]

The first argument is a clone of adbar/trafilatura (a work tree, or a bare clone; see
dev/sources.py).  The script reads ``tests/evaldata.json`` and the pages under
``tests/cache`` and ``tests/eval`` at the pinned commit ``COMMIT``
(e90b0ef51ab026fdb905fb6c5b3c84dd3d784fd5, master of 2026-08-21; nothing needs checking
out) and writes, per page::

    OUT_DIR/<name>.html       the page, decoded to UTF-8 (vestnik receives decoded text)
    OUT_DIR/<name>.txt        a text dump: the visible text, one block per line,
                              blocks separated by a blank line (like seeds/*.txt)
    OUT_DIR/<name>.gold.json  {"url", "title", "body", "with", "without"}

The corpus gold is not a full reference text: it lists, per page, 1-6 snippets that
must be in the main text ("with") and 1-6 that must not ("without", boilerplate).
"body" is the "with" snippets joined by newlines; "title" is the page's og:title or
<title> (not hand-checked).  dev/score.py explains how the scores use them.

OUT_DIR defaults to dev/pages (git-ignored); the script is re-runnable.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sources import CloneError, clone_command, clone_git_dir

REPO = "adbar/trafilatura"
COMMIT = "e90b0ef51ab026fdb905fb6c5b3c84dd3d784fd5"  # master, 2026-08-21

_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w:-]+)""", re.I)
def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_BLOCK_TAGS = words(
    "address article aside blockquote body br dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre "
    "section summary table tbody thead tfoot td th tr ul caption legend option"
)
_SKIP_TAGS = words(
    "script style noscript template svg head iframe select textarea object embed canvas "
    "video audio map"
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_WS = re.compile(r"\s+")
_NAME_SAFE = re.compile(r"[^\w.-]+")


def git_blobs(git_dir: str, paths: list[str], rev: str = "HEAD") -> dict[str, bytes]:
    """Read many blobs at ``rev`` with one ``git cat-file --batch``."""
    proc = subprocess.run(
        ["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
        input="".join(f"{rev}:{p}\n" for p in paths).encode(),
        capture_output=True,
        check=True,
    )
    out: dict[str, bytes] = {}
    buf = proc.stdout
    pos = 0
    for p in paths:
        nl = buf.index(b"\n", pos)
        header = buf[pos:nl].split()
        pos = nl + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        out[p] = buf[pos : pos + size]
        pos += size + 1
    return out


def list_tree(git_dir: str, folder: str, rev: str = "HEAD") -> set[str]:
    res = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", "--name-only", rev, folder],
        capture_output=True,
        check=True,
    )
    return {p.decode() for p in res.stdout.split(b"\0") if p}


def decode_html(raw: bytes) -> str:
    """Decode like a browser would, roughly: BOM, declared charset, UTF-8, cp1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    m = _CHARSET.search(raw[:4096])
    if m:
        enc = m.group(1).decode("ascii", "ignore").lower()
        try:
            return raw.decode(enc)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def _hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs:
        return True
    style = attrs.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def text_dump(html: str) -> str:
    """The visible text of a page, one block per line, blank line between blocks."""
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return ""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = _WS.sub(" ", "".join(current)).strip()
        if text:
            lines.append(text)
        current.clear()

    def walk(node: LexborNode) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                current.append(child.text_content or "")
                continue
            if tag is None or tag.startswith("-") or tag in _SKIP_TAGS or _hidden(child):
                continue
            if tag == "img":
                continue
            block = tag in _BLOCK_TAGS
            if block:
                flush()
            walk(child)
            if block:
                flush()
            elif tag in ("td", "th"):
                current.append(" ")

    walk(root)
    flush()
    return "\n\n".join(lines) + "\n"


def page_title(html: str) -> str:
    tree = LexborHTMLParser(html)
    for sel in ('meta[property="og:title"]', 'meta[name="twitter:title"]'):
        node = tree.css_first(sel)
        if node is not None and node.attributes.get("content"):
            return _WS.sub(" ", node.attributes["content"] or "").strip()
    node = tree.css_first("title")
    return _WS.sub(" ", node.text()).strip() if node is not None else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("clone", type=Path,
                    help=f"a clone of {REPO} ({clone_command(REPO)}), holding {COMMIT[:12]}")
    ap.add_argument("out", nargs="?", default=str(Path(__file__).parent / "pages"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages")
    args = ap.parse_args()
    try:
        gdir = str(clone_git_dir(args.clone, REPO, [COMMIT]))
    except CloneError as exc:
        print(exc, file=sys.stderr)
        return 1

    gold_raw = git_blobs(gdir, ["tests/evaldata.json"], COMMIT)["tests/evaldata.json"]
    evaldata: dict[str, dict[str, object]] = json.loads(gold_raw)
    available = list_tree(gdir, "tests/cache", COMMIT) | list_tree(gdir, "tests/eval", COMMIT)
    wanted: list[tuple[str, str, dict[str, object]]] = []
    for url in sorted(evaldata):
        item = evaldata[url]
        fname = str(item["file"])
        for folder in ("tests/cache", "tests/eval"):
            path = f"{folder}/{fname}"
            if path in available:
                wanted.append((url, path, item))
                break
    if args.limit:
        wanted = wanted[: args.limit]
    blobs = git_blobs(gdir, [p for _, p, _ in wanted], COMMIT)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    n = 0
    for url, path, item in wanted:
        raw = blobs.get(path)
        if raw is None:
            continue
        name = _NAME_SAFE.sub("_", Path(path).name.removesuffix(".html"))[:80]
        while name in used:
            name += "_"
        used.add(name)
        html = decode_html(raw)
        withs = [str(s) for s in item["with"]]  # type: ignore[attr-defined]
        withouts = [str(s) for s in item["without"]]  # type: ignore[attr-defined]
        gold = {
            "url": url,
            "title": page_title(html),
            "body": "\n".join(withs),
            "with": withs,
            "without": withouts,
        }
        (out / f"{name}.html").write_text(html, encoding="utf-8")
        (out / f"{name}.txt").write_text(text_dump(html), encoding="utf-8")
        (out / f"{name}.gold.json").write_text(
            json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        n += 1
    print(f"wrote {n} pages to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
