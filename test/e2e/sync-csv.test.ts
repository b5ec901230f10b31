// `phonebook-sync sync` as a user runs it: a real process, CSV exports, the emulator over HTTP, the report in SQLite.
import { copyFile, writeFile } from "node:fs/promises";
import path from "node:path";
import iconv from "iconv-lite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import type { ContactResultRow, RunRow } from "../../src/store/index.js";
import { ROOT, runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/temp.js";
import { latestRunWithRows } from "../helpers/store-runs.js";

const TOKEN = "tok-E2E-CSV-3e77";
let emulator: RunningEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN });
  dir = await tempDir();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.phonebook.clear());

/** Writes a config for one CSV job into the temp dir and returns its path. */
async function writeConfig(name: string, source: string, mapping: string, extra = ""): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(
    file,
    `pbx:
  url: ${emulator.url}
  token: \${VOISPEED_TOKEN}
store:
  client: sqlite
  filename: ./${name}.sqlite
jobs:
  - name: ${name}
    appName: ${name.toUpperCase()}
    source: ${source}
    mapping: ${mapping}
${extra}`,
  );
  return file;
}

async function readRun(name: string): Promise<{ run: RunRow; rows: ContactResultRow[] }> {
  return latestRunWithRows(path.join(dir, `${name}.sqlite`));
}

const ITALIAN_MAPPING = `version: 1
externalId: { hash: [Nome, Cognome, Azienda] }
defaultCountry: IT
fields:
  name: Nome
  surname: Cognome
  company: Azienda
numbers:
  numoffice: Telefono
  nummobile: Cellulare
extInfo:
  - caption: Note
    from: Note
`;

