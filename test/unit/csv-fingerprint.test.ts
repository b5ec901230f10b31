// The CSV connector's record fingerprint: equal for equal row text under the same header, different otherwise.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { csvConnector } from "../../connectors/csv.js";
import type { SourceItem } from "../../connectors/types.js";
import { tempDir } from "../helpers/temp.js";

async function read(text: string, quote = '"'): Promise<SourceItem[]> {
  const dir = await tempDir();
  await writeFile(path.join(dir, "c.csv"), text);
  const config = csvConnector.configSchema.parse({ type: "csv", path: "c.csv", quote });
  const items: SourceItem[] = [];
  for await (const item of csvConnector.read(config, { baseDir: dir })) items.push(item);
  return items;
}

function fingerprints(items: readonly SourceItem[]): Array<bigint | undefined> {
  return items.map((item) => (item.kind === "record" ? item.fingerprint : undefined));
}

describe("CSV record fingerprints", () => {
  it("gives equal rows under the same header equal fingerprints, wherever they stand", async () => {
    const items = await read("id,name\n1,Anna\n2,Bruno\n1,Anna\n");
    const [a, b, c] = fingerprints(items);
    expect(typeof a).toBe("bigint");
    expect(a).toBe(c);
    expect(a).not.toBe(b);
    expect(fingerprints(await read("id,name\n2,Bruno\n1,Anna\n"))).toEqual([b, a]);
  });

  it("changes every fingerprint when the header's names or delimiter change, though the rows' text does not", async () => {
    const base = fingerprints(await read("id,name\n1,Anna\n"))[0];
    expect(fingerprints(await read("id,nome\n1,Anna\n"))[0]).not.toBe(base);
    expect(fingerprints(await read("name,id\n1,Anna\n"))[0]).not.toBe(base);
    expect(fingerprints(await read("id;name\n1;Anna\n"))[0]).not.toBe(fingerprints(await read("id;name\n1,Anna;x\n"))[0]);
  });

  it("follows the row's text: a quoted value or another line end is another fingerprint of the same fields", async () => {
    const plain = await read("id,name\n1,Anna\n");
    const quoted = await read('id,name\n1,"Anna"\n');
    const crlf = await read("id,name\r\n1,Anna\r\n");
    expect([plain, quoted, crlf].map((items) => (items[0]?.kind === "record" ? items[0].fields : undefined))).toEqual([
      { id: "1", name: "Anna" },
      { id: "1", name: "Anna" },
      { id: "1", name: "Anna" },
    ]);
    expect(new Set([...fingerprints(plain), ...fingerprints(quoted), ...fingerprints(crlf)]).size).toBe(3);
  });

  it("gives broken rows no fingerprint", async () => {
    const items = await read('id,name\n1,"Anna\n2,Bruno,extra\n3,Carla\n');
    expect(items.map((item) => item.kind)).toEqual(["problem", "problem", "record"]);
    expect(items.filter((item) => item.kind === "record").every((item) => item.kind === "record" && item.fingerprint !== undefined)).toBe(true);
  });
});
