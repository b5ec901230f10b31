// phonebook_import_sync through the PBX client against the emulator: upsert, verbose report, skips, warnings, ext_info.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { SyncError } from "../../src/errors.js";
import { PbxClient, type PbxContact } from "../../src/pbx/index.js";

const TOKEN = "tok-SECRET-4f9a";
let emulator: RunningEmulator;
let pbx: PbxClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN, maxContactsPerRequest: 1_000 });
  pbx = new PbxClient({ url: emulator.url, token: TOKEN });
});

afterAll(async () => {
  await pbx.close();
  await emulator.close();
});

beforeEach(() => {
  emulator.phonebook.clear();
});

const hbo: PbxContact[] = [
  { uc_app_name: "HBO", uc_external_id: "contact-1", name: "Gustavo", surname: "Fring", company: "Los Pollos Hermanos", numoffice: "0733123123" },
  { uc_app_name: "HBO", uc_external_id: "contact-2", name: "Walter", surname: "White", nummobile: "+395559876543" },
  { uc_app_name: "HBO", uc_external_id: "contact-3", name: "Saul", surname: "Goodman", email: "saulgoodman@example.com" },
];

function people(count: number, appName = "CRM"): PbxContact[] {
  return Array.from({ length: count }, (_, i) => ({
    uc_app_name: appName,
    uc_external_id: `p-${i + 1}`,
    name: `Name ${i + 1}`,
    surname: `Surname ${i + 1}`,
    nummobile: `+39333${String(i).padStart(7, "0")}`,
  }));
}

describe("phonebook_import_sync", () => {
  it("inserts new contacts, then updates the same ones without duplicating them", async () => {
    const first = await pbx.importSync(hbo);
    expect(first).toMatchObject({ processed: 3, skipped: 0, errors: 0 });
    expect(first.contacts.map((c) => [c.uc_external_id, c.act])).toEqual([
      ["contact-1", "insert"],
      ["contact-2", "insert"],
      ["contact-3", "insert"],
    ]);
    const changed = hbo.map((contact) => ({ ...contact, company: "Changed Inc." }));
    const second = await pbx.importSync(changed);
    expect(second.contacts.map((c) => c.act)).toEqual(["update", "update", "update"]);
    expect(second.contacts.map((c) => c.id)).toEqual(first.contacts.map((c) => c.id));
    expect(emulator.phonebook.all()).toHaveLength(3);
    expect(emulator.phonebook.count()).toBe(3);
  });

  it("reads a verbose answer about a single contact as a one-entry list", async () => {
    const result = await pbx.importSync([hbo[0] as PbxContact]);
    expect(result.processed).toBe(1);
    expect(result.contacts).toHaveLength(1);
    expect(result.contacts[0]).toMatchObject({ uc_external_id: "contact-1", act: "insert", info: "" });
    expect(result.contacts[0]?.id).toMatch(/^\d+$/);
  });

  it("reads a verbose answer about 400 contacts, one entry each with distinct ids", async () => {
    const batch = people(400);
    const result = await pbx.importSync(batch);
    expect(result.processed).toBe(400);
    expect(result.contacts.map((c) => c.uc_external_id)).toEqual(batch.map((c) => c.uc_external_id));
    expect(new Set(result.contacts.map((c) => c.id)).size).toBe(400);
    expect(result.contacts.every((c) => c.act === "insert")).toBe(true);
    expect(emulator.phonebook.count()).toBe(400);
  });

  it("returns only the counts without verbose output", async () => {
    const result = await pbx.importSync(hbo, { verbose: false });
    expect(result).toEqual({ processed: 3, skipped: 0, warnings: 0, errors: 0, contacts: [] });
    expect(emulator.phonebook.count()).toBe(3);
  });

  it("reports a contact with no name, surname or company as act=skip with the reason, and counts it", async () => {
    const nameless: PbxContact = { uc_app_name: "HBO", uc_external_id: "nameless", numoffice: "0733000000" };
    const result = await pbx.importSync([hbo[0] as PbxContact, nameless]);
    expect(result.skipped).toBe(1);
    const skipped = result.contacts.find((c) => c.uc_external_id === "nameless");
    expect(skipped?.act).toBe("skip");
    expect(skipped?.info).not.toBe("");
    expect(emulator.phonebook.find("HBO", "nameless")).toBeFalsy();
    expect(emulator.phonebook.count()).toBe(1);
  });

  it("reports a per-contact server error as act=error with its text, and stores the others", async () => {
    emulator.faults.add({ service: "phonebook_import_sync", times: 1, contactErrors: { "contact-2": "duplicate key in phonebook" } });
    const result = await pbx.importSync(hbo);
    expect(result.errors).toBe(1);
    expect(result.contacts.find((c) => c.uc_external_id === "contact-2")).toMatchObject({ act: "error", info: "duplicate key in phonebook" });
    expect(emulator.phonebook.count()).toBe(2);
  });

  it("stores the same ext_info whether it is sent as a nested array or as a JSON string", async () => {
    const extInfo = [
      { caption: "Sale", value: "1000 EUR" },
      { caption: "Credit limit", value: "2000 EUR" },
      { caption: "Sales Agent", value: "Mark Smith \"Sr.\" & Co." },
    ];
    const asString = new PbxClient({ url: emulator.url, token: TOKEN, extInfoEncoding: "json-string" });
    try {
      await pbx.importSync([{ uc_app_name: "ARRAY", uc_external_id: "x", name: "Walter", ext_info: extInfo }]);
      await asString.importSync([{ uc_app_name: "STRING", uc_external_id: "x", name: "Walter", ext_info: extInfo }]);
    } finally {
      await asString.close();
    }
    const viaArray = emulator.phonebook.find("ARRAY", "x");
    const viaString = emulator.phonebook.find("STRING", "x");
    expect(viaArray?.ext_info).toEqual(extInfo);
    expect(viaString?.ext_info).toEqual(viaArray?.ext_info);
  });

  it("fails with PBX_BATCH_TOO_LARGE when the batch passes the PBX's contact limit", async () => {
    const error = await pbx.importSync(people(1_001)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(SyncError);
    expect((error as SyncError).code).toBe("PBX_BATCH_TOO_LARGE");
    expect((error as SyncError).pbxError).toMatch(/too many contacts in one request: 1001 \(limit 1000\)/);
    expect(emulator.phonebook.count()).toBe(0);
  });
});
