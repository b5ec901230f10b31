// The CardDAV source's login options as the configuration loader reports them: one login of basic, bearer or
// oauth2, each problem on the line of the key at fault; and the secrets the source registers.
import { describe, expect, it } from "vitest";
import { carddavConfigSchema, carddavSecrets } from "../../connectors/carddav-config.js";
import { parseConfig } from "../../src/config/index.js";
import { isSyncError } from "../../src/errors.js";

const FILE = "/etc/phonebook-sync/config.yaml";
const GOOGLE = "https://www.googleapis.com/carddav/v1/principals/alice@example.com/lists/default/";

/** A configuration with one CardDAV job whose source ends with `login` (YAML lines, indented under source:). */
function configWith(login: string): string {
  return `pbx: { url: https://pbx.example.com, token: cfg-carddav-token-1 }
jobs:
  - name: google
    appName: GOOGLE
    source:
      type: carddav
      url: ${GOOGLE}
${login
  .split("\n")
  .map((line) => `      ${line}`)
  .join("\n")}
    mapping: ./vcard.yaml
`;
}

/** What the loader refuses in the text, one problem a line. */
function problems(text: string): string[] {
  try {
    parseConfig(text, FILE, { env: { GOOGLE_REFRESH_TOKEN: "1//0g-refresh", GOOGLE_CLIENT_SECRET: "GOCSPX-secret" } });
  } catch (err) {
    if (!isSyncError(err, "CONFIG_INVALID")) throw err;
    return err.message
      .split("\n")
      .slice(1)
      .map((line) => line.replace(/^\s*- /, ""));
  }
  return [];
}

const OAUTH2 = `oauth2:
  clientId: 123-abc.apps.googleusercontent.com
  clientSecret: "\${GOOGLE_CLIENT_SECRET}"
  refreshToken: "\${GOOGLE_REFRESH_TOKEN}"`;

describe("a CardDAV source's login in the configuration", () => {
  it("takes oauth2 alone, with Google's token endpoint by default", () => {
    const config = parseConfig(configWith(OAUTH2), FILE, { env: { GOOGLE_REFRESH_TOKEN: "1//0g-refresh", GOOGLE_CLIENT_SECRET: "GOCSPX-secret" } });
    expect(config.jobs[0]?.source.config).toMatchObject({
      oauth2: { tokenUrl: "https://oauth2.googleapis.com/token", clientId: "123-abc.apps.googleusercontent.com", clientSecret: "GOCSPX-secret", refreshToken: "1//0g-refresh" },
    });
  });

  it("refuses oauth2 with a bearer token, on the oauth2 line", () => {
    expect(problems(configWith(`token: static-bearer-1\n${OAUTH2}`))).toEqual([
      `${FILE}:9: jobs[0].source.oauth2: give either oauth2 (a refresh token) or token (bearer), not both`,
    ]);
  });

  it("refuses oauth2 with a user name and password, on the oauth2 line", () => {
    expect(problems(configWith(`username: alice@example.com\npassword: app-pw-1\n${OAUTH2}`))).toEqual([
      `${FILE}:10: jobs[0].source.oauth2: give either oauth2 (a refresh token) or username and password, not both`,
    ]);
  });

  it("says what oauth2 lacks or has too much of, and a token URL that is not HTTP", () => {
    const login = `oauth2:
  tokenUrl: ftp://oauth.example.com/token
  clientSecret: x
  refreshToken: y
  scopes: z`;
    expect(problems(configWith(login))).toEqual([
      `${FILE}:9: jobs[0].source.oauth2.tokenUrl: a token URL starts with https:// (or http:// on a trusted network)`,
      `${FILE}:8: jobs[0].source.oauth2.clientId: is required`,
      `${FILE}:12: jobs[0].source.oauth2: unknown option scopes (did you mean "scope"?)`,
    ]);
  });

  it("keeps the existing rules: a token with a password, a password without its user", () => {
    expect(problems(configWith("username: alice\npassword: pw-1\ntoken: bearer-1"))).toEqual([
      `${FILE}:10: jobs[0].source.token: give either token (bearer) or username and password, not both`,
    ]);
    // The username is missing, so the problem is on the line of the source that lacks it.
    expect(problems(configWith("password: pw-1"))).toEqual([`${FILE}:5: jobs[0].source.username: a password needs its username`]);
  });
});

describe("carddavSecrets", () => {
  it("names the OAuth client's secret and the refresh token, never the client ID", () => {
    const config = carddavConfigSchema.parse({ type: "carddav", url: GOOGLE, oauth2: { clientId: "client-id-1", clientSecret: "client-secret-1", refreshToken: "refresh-token-1" } });
    expect(carddavSecrets(config)).toEqual(["client-secret-1", "refresh-token-1"]);
  });

  it("names the password or the token of the other logins", () => {
    expect(carddavSecrets(carddavConfigSchema.parse({ type: "carddav", url: GOOGLE, username: "alice", password: "pw-1" }))).toEqual(["pw-1"]);
    expect(carddavSecrets(carddavConfigSchema.parse({ type: "carddav", url: GOOGLE, token: "bearer-1" }))).toEqual(["bearer-1"]);
  });
});
