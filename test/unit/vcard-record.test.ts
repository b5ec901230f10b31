// One vCard's text -> a source record's fields: vCard 3 (Apple), 4 and 2.1 spellings, and where a broken card breaks.
import { describe, expect, it } from "vitest";
import { parseVCard, VCARD_COLUMNS, type VCardFields } from "../../connectors/vcard.js";
import { shapesOf } from "../../src/mapping/field-path.js";
import { APPLE_CARD, VCARD4_CARD } from "./vcard-cards.js";

/** The fields of a card that must parse. */
function fieldsOf(text: string): VCardFields {
  const parsed = parseVCard(text);
  if (!parsed.ok) throw new Error(`expected the card to parse, got line ${parsed.line}: ${parsed.message}`);
  return parsed.fields;
}

const NO_NAME = { family: "", given: "", additional: "", prefix: "", suffix: "" };

describe("parseVCard: vCard 3.0 (Apple)", () => {
  it("reads names, organisation, e-mails preferred first, notes with newlines and groups", () => {
    const fields = fieldsOf(APPLE_CARD);
    expect(fields).toMatchObject({
      uid: "0C3D7B2A-1111-4E0F-9A55-6B1B2C3D4E5F",
      version: "3.0",
      fn: "Dr. Zoë Anna Müller",
      n: { family: "Müller", given: "Zoë", additional: "Anna", prefix: "Dr.", suffix: "" },
      givenName: "Zoë Anna",
      familyName: "Müller",
      org: "Müller GmbH",
      orgUnit: "Einkauf",
      title: "Leiterin Einkauf",
      note: "Ruft gern morgens an.\nRabatt 5%, Zahlung 30 Tage.",
      email: "zoe.mueller@mueller.example",
      emails: [
        { value: "zoe.mueller@mueller.example", type: "work" },
        { value: "zoe@home.example", type: "home" },
      ],
      categories: ["Customers", "VIP"],
      adr: [{ type: "work", poBox: "", extended: "", street: "Friedrichstraße 10", locality: "Berlin", region: "", postalCode: "10117", country: "Deutschland" }],
      country: "Deutschland",
      nickname: "",
      role: "",
      url: "",
      bday: "",
    });
  });

  it("reads every number with its types, Apple's label, one type to route on, the preferred one first", () => {
    expect(fieldsOf(APPLE_CARD).tel).toEqual([
      { value: "+49 171 2345678", type: "cell", types: [], pref: true, label: "Mobile" },
      { value: "030 1234567", type: "work", types: ["work", "voice"], pref: false, label: "" },
      { value: "030 1234568", type: "work fax", types: ["work", "fax"], pref: false, label: "" },
      { value: "030 7654321", type: "lager", types: [], pref: false, label: "Lager" },
      { value: "030 555 0101", type: "home", types: ["home", "voice"], pref: false, label: "" },
    ]);
  });

  it("leaves the photo out of the record, however large", () => {
    const chunk = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0";
    const photo = ["PHOTO;ENCODING=b;TYPE=JPEG:" + chunk, ...Array.from({ length: 4000 }, () => ` ${chunk}`)];
    const card = ["BEGIN:VCARD", "VERSION:3.0", "FN:Foto", ...photo, "TEL:0733 123456", "END:VCARD"].join("\r\n");
    expect(card.length).toBeGreaterThan(300_000);
    const fields = fieldsOf(card);
    expect(fields.tel.map((tel) => tel.value)).toEqual(["0733 123456"]);
    const json = JSON.stringify(fields);
    expect(json).not.toContain("QUJD");
    expect(json.length).toBeLessThan(1000);
    expect(JSON.stringify(fieldsOf(APPLE_CARD))).not.toContain("9j/4AAQ");
  });

  it("routes Apple's built-in labels and plain TYPE words to the same types", () => {
    const card = (lines: string[]) => ["BEGIN:VCARD", "VERSION:3.0", "FN:X", ...lines, "END:VCARD"].join("\r\n");
    const types = fieldsOf(
      card([
        "item1.TEL:1",
        "item1.X-ABLabel:_$!<HomeFAX>!$_",
        "item2.TEL:2",
        "item2.X-ABLabel:_$!<Main>!$_",
        "item3.TEL:3",
        "item3.X-ABLabel:_$!<Pager>!$_",
        "item4.TEL:4",
        "item4.X-ABLabel:_$!<Other>!$_",
        "item5.TEL;type=CELL:5",
        "item5.X-ABLabel:  Main Number ",
        "TEL;type=IPHONE:6",
        "TEL;type=FAX:7",
        "TEL;type=VOICE:8",
        "TEL:9",
        "TEL;type=PAGER:10",
        "item6.TEL:11",
        "item6.X-ABLabel:__proto__",
        "TEL;type=OTHER;type=FAX:12",
      ]),
    ).tel.map((tel) => `${tel.value}=${tel.type}`);
    expect(types).toEqual(["1=home fax", "2=main", "3=pager", "4=other", "5=main", "6=cell", "7=fax", "8=other", "9=other", "10=pager", "11=__proto__", "12=fax"]);
  });
});

