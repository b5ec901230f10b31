// The fast reader of phonebook_import_sync answers against the fast-xml-parser path it stands in for (examples and fast-check).
import http from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SyncError } from "../../src/errors.js";
import { readImportSyncAnswer, readImportSyncResult } from "../../src/pbx/import-answer.js";
import { PbxClient } from "../../src/pbx/index.js";
import { importSyncResult } from "../../src/pbx/results.js";
import type { HttpAnswer } from "../../src/pbx/transport.js";
import { parseResult, readResult } from "../../src/pbx/xml.js";

const SERVICE = "phonebook_import_sync";
const DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>';
const COUNTS = "<outcome>0</outcome><processed>2</processed><skipped>0</skipped><warnings>1</warnings><errors>0</errors>";

/** What the client sees: the ImportSyncResult, or the SyncError's code, message and fields. */
type Seen =
  | { value: unknown }
  | { code: string; message: string; hint: string; status?: number; bodyExcerpt?: string; pbxError?: string }
  | { other: string };

function seen(read: (answer: HttpAnswer, service: string) => ReturnType<typeof readResult>, answer: HttpAnswer): Seen {
  try {
    return { value: importSyncResult(read(answer, SERVICE)) };
  } catch (err) {
    // fast-xml-parser throws a plain Error for a few bodies its validator passes; the fast reader must leave those alone too.
    if (!(err instanceof SyncError)) return { other: String(err) };
    const { code, message, hint, status, bodyExcerpt, pbxError } = err;
    return { code, message, hint, status, bodyExcerpt, pbxError };
  }
}

/** The old path and the new one give the same; returns what the new one gave. */
function sameAsParser(body: string, contentType = "text/xml; charset=UTF-8"): Seen {
  const answer: HttpAnswer = { status: 200, contentType, body };
  const fast = seen(readImportSyncAnswer, answer);
  expect(fast).toEqual(seen(readResult, answer));
  return fast;
}

function xml(inner: string): string {
  return `${DECLARATION}\n<result>${inner}</result>\n`;
}

