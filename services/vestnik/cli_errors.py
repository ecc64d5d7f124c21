"""How the command line reports what goes wrong: one line a person can act on, on stderr,
exit code 1, no traceback; ``vestnik --debug COMMAND`` shows the traceback instead.

``VestnikGroup`` maps the failures a user can fix (Redis away or refusing the login, a
bad ``VESTNIK_*`` setting, a missing or unreadable index, an unknown charset, a query
that only excludes, an unreadable stream entry) to such a line, in one place; anything
else (a bug) keeps its traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import click

from vestnik.render import one_line

if TYPE_CHECKING:  # imported when a failure is explained: a command starts without them
    import sqlite3

    from pydantic import ValidationError
    from redis.exceptions import AuthenticationError

    from vestnik.settings import Settings

PROG = "vestnik"
MASK = "***"
# redis-py's words for a failed connect: "Error 111 connecting to host:port. Details."
_CONNECT_ERROR = re.compile(r"Error (-?\d+) connecting to \S+\. ?(.*?)\.?$")


class UserError(click.ClickException):
    """A failure the user can fix: ``vestnik: error: <message>`` on one line, exit code 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"{PROG}: error: {one_line(self.format_message())}", err=True)


class VestnikGroup(click.Group):
    """A click group whose commands' known failures become a ``UserError``, unless the
    group's ``--debug`` flag asks for the traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            # click's own (a command's --help, a usage error, a UserError): nothing to
            # explain, and explaining would import the broker's client, SQLite, pydantic
            raise
        except Exception as exc:
            message = None if ctx.params.get("debug") else explain(exc)
            if message is None:
                raise
            raise UserError(message) from exc


def explain(exc: BaseException) -> str | None:
    """What went wrong and what to do, in a line; None for a failure that is not the
    user's to fix (a bug: its traceback is the useful report)."""
    exc = _leaf(exc)
    for kind, describe in _explainers():
        if isinstance(exc, kind):
            return describe(exc)
    return None


def mask_url(url: str) -> str:
    """``url`` with any password (``user:password@``, ``?password=``) replaced by ***."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "(a URL that cannot be parsed)"
    if password is not None:
        userinfo, _, hostport = parts.netloc.rpartition("@")
        url = url.replace(parts.netloc, f"{userinfo.partition(':')[0]}:{MASK}@{hostport}", 1)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(k.lower().endswith("password") for k, _ in query):  # sentinel_password too
        masked = urlencode([(k, MASK if k.lower().endswith("password") else v)
                            for k, v in query], safe="*")
        url = url.replace(f"?{parts.query}", f"?{masked}", 1)
    return url


def _explainers() -> list[tuple[type[BaseException], Callable[[Any], str | None]]]:
    """(exception type, its explanation), the first matching type wins."""
    import sqlite3

    from pydantic import ValidationError
    from redis.exceptions import AuthenticationError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    from vestnik.index import IndexMissing, IndexUnavailable, QueryError
    from vestnik.wire import WireError

    return [
        (AuthenticationError, _refused_login),  # a ConnectionError: before it
        ((RedisConnectionError, RedisTimeoutError), _unreachable),  # type: ignore[list-item]
        (ValidationError, _bad_setting),
        (IndexMissing, _missing_index),
        (IndexUnavailable, str),
        (sqlite3.Error, _unusable_index),
        (QueryError, str),
        (LookupError, _unknown_charset),
        (WireError, _unreadable_entry),
    ]


def _leaf(exc: BaseException) -> BaseException:
    """The one exception inside (nested) single-exception groups, else ``exc``."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def _unreachable(exc: Exception) -> str:
    return (f"cannot reach Redis at {_redis_url()} ({_connect_reason(exc)}); "
            "start it or set VESTNIK_REDIS_URL")


def _refused_login(exc: AuthenticationError) -> str:
    return (f"Redis at {_redis_url()} refused the login ({str(exc).rstrip('.')}); "
            "set the user and password in VESTNIK_REDIS_URL (redis://user:password@host:port/0)")


def _bad_setting(exc: ValidationError) -> str | None:
    from vestnik.settings import Settings

    if exc.title != Settings.__name__:
        return None  # a message that failed validation: a bug, not a setting
    prefix = Settings.model_config.get("env_prefix", "")
    problems = [f"{prefix}{str(err['loc'][0]).upper()} ({err['msg']})" if err["loc"]
                else err["msg"] for err in exc.errors(include_url=False, include_input=False)]
    them = "them" if len(problems) > 1 else "it"
    return f"bad setting {'; '.join(problems)}; fix {them} or unset {them}"


def _missing_index(exc: FileNotFoundError) -> str:
    return (f"no index at {_index_url()}; run `vestnik indexer` to build it, "
            "or set VESTNIK_INDEX_URL to an existing index")


def _unusable_index(exc: sqlite3.Error) -> str:
    import sqlite3

    reason = exc.__cause__ if isinstance(exc.__cause__, sqlite3.Error) else exc
    return (f"cannot use the index at {_index_url()} ({reason}); "
            "check VESTNIK_INDEX_URL, or rebuild the index with `vestnik indexer`")


def _unknown_charset(exc: LookupError) -> str | None:
    if type(exc) is not LookupError:  # KeyError, IndexError: bugs
        return None
    name = str(exc).removeprefix("unknown encoding: ")
    return (f"unknown charset {name!r}; give a label of the Encoding Standard, "
            "e.g. utf-8, windows-1251 or koi8-r")


def _unreadable_entry(exc: Exception) -> str:
    return f"the entry is not a readable vestnik message ({exc}); look at it with redis-cli"


def _connect_reason(exc: Exception) -> str:
    """Why a connection failed, in words: "Connection refused", not "Error 111 ..."."""
    found = _CONNECT_ERROR.match(str(exc))
    if found is None:
        return str(exc).rstrip(".") or type(exc).__name__
    errno, detail = int(found[1]), found[2]
    return os.strerror(errno) if errno > 0 else detail or str(exc)


def _redis_url() -> str:
    return mask_url(_setting(lambda s: s.resolved_redis_url))


def _index_url() -> str:
    return mask_url(_setting(lambda s: s.index_url))


def _setting(read: Callable[[Settings], str]) -> str:
    from pydantic import ValidationError

    from vestnik.settings import Settings

    try:
        return read(Settings())
    except ValidationError:
        return "(unknown: the settings are not valid)"