describe("parseVCard: vCard 4.0", () => {
  it("keeps the urn:uuid UID, joins multi-valued name parts, orders by PREF=n, reads tel: URIs", () => {
    const fields = fieldsOf(VCARD4_CARD);
    expect(fields).toMatchObject({
      uid: "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
      version: "4.0",
      fn: "Łukasz Żółć",
      n: { family: "Żółć", given: "Łukasz", additional: "Jan Maria", prefix: "", suffix: "" },
      givenName: "Łukasz Jan Maria",
      familyName: "Żółć",
      org: "Żółć Sp. z o.o.",
      orgUnit: "",
      email: "lukasz@zolc.example",
      emails: [
        { value: "lukasz@zolc.example", type: "" },
        { value: "biuro@zolc.example", type: "work" },
      ],
      categories: ["Customers", "Suppliers"],
      bday: "1985-04-12",
      nickname: "Łuki, Luke",
      url: "https://zolc.example/",
      country: "Poland",
    });
    expect(fields.tel).toEqual([
      { value: "+48-600-100-200", type: "cell", types: ["cell"], pref: true, label: "" },
      { value: "+48-22-123-45-67 ext. 89", type: "work", types: ["work", "voice"], pref: true, label: "" },
      { value: "+48-22-765-43-21", type: "work", types: ["work", "voice"], pref: false, label: "" },
      { value: "+48-22-111-22-33", type: "home", types: ["home"], pref: false, label: "" },
      { value: "+48 600 100 201", type: "other", types: ["text"], pref: false, label: "" },
    ]);
    expect(fields.adr.map((adr) => [adr.type, adr.street, adr.country])).toEqual([
      ["work", "ul. Prosta 2, piętro 3", "Poland"],
      ["home", "ul. Marszałkowska 1", "Polska"],
    ]);
  });

  it("reads a card whose VERSION is not its first line, with CR line ends", () => {
    const fields = fieldsOf(["BEGIN:VCARD", "FN:Anna", "VERSION:4.0", "TEL;VALUE=uri:tel:+39-0733-123456", "END:VCARD"].join("\r"));
    expect(fields.version).toBe("4.0");
    expect(fields.tel[0]?.value).toBe("+39-0733-123456");
  });
});

describe("parseVCard: vCard 2.1", () => {
  it("decodes quoted-printable values (soft line breaks, charsets) and reads bare TYPE parameters", () => {
    const card = [
      "BEGIN:VCARD",
      "VERSION:2.1",
      "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;Zo=C3=AB;;;",
      "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Zo=C3=AB M=C3=BCller",
      "ORG;CHARSET=ISO-8859-1;QUOTED-PRINTABLE:Caf=E9 Roma",
      "NOTE;ENCODING=QUOTED-PRINTABLE:Prima riga=0D=0ASeconda riga, molto lunga, spezzata=",
      "in due righe",
      "TEL;CELL:+39 333 1234567",
      "TEL;WORK;FAX:0733 654321",
      "TEL;PREF;WORK;VOICE:0733 123456",
      "PHOTO;ENCODING=BASE64;TYPE=JPEG:",
      "  /9j/4AAQSkZJRgABAQAAAQABAAD",
      "  /2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0a",
      "",
      "END:VCARD",
    ].join("\r\n");
    const fields = fieldsOf(card);
    expect(fields).toMatchObject({
      version: "2.1",
      n: { ...NO_NAME, family: "Müller", given: "Zoë" },
      fn: "Zoë Müller",
      org: "Café Roma",
      note: "Prima riga\r\nSeconda riga, molto lunga, spezzatain due righe",
    });
    expect(fields.tel).toEqual([
      { value: "0733 123456", type: "work", types: ["work", "voice"], pref: true, label: "" },
      { value: "+39 333 1234567", type: "cell", types: ["cell"], pref: false, label: "" },
      { value: "0733 654321", type: "work fax", types: ["work", "fax"], pref: false, label: "" },
    ]);
  });

  it("does not let a stray soft line break swallow END:VCARD", () => {
    const fields = fieldsOf(["BEGIN:VCARD", "VERSION:2.1", "FN:A", "NOTE;ENCODING=QUOTED-PRINTABLE:fine=", "END:VCARD"].join("\r\n"));
    expect(fields.note).toBe("fine=");
  });
});

