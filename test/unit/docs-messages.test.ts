// The docs quote what the program says: every quoted "file:line: ..." message comes out of the real loader run on
// the YAML shown before it, and every documented numeric range is the one the schema (or the PBX client) enforces.
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify } from "yaml";
import { loadConfig, parseConfig } from "../../src/config/index.js";
import { toSyncError } from "../../src/errors.js";
import { loadMapping } from "../../src/mapping/index.js";
import { PbxClient } from "../../src/pbx/index.js";
import { ROOT } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const DOCS = [...readdirSync(path.join(ROOT, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`), "README.md"];
const MESSAGE = /^(\S+\.ya?ml):(\d+): /;

/**
 * Message blocks no YAML in the doc produces: compile-time messages need a source's columns, so these are
 * illustrations. Listed by doc and first line, so a new unverified quote fails the test until it is shown
 * right after its YAML (a ```yaml block whose first line is "# FILE") or listed here with the reason.
 */
const ILLUSTRATIONS = new Set([
  "docs/mapping.md: mappings/hubspot.yaml:5: fields.name.from: bad field path",
  "docs/mapping.md: mappings/hubspot.yaml:5: fields.name.from: no field",
  "docs/mapping.md: mappings/crm.yaml:6: fields.surname.from: no column",
]);

interface Fence {
  lang: string;
  lines: string[];
  /** 1-based line of the opening fence in the doc. */
  at: number;
}

function fences(text: string): Fence[] {
  const out: Fence[] = [];
  let open: Fence | undefined;
  text.split("\n").forEach((line, index) => {
    const fence = /^```(\S*)/.exec(line);
    if (!fence) open?.lines.push(line);
    else if (open) {
      out.push(open);
      open = undefined;
    } else open = { lang: fence[1] ?? "", lines: [], at: index + 1 };
  });
  return out;
}

/** Every ${NAME} the YAML refers to, set to a value long enough for any check. */
function envFor(yaml: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const match of yaml.matchAll(/\$\{([A-Z0-9_]+)/g)) env[match[1] as string] = "docs-value-0123456789";
  return env;
}

/** What the loader says about `yaml` saved as `name`, each line with the file named as the doc names it. */
async function messagesFor(name: string, yaml: string): Promise<string[]> {
  const dir = await tempDir("pbsync-docs-");
  const file = path.join(dir, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, yaml);
  const isMapping = (parseDocument(yaml).toJS() as { version?: unknown } | null)?.version !== undefined;
  try {
    if (isMapping) await loadMapping(file);
    else await loadConfig(file, { env: envFor(yaml) });
  } catch (err) {
    return toSyncError(err)
      .message.split("\n")
      .map((line) => line.replace(/^\s*- /, "").split(`${dir}${path.sep}`).join(""));
  }
  return [];
}

describe("messages quoted in the docs", () => {
  const quoted = DOCS.flatMap((doc) => {
    const blocks = fences(readFileSync(path.join(ROOT, doc), "utf8"));
    return blocks.flatMap((block, index) => {
      const messages = block.lines.filter((line) => MESSAGE.test(line));
      if (messages.length === 0) return [];
      const file = MESSAGE.exec(messages[0] as string)?.[1] as string;
      // The YAML that gives them is the block right before them.
      const before = blocks[index - 1];
      const yaml = before?.lang === "yaml" && before.lines[0]?.trim() === `# ${file}` ? before : undefined;
      return [{ doc, at: block.at, file, messages, yaml: yaml?.lines.join("\n") }];
    });
  });

  it("are found in the docs that quote them", () => {
    const docs = new Set(quoted.filter((q) => q.yaml !== undefined).map((q) => q.doc));
    for (const doc of ["docs/csv.md", "docs/client.md", "docs/mapping.md"]) expect([...docs]).toContain(doc);
  });

  it.each(quoted.map((q) => [`${q.doc}:${q.at}`, q] as const))("%s: are what the loader says about the YAML shown with them", async (_, q) => {
    if (q.yaml === undefined) {
      const first = `${q.doc}: ${q.messages[0] ?? ""}`;
      const listed = [...ILLUSTRATIONS].some((prefix) => first.startsWith(prefix));
      expect(listed, `${q.doc}:${q.at} quotes messages without the YAML that gives them (a \`\`\`yaml block starting "# ${q.file}")`).toBe(true);
      return;
    }
    const actual = await messagesFor(q.file, q.yaml);
    for (const message of q.messages) expect(actual, `${q.doc}:${q.at}`).toContain(message);
  });
});

/** The path of the key on each line of a YAML text (1-based lines). */
function keysByLine(text: string): Map<number, (string | number)[]> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const out = new Map<number, (string | number)[]>();
  const walk = (node: unknown, at: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key) || !pair.key.range) continue;
        const key = String(pair.key.value);
        out.set(lines.linePos(pair.key.range[0]).line, [...at, key]);
        walk(pair.value, [...at, key]);
      }
    } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...at, i]));
  };
  walk(doc.contents, []);
  return out;
}

interface DocumentedRange {
  where: string;
  path: (string | number)[];
  min: number;
  max: number;
}

/** Whole numbers only: "1s..30d" is a duration range, checked by the schedule tests. */
const RANGE = /(\d[\d_]*)\.\.(\d[\d_]*)(?!\w)/;