describe("the fast reader of phonebook_import_sync answers", () => {
  it("reads the emulator's layout, decodes the five entities and trims values as fast-xml-parser does", () => {
    const body =
      `${DECLARATION}\n<result>\n\t<outcome>0</outcome>\n\t<processed>2</processed>\n\t<skipped>0</skipped>\n\t<warnings>1</warnings>\n` +
      "\t<errors>0</errors>\n\t<contacts>\n\t\t<contact>\n\t\t\t<uc_external_id> c&amp;1 </uc_external_id>\n\t\t\t<id>007</id>\n" +
      "\t\t\t<act>INSERT</act>\n\t\t\t<info>company &quot;Smith &amp; Sons&quot; &lt;b&gt; it&apos;s</info>\n\t\t</contact>\n" +
      "\t\t<contact><uc_external_id>c-2</uc_external_id><id>8</id><act>update</act><info></info></contact>\n\t</contacts>\n</result>\n";
    expect(readImportSyncResult(body.trim())).toBeDefined();
    expect(sameAsParser(body)).toEqual({
      value: {
        processed: 2,
        skipped: 0,
        warnings: 1,
        errors: 0,
        contacts: [
          { uc_external_id: "c&1", id: "007", act: "insert", info: `company "Smith & Sons" <b> it's` },
          { uc_external_id: "c-2", id: "8", act: "update", info: "" },
        ],
      },
    });
  });

  it("keeps numeric references as written, as fast-xml-parser does without htmlEntities", () => {
    const body = xml(`${COUNTS}<contacts><contact><uc_external_id>D&#039;Angelo &#x41;</uc_external_id><id>1</id></contact></contacts>`);
    expect(readImportSyncResult(body.trim())).toBeDefined();
    expect(sameAsParser(body)).toMatchObject({ value: { contacts: [{ uc_external_id: "D&#039;Angelo &#x41;" }] } });
  });

  it("gives a null id for <id/> and <id></id>, and an empty info for a missing <info>", () => {
    const body = xml(
      `${COUNTS}<contacts><contact><uc_external_id>a</uc_external_id><id/><act>skip</act></contact>` +
        "<contact><info>bad</info><act>error</act><id></id><uc_external_id>b</uc_external_id></contact></contacts>",
    );
    expect(readImportSyncResult(body.trim())).toBeDefined();
    expect(sameAsParser(body)).toMatchObject({
      value: {
        contacts: [
          { uc_external_id: "a", id: null, act: "skip", info: "" },
          { uc_external_id: "b", id: null, act: "error", info: "bad" },
        ],
      },
    });
  });

  it("reads one contact as a list of one, and zero contacts as an empty list", () => {
    const one = xml(`${COUNTS}<contacts><contact><uc_external_id>x</uc_external_id></contact></contacts>`);
    expect(sameAsParser(one)).toMatchObject({ value: { contacts: [{ uc_external_id: "x", id: null, act: "", info: "" }] } });
    for (const empty of ["<contacts/>", "<contacts>\n\t</contacts>", ""]) {
      const body = xml(`${COUNTS}${empty}`);
      expect(readImportSyncResult(body.trim())).toBeDefined();
      expect(sameAsParser(body)).toMatchObject({ value: { processed: 2, contacts: [] } });
    }
  });

  it("reads a body with no declaration, elements in another order and \\r\\n line ends", () => {
    const body = "<result>\r\n<contacts>\r\n<contact><act>insert</act><uc_external_id>a\r\nb</uc_external_id></contact>\r\n</contacts>\r\n" +
      "<errors>0</errors><outcome>0</outcome></result>";
    expect(readImportSyncResult(body)).toBeDefined();
    expect(sameAsParser(body)).toMatchObject({ value: { processed: 0, contacts: [{ uc_external_id: "a\nb", act: "insert" }] } });
  });

  it("leaves CDATA, comments, attributes, unknown entities and other tags to fast-xml-parser", () => {
    const cases = [
      `<contact><uc_external_id><![CDATA[a&b]]></uc_external_id></contact>`,
      `<contact><uc_external_id>a</uc_external_id><!-- note --></contact>`,
      `<contact id="1"><uc_external_id>a</uc_external_id></contact>`,
      `<contact><uc_external_id>a&nbsp;</uc_external_id></contact>`,
      `<contact><uc_external_id>a&#1;</uc_external_id></contact>`,
      `<contact><uc_external_id>a</uc_external_id><name>x</name></contact>`,
    ];
    for (const contact of cases) {
      const body = xml(`${COUNTS}<contacts>${contact}</contacts>`);
      expect(readImportSyncResult(body.trim()), contact).toBeUndefined();
      expect(sameAsParser(body), contact).toHaveProperty("value");
    }
    // A repeated field is a list to fast-xml-parser, so importSyncResult finds no text in it: today's error stays.
    const repeated = xml(`${COUNTS}<contacts><contact><uc_external_id>a</uc_external_id><uc_external_id>b</uc_external_id></contact></contacts>`);
    expect(readImportSyncResult(repeated.trim())).toBeUndefined();
    expect(sameAsParser(repeated)).toMatchObject({ code: "PBX_MALFORMED_RESPONSE", message: expect.stringContaining("contact #1") });
  });

  it("leaves outcome=1 to the existing path, with its error unchanged", () => {
    const body = xml("<outcome>1</outcome><error>too many contacts in one request: 2000 (limit 1000)</error>");
    expect(readImportSyncResult(body.trim())).toBeUndefined();
    expect(sameAsParser(body)).toEqual({
      code: "PBX_BATCH_TOO_LARGE",
      message: `the PBX refused ${SERVICE}: too many contacts in one request: 2000 (limit 1000)`,
      hint: expect.any(String),
      status: 200,
      bodyExcerpt: undefined,
      pbxError: "too many contacts in one request: 2000 (limit 1000)",
    });
  });

  it("never accepts XML the validator refuses: a bare & or a cut answer is still PBX_MALFORMED_RESPONSE", () => {
    for (const body of [
      xml(`${COUNTS}<contacts><contact><uc_external_id>Smith & Sons</uc_external_id></contact></contacts>`),
      xml(`${COUNTS}<contacts><contact><uc_external_id>a</uc_external_id></contact>`),
      `${DECLARATION}<result>${COUNTS}<contacts><contact><uc_external_id>a</uc_ext`,
    ]) {
      expect(readImportSyncResult(body.trim())).toBeUndefined();
      expect(sameAsParser(body)).toMatchObject({ code: "PBX_MALFORMED_RESPONSE" });
    }
  });

  it("reads a prologue the validator lets through but the parser throws on as PBX_MALFORMED_RESPONSE, not a bare Error", () => {
    const body = `<?xml version=1.0"?><result>${COUNTS}</result>`;
    expect(readImportSyncResult(body)).toBeUndefined();
    let thrown: unknown;
    try {
      parseResult(body, 200, "phonebook_import_sync");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SyncError);
    expect(thrown).toMatchObject({ code: "PBX_MALFORMED_RESPONSE", message: expect.stringContaining("is not well-formed XML") });
  });

  it("keeps the status, empty-body and HTML checks first", () => {
    const body = xml(`${COUNTS}<contacts/>`);
    expect(() => readImportSyncAnswer({ status: 500, contentType: "text/xml", body }, SERVICE)).toThrow(/HTTP 500/);
    expect(() => readImportSyncAnswer({ status: 200, contentType: "text/xml", body: " \n" }, SERVICE)).toThrow(/is empty/);
    expect(sameAsParser("<html><body>login</body></html>", "text/html")).toMatchObject({ code: "PBX_HTML_RESPONSE" });
  });
});

