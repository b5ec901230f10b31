// `phonebook-sync validate` and `sync` against a real Radicale server, as a Nextcloud user following the README would
// run them: every address book of the user found from the server's URL, a dry run that leaves the next run its work,
// and the password (nor its Basic-auth form) in no output, even at debug level.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { ROOT, runCli } from "../helpers/cli.js";
import { startRadicale, type RunningRadicale } from "../helpers/radicale.js";
import { tempDir } from "../helpers/temp.js";
import { generateCards } from "../helpers/vcards.js";

const TOKEN = "tok-E2E-CARDDAV-7f20";
let radicale: RunningRadicale;
let emulator: RunningEmulator;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  [radicale, emulator, dir] = await Promise.all([startRadicale(), startEmulator({ port: 0, token: TOKEN }), tempDir("pbsync-carddav-cli-")]);
  const contacts = await radicale.createAddressBook("contacts", "Contacts");
  const customers = await radicale.createAddressBook("customers", "Kunden & Clienti");
  for (const card of generateCards(12, 3)) await radicale.putCard(contacts, card.fileName, card.text);
  for (const card of generateCards(8, 4)) await radicale.putCard(customers, card.fileName, card.text);
  // Nextcloud's "Recently contacted": read only when named.
  const recent = await radicale.createAddressBook("z-app-generated--contactsinteraction--recent", "Recently contacted");
  await radicale.putCard(recent, "recent.vcf", generateCards(1, 5)[0]?.text ?? "");
  await writeFile(
    path.join(dir, "config.yaml"),
    `pbx: { url: "${emulator.url}", token: "\${VOISPEED_TOKEN}" }
store: { client: sqlite, filename: ./store.sqlite }
jobs:
  - name: addressbook
    appName: CARDDAV
    source:
      type: carddav
      url: "${radicale.url}"
      username: ${radicale.user}
      password: "\${CARDDAV_PASSWORD}"
    mapping: ${path.join(ROOT, "mappings", "vcard.yaml")}
`,
  );
  env = { VOISPEED_TOKEN: TOKEN, CARDDAV_PASSWORD: radicale.password };
}, 60_000);

afterAll(async () => {
  await Promise.all([radicale?.stop(), emulator?.close()]);
});

/** What must never be printed: the password, and the Basic credentials it is sent in. */
function expectNoPassword(what: string, text: string): void {
  const basic = Buffer.from(`${radicale.user}:${radicale.password}`).toString("base64");
  expect(text.includes(radicale.password), `${what} shows the password`).toBe(false);
  expect(text.includes(basic), `${what} shows the Basic credentials`).toBe(false);
}

describe("phonebook-sync with a CardDAV address book", () => {
  it("validates: finds the user's address books from the server URL and checks the mapping against the card fields", async () => {
    const result = await runCli(["validate", "--config", "config.yaml", "--connect"], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`source reads address book "Contacts" at ${radicale.url}${radicale.user}/contacts/`);
    expect(result.stdout).toContain(`source reads address book "Kunden & Clienti" at ${radicale.url}${radicale.user}/customers/`);
    expect(result.stdout).toContain('source skips address book "Recently contacted"');
    expect(result.stdout).toMatch(/source columns: .*tel\[\]\.type/);
    expectNoPassword("validate", `${result.stdout}\n${result.stderr}`);
  });

  it("refuses, in validate already, a mapping whose external id is not the card's UID (unchanged cards come as UIDs alone)", async () => {
    const mapping = (await readFile(path.join(ROOT, "mappings", "vcard.yaml"), "utf8")).replace(/^externalId: uid$/m, "externalId: fn");
    await writeFile(path.join(dir, "by-name.yaml"), mapping);
    const text = (await readFile(path.join(dir, "config.yaml"), "utf8")).replace(/mapping: .*$/m, "mapping: ./by-name.yaml");
    await writeFile(path.join(dir, "by-name-config.yaml"), text);
    const result = await runCli(["validate", "--config", "by-name-config.yaml"], { cwd: dir, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`job addressbook: an incremental source reads unchanged rows as keys alone, so the mapping's externalId must come from the key column "uid" alone (it reads "fn")`);
    expect(result.stderr).toContain("incremental: false");
  });

  it("plans in a dry run, then syncs both address books; a second run fetches and sends nothing", async () => {
    const dry = await runCli(["sync", "--config", "config.yaml", "--dry-run", "--plain"], { cwd: dir, env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(emulator.phonebook.count()).toBe(0);

    radicale.clearRequests();
    const first = await runCli(["sync", "--config", "config.yaml", "--plain", "--log-level", "debug"], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expectNoPassword("sync at debug level", `${first.stdout}\n${first.stderr}`);
    // The dry run left the next run its work: every card of both books is fetched and sent.
    expect(emulator.phonebook.count()).toBe(20);
    const multigets = radicale.requests().filter((request) => request.method === "REPORT").length;
    // One sync-collection and one multiget per book.
    expect(multigets).toBe(4);

    radicale.clearRequests();
    const second = await runCli(["sync", "--config", "config.yaml", "--plain"], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(0);
    expect(radicale.requests().filter((request) => request.method === "REPORT").map((request) => decodeURIComponent(request.path)).sort()).toEqual([
      `/${radicale.user}/contacts/`,
      `/${radicale.user}/customers/`,
    ]);
    const store = await readFile(path.join(dir, "store.sqlite"));
    expectNoPassword("the store", store.toString("latin1"));
  });

  it("exits 1 on a wrong password, naming the user and the server and showing neither password", async () => {
    const result = await runCli(["sync", "--config", "config.yaml", "--plain", "--log-level", "debug"], { cwd: dir, env: { ...env, CARDDAV_PASSWORD: "wrong-pw-0b7e" } });
    expect(result.code).toBe(1);
    // In the JSON log line, its quotes escaped.
    expect(result.stderr).toMatch(new RegExp(`refused user \\\\?"alice\\\\?" at http://127\\.0\\.0\\.1:${radicale.port}/ \\(HTTP 401\\)`));
    expect(result.stderr).not.toContain("wrong-pw-0b7e");
    expectNoPassword("a refused sync", `${result.stdout}\n${result.stderr}`);
    expect(emulator.phonebook.count()).toBe(20);
  });
});
