#!/usr/bin/env bash
# Publish scrape events to vestnik with nothing but redis-cli: one HTML page and one text dump,
# as plain stream fields. The body is the last argument of XADD and is read from the page file
# by `redis-cli -x`, so its bytes reach Redis untouched (any charset, any size, NUL bytes too).
#
# usage: redis-cli.sh [options] [HTML_PAGE [TEXT_DUMP]]
#   -u, --redis-url URL   full Redis URL, e.g. redis://:secret@10.0.0.5:6380/0
#                         (env VESTNIK_REDIS_URL)
#   -h, --host HOST       Redis host (env REDIS_HOST, default 127.0.0.1)
#   -p, --port PORT       Redis port (env REDIS_PORT, default 6379)
#   -s, --stream STREAM   events stream (env VESTNIK_EVENTS_STREAM, default vestnik:events)
#   -b, --base-url URL    the pages' URLs are this plus the file name without its extension
#                         (env PRODUCER_BASE_URL, default https://example.bg/producers/redis-cli)
# Arguments win over the environment; a URL wins over host and port given the same way.
# Without page files, the sample pages in pages/ beside this script are published.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

redis_url="" host="" port=""
stream="${VESTNIK_EVENTS_STREAM:-vestnik:events}"
base_url="${PRODUCER_BASE_URL:-https://example.bg/producers/redis-cli}"
pages=()
while (($#)); do
  case "$1" in
    -u | --redis-url) redis_url="${2:?$1 needs a value}"; shift 2 ;;
    -h | --host) host="${2:?$1 needs a value}"; shift 2 ;;
    -p | --port) port="${2:?$1 needs a value}"; shift 2 ;;
    -s | --stream) stream="${2:?$1 needs a value}"; shift 2 ;;
    -b | --base-url) base_url="${2:?$1 needs a value}"; shift 2 ;;
    --help) usage; exit 0 ;;
    -*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    *) pages+=("$1"); shift ;;
  esac
done
html_page="${pages[0]:-$here/pages/cli-article.html}"
text_dump="${pages[1]:-$here/pages/cli-dump.txt}"

if [[ -n "$redis_url" ]]; then
  connect=(-u "$redis_url")
elif [[ -n "$host$port" || -z "${VESTNIK_REDIS_URL:-}" ]]; then
  connect=(-h "${host:-${REDIS_HOST:-127.0.0.1}}" -p "${port:-${REDIS_PORT:-6379}}")
else
  connect=(-u "$VESTNIK_REDIS_URL")
fi

# publish FILE CONTENT_TYPE [FIELD VALUE ...]: XADD one event; prints the entry id.
publish() {
  local file="$1" content_type="$2"
  shift 2
  local name
  name="$(basename "$file")"
  name="${name%.*}"
  local id
  id="$(redis-cli "${connect[@]}" --no-auth-warning -x XADD "$stream" '*' \
    url "$base_url/$name" \
    fetched_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    content_type "$content_type" \
    "$@" \
    body <"$file")"
  if [[ ! "$id" =~ ^[0-9]+-[0-9]+$ ]]; then
    echo "XADD of $file failed: $id" >&2
    exit 1
  fi
  echo "$id $base_url/$name"
}

for file in "$html_page" "$text_dump"; do
  [[ -r "$file" ]] || { echo "cannot read page file: $file" >&2; exit 1; }
done
publish "$html_page" text/html charset utf-8 site example.bg
publish "$text_dump" text/plain charset utf-8 site example.bg
