// Publish scrape events to vestnik from Node.js with ioredis: an HTML page sent as
// windows-1251 bytes (a Buffer, with `charset windows-1251`), as plain stream fields, and a
// text dump as one `__data__` field of JSON.
//
// usage: node producer.js [options] [HTML_PAGE [TEXT_DUMP]]
//   --redis-url URL   full Redis URL, e.g. redis://:secret@10.0.0.5:6380/0 (env VESTNIK_REDIS_URL)
//   --host HOST       Redis host (env REDIS_HOST, default 127.0.0.1)
//   --port PORT       Redis port (env REDIS_PORT, default 6379)
//   --stream STREAM   events stream (env VESTNIK_EVENTS_STREAM, default vestnik:events)
//   --base-url URL    the pages' URLs are this plus the file name without its extension
//                     (env PRODUCER_BASE_URL, default https://example.bg/producers/node)
// Arguments win over the environment; a URL wins over host and port given the same way.
// Page files are UTF-8; without them the sample pages in ../pages are published.

import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import Redis from "ioredis";

import { encodeWindows1251 } from "./windows1251.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;

function usage() {
  const source = readFileSync(fileURLToPath(import.meta.url), "utf8");
  return source.slice(0, source.indexOf("\n\n")).replace(/^\/\/ ?/gm, "");
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      "redis-url": { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      stream: { type: "string", default: env.VESTNIK_EVENTS_STREAM || "vestnik:events" },
      "base-url": {
        type: "string",
        default: env.PRODUCER_BASE_URL || "https://example.bg/producers/node",
      },
      help: { type: "boolean" },
    },
  });
} catch (err) {
  console.error(`${err.message}\n\n${usage()}`);
  process.exit(2);
}
const { values: opts, positionals } = parsed;
if (opts.help) {
  console.log(usage());
  process.exit(0);
}
const [htmlPage = path.join(here, "..", "pages", "node-article.html"),
  textDump = path.join(here, "..", "pages", "node-dump.txt")] = positionals;

function redisUrl() {
  if (opts["redis-url"]) return opts["redis-url"];
  if (!opts.host && !opts.port && env.VESTNIK_REDIS_URL) return env.VESTNIK_REDIS_URL;
  const host = opts.host || env.REDIS_HOST || "127.0.0.1";
  const port = opts.port || env.REDIS_PORT || "6379";
  return `redis://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

function pageUrl(file) {
  return `${opts["base-url"].replace(/\/+$/, "")}/${path.parse(file).name}`;
}

// Fail at once when Redis cannot be reached, instead of retrying for ever.
const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 0, retryStrategy: () => null });
let connectionError;
redis.on("error", (err) => {
  connectionError ??= err;
});

try {
  // 1. HTML in windows-1251, plain fields: the body is a Buffer, sent byte for byte.
  const html = await readFile(htmlPage, "utf8");
  const htmlUrl = pageUrl(htmlPage);
  const htmlId = await redis.xadd(opts.stream, "*",
    "url", htmlUrl,
    "fetched_at", new Date().toISOString(),
    "content_type", "text/html",
    "charset", "windows-1251",
    "site", "example.bg",
    "body", encodeWindows1251(html));
  console.log(`${htmlId} ${htmlUrl}`);

  // 2. A text dump, JSON in one __data__ field (the body a string, so UTF-8).
  const dumpUrl = pageUrl(textDump);
  const event = {
    url: dumpUrl,
    fetched_at: new Date().toISOString(),
    content_type: "text/plain",
    site: "example.bg",
    body: await readFile(textDump, "utf8"),
  };
  const dumpId = await redis.xadd(opts.stream, "*", "__data__", JSON.stringify(event));
  console.log(`${dumpId} ${dumpUrl}`);
} catch (err) {
  const cause = connectionError ? `cannot reach Redis: ${connectionError.message}` : err.message;
  console.error(`publishing failed: ${cause}`);
  process.exitCode = 1;
} finally {
  redis.disconnect();
}
