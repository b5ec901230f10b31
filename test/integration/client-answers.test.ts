// How the PBX client reads answers the emulator does not give: odd but valid XML, PHP's content type, odd counts.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncError } from "../../src/errors.js";
import { PbxClient } from "../../src/pbx/index.js";

const TOKEN = "tok-SECRET-4f9a";
const contact = { uc_app_name: "CRM", uc_external_id: "c-1", name: "Walter" };

/** The next answer the server gives: a body and its content type. */
let next = { body: "", contentType: "text/xml; charset=UTF-8" };
let server: http.Server;
let pbx: PbxClient;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": next.contentType });
      res.end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  pbx = new PbxClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: TOKEN });
});

afterAll(async () => {
  await pbx.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function answer(body: string, contentType = "text/xml; charset=UTF-8"): void {
  next = { body, contentType };
}

async function failure(promise: Promise<unknown>): Promise<SyncError> {
  const error = await promise.then(
    () => new Error("expected the call to fail"),
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(SyncError);
  return error as SyncError;
}

const counts = "<processed>2</processed><skipped>0</skipped><warnings>1</warnings><errors>0</errors>";

describe("reading phonebook_import_sync answers", () => {
  it("keeps ids as strings, trims values, lowercases act and decodes entities", async () => {
    answer(`<?xml version="1.0" encoding="UTF-8" ?>
<result>
  <outcome> 0 </outcome>
  ${counts}
  <contacts>
    <contact><uc_external_id> 007 </uc_external_id><id>0042</id><act>INSERT</act><info>name &amp; surname trimmed</info></contact>
    <contact><uc_external_id>c-2</uc_external_id><id/><act>update</act><info/></contact>
  </contacts>
</result>`);
    expect(await pbx.importSync([contact])).toEqual({
      processed: 2,
      skipped: 0,
      warnings: 1,
      errors: 0,
      contacts: [
        { uc_external_id: "007", id: "0042", act: "insert", info: "name & surname trimmed" },
        { uc_external_id: "c-2", id: null, act: "update", info: "" },
      ],
    });
  });

  it("gives an array for a single contact and an empty one for an empty <contacts/>", async () => {
    answer(`<result><outcome>0</outcome>${counts}<contacts><contact><uc_external_id>c-1</uc_external_id><id>1</id><act>insert</act><info></info></contact></contacts></result>`);
    expect((await pbx.importSync([contact])).contacts).toHaveLength(1);
    answer(`<result><outcome>0</outcome>${counts}<contacts/></result>`);
    expect((await pbx.importSync([contact])).contacts).toEqual([]);
    answer(`<result><outcome>0</outcome>${counts}</result>`);
    expect((await pbx.importSync([contact])).contacts).toEqual([]);
  });

  it("accepts XML sent as text/html, PHP's default content type, and a byte order mark before it", async () => {
    answer(`\uFEFF<?xml version="1.0" encoding="UTF-8" ?>\n<result><outcome>0</outcome>${counts}</result>`, "text/html; charset=UTF-8");
    expect((await pbx.importSync([contact], { verbose: false })).processed).toBe(2);
  });

  it("takes missing counts as 0 but refuses a count that is not a whole number", async () => {
    answer("<result><outcome>0</outcome><processed>3</processed></result>");
    expect(await pbx.importSync([contact], { verbose: false })).toEqual({ processed: 3, skipped: 0, warnings: 0, errors: 0, contacts: [] });
    answer("<result><outcome>0</outcome><processed>N contacts processed by the service</processed></result>");
    const error = await failure(pbx.importSync([contact]));
    expect(error.code).toBe("PBX_MALFORMED_RESPONSE");
    expect(error.message).toMatch(/<processed> is not a whole number/);
  });

  it("refuses a verbose contact without an external id, since it cannot be matched", async () => {
    answer(`<result><outcome>0</outcome>${counts}<contacts><contact><id>1</id><act>insert</act></contact></contacts></result>`);
    const error = await failure(pbx.importSync([contact]));
    expect(error.code).toBe("PBX_MALFORMED_RESPONSE");
    expect(error.message).toMatch(/contact #1 .*no <uc_external_id>/);
  });

  it("refuses an outcome other than 0 or 1", async () => {
    answer("<result><outcome>2</outcome></result>");
    const error = await failure(pbx.importSync([contact]));
    expect(error.code).toBe("PBX_MALFORMED_RESPONSE");
    expect(error.message).toMatch(/outcome "2"/);
  });

  it("maps an outcome=1 about too many contacts to PBX_BATCH_TOO_LARGE with the PBX's text", async () => {
    answer("<result><outcome>1</outcome><error>too many contacts in one request: 600 (limit 500)</error></result>");
    const error = await failure(pbx.importSync([contact]));
    expect(error.code).toBe("PBX_BATCH_TOO_LARGE");
    expect(error.pbxError).toBe("too many contacts in one request: 600 (limit 500)");
  });

  it("sends no request at all for an empty batch", async () => {
    answer("not even XML");
    expect(await pbx.importSync([])).toEqual({ processed: 0, skipped: 0, warnings: 0, errors: 0, contacts: [] });
  });
});

describe("reading the guide's get_phonebook answer, which has no ids", () => {
  it("fills absent fields with empty strings and nulls, and reads is_favourite as a boolean", async () => {
    answer(`<result><outcome>0</outcome><contacts><contact>
      <name>Saul</name><surname>Goodman</surname><company>Goodman Law</company><office>06123123</office>
      <home/><mobile>069876543</mobile><fax></fax><other></other><email>saul@example.com</email><is_favourite>1</is_favourite>
    </contact></contacts></result>`);
    expect(await pbx.getPhonebook("Saul")).toEqual([
      {
        id: null,
        name: "Saul",
        surname: "Goodman",
        company: "Goodman Law",
        office: "06123123",
        home: "",
        mobile: "069876543",
        fax: "",
        other: "",
        email: "saul@example.com",
        is_favourite: true,
        uc_app_name: null,
        uc_external_id: null,
      },
    ]);
  });

  it("cuts the list at limit on the client side", async () => {
    const one = (n: number) => `<contact><id>${n}</id><name>N${n}</name><is_favourite>0</is_favourite></contact>`;
    answer(`<result><outcome>0</outcome><contacts>${one(1)}${one(2)}${one(3)}</contacts></result>`);
    expect((await pbx.getPhonebook("N", { limit: 2 })).map((entry) => entry.id)).toEqual(["1", "2"]);
  });

  it("refuses an add_phonebook answer without a contact id", async () => {
    answer("<result><outcome>0</outcome></result>");
    const error = await failure(pbx.addPhonebook({ name: "Kim" }));
    expect(error.code).toBe("PBX_MALFORMED_RESPONSE");
    expect(error.message).toMatch(/no <contact_id>/);
  });
});
