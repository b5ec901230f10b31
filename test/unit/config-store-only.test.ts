// Reading reports needs the store alone: a configuration's other sections, and their ${ENV} secrets, are not resolved.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openReportStore } from "../../src/cli/reports.js";
import { parseConfig } from "../../src/config/index.js";
import { parseStoreConfig } from "../../src/config/load-store.js";
import { openStore } from "../../src/store/index.js";
import { failure } from "../helpers/failure.js";
import { tempDir } from "../helpers/temp.js";

const FILE = "/etc/phonebook-sync/config.yaml";
const JOBS = `jobs:
  - name: crm
    appName: CRM
    source: { type: rest, baseUrl: "https://crm.example.com", auth: { type: bearer, token: "\${CRM_TOKEN}" } }
    mapping: ./crm.yaml
`;

describe("the store section alone", () => {
  it("resolves without the PBX token or a source's secrets, relative to the configuration's folder", () => {
    const text = `pbx: { url: https://pbx.example.com/PBX/seri_endpoint.php, token: "\${VOISPEED_TOKEN}" }\nstore: { client: sqlite, filename: ./data/reports.sqlite }\n${JOBS}`;
    expect(parseStoreConfig(text, FILE, { env: {} })).toEqual({ file: FILE, baseDir: "/etc/phonebook-sync", store: { client: "sqlite", filename: "/etc/phonebook-sync/data/reports.sqlite" } });
  });

  it("takes a store without client for SQLite, and no store for the default file", () => {
    expect(parseStoreConfig("store: { filename: ./x.sqlite }\n", FILE, { env: {} }).store).toEqual({ client: "sqlite", filename: "/etc/phonebook-sync/x.sqlite" });
    expect(parseStoreConfig("pbx: { url: embedded }\n", FILE, { env: {} }).store).toEqual({ client: "sqlite", filename: "/etc/phonebook-sync/data/phonebook-sync.sqlite" });
  });

  it("lists the store's own problems with their lines, an unset variable of the store among them", () => {
    const text = "pbx: { url: embedded }\nstore:\n  client: mysql\n  connection: { host: db, user: r, password: \"${STORE_PW}\" }\n";
    expect(() => parseStoreConfig(text, FILE, { env: {} })).toThrow(/config\.yaml:4: store\.connection\.password: environment variable STORE_PW is not set[\s\S]*config\.yaml:4: store\.connection\.database: is required/);
    expect(() => parseStoreConfig("store: { client: postgres }\n", FILE, { env: {} })).toThrow(/config\.yaml:1: store(\.client)?: client: use sqlite \(the default\) or mysql/);
  });

  it("is what a whole configuration reads too: a store without client is SQLite there as well", () => {
    const text = `pbx: { url: embedded, token: t-123456 }\nstore: { filename: ./r.sqlite }\n${JOBS}`;
    expect(parseConfig(text, FILE, { env: { CRM_TOKEN: "crm-token-1" } }).store).toEqual({ client: "sqlite", filename: "/etc/phonebook-sync/r.sqlite" });
  });
});

describe("reports with --config", () => {
  it("open the store with VOISPEED_TOKEN and the source's token unset", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "config.yaml");
    await writeFile(file, `pbx: { url: embedded, token: "\${VOISPEED_TOKEN}" }\nstore: { filename: ./store.sqlite }\n${JOBS}`);
    const missing = await failure(openReportStore({ config: file, env: {} }));
    expect(missing.message).toMatch(/no reports yet at .*store\.sqlite/);
    await (await openStore({ client: "sqlite", filename: path.join(dir, "store.sqlite") })).close();
    const store = await openReportStore({ config: file, env: {} });
    try {
      expect(await store.listRuns({})).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe("the viewer section", () => {
  const VIEWER = 'viewer: { token: "${PBSYNC_VIEWER_TOKEN}" }\n';
  const BASE = `pbx: { url: embedded, token: t-123456 }\n${JOBS}`;

  it("is left alone by sync and validate: its variable need only be set where the viewer runs", () => {
    expect(parseConfig(`${BASE}${VIEWER}`, FILE, { env: { CRM_TOKEN: "crm-token-1" } }).jobs).toHaveLength(1);
  });

  it("is checked when the daemon serves the viewer", () => {
    const text = `${BASE}${VIEWER}daemon: { http: { port: 9464, viewer: true } }\n`;
    expect(() => parseConfig(text, FILE, { env: { CRM_TOKEN: "crm-token-1" } })).toThrow(/viewer\.token: environment variable PBSYNC_VIEWER_TOKEN is not set/);
  });
});
