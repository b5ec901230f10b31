// The PBX client's single-contact services against the emulator: delete, get, add and update_phonebook.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../src/emulator/index.js";
import { SyncError } from "../../src/errors.js";
import { PbxClient } from "../../src/pbx/index.js";

const TOKEN = "tok-SECRET-4f9a";
let emulator: RunningEmulator;
let pbx: PbxClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, token: TOKEN });
  pbx = new PbxClient({ url: emulator.url, token: TOKEN });
});

afterAll(async () => {
  await pbx.close();
  await emulator.close();
});

beforeEach(() => {
  emulator.phonebook.clear();
});

const synced = [
  { uc_app_name: "CRM", uc_external_id: "c-1", name: "Gustavo", surname: "Fring", company: "Los Pollos Hermanos", numoffice: "0733123123" },
  { uc_app_name: "CRM", uc_external_id: "c-2", name: "Walter", surname: "White", nummobile: "5559876543" },
  { uc_app_name: "ERP", uc_external_id: "c-1", name: "Saul", surname: "Goodman", email: "saul@example.com" },
];

async function failure(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(
    () => new Error("expected the call to fail"),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

describe("delete_phonebook", () => {
  it("deletes a synchronized contact by app name and external id, leaving the same id of another app", async () => {
    await pbx.importSync(synced);
    await pbx.deletePhonebook({ appName: "CRM", externalId: "c-1" });
    expect(emulator.phonebook.find("CRM", "c-1")).toBeFalsy();
    expect(emulator.phonebook.find("ERP", "c-1")).toBeTruthy();
    expect(emulator.phonebook.count()).toBe(2);
  });

  it("deletes a contact by its PBX contact id, given as a number or a string", async () => {
    const result = await pbx.importSync(synced);
    const ids = result.contacts.map((contact) => contact.id);
    expect(ids.every((id) => id !== null)).toBe(true);
    await pbx.deletePhonebook({ contactId: Number(ids[0]) });
    await pbx.deletePhonebook({ contactId: String(ids[1]) });
    expect(emulator.phonebook.count()).toBe(1);
    expect(emulator.phonebook.find("ERP", "c-1")).toBeTruthy();
  });

  it("fails with PBX_CONTACT_NOT_FOUND for a contact that is not there", async () => {
    await pbx.importSync(synced);
    const byIds = await failure(pbx.deletePhonebook({ appName: "CRM", externalId: "no-such-contact" }));
    expect(byIds.code).toBe("PBX_CONTACT_NOT_FOUND");
    expect(byIds.pbxError).toMatch(/contact not found/i);
    const byContactId = await failure(pbx.deletePhonebook({ contactId: 999_999 }));
    expect(byContactId.code).toBe("PBX_CONTACT_NOT_FOUND");
    expect(emulator.phonebook.count()).toBe(3);
  });

  it("refuses an empty external id before asking the PBX", async () => {
    const requests = emulator.requests;
    const error = await failure(pbx.deletePhonebook({ appName: "CRM", externalId: " " }));
    expect(error.code).toBe("USAGE");
    expect(error.field).toBe("externalId");
    expect(emulator.requests).toBe(requests);
  });
});

describe("get_phonebook", () => {
  it("finds contacts by name, company, email or number, with their fields and sync coordinates", async () => {
    await pbx.importSync(synced);
    const [fring, ...none] = await pbx.getPhonebook("Pollos");
    expect(none).toEqual([]);
    expect(fring).toMatchObject({
      name: "Gustavo",
      surname: "Fring",
      company: "Los Pollos Hermanos",
      office: "0733123123",
      mobile: "",
      is_favourite: false,
      uc_app_name: "CRM",
      uc_external_id: "c-1",
    });
    expect(fring?.id).toMatch(/^\d+$/);
    expect((await pbx.getPhonebook("saul@example.com")).map((entry) => entry.surname)).toEqual(["Goodman"]);
    expect((await pbx.getPhonebook("5559876543")).map((entry) => entry.name)).toEqual(["Walter"]);
  });

  it("returns an empty list when nothing matches, and at most limit entries otherwise", async () => {
    await pbx.importSync(synced);
    expect(await pbx.getPhonebook("nobody-has-this")).toEqual([]);
    expect(await pbx.getPhonebook("", { limit: 2 })).toHaveLength(2);
  });
});

describe("add_phonebook and update_phonebook", () => {
  it("adds a PBX contact, returns its id, and updates it in place", async () => {
    const { contactId } = await pbx.addPhonebook({ name: "Kim", surname: "Wexler", company: "Schweikart & Cokely", mobile: "3331234567" });
    expect(contactId).toMatch(/^\d+$/);
    const [added] = await pbx.getPhonebook("Wexler");
    expect(added).toMatchObject({ id: contactId, name: "Kim", company: "Schweikart & Cokely", mobile: "3331234567" });

    await pbx.updatePhonebook(contactId, { name: "Kimberly", surname: "Wexler", email: "kim@example.com" });
    const found = await pbx.getPhonebook("Wexler");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ id: contactId, name: "Kimberly", email: "kim@example.com" });
    expect(emulator.phonebook.count()).toBe(1);
  });

  it("fails with PBX_CONTACT_NOT_FOUND when updating a contact id that does not exist", async () => {
    const error = await failure(pbx.updatePhonebook(424_242, { name: "Nobody" }));
    expect(error.code).toBe("PBX_CONTACT_NOT_FOUND");
  });
});