/** "Range A..B" on a key's line, or in a comment of its own right above the key (not a commented-out setting). */
function rangesInYaml(where: string, text: string, prefix: (string | number)[] = []): DocumentedRange[] {
  const keys = keysByLine(text);
  const lines = text.split("\n");
  const out: DocumentedRange[] = [];
  lines.forEach((line, index) => {
    const range = RANGE.exec(line.slice(line.indexOf("#") + 1));
    if (!line.includes("#") || !range) return;
    let keyLine = index + 1;
    if (/^\s*#/.test(line)) {
      if (/^\s*#\s*[\w.-]+:\s/.test(line)) return;
      while (/^\s*#/.test(lines[keyLine - 1] ?? "")) keyLine++;
    }
    const keyPath = keys.get(keyLine);
    if (keyPath) out.push({ where: `${where}:${index + 1}`, path: [...prefix, ...keyPath], min: num(range[1]), max: num(range[2]) });
  });
  return out;
}

function num(text: string | undefined): number {
  return Number((text ?? "").replace(/_/g, ""));
}

/** "## `daemon.http`" ... "`port` (1..65535)", "## `daemon.shutdownTimeoutMs`" ... "range 1000..600000". */
function rangesInSections(doc: string, text: string): DocumentedRange[] {
  const out: DocumentedRange[] = [];
  let section: string[] | undefined;
  text.split("\n").forEach((line, index) => {
    const heading = /^#+ `([\w.]+)`\s*$/.exec(line);
    if (heading) section = (heading[1] as string).split(".");
    else if (/^#/.test(line)) section = undefined;
    if (!section) return;
    for (const match of line.matchAll(/`(\w+)` \((\d+)\.\.(\d+)[;)]/g)) {
      out.push({ where: `${doc}:${index + 1}`, path: [...section, match[1] as string], min: num(match[2]), max: num(match[3]) });
    }
    const plain = /\brange (\d+)\.\.(\d+)/.exec(line);
    if (plain) out.push({ where: `${doc}:${index + 1}`, path: section, min: num(plain[1]), max: num(plain[2]) });
  });
  return out;
}

const BASE = `pbx: { url: https://pbx.example.com, token: docs-token-0123 }
jobs:
  - { name: crm, appName: CRM, source: { type: csv, path: ./c.csv }, mapping: ./m.yaml }
`;

/** Whether the configuration takes `value` at `at`: no problem is reported on that path. */
function configTakes(at: (string | number)[], value: number): boolean {
  const doc = parseDocument(BASE);
  doc.setIn(at, value);
  const where = at.map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${part}`)).join("");
  try {
    parseConfig(stringify(doc), "/docs/config.yaml", { env: {} });
    return true;
  } catch (err) {
    return !toSyncError(err).message.includes(`: ${where}: `);
  }
}

function clientTakes(option: string, value: number): boolean {
  try {
    void new PbxClient({ url: "https://pbx.example.com", token: "docs-token-0123", [option]: value }).close();
    return true;
  } catch (err) {
    if (toSyncError(err).code !== "CONFIG_INVALID") throw err;
    return false;
  }
}

function expectRange(range: DocumentedRange, takes: (value: number) => boolean): void {
  const what = `${range.where}: ${range.path.join(".")} documented as ${range.min}..${range.max}`;
  expect([takes(range.min - 1), takes(range.min), takes(range.max), takes(range.max + 1)], what).toEqual([false, true, true, false]);
}

describe("numeric ranges documented", () => {
  const example = rangesInYaml("config.example.yaml", readFileSync(path.join(ROOT, "config.example.yaml"), "utf8"));
  const sections = DOCS.flatMap((doc) => rangesInSections(doc, readFileSync(path.join(ROOT, doc), "utf8")));
  const blocks = DOCS.flatMap((doc) =>
    fences(readFileSync(path.join(ROOT, doc), "utf8"))
      .filter((block) => block.lang === "yaml")
      .flatMap((block) => rangesInYaml(`${doc}:${block.at}`, block.lines.join("\n"))),
  );

  it("are found where the docs give them", () => {
    expect(example.map((r) => r.path.join("."))).toEqual(
      expect.arrayContaining(["pbx.timeoutMs", "pbx.connections", "defaults.batchSize", "defaults.retry.attempts", "daemon.http.port"]),
    );
    expect(sections.map((r) => r.path.join("."))).toEqual(expect.arrayContaining(["daemon.http.port", "daemon.shutdownTimeoutMs"]));
    expect(blocks.map((r) => r.path.join("."))).toEqual(expect.arrayContaining(["notifications.webhook.timeoutMs", "notifications.email.smtp.timeoutMs"]));
  });

  it("in the configuration's docs are the ranges the configuration takes", () => {
    for (const range of [...example, ...sections, ...blocks]) expectRange(range, (value) => configTakes(range.path, value));
  });

  it("of the PBX client's options (docs/client.md) are the ranges the client takes", () => {
    const text = readFileSync(path.join(ROOT, "docs/client.md"), "utf8");
    const rows = [...text.matchAll(/^\| `(\w+)` \| [^|]*\(range (\d+)\.\.(\d+)\)/gm)];
    expect(rows.map((row) => row[1])).toEqual(["timeoutMs", "connections"]);
    for (const row of rows) {
      const option = row[1] as string;
      expectRange({ where: "docs/client.md", path: [option], min: num(row[2]), max: num(row[3]) }, (value) => clientTakes(option, value));
    }
  });
});
