// The search page: reads the search from the page's address, asks /v1/search and shows
// the hits. Every search, filter and page is an address (/?q=…&site=…&offset=…), so links,
// the back button and bookmarks work; text from the index only ever goes into text nodes.
"use strict";

(() => {
  const TEXT = {
    bg: {
      brand: "Вестник", query: "Търсене", search: "Търси", filters: "Филтри",
      site: "Сайт", language: "Език", agency: "Агенция", from: "От дата", to: "До дата",
      sort: "Подреди", byRelevance: "по релевантност", byDate: "по дата, най-новите първо",
      clearFilters: "Без филтри", facets: "Филтри по резултатите", pages: "Страници",
      placeholder: "Карабах, „Нагорни Карабах“, Армения -Русия",
      intro: "Търсете в събраните новини: думите се намират във всяка своя форма " +
        "(„войски“ намира и „войските“).",
      tipPhrase: "„Нагорни Карабах“ в кавички — точно тази фраза;",
      tipExclude: "-Русия — без статиите, в които се среща;",
      tipOr: "Армения OR Азербайджан — едното или другото;",
      tipPrefix: "карабах* — думи, които започват така.",
      searching: "Търсене…",
      none: (q) => `Няма статии за „${q}“ с тези филтри.`,
      found: (total, first, last) => total === 1 ? "1 статия" :
        `${total} статии · ${first}–${last}`,
      noDate: "без дата", copies: (n) => n === 1 ? "Публикувана и в:" : `Публикувана и в ${n} други:`,
      fetched: "изтеглена",
      facet_site: "Сайтове", facet_source_agency: "Агенции", facet_language: "Езици",
      remove: "махни филтъра",
      previous: "← Предишни", next: "Следващи →",
      page: (n, of) => `Страница ${n} от ${of}`,
      invalid: "Търсенето не може да се изпълни:",
      notReady: "Търсенето още не е готово: индексът не може да се прочете.",
      failed: (status) => `Сървърът отговори с грешка ${status}. Опитайте пак.`,
      offline: "Няма връзка със сървъра. Опитайте пак.",
      months: ["януари", "февруари", "март", "април", "май", "юни", "юли", "август",
        "септември", "октомври", "ноември", "декември"],
      languages: { bg: "български", en: "английски", ru: "руски", mk: "македонски",
        sr: "сръбски", ro: "румънски", el: "гръцки", tr: "турски", de: "немски",
        fr: "френски", uk: "украински" },
      other: "English", otherUi: "en",
    },
    en: {
      brand: "Vestnik", query: "Search", search: "Search", filters: "Filters",
      site: "Site", language: "Language", agency: "Agency", from: "From", to: "To",
      sort: "Sort", byRelevance: "by relevance", byDate: "by date, newest first",
      clearFilters: "No filters", facets: "Filter the results", pages: "Pages",
      placeholder: "Karabakh, \"a phrase\", word -excluded",
      intro: "Search the collected news: words are found in every form they take.",
      tipPhrase: "\"Нагорни Карабах\" in quotes: that exact phrase;",
      tipExclude: "-Русия: leave out the articles that mention it;",
      tipOr: "Армения OR Азербайджан: either;",
      tipPrefix: "карабах*: words that begin so.",
      searching: "Searching…",
      none: (q) => `No articles for "${q}" with these filters.`,
      found: (total, first, last) => total === 1 ? "1 article" :
        `${total} articles · ${first}–${last}`,
      noDate: "no date", copies: (n) => n === 1 ? "Also published on:" :
        `Also published on ${n} other sites:`,
      fetched: "fetched",
      facet_site: "Sites", facet_source_agency: "Agencies", facet_language: "Languages",
      remove: "remove the filter",
      previous: "← Previous", next: "Next →",
      page: (n, of) => `Page ${n} of ${of}`,
      invalid: "The search cannot run:",
      notReady: "Search is not ready yet: the index cannot be read.",
      failed: (status) => `The server answered with error ${status}. Try again.`,
      offline: "The server cannot be reached. Try again.",
      months: ["January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December"],
      languages: { bg: "Bulgarian", en: "English", ru: "Russian", mk: "Macedonian",
        sr: "Serbian", ro: "Romanian", el: "Greek", tr: "Turkish", de: "German",
        fr: "French", uk: "Ukrainian" },
      other: "Български", otherUi: "bg",
    },
  };
  const API_PARAMS = ["q", "site", "lang", "agency", "from", "to", "sort", "limit", "offset"];
  const FACETS = { site: "site", source_agency: "agency", language: "lang" }; // -> parameter
  const PAGE_SIZE = 10;

  const params = new URLSearchParams(location.search);
  const ui = params.get("ui") === "en" ? "en" : "bg";
  const t = (key, ...args) => {
    const value = TEXT[ui][key];
    return typeof value === "function" ? value(...args) : value;
  };
  const $ = (selector) => document.querySelector(selector);

  /** An element with attributes and children (strings become text nodes: never HTML). */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  /** This page's address with `changes` applied (null removes); a new filter starts at the
   *  first page. */
  function addressWith(changes) {
    const next = new URLSearchParams(params);
    next.delete("offset");
    for (const [name, value] of Object.entries(changes)) {
      if (value === null || value === "") next.delete(name);
      else next.set(name, value);
    }
    return "/?" + next.toString();
  }

  /** "7 декември 2025, 09:30" from "2025-12-07T09:30:00+02:00": the time as the source
   *  gave it; "7 декември 2025" from a day. */
  function formatDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(iso || "");
    if (!m) return iso;
    const day = `${Number(m[3])} ${t("months")[Number(m[2]) - 1]} ${m[1]}`;
    return m[4] ? `${day}, ${m[4]}:${m[5]}` : day;
  }

  function languageName(code) {
    return t("languages")[code] || code;
  }

  /** The snippet as text nodes and <mark>s; `highlights` are [start, end) offsets in code
   *  points, as the API counts them. */
  function marked(snippet, highlights) {
    const chars = Array.from(snippet);
    const ranges = highlights
      .map(([start, end]) => [Math.max(0, start), Math.min(chars.length, end)])
      .filter(([start, end]) => end > start)
      .sort((a, b) => a[0] - b[0]);
    const parts = [];
    let at = 0;
    for (const [start, end] of ranges) {
      if (start < at) continue; // overlaps the previous mark
      if (start > at) parts.push(chars.slice(at, start).join(""));
      parts.push(el("mark", {}, chars.slice(start, end).join("")));
      at = end;
    }
    if (at < chars.length) parts.push(chars.slice(at).join(""));
    return parts;
  }

  function joined(items, separator) {
    return items.flatMap((item, i) => (i ? [separator, item] : [item]));
  }

  function hitItem(hit) {
    const facts = [
      hit.published_at ? el("time", { datetime: hit.published_at }, formatDate(hit.published_at))
        : el("span", { class: "no-date" }, t("noDate")),
      el("span", { class: "site" }, hit.site),
    ];
    if (hit.source_agency) facts.push(el("span", { class: "agency" }, hit.source_agency));
    if (hit.language) facts.push(el("span", { class: "language" }, languageName(hit.language)));
    const item = el("li", { class: "hit", "data-article-id": hit.article_id },
      el("h2", {}, el("a", { href: hit.url, rel: "noreferrer", class: "title" }, hit.title)),
      el("div", { class: "meta" }, ...joined(facts, " · ")),
      el("p", { class: "snippet" }, ...marked(hit.snippet, hit.highlights)));
    if (hit.copies.length) {
      item.append(el("div", { class: "copies" }, t("copies", hit.copies.length), " ",
        el("ul", {}, ...hit.copies.map((copy) => el("li", {},
          el("a", { href: copy.url, rel: "noreferrer" }, copy.site), " ",
          el("span", { class: "fetched" }, `(${t("fetched")} `,
            el("time", { datetime: copy.fetched_at }, formatDate(copy.fetched_at)), ")"))))));
    }
    return item;
  }

  function facetList(name, counts) {
    const param = FACETS[name];
    const entries = Object.entries(counts)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], ui));
    const datalist = $(`#${name}-values`);
    if (datalist) datalist.replaceChildren(...entries.map(([v]) => el("option", { value: v })));
    if (!entries.length) return null;
    const label = (value) => (name === "language" ? languageName(value) : value);
    return el("section", { class: "facet", "data-facet": name },
      el("h2", {}, t(`facet_${name}`)),
      el("ul", {}, ...entries.map(([value, count]) => {
        const active = params.get(param) === value;
        return el("li", {}, el("a", {
          href: addressWith({ [param]: active ? null : value }),
          class: active ? "active" : null, "aria-current": active ? "true" : null,
          title: active ? t("remove") : null, "data-value": value,
        }, label(value), " ", el("span", { class: "count" }, String(count)),
        active ? el("span", { class: "remove", "aria-hidden": "true" }, " ✕") : null));
      })));
  }

  function pager(total, offset, limit) {
    const nav = $("#pager");
    nav.replaceChildren();
    if (total <= limit) return;
    const pages = Math.ceil(total / limit);
    const current = Math.floor(offset / limit) + 1;
    const link = (to, text, rel) => el("a", { href: addressWith({ offset: to ? String(to) : null }),
      rel }, text);
    if (offset > 0) nav.append(link(Math.max(0, offset - limit), t("previous"), "prev"));
    nav.append(el("span", { class: "page" }, t("page", current, pages)));
    if (offset + limit < total) nav.append(link(offset + limit, t("next"), "next"));
  }

  function render(q, body, offset, limit) {
    const results = $("#results");
    if (!body.hits.length) {
      results.replaceChildren(el("p", { class: "summary" }, t("none", q)));
    } else {
      const last = offset + body.hits.length;
      results.replaceChildren(
        el("p", { class: "summary" }, t("found", body.total, offset + 1, last)),
        el("ol", { class: "hits", start: String(offset + 1) }, ...body.hits.map(hitItem)));
    }
    $("#facets").replaceChildren(...Object.keys(FACETS)
      .map((name) => facetList(name, body.facets[name] || {})).filter(Boolean));
    pager(body.total, offset, limit);
  }

  function showError(...lines) {
    $("#results").replaceChildren(el("div", { class: "error", role: "alert" },
      ...lines.map((line) => el("p", {}, line))));
    $("#facets").replaceChildren();
    $("#pager").replaceChildren();
  }

  function problems(status, body) {
    if (status === 422 && Array.isArray(body && body.detail)) {
      return [t("invalid"), ...body.detail.map((d) => {
        const where = Array.isArray(d.loc) ? d.loc[d.loc.length - 1] : "";
        return where ? `${where}: ${d.msg}` : d.msg;
      })];
    }
    if (status === 503) return [t("notReady"), body && body.detail ? String(body.detail) : ""];
    return [t("failed", status)];
  }

  async function search() {
    const q = (params.get("q") || "").trim();
    if (!q) return;
    document.title = `${q} — ${t("brand")}`;
    const limit = Number(params.get("limit")) || PAGE_SIZE;
    const offset = Number(params.get("offset")) || 0;
    const query = new URLSearchParams();
    for (const name of API_PARAMS) {
      if (params.get(name)) query.set(name, params.get(name));
    }
    const results = $("#results");
    results.setAttribute("aria-busy", "true");
    results.replaceChildren(el("p", { class: "status" }, t("searching")));
    try {
      const response = await fetch("/v1/search?" + query.toString(),
        { headers: { Accept: "application/json" } });
      const body = await response.json().catch(() => null);
      if (response.ok && body) render(q, body, offset, limit);
      else showError(...problems(response.status, body));
    } catch {
      showError(t("offline"));
    } finally {
      results.removeAttribute("aria-busy");
    }
  }

  /** The page's words in the chosen language; the form filled in from the address. */
  function setUp() {
    document.documentElement.lang = ui;
    for (const node of document.querySelectorAll("[data-text]")) node.textContent = t(node.dataset.text);
    for (const node of document.querySelectorAll("[data-label]")) {
      node.setAttribute("aria-label", t(node.dataset.label));
    }
    $("#q").placeholder = t("placeholder");
    const other = $("#ui-switch");
    other.textContent = t("other");
    other.lang = t("otherUi");
    other.href = addressWith({ ui: t("otherUi") === "bg" ? null : t("otherUi"),
      offset: params.get("offset") });
    $("#home").href = ui === "bg" ? "/" : "/?ui=" + ui;
    $("#clear-filters").href = "/?" + new URLSearchParams(
      [["q", params.get("q") || ""], ...(ui === "bg" ? [] : [["ui", ui]])]).toString();

    const form = $("#search");
    for (const field of form.elements) {
      if (field.name && params.get(field.name)) field.value = params.get(field.name);
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const next = new URLSearchParams();
      for (const field of form.elements) {
        const value = field.name ? field.value.trim() : "";
        if (value && !(field.name === "sort" && value === "relevance")) next.set(field.name, value);
      }
      if (params.get("limit")) next.set("limit", params.get("limit"));
      if (ui !== "bg") next.set("ui", ui);
      location.assign("/?" + next.toString());
    });
    for (const field of form.querySelectorAll("select, input[type=date]")) {
      // a changed sort or date applies at once when there is a query to apply it to
      field.addEventListener("change", () => { if ($("#q").value.trim()) form.requestSubmit(); });
    }
  }

  setUp();
  search();
})();