describe("parseVCard: names", () => {
  const card = (lines: string[]) => ["BEGIN:VCARD", "VERSION:3.0", ...lines, "END:VCARD"].join("\r\n");

  it("gives a card with only FN its FN as the given name", () => {
    expect(fieldsOf(card(["FN:Portineria", "N:;;;;"]))).toMatchObject({ givenName: "Portineria", familyName: "", n: NO_NAME });
    expect(fieldsOf(card(["FN:Portineria"]))).toMatchObject({ givenName: "Portineria", familyName: "" });
  });

  it("gives a company's card (FN = ORG, no person's name) no given name", () => {
    expect(fieldsOf(card(["N:;;;;", "FN:Rossi & Figli S.r.l.", "ORG:Rossi & Figli S.r.l.;", "X-ABShowAs:COMPANY"]))).toMatchObject({
      givenName: "",
      familyName: "",
      org: "Rossi & Figli S.r.l.",
    });
  });

  it("reads a card with neither FN nor N: empty texts and lists, never undefined", () => {
    const fields = fieldsOf(card(["TEL:1"]));
    expect(fields).toEqual({
      uid: "",
      version: "3.0",
      fn: "",
      n: NO_NAME,
      givenName: "",
      familyName: "",
      nickname: "",
      title: "",
      role: "",
      note: "",
      url: "",
      bday: "",
      org: "",
      orgUnit: "",
      email: "",
      emails: [],
      tel: [{ value: "1", type: "other", types: [], pref: false, label: "" }],
      categories: [],
      adr: [],
      country: "",
    });
    expect(Object.getPrototypeOf(fields.n)).toBe(Object.prototype);
  });
});

describe("parseVCard: broken cards", () => {
  const cases: { name: string; text: string; line: number; message: string }[] = [
    { name: "an empty text", text: "", line: 1, message: "no BEGIN:VCARD: the text is empty" },
    { name: "no BEGIN:VCARD", text: "\r\nVERSION:3.0\r\nFN:X\r\nEND:VCARD\r\n", line: 2, message: 'expected BEGIN:VCARD, found "VERSION:3.0"' },
    { name: "no END:VCARD", text: "BEGIN:VCARD\nVERSION:3.0\nFN:X\nTEL:1\n\n", line: 4, message: "no END:VCARD: the card that begins on line 1 is cut short" },
    {
      name: "two cards",
      text: "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:B\r\nEND:VCARD\r\n",
      line: 5,
      message: "a second card after END:VCARD: one card per text",
    },
    { name: "a card inside a card", text: "BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nEND:VCARD\nEND:VCARD", line: 3, message: "BEGIN:VCARD inside a card: one card per text" },
    { name: "text after the card", text: "BEGIN:VCARD\nFN:A\nEND:VCARD\nTrailing junk", line: 4, message: 'text after END:VCARD: "Trailing junk"' },
    {
      name: "an unclosed quote after folded lines",
      text: ["BEGIN:VCARD", "VERSION:3.0", "NOTE:a long", " folded", " note", 'TEL;TYPE="work:0733 1', "END:VCARD"].join("\r\n"),
      line: 6,
      message: 'cannot read "TEL;TYPE=\\"work:0733 1": a double quote is not closed',
    },
    { name: "a line without a colon", text: "BEGIN:VCARD\nVERSION:4.0\nFN:A\nthis is not a property\nEND:VCARD", line: 4, message: 'cannot read "this is not a property": no ":" between the name and the value' },
    { name: "parameters without a value", text: "BEGIN:VCARD\nFN:A\nTEL;TYPE=work\nEND:VCARD", line: 3, message: 'cannot read "TEL;TYPE=work": no ":" after the parameters' },
  ];

  for (const { name, text, line, message } of cases) {
    it(`names the line of ${name}`, () => {
      expect(parseVCard(text)).toEqual({ ok: false, line, message });
    });
  }

  it("quotes at most 60 characters of a long broken line", () => {
    const long = `TEL;TYPE="${"x".repeat(500)}:1`;
    const parsed = parseVCard(`BEGIN:VCARD\nFN:A\n${long}\nEND:VCARD`);
    if (parsed.ok) throw new Error("expected the card to be refused");
    expect(parsed.line).toBe(3);
    expect(parsed.message).toBe(`cannot read ${JSON.stringify(`${long.slice(0, 60)}…`)}: a double quote is not closed`);
    expect(parsed.message.length).toBeLessThan(120);
  });
});

describe("VCARD_COLUMNS", () => {
  it("lists the shape of every field of a full record", () => {
    const full = fieldsOf([...VCARD4_CARD.split("\n").slice(0, -1), "TITLE:CEO", "ROLE:Owner", "NOTE:n", "ORG:A;B", "N:a;b;c;d;e", "END:VCARD"].join("\n"));
    expect([...VCARD_COLUMNS].sort()).toEqual(shapesOf(full));
    expect(new Set(VCARD_COLUMNS).size).toBe(VCARD_COLUMNS.length);
  });
});