describe("PbxClient.importSync through the fast reader", () => {
  let server: http.Server;
  let pbx: PbxClient;
  const body = xml(`${COUNTS}<contacts><contact><uc_external_id>c-1</uc_external_id><id>5</id><act>Update</act><info>a &amp; b</info></contact></contacts>`);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "text/xml" }).end(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    pbx = new PbxClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: "tok-import-answer-7c1e" });
  });

  afterAll(async () => {
    await pbx.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("gives the result the old path gives for the same answer", async () => {
    const result = await pbx.importSync([{ uc_app_name: "CRM", uc_external_id: "c-1", name: "Walter" }]);
    expect(result).toEqual(importSyncResult(readResult({ status: 200, contentType: "text/xml", body }, SERVICE)));
    expect(result.contacts).toEqual([{ uc_external_id: "c-1", id: "5", act: "update", info: "a & b" }]);
  });
});

// ---- fast-check: generated answers, then mutated ----

/** Text a PBX may write: any code points, < and & escaped, the five entities, white space at either end. */
const RAW = fc.string({ unit: "binary", maxLength: 12 }).map((s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;"));
const SPACE = fc.constantFrom("", "", "\n", "\n\t\t", " ", "\r\n", "\t", "\u00a0", "\r", "\u3000");
const ENTITY = fc.constantFrom("&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#39;", "&#x27;", "&#65;", "&#9;", "&#x1F600;", "&#1114112;");
/** What the fast reader must leave to fast-xml-parser, or what neither should accept. */
const ODD = fc.constantFrom(
  "&#0;", "&#1;", "&#x1f;", "&#xD800;", "&#X41;", "&#;", "&#x;", "&nbsp;", "&foo;", "&amp", "&", "&#00000000000000000000000000000000001;",
  "<![CDATA[ x&y ]]>", "<!-- c -->", "<?pi x?>", "<b>x</b>", "<br/>", "]]>", ">", "\u0000", "\uFEFF", "\u2028", "\uD800",
);

/** The arbitraries of one answer; a noisy one slips odd pieces in here and there. */
function answerParts(noisy: boolean) {
  const odd = (weight: number) => ({ weight: noisy ? weight : 0, arbitrary: ODD });
  const text = fc
    .array(fc.oneof({ weight: 12, arbitrary: RAW }, { weight: 4, arbitrary: ENTITY }, { weight: 4, arbitrary: SPACE }, odd(1)), { maxLength: 5 })
    .map((parts) => parts.join(""));
  const element = (tag: string, value: fc.Arbitrary<string>): fc.Arbitrary<string> =>
    fc.oneof(
      { weight: 30, arbitrary: value.map((v) => `<${tag}>${v}</${tag}>`) },
      { weight: 3, arbitrary: fc.constantFrom(`<${tag}/>`, `<${tag}></${tag}>`) },
      { weight: noisy ? 1 : 0, arbitrary: fc.constantFrom(`<${tag} />`, `<${tag} a="1">x</${tag}>`, `<${tag}>x</${tag} >`, `<${tag}><b/></${tag}>`) },
    );
  const id = fc.oneof(fc.stringMatching(/^[0-9]{1,6}$/), text);
  const act = fc.oneof(fc.constantFrom("insert", "update", "skip", "error", "INSERT", " Update "), text);
  const fields = [element("uc_external_id", id), element("id", id), element("act", act), element("info", text)];
  const extra = noisy ? fc.constantFrom("", "", "", "<name>x</name>", "<id>9</id>", "x", "<!-- c -->") : fc.constant("");
  const contact = fc
    .tuple(fc.shuffledSubarray(fields, { minLength: noisy ? 0 : 1, maxLength: 4 }), extra, SPACE)
    .chain(([chosen, more, space]) => fc.tuple(fc.constant(more), ...chosen).map((f) => f.join(space)))
    .map((inner) => `<contact>${inner}</contact>`);
  const contacts = fc.oneof(
    { weight: 12, arbitrary: fc.tuple(fc.array(contact, { maxLength: 6 }), SPACE).map(([list, space]) => `<contacts>${space}${list.join(space)}${space}</contacts>`) },
    { weight: 1, arbitrary: fc.constant("<contacts/>") },
    { weight: noisy ? 1 : 0, arbitrary: fc.constantFrom("<contacts>x</contacts>", "<contacts><contact/></contacts>", "<contacts><contact> </contact></contacts>") },
  );
  const count = fc.oneof({ weight: 12, arbitrary: fc.stringMatching(/^[0-9]{1,4}$/) }, { weight: noisy ? 2 : 0, arbitrary: fc.constantFrom("", " 3 ", "x", "&#48;", "-1", "1e3") });
  const outcome = fc.oneof(
    { weight: 12, arbitrary: fc.constant("<outcome>0</outcome>") },
    {
      weight: noisy ? 2 : 0,
      arbitrary: fc.constantFrom("<outcome>1</outcome><error>invalid token</error>", "<outcome>1</outcome>", "<outcome> 0 </outcome>", "<outcome>2</outcome>", "", "<outcome/>"),
    },
  );
  const result = fc
    .tuple(fc.shuffledSubarray([element("processed", count), element("skipped", count), element("warnings", count), element("errors", count), contacts], { minLength: 3 }), SPACE)
    .chain(([parts, space]) => fc.tuple(outcome, ...parts).chain((p) => fc.shuffledSubarray(p, { minLength: p.length })).map((p) => `<result>${space}${p.join(space)}${space}</result>`));
  const prologue = fc.constantFrom(
    "",
    '<?xml version="1.0" encoding="UTF-8" ?>\n',
    "<?xml version='1.1'?>",
    "<?xml?>",
    ...(noisy ? ['<?xml-stylesheet href="a"?>', '<?xml version="1.0"?><!DOCTYPE result>', '\uFEFF<?xml version="1.0"?>\r\n', '<?xml version="1.0" ?>\u00a0', "<!-- c --><?xml?>"] : []),
  );
  return { prologue, result };
}

/** A body cut, with a character dropped, with a character put in, or with a stretch written twice. */
const MUTATION = fc.record({
  kind: fc.constantFrom("cut", "drop", "insert", "double"),
  at: fc.nat(),
  char: fc.constantFrom("<", ">", "&", "/", ";", '"', "'", "=", "!", "?", "[", "x", " ", "\u00a0"),
});

function mutate(body: string, m: { kind: string; at: number; char: string } | null): string {
  if (m === null) return body;
  const at = m.at % (body.length + 1);
  if (m.kind === "cut") return body.slice(0, at);
  if (m.kind === "drop") return body.slice(0, at) + body.slice(at + 1);
  if (m.kind === "insert") return body.slice(0, at) + m.char + body.slice(at);
  return body.slice(0, at) + body.slice(at, at + 40) + body.slice(at);
}

function answers(noisy: boolean, mutated: boolean): fc.Arbitrary<string> {
  const { prologue, result } = answerParts(noisy);
  return fc
    .tuple(prologue, result, SPACE, mutated ? MUTATION : fc.constant(null))
    .map(([head, body, space, m]) => mutate(`${head}${body}${space}`, m));
}

const ANSWER = fc.oneof(answers(false, false), answers(true, false), answers(false, true), answers(true, true));

describe("the fast reader against fast-xml-parser (fast-check)", () => {
  it("reads every clean generated answer itself", () => {
    fc.assert(
      fc.property(answers(false, false), (body) => {
        expect(readImportSyncResult(body.trim())).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });

  it("gives the client what validate + parse + importSyncResult give, for generated and mutated answers", () => {
    fc.assert(
      fc.property(ANSWER, fc.constantFrom("text/xml", "text/html; charset=UTF-8"), (body, contentType) => {
        sameAsParser(body, contentType);
      }),
      { numRuns: 3000 },
    );
  });

  it("accepts only bodies the validator accepts, and builds fast-xml-parser's very <result> for them", () => {
    fc.assert(
      fc.property(ANSWER, (raw) => {
        const body = raw.replace(/^\uFEFF/, "").trim();
        const node = readImportSyncResult(body);
        if (node !== undefined) expect(node).toEqual(parseResult(body, 200, SERVICE));
      }),
      { numRuns: 3000 },
    );
  });
});
