// A REST job completed from its mapping's source: block: what the job gives wins, object settings merge one level,
// and only the preset settings taken need their environment variables.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { RestConfig } from "../../connectors/rest.js";
import { parseConfig } from "../../src/config/index.js";
import { isSyncError } from "../../src/errors.js";
import { tempDir } from "../helpers/temp.js";

const PRESET = `version: 1
externalId: id
defaultCountry: IT
source:
  baseUrl: https://\${CRM_DOMAIN}
  path: /api/contacts
  query: { limit: 100, fields: "id,name" }
  records: data
  paging: { type: cursor, param: after, from: next }
  auth:
    type: oauth2
    tokenUrl: https://\${CRM_DOMAIN}/oauth/token
    clientId: \${CRM_CLIENT_ID}
    clientSecret: \${CRM_CLIENT_SECRET}
    scope: contacts.read
fields:
  name: { from: name }
`;

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
  await writeFile(path.join(dir, "crm.yaml"), PRESET);
});

function load(source: string, env: Record<string, string>): RestConfig {
  const text = `pbx: { url: embedded, token: t0k3n-xyz }\njobs:\n  - name: crm\n    appName: CRM\n    source: ${source}\n    mapping: ./crm.yaml\n`;
  return parseConfig(text, path.join(dir, "config.yaml"), { env }).jobs[0]?.source.config as RestConfig;
}

const ENV = { CRM_DOMAIN: "crm.example.com", CRM_CLIENT_ID: "client-1", CRM_CLIENT_SECRET: "s3cret-client" };

describe("a REST job completed from its preset", () => {
  it("takes every setting it does not give, with the preset's variables expanded", () => {
    const config = load("{ type: rest }", ENV);
    expect(config.baseUrl).toBe("https://crm.example.com");
    expect(config.auth).toMatchObject({ type: "oauth2", tokenUrl: "https://crm.example.com/oauth/token", clientId: "client-1", scope: "contacts.read" });
    expect(config.paging).toEqual({ type: "cursor", param: "after", from: "next" });
  });

  it("merges an object setting one level (auth, query) and needs no variable of what the job replaced", () => {
    const config = load('{ type: rest, baseUrl: "http://127.0.0.1:9", auth: { tokenUrl: "http://127.0.0.1:9/token" }, query: { limit: 10 } }', {
      CRM_CLIENT_ID: "client-1",
      CRM_CLIENT_SECRET: "s3cret-client",
    });
    expect(config.baseUrl).toBe("http://127.0.0.1:9");
    expect(config.auth).toMatchObject({ type: "oauth2", tokenUrl: "http://127.0.0.1:9/token", clientId: "client-1", clientSecret: "s3cret-client" });
    expect(config.query).toEqual({ limit: 10, fields: "id,name" });
  });

  it("replaces an object setting of another type whole", () => {
    const config = load('{ type: rest, auth: { type: bearer, token: "abc-123-token" } }', { CRM_DOMAIN: "crm.example.com" });
    expect(config.auth).toEqual({ type: "bearer", token: "abc-123-token" });
  });

  it("names the unset variables a preset setting needs, and the preset", () => {
    let message = "";
    try {
      load("{ type: rest }", { CRM_DOMAIN: "crm.example.com" });
    } catch (err) {
      if (!isSyncError(err)) throw err;
      message = err.message;
    }
    expect(message).toMatch(/jobs\[0\]\.source\.auth\.clientId: environment variable CRM_CLIENT_ID is not set \(the source: block of crm\.yaml needs it\)/);
    expect(message).toMatch(/CRM_CLIENT_SECRET is not set/);
  });
});