describe("sync of a CSV export", () => {
  it("syncs a semicolon-separated windows-1252 export from Italian Excel, accents intact", async () => {
    const text = [
      "Nome;Cognome;Azienda;Telefono;Cellulare;Note",
      "Niccolò;Sant'Elia;Società Agricola Sant'Elia;0733 123456;333 1234567;pagamento a 30 gg",
      'Jürgen;Müller;"Müller; Weiß GmbH";+49 30 1234567;;Kunde seit 2019',
      "Françoise;Lefèvre;Café Lefèvre;+33 1 42 68 53 00;;",
    ].join("\r\n");
    await writeFile(path.join(dir, "rubrica.csv"), iconv.encode(`${text}\r\n`, "windows-1252"));
    await writeFile(path.join(dir, "italian.yaml"), ITALIAN_MAPPING);
    const config = await writeConfig("excel", "{ type: csv, path: ./rubrica.csv, delimiter: auto, encoding: windows-1252 }", "./italian.yaml");

    const result = await runCli(["sync", "--config", config, "--plain"], { env: { VOISPEED_TOKEN: TOKEN } });
    expect(result.stderr).not.toContain(TOKEN);
    expect(result.stdout).not.toContain(TOKEN);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Job excel \(uc_app_name EXCEL\) -> .*run #1 success/);
    expect(result.stdout).toMatch(/inserted\s+3/);

    const stored = emulator.phonebook.all();
    expect(stored.map((contact) => contact.company).sort()).toEqual(["Café Lefèvre", "Müller; Weiß GmbH", "Società Agricola Sant'Elia"]);
    const niccolo = stored.find((contact) => contact.name === "Niccolò");
    expect(niccolo).toMatchObject({ surname: "Sant'Elia", numoffice: "+390733123456", nummobile: "+393331234567", uc_app_name: "EXCEL" });
    expect(niccolo?.ext_info).toEqual([{ caption: "Note", value: "pagamento a 30 gg" }]);

    const { run, rows } = await readRun("excel");
    expect(run).toMatchObject({ status: "success", counts: { read: 3, inserted: 3, updated: 0 } });
    expect(run.counts.inserted + run.counts.updated).toBe(emulator.phonebook.count());
    expect(rows.map((row) => row.ref).sort()).toEqual(["line 2", "line 3", "line 4"]);
  });

  it("syncs Excel's CSV UTF-8 (byte-order mark, semicolons); a second run pushes nothing, --full updates all", async () => {
    await copyFile(path.join(ROOT, "test", "fixtures", "csv-semicolon-utf8-bom.csv"), path.join(dir, "utf8.csv"));
    await writeFile(path.join(dir, "italian.yaml"), ITALIAN_MAPPING);
    const config = await writeConfig("utf8", "{ type: csv, path: ./utf8.csv }", "./italian.yaml");
    const first = await runCli(["sync", "--config", config, "--plain"], { env: { VOISPEED_TOKEN: TOKEN } });
    expect(first.code).toBe(0);
    const count = emulator.phonebook.count();
    expect(count).toBeGreaterThan(0);
    const ids = emulator.phonebook.all().map((contact) => contact.id);

    const requests = emulator.requests;
    const second = await runCli(["sync", "--config", config, "--plain"], { env: { VOISPEED_TOKEN: TOKEN } });
    expect(second.code).toBe(0);
    // Only the reachability check every run starts with: nothing pushed.
    expect(emulator.requests).toBe(requests + 1);
    expect((await readRun("utf8")).run).toMatchObject({ id: 2, status: "success", counts: { read: count, unchanged: count, inserted: 0, updated: 0 } });

    const full = await runCli(["sync", "--config", config, "--plain", "--full"], { env: { VOISPEED_TOKEN: TOKEN } });
    expect(full.code).toBe(0);
    expect((await readRun("utf8")).run.counts).toMatchObject({ inserted: 0, updated: count, unchanged: 0 });
    expect(emulator.phonebook.all().map((contact) => contact.id)).toEqual(ids);
    expect(emulator.phonebook.all()[0]?.name).toBe("Giulia");
  });

  it("reports broken rows with their line and the problem, sends the good ones, and exits 3", async () => {
    await copyFile(path.join(ROOT, "test", "fixtures", "csv-broken.csv"), path.join(dir, "broken.csv"));
    await writeFile(
      path.join(dir, "simple.yaml"),
      "version: 1\nexternalId: id\ndefaultCountry: US\nfields:\n  name: name\n  company: company\nnumbers:\n  numoffice: phone\n",
    );
    const config = await writeConfig("broken", "{ type: csv, path: ./broken.csv }", "./simple.yaml");
    const result = await runCli(["sync", "--config", config, "--plain"], { env: { VOISPEED_TOKEN: TOKEN } });
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/run #1 partial/);

    const { run, rows } = await readRun("broken");
    const invalid = rows.filter((row) => row.outcome === "invalid");
    expect(invalid.length).toBe(run.counts.invalid);
    expect(invalid.length).toBeGreaterThanOrEqual(3);
    for (const row of invalid) expect(row.ref).toMatch(/^line \d+$/);
    expect(invalid.map((row) => row.ref)).toEqual(expect.arrayContaining(["line 3", "line 4"]));
    expect(invalid.find((row) => row.ref === "line 3")?.info).toMatch(/field/i);

    const stored = emulator.phonebook.all().map((contact) => contact.uc_external_id);
    expect(stored).toEqual(expect.arrayContaining(["1", "8"]));
    expect(stored).not.toContain("2");
    expect(run.counts.inserted + run.counts.updated).toBe(emulator.phonebook.count());

    const shown = await runCli(["reports", "show", "latest", "--config", config, "--outcome", "invalid"], { env: { VOISPEED_TOKEN: TOKEN } });
    expect(shown.code).toBe(0);
    const listed = shown.stdout.slice(shown.stdout.indexOf("Contacts (invalid)"));
    expect(listed).toMatch(/line 3/);
    expect(listed).not.toMatch(/\binserted\b/);
  });

  it("previews with --dry-run: reads and maps everything, sends and records nothing", async () => {
    await copyFile(path.join(ROOT, "test", "fixtures", "csv-semicolon-utf8-bom.csv"), path.join(dir, "dry.csv"));
    await writeFile(path.join(dir, "italian.yaml"), ITALIAN_MAPPING);
    const config = await writeConfig("dry", "{ type: csv, path: ./dry.csv }", "./italian.yaml");
    const requests = emulator.requests;
    const result = await runCli(["sync", "--config", config, "--dry-run", "--plain"], { env: { VOISPEED_TOKEN: TOKEN } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/dry run/);
    expect(result.stdout).toMatch(/plan: \d+ to insert, 0 to update, 0 to delete/);
    expect(result.stdout).toMatch(/insert \(\d+\):\n\s+line 2 /);
    expect(emulator.requests).toBe(requests);
    expect(emulator.phonebook.count()).toBe(0);
  });

  it("stops before any work on a bad config, listing every problem, and never prints the token", async () => {
    const requests = emulator.requests;
    const config = await writeConfig("bad", "{ type: csv, path: ./missing.csv, delimiter: ';;', colour: red }", "./nope.yaml", "    batchSize: 0\n");
    const result = await runCli(["sync", "--config", config], { env: { VOISPEED_TOKEN: TOKEN } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.yaml:\d+: jobs\[0\]\.batchSize/);
    expect(result.stderr).toMatch(/jobs\[0\]\.source\.delimiter/);
    expect(result.stderr).toMatch(/jobs\[0\]\.source: unknown option colour/);
    expect(result.stderr).not.toContain(TOKEN);
    expect(emulator.requests).toBe(requests);
  });
});
