// The viewer's pages over real HTTP on a real SQLite store: headers on every kind of answer, hostile names escaped,
// the table's filter, search, sort and paging in the HTML and its links, 404s that say what is missing, GET only.
import { beforeAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY } from "../../src/web/headers.js";
import { jsonForScript } from "../../src/web/routes/job.js";
import { APP, EVIL, get, seedViewerStore, serveViewer, type Seeded } from "./web-seed.js";

let seeded: Seeded;
let base: string;

beforeAll(async () => {
  seeded = await seedViewerStore();
  base = (await serveViewer(seeded.file)).base;
});

/** The value of every `data-testid="result-row"` row's attribute, in page order. */
function rowValues(page: string, attribute: "data-seq" | "data-outcome"): string[] {
  return [...page.matchAll(new RegExp(`data-testid="result-row" data-seq="(\\d+)" data-outcome="(\\w+)"`, "g"))].map((m) => (attribute === "data-seq" ? m[1] : m[2]) ?? "");
}

function hrefs(page: string, testId: string): string[] {
  return [...page.matchAll(new RegExp(`<a href="([^"]*)"[^>]*data-testid="${testId}"`, "g"))].map((m) => (m[1] ?? "").replace(/&amp;/g, "&"));
}

/** A raw hostile string must never appear; its escaped form must. */
function expectEscaped(page: string, value: string): void {
  expect(page).not.toContain(value);
  expect(page).toContain(value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"));
}

describe("viewer headers", () => {
  const paths = () => [
    ["runs list", "/", 200],
    ["run", `/runs/${seeded.big}`, 200],
    ["job", "/jobs/crm", 200],
    ["contact", `/contacts/${APP}/x-img`, 200],
    ["csv export", `/runs/${seeded.big}/export.csv`, 200],
    ["json export", `/runs/${seeded.big}/export.json`, 200],
    ["live events", `/runs/${seeded.big}/events`, 200],
    ["script", "/assets/app.js", 200],
    ["stylesheet", "/assets/app.css", 200],
    ["chart library", "/assets/uplot.js", 200],
    ["missing run", "/runs/99999", 404],
    ["missing page", "/nothing/here", 404],
    ["bad filter", `/runs/${seeded.big}?outcome=nonsense`, 400],
  ] as const;

  it("sends the strict CSP, nosniff and no-referrer on every kind of page, asset, export, stream and error", async () => {
    for (const [what, path, status] of paths()) {
      const answer = await get(`${base}${path}`);
      expect({ what, status: answer.status }).toEqual({ what, status });
      expect({ what, csp: answer.headers.get("content-security-policy") }).toEqual({ what, csp: CONTENT_SECURITY_POLICY });
      expect({ what, nosniff: answer.headers.get("x-content-type-options") }).toEqual({ what, nosniff: "nosniff" });
      expect({ what, referrer: answer.headers.get("referrer-policy") }).toEqual({ what, referrer: "no-referrer" });
    }
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
  });

  it("has no inline script, style or event handler in any page", async () => {
    for (const path of ["/", `/runs/${seeded.big}?q=rossi`, "/jobs/crm", `/contacts/${APP}/x-script`, "/runs/99999"]) {
      const { text } = await get(`${base}${path}`);
      const scripts = [...text.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1] ?? "");
      for (const attributes of scripts) expect(attributes).toMatch(/\bsrc="\/assets\/|type="application\/json"/);
      expect(text).not.toMatch(/<style\b/i);
      // Contact data is text (its "<" escaped), so every "<x ...>" is our own markup: no style or on* attribute in it.
      const tags = [...text.matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0]);
      expect(tags.length).toBeGreaterThan(20);
      expect(tags.filter((tag) => /\s(style|on[a-z]+)\s*=/i.test(tag))).toEqual([]);
      expect(text).not.toMatch(/javascript:/i);
    }
  });

  it("answers 405 with Allow to anything but GET and HEAD, and HEAD with the headers only", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const answer = await get(`${base}/runs/${seeded.big}`, { method });
      expect(answer.status).toBe(405);
      expect(answer.headers.get("allow")).toBe("GET, HEAD");
      expect(answer.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    }
    const head = await fetch(`${base}/runs/${seeded.big}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await head.text()).toBe("");
  });
});

describe("viewer escaping", () => {
  it("escapes hostile contact names on the run page, in search results, on the contact page and on the runs page", async () => {
    const run = await get(`${base}/runs/${seeded.big}`);
    expectEscaped(run.text, EVIL.img);
    expectEscaped(run.text, EVIL.script);
    expectEscaped(run.text, "<b>old</b>");

    const search = await get(`${base}/runs/${seeded.big}?q=${encodeURIComponent("<script>")}`);
    expect(rowValues(search.text, "data-seq")).toEqual(["2"]);
    expectEscaped(search.text, EVIL.script);
    expect(search.text).toContain('value="&lt;script&gt;"');

    const contact = await get(`${base}/contacts/${APP}/x-script`);
    expect(contact.status).toBe(200);
    expectEscaped(contact.text, EVIL.script);
    expectEscaped(contact.text, "<b>old</b>");

    const evilContact = await get(`${base}/contacts/${encodeURIComponent(EVIL.img)}/${encodeURIComponent(EVIL.script)}`);
    expect(evilContact.status).toBe(200);
    expectEscaped(evilContact.text, EVIL.img);
    expectEscaped(evilContact.text, EVIL.script);

    const runs = await get(`${base}/`);
    expectEscaped(runs.text, EVIL.job);
    const job = await get(`${base}/jobs/${encodeURIComponent(EVIL.job)}`);
    expect(job.status).toBe(200);
    expectEscaped(job.text, EVIL.job);
  });

  it("escapes what a 404 page repeats from the URL", async () => {
    const missing = await get(`${base}/contacts/${APP}/${encodeURIComponent(EVIL.img)}`);
    expect(missing.status).toBe(404);
    expectEscaped(missing.text, EVIL.img);
    const page = await get(`${base}/${encodeURIComponent(EVIL.script)}`);
    expect(page.status).toBe(404);
    expect(page.text).not.toContain("<script>alert");
  });
});

describe("the run's table", () => {
  it("pages 50 rows at a time in recording order, with the range and the next page's link", async () => {
    const first = await get(`${base}/runs/${seeded.big}`);
    expect(rowValues(first.text, "data-seq")).toEqual(Array.from({ length: 50 }, (_, i) => String(i + 1)));
    expect(first.text).toContain("rows 1–50 of 134");
    expect(hrefs(first.text, "page-next")).toEqual([`/runs/${seeded.big}?page=2`]);
    const third = await get(`${base}/runs/${seeded.big}?page=3`);
    expect(rowValues(third.text, "data-seq")).toEqual(Array.from({ length: 34 }, (_, i) => String(i + 101)));
    expect(hrefs(third.text, "page-next")).toEqual([]);
    expect(hrefs(third.text, "page-prev")).toEqual([`/runs/${seeded.big}?page=2`]);
  });

  it("filters by several outcomes, ticks them in the form, and keeps them in every paging, sorting and export link", async () => {
    const { text } = await get(`${base}/runs/${seeded.big}?outcome=error&outcome=rejected&size=100`);
    const outcomes = rowValues(text, "data-outcome");
    expect(outcomes).toHaveLength(11);
    expect(new Set(outcomes)).toEqual(new Set(["error", "rejected"]));
    expect(text).toMatch(/value="error" data-testid="outcome-error" checked/);
    expect(text).toMatch(/value="rejected" data-testid="outcome-rejected" checked/);
    expect(text).toMatch(/value="warning" data-testid="outcome-warning">/);
    expect(text).toMatch(/<option value="100" selected>/);
    expect(hrefs(text, "sort-name")).toEqual([`/runs/${seeded.big}?outcome=error&outcome=rejected&sort=name&size=100`]);
    expect(hrefs(text, "export-csv")).toEqual([`/runs/${seeded.big}/export.csv?outcome=error&outcome=rejected`]);
    expect(hrefs(text, "export-json")).toEqual([`/runs/${seeded.big}/export.json?outcome=error&outcome=rejected`]);
  });

  it("searches names and info, shows the search in the box, and keeps it in the links", async () => {
    const { text } = await get(`${base}/runs/${seeded.big}?q=rossi+11&sort=name&dir=desc`);
    expect(rowValues(text, "data-seq").length).toBe(11);
    expect(text).toContain('value="rossi 11"');
    expect(text).toMatch(/<input type="hidden" name="sort" value="name"><input type="hidden" name="dir" value="desc">/);
    const names = [...text.matchAll(/<td class="name">([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(names).toEqual([...names].sort((a, b) => (b ?? "").localeCompare(a ?? "")));
    expect(names[0]).toBe("Rossi 119");
    expect(hrefs(text, "export-csv")).toEqual([`/runs/${seeded.big}/export.csv?q=rossi+11&sort=name&dir=desc`]);
    expect(hrefs(text, "sort-name")).toEqual([`/runs/${seeded.big}?q=rossi+11&sort=name`]);
    const phone = await get(`${base}/runs/${seeded.big}?q=${encodeURIComponent("02 1234 5678")}`);
    expect(rowValues(phone.text, "data-seq")).toEqual(["1"]);
  });

  it("sorts by outcome descending and pages within the sort", async () => {
    const { text } = await get(`${base}/runs/${seeded.big}?sort=outcome&dir=desc&page=1`);
    const outcomes = rowValues(text, "data-outcome");
    expect(outcomes.slice(0, 50).every((outcome) => outcome === "warning")).toBe(true);
    const last = await get(`${base}/runs/${seeded.big}?sort=outcome&dir=desc&page=3`);
    expect(rowValues(last.text, "data-outcome")).toEqual([...Array<string>(20).fill("warning"), "updated", "rejected", "inserted", ...Array<string>(10).fill("error"), "deleted"]);
    // Within one outcome the order follows the direction too: the newest warning first.
    expect(rowValues(text, "data-seq")[0]).toBe("124");
    expect(hrefs(last.text, "page-prev")).toEqual([`/runs/${seeded.big}?sort=outcome&dir=desc&page=2`]);
  });

  it("links each row to its contact and folds the detail: sent fields, and before → after of an update", async () => {
    const { text } = await get(`${base}/runs/${seeded.big}?outcome=updated`);
    expect(hrefs(text, "contact-link")).toEqual([`/contacts/${APP}/x-script`]);
    const detail = /<details data-testid="row-detail">([\s\S]*?)<\/details>/.exec(text)?.[1] ?? "";
    expect(detail).toContain("changes (2)");
    expect(detail).toMatch(/<code>name<\/code><\/th><td class="before">&lt;b&gt;old&lt;\/b&gt;<\/td><td class="after">&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/td>/);
    expect(detail).toMatch(/<code>company<\/code><\/th><td class="before"><span class="muted">\(empty\)<\/span><\/td><td class="after">New Co<\/td>/);
    const deleted = await get(`${base}/runs/${seeded.big}?outcome=deleted`);
    expect(deleted.text).toMatch(/<summary>last sent<\/summary>[\s\S]*<code>numhome<\/code><\/th><td class="pre">\+39061234567/);
  });

  it("shows the counts, the guard's message and a filter link per count", async () => {
    const { text } = await get(`${base}/runs/${seeded.big}`);
    expect(text).toMatch(/data-testid="run-error">deletion guard: 3 deletions/);
    expect(text).toContain('data-testid="guard-kept">2 contacts gone from the source were kept');
    expect(text).toContain('<span class="n" data-testid="count-warnings">120</span>');
    expect(text).toContain(`<a href="/runs/${seeded.big}?outcome=warning">`);
  });

  it("marks a dry run and says a running run is running when no live feed is here", async () => {
    const dry = await get(`${base}/runs/${seeded.evilJob}`);
    expect(dry.text).toContain('data-testid="dry-run"');
    const running = await get(`${base}/runs/${seeded.running}`);
    expect(running.text).toContain('data-testid="run-running"');
    expect(running.text).not.toContain('id="live-run"');
  });

  it("answers a stale filter with 400 naming the bad value, and a page past the end with the last page", async () => {
    const bad = await get(`${base}/runs/${seeded.big}?outcome=nonsense`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("unknown outcome &quot;nonsense&quot;");
    const sort = await get(`${base}/runs/${seeded.big}?sort=color`);
    expect(sort.status).toBe(400);
    const past = await get(`${base}/runs/${seeded.big}?outcome=error&page=9`);
    expect(past.status).toBe(200);
    expect(rowValues(past.text, "data-outcome")).toHaveLength(10);
  });
});

describe("the other pages", () => {
  it("lists runs per job with status, counts, a sparkline and links", async () => {
    const { text } = await get(`${base}/`);
    expect(text).toContain(`data-testid="job-section" data-job="crm"`);
    expect(text).toContain(`<a href="/runs/${seeded.big}" data-testid="run-link">${seeded.big}</a>`);
    expect(text).toMatch(new RegExp(`data-run-id="${seeded.big}"[\\s\\S]*?status-partial`));
    expect(text).toMatch(new RegExp(`data-run-id="${seeded.running}"[\\s\\S]*?status-running`));
    expect(text).toMatch(/<svg class="spark" data-testid="job-sparkline"/);
  });

  it("gives a job's trend as JSON data for the charts, and says when only dry runs are there", async () => {
    const crm = await get(`${base}/jobs/crm`);
    const json = /<script type="application\/json" id="job-trend-data" data-testid="job-trend-data">([^<]*)<\/script>/.exec(crm.text)?.[1];
    expect(json).toBeDefined();
    const data = JSON.parse(json ?? "") as { runs: number[]; outcomes: Array<{ label: string; values: number[] }> };
    expect(data.runs).toEqual([seeded.big, seeded.running]);
    expect(data.outcomes.find((series) => series.label === "warnings")?.values).toEqual([120, 0]);
    expect(crm.text).toMatch(/<script src="\/assets\/uplot\.js\?v=[0-9a-f]+" defer><\/script>/);
    expect(crm.text).toContain('<div class="chart" id="chart-outcomes" data-testid="chart-outcomes">');
    const dry = await get(`${base}/jobs/${encodeURIComponent(EVIL.job)}`);
    expect(dry.text).toContain('data-testid="no-trend"');
    expect(dry.text).not.toContain('id="chart-outcomes"');
  });

  it("writes JSON for a data element that no value can close or break out of", () => {
    const value = { label: `</script><script>alert(1)</script>&\u2028`, n: 1 };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it("shows a contact's standing and history, and when a contact was deleted", async () => {
    const { text } = await get(`${base}/contacts/${APP}/x-img`);
    expect(text).toContain('data-testid="contact-standing"');
    expect(text.match(/data-testid="history-row"/g)).toHaveLength(2);
    const gone = await get(`${base}/contacts/${APP}/gone-1`);
    expect(gone.text).toContain('data-testid="contact-standing-none"');
    expect(gone.text).toContain(`data-testid="contact-deleted">in <a href="/runs/${seeded.big}">`);
  });

  it("says what was not found", async () => {
    const run = await get(`${base}/runs/4242`);
    expect(run.status).toBe(404);
    expect(run.text).toContain("Run 4242 is not in this store.");
    const job = await get(`${base}/jobs/nightly`);
    expect(job.status).toBe(404);
    expect(job.text).toContain("No run of job &quot;nightly&quot; is in this store.");
    const contact = await get(`${base}/contacts/${APP}/nobody`);
    expect(contact.status).toBe(404);
    expect(contact.text).toContain("No contact &quot;nobody&quot; of uc_app_name &quot;CRM&quot;");
    const page = await get(`${base}/reports`);
    expect(page.status).toBe(404);
    expect(page.text).toContain("There is no page at /reports.");
  });
});
