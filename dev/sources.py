"""Where the dev-set builders find the public repositories they read: ordinary git clones.

The builders read files at pinned commits with ``git --git-dir=... cat-file`` and
``ls-tree``, so a clone needs no checkout of its own: a work tree made by

    git clone https://github.com/OWNER/NAME

(its ``.git`` is read), a bare clone (``git clone --bare``, folder ``NAME.git``) or a
symbolic link to either will do.  ``--clones DIR`` names a folder holding one clone per
repository under the name ``git clone`` gives it: ``DIR/NAME`` (or ``DIR/NAME.git``).
A commit that lives on no branch (only on a pull request) is not in a fresh clone;
``PULL_REFS`` names the pull request to fetch for it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

GITHUB = "https://github.com/"
CLONES_HELP = ("the folder holding one git clone per source repository, under the name "
               "'git clone' gives it (DIR/NAME, or DIR/NAME.git if bare)")

# commit -> the pull-request head holding it, for pinned commits on no branch
PULL_REFS: dict[str, str] = {
    "1f78cf0c8413db61c402adc1dfb1e19195b8b069": "pull/15/head",  # fipl-hse/2021-2-level-ctlr
    "97baaa1ef82fd7b0cb81f866a9c1cde81376d66b": "pull/17/head",  # fipl-hse/2021-2-level-ctlr
    "46ffba8d8a47cde2e909ad8216a2bdbeb4f56feb": "pull/39/head",  # fipl-hse/2021-2-level-ctlr
    "95010d82ec6fa2049d9fe16ad98eb2f7ec735347": "pull/38/head",  # fipl-hse/2022-2-level-ctlr
    "4e5c9d43e3bc2d51a0f25d2e06358a48eace1003": "pull/38/head",  # fipl-hse/2022-2-level-ctlr
    "6dc225b0f8ed172fb465c00952e583ba5663f898": "pull/99/head",  # fipl-hse/2024-2-level-ctlr
}


class CloneError(Exception):
    """A clone is missing or lacks a pinned commit; the message gives the commands to run."""


def clone_command(repo: str, dest: Path | str | None = None) -> str:
    """``git clone https://github.com/OWNER/NAME [DEST]``."""
    return f"git clone {GITHUB}{repo}" + (f" {dest}" if dest is not None else "")


def fetch_commands(clone: Path, commits: Iterable[str]) -> list[str]:
    """The commands that bring ``commits`` into ``clone`` (a pull request's head, or the
    commit itself), each once."""
    cmds: list[str] = []
    for commit in commits:
        ref = PULL_REFS.get(commit)
        cmd = (f"git -C {clone} fetch origin {ref}:refs/{ref}" if ref
               else f"git -C {clone} fetch origin {commit}")
        if cmd not in cmds:
            cmds.append(cmd)
    return cmds


def clone_path(clones: Path, repo: str) -> Path:
    """Where ``git clone`` run in ``clones`` puts ``repo``: NAME, or NAME.git if bare."""
    name = repo.rsplit("/", 1)[-1]
    plain, bare = clones / name, clones / f"{name}.git"
    return bare if not plain.exists() and bare.is_dir() else plain


def clone_git_dir(clone: Path, repo: str, commits: Iterable[str] = ()) -> Path:
    """The git directory of ``clone`` (a work tree's ``.git``, or a bare clone), checked
    to hold every one of ``commits``; CloneError says how to get what is missing."""
    if not clone.is_dir():
        raise CloneError(f"no clone of {repo} at {clone}; make one with\n"
                         f"    {clone_command(repo, clone)}")
    gdir = clone / ".git" if (clone / ".git").exists() else clone
    wanted = list(dict.fromkeys(commits))
    proc = subprocess.run(
        ["git", f"--git-dir={gdir}", "cat-file", "--batch-check=%(objecttype)"],
        input="".join(f"{c}^{{commit}}\n" for c in wanted),
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise CloneError(f"{clone} is no git clone of {repo} ({proc.stderr.strip()}); "
                         f"make one with\n    {clone_command(repo, clone)}")
    answers = proc.stdout.splitlines()
    missing = [c for c, a in zip(wanted, answers, strict=True) if a != "commit"]
    if missing:
        cmds = "\n".join(f"    {c}" for c in fetch_commands(clone, missing))
        raise CloneError(f"the clone of {repo} at {clone} lacks the pinned commit(s) "
                         f"{', '.join(c[:12] for c in missing)}; get them with\n{cmds}")
    return gdir
