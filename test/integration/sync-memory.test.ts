// Memory stays bounded by the batch size, not the source: 100,000 rows through a real process under 200 MB.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { openStore } from "../../src/store/index.js";
import { CLI, ROOT } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";

const TOKEN = "tok-MEM-8d20";
const ROWS = 100_000;
const LIMIT_MB = 200;
let emulator: RunningEmulator;
let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  // The phonebook lives in a file, so the emulator's memory stays apart from what is measured.
  emulator = await startEmulator({ port: 0, token: TOKEN, dbFile: path.join(dir, "pbx.sqlite") });
});
afterAll(() => emulator.close());

async function writeRows(file: string): Promise<void> {
  const out = createWriteStream(file);
  out.write("id,first,last,company,phone,mobile,country,credit\n");
  const countries = ["IT", "DE", "FR", "GB", "US", "CH"];
  for (let i = 1; i <= ROWS; i++) {
    const line = `${i},Name${i},"Surname, ${i}",Company ${i % 977} S.r.l.,0733 ${String(100000 + (i % 900000))},+39 333 ${String(1000000 + i)},${countries[i % 6]},${(i % 5000) * 1.5}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

describe("a 100,000-row CSV", () => {
  it("syncs completely with the process's peak memory under 200 MB", { timeout: 300_000 }, async () => {
    await writeRows(path.join(dir, "big.csv"));
    await writeFile(
      path.join(dir, "big.yaml"),
      `version: 1
externalId: id
defaultCountry: IT
countryField: country
fields:
  name: first
  surname: last
  company: company
numbers:
  numoffice: phone
  nummobile: mobile
extInfo:
  - caption: Credit limit
    from: credit
    format: { currency: EUR, locale: it-IT }
`,
    );
    await writeFile(
      path.join(dir, "config.yaml"),
      `pbx: { url: "${emulator.url}", token: "\${VOISPEED_TOKEN}" }
store: { client: sqlite, filename: ./store.sqlite }
jobs:
  - { name: big, appName: BIG, source: { type: csv, path: ./big.csv }, mapping: ./big.yaml }
`,
    );
    const child = spawn(process.execPath, ["--require", path.join(ROOT, "test", "helpers", "max-rss.cjs"), CLI, "sync", "--config", path.join(dir, "config.yaml"), "--plain"], {
      env: { ...process.env, VOISPEED_TOKEN: TOKEN },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, "close")) as [number | null];
    expect(code, `${stdout}\n${stderr}`).toBe(0);

    const peakMb = Number(/MAXRSS_KB (\d+)/.exec(stderr)?.[1]) / 1024;
    expect(peakMb).toBeGreaterThan(10);
    expect(peakMb, `peak RSS ${peakMb.toFixed(0)} MB`).toBeLessThan(LIMIT_MB);

    expect(emulator.phonebook.count()).toBe(ROWS);
    const store = await openStore({ client: "sqlite", filename: path.join(dir, "store.sqlite") }, { mustExist: true });
    try {
      const run = await store.latestRun();
      expect(run?.counts).toMatchObject({ read: ROWS, inserted: ROWS, invalid: 0, errors: 0 });
      expect(run?.status).toBe("success");
    } finally {
      await store.close();
    }
  });
});
