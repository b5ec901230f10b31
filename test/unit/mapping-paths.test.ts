// Field paths in mappings (properties.firstname, phone[?label=work].value) on nested records as REST APIs return them.
import { describe, expect, it } from "vitest";
import { CompileContext } from "../../src/mapping/context.js";
import { compileFieldGetter, shapeOf, shapesOf } from "../../src/mapping/field-path.js";
import { compile, contactOf, MAPPING_FILE, mappingText, refusal } from "./mapping-helpers.js";

/** A HubSpot CRM v3 contact (GET /crm/v3/objects/contacts/{id}?properties=...). */
const HUBSPOT = {
  id: "512",
  properties: {
    company: "ACME S.p.A.",
    createdate: "2024-02-06T09:14:03.861Z",
    email: "ada@acme.example",
    firstname: "Ada",
    lastname: "Lovelace",
    mobilephone: "333 123 4567",
    phone: "+39 02 1234 5678",
  },
  createdAt: "2024-02-06T09:14:03.861Z",
  updatedAt: "2024-05-21T16:40:11.002Z",
  archived: false,
};

/** A Pipedrive person (GET /v1/persons): labelled phone and e-mail lists, the organization as an object. */
const PIPEDRIVE = {
  id: 7,
  name: "Mario Rossi",
  first_name: "Mario",
  last_name: "Rossi",
  org_id: { name: "Rossi & Figli S.r.l.", value: 3, people_count: 2 },
  owner_id: { id: 9, name: "Laura Fontana", email: "laura@rossifigli.example" },
  phone: [
    { label: "work", value: "0733 123456", primary: true },
    { label: "Mobile ", value: "333 765 4321", primary: false },
    { label: "other", value: "0733 999999", primary: false },
  ],
  email: [
    { label: "home", value: "mario@casa.example", primary: false },
    { label: "work", value: "mario@rossifigli.example", primary: true },
  ],
  label: null,
};

/** A Microsoft Graph contact (GET /me/contacts): phones as plain lists, e-mails as {name, address}. */
const GRAPH = {
  "@odata.etag": 'W/"EQAAABYAAAAH"',
  id: "AAMkAGI2THVSAAA=",
  displayName: "Grace Hopper",
  givenName: "Grace",
  surname: "Hopper",
  companyName: "Navy Labs",
  businessPhones: ["(202) 456-1414", "+1 202 456 1111"],
  homePhones: [],
  mobilePhone: "202 555 0173",
  emailAddresses: [
    { name: "Grace Hopper", address: "grace@navylabs.example" },
    { name: "Grace (home)", address: "grace@home.example" },
  ],
  businessAddress: { city: "Washington", countryOrRegion: "United States" },
  homeAddress: {},
};

describe("a mapping over HubSpot contacts", () => {
  const body = `fields:
  name: properties.firstname
  surname: properties.lastname
  company: properties.company
  email: properties.email
numbers:
  numoffice: properties.phone
  nummobile: { from: [properties.mobilephone, properties.phone] }
extInfo:
  - caption: Created
    template: "{properties.createdate} by HubSpot"
skip:
  - when: { field: archived, equals: "true" }
    reason: archived in HubSpot
`;

  it("reads object keys by dotted path into every part of the contact", () => {
    const { contact, warnings } = contactOf(compile(body).apply(HUBSPOT, "page 1 record 1"));
    expect(contact).toEqual({
      name: "Ada",
      surname: "Lovelace",
      company: "ACME S.p.A.",
      numoffice: "+390212345678",
      nummobile: "+393331234567",
      email: "ada@acme.example",
      uc_app_name: "TEST",
      uc_external_id: "512",
      ext_info: [{ caption: "Created", value: "2024-02-06T09:14:03.861Z by HubSpot" }],
    });
    expect(warnings).toEqual([]);
  });

  it("reads a missing step as empty, and tests skip conditions on a path", () => {
    const mapping = compile(body);
    const noMobile = contactOf(mapping.apply({ ...HUBSPOT, properties: { ...HUBSPOT.properties, mobilephone: null } }, "r")).contact;
    expect(noMobile.nummobile).toBe("+390212345678");
    const { contact } = contactOf(mapping.apply({ id: "9", properties: { company: "Solo" } }, "r"));
    expect(contact).toEqual({ company: "Solo", uc_app_name: "TEST", uc_external_id: "9" });
    expect(mapping.apply({ ...HUBSPOT, archived: true }, "r")).toEqual({ kind: "skip", reason: "archived in HubSpot" });
  });
});

describe("a mapping over Pipedrive persons", () => {
  const body = `externalId: "pd-{id}"
fields:
  name: first_name
  surname: last_name
  company: org_id.name
  email: "email[?label=work].value"
numbers:
  numoffice: "phone[?label=work].value"
  nummobile: "phone[?label=MOBILE].value"
  numother: "phone[-1].value"
  numfax: "phone[?label=fax].value"
extInfo:
  - caption: Owner
    from: owner_id.name
  - caption: Phones
    from: "phone[*].value"
  - caption: Primary
    template: "{phone[?primary=true].label} ({email[?primary=true].value})"
skip:
  - when: { field: org_id.name, empty: true }
    reason: no organization
`;

  it("picks array elements by label (trimmed, any case), by negative index and all at once", () => {
    const { contact, warnings } = contactOf(compile(body).apply(PIPEDRIVE, "r"));
    expect(contact).toEqual({
      name: "Mario",
      surname: "Rossi",
      company: "Rossi & Figli S.r.l.",
      numoffice: "+390733123456",
      nummobile: "+393337654321",
      numother: "+390733999999",
      email: "mario@rossifigli.example",
      uc_app_name: "TEST",
      uc_external_id: "pd-7",
      ext_info: [
        { caption: "Owner", value: "Laura Fontana" },
        { caption: "Phones", value: "0733 123456, 333 765 4321, 0733 999999" },
        { caption: "Primary", value: "work (mario@rossifigli.example)" },
      ],
    });
    expect(warnings).toEqual([]);
  });

  it("reads a person without phones or organization as empty, and skips on the empty path", () => {
    expect(compile(body).apply({ ...PIPEDRIVE, org_id: null }, "r")).toEqual({ kind: "skip", reason: "no organization" });
    const { contact } = contactOf(compile(body).apply({ ...PIPEDRIVE, phone: [], email: "not a list" }, "r"));
    expect(contact).not.toHaveProperty("numoffice");
    expect(contact).not.toHaveProperty("email");
    expect(contact.ext_info).toEqual([{ caption: "Owner", value: "Laura Fontana" }]);
  });

  it("reads label/value pairs and spread sources by index", () => {
    const pairs = `fields:
  company: org_id.name
labelled:
  pairs:
    - { label: "phone[0].label", value: "phone[0].value" }
    - { label: "phone[1].label", value: "phone[1].value" }
    - { label: "phone[2].label", value: "phone[2].value" }
  labels: { work: numoffice, mobile: nummobile }
  otherwise: numother
`;
    const mapping = compile(pairs, { columns: shapesOf(PIPEDRIVE) });
    expect(contactOf(mapping.apply(PIPEDRIVE, "r")).contact).toMatchObject({
      numoffice: "+390733123456",
      nummobile: "+393337654321",
      numother: "+390733999999",
    });
  });
});

describe("a mapping over Microsoft Graph contacts", () => {
  const body = `defaultCountry: IT
countryField: businessAddress.countryOrRegion
fields:
  name: givenName
  surname: surname
  company: companyName
  email: "emailAddresses[0].address"
numbers:
  numhome: "homePhones[0]"
  nummobile: mobilePhone
spread:
  - from: ["businessPhones[0]", "businessPhones[1]"]
    into: [numoffice, numother]
extInfo:
  - caption: E-mails
    concat: ["emailAddresses[*].address"]
  - caption: Version
    from: '["@odata.etag"]'
`;

  it("reads lists of scalars by index, a country by path and a quoted key with dots", () => {
    const { contact, warnings } = contactOf(compile(body).apply(GRAPH, "r"));
    expect(contact).toEqual({
      name: "Grace",
      surname: "Hopper",
      company: "Navy Labs",
      numoffice: "+12024561414",
      nummobile: "+12025550173",
      numother: "+12024561111",
      email: "grace@navylabs.example",
      uc_app_name: "TEST",
      uc_external_id: "AAMkAGI2THVSAAA=",
      ext_info: [
        { caption: "E-mails", value: "grace@navylabs.example, grace@home.example" },
        { caption: "Version", value: 'W/"EQAAABYAAAAH"' },
      ],
    });
    expect(warnings).toEqual([]);
  });

  it("compiles against the record's shapes as the source's columns, and lists the paths it reads", () => {
    expect(compile(body, { columns: shapesOf(GRAPH) }).columns).toEqual([
      "id",
      "givenName",
      "surname",
      "companyName",
      "emailAddresses[0].address",
      "homePhones[0]",
      "mobilePhone",
      "businessPhones[0]",
      "businessPhones[1]",
      "emailAddresses[*].address",
      '["@odata.etag"]',
      "businessAddress.countryOrRegion",
    ]);
  });
});

describe("the example of docs/mapping.md", () => {
  it("maps the record shown there", () => {
    const body = `externalId: "hs-{id}"
fields:
  name: properties.firstname
  company: properties.company
  email: "emails[?primary=true].address"
numbers:
  numoffice: "phones[?label=work].value"
  nummobile: "phones[?label=mobile].value"
extInfo:
  - caption: Phones
    from: "phones[*].value"
skip:
  - when: { field: properties.archived, equals: "true" }
`;
    const record = {
      id: 7,
      properties: { firstname: "Ada", company: "ACME", archived: false },
      phones: [
        { label: "work", value: "+39 02 1234 5678" },
        { label: "mobile", value: "333 123 4567" },
      ],
      emails: [{ address: "ada@acme.example", primary: true }],
    };
    const mapping = compile(body, { columns: shapesOf(record) });
    const { contact } = contactOf(mapping.apply(record, "r"));
    expect(contact).toEqual({
      name: "Ada",
      company: "ACME",
      numoffice: "+390212345678",
      nummobile: "+393331234567",
      email: "ada@acme.example",
      uc_app_name: "TEST",
      uc_external_id: "hs-7",
      ext_info: [{ caption: "Phones", value: "+39 02 1234 5678, 333 123 4567" }],
    });
    expect(mapping.apply({ ...record, properties: { ...record.properties, archived: true } }, "r").kind).toBe("skip");
  });
});

describe("a key that holds dots, brackets or spaces", () => {
  const custom = { id: "1", custom: { "Sales agent": "Laura", "vat.no": "IT01234567890", "a[b]": "brackets" } };

  it("is written quoted, with double or single quotes", () => {
    expect(compileFieldGetter(`custom["vat.no"]`)(custom)).toBe("IT01234567890");
    expect(compileFieldGetter("custom['Sales agent']")(custom)).toBe("Laura");
    expect(compileFieldGetter(`custom["a[b]"]`)(custom)).toBe("brackets");
    expect(compileFieldGetter(`custom[ 'vat.no' ]`)(custom)).toBe("IT01234567890");
    expect(compileFieldGetter(String.raw`x["say \"hi\""]`)({ x: { 'say "hi"': "hello" } })).toBe("hello");
  });

  it("is an own field of the record when it has one of exactly that name, over the path", () => {
    const record = { "Tel. ufficio": "0733 111111", Tel: { " ufficio": "0733 222222" }, "properties.firstname": "Flat", properties: { firstname: "Nested" } };
    expect(compileFieldGetter("Tel. ufficio")(record)).toBe("0733 111111");
    expect(compileFieldGetter("properties.firstname")(record)).toBe("Flat");
    expect(compileFieldGetter("Tel. ufficio")({ Tel: { " ufficio": "0733 222222" } })).toBe("0733 222222");
    const { contact } = contactOf(compile('numbers:\n  numoffice: "Tel. ufficio"\nfields:\n  company: company\n').apply({ id: "1", company: "R", ...record }, "r"));
    expect(contact.numoffice).toBe("+390733111111");
  });
});

describe("reading a name", () => {
  /** A record that logs every property read and own-property check made on it. */
  function spy(fields: Record<string, unknown>): { record: Record<string, unknown>; log: string[] } {
    const log: string[] = [];
    const record = new Proxy(fields, {
      get(target, key, receiver) {
        log.push(`get ${String(key)}`);
        return Reflect.get(target, key, receiver) as unknown;
      },
      getOwnPropertyDescriptor(target, key) {
        log.push(`own ${String(key)}`);
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
    });
    return { record, log };
  }

  it("reads a plain name directly, one property read and no own-property check, whatever its characters", () => {
    for (const name of ["first", "Phone 1 - Value", "E-mail]", "*", "?label=x", "a'b"]) {
      const { record, log } = spy({ [name]: "v" });
      expect(compileFieldGetter(name)(record)).toBe("v");
      expect(log).toEqual([`get ${name}`]);
    }
  });

  it("walks a path through own properties only", () => {
    const { record, log } = spy({ org: { name: "ACME" } });
    expect(compileFieldGetter("org.name")(record)).toBe("ACME");
    expect(log).toEqual(["own org.name", "own org", "get org"]);
  });

  it("never reaches the prototype chain: constructor, __proto__, prototype, inherited keys", () => {
    const record = Object.assign(Object.create({ inherited: { x: "leak" } }) as Record<string, unknown>, { id: "1", fn: () => 1, list: [1] });
    for (const path of ["constructor.name", "__proto__.x", "__proto__.constructor.name", "inherited.x", "fn.prototype.constructor", "list.constructor.name", "id.length"]) {
      expect(compileFieldGetter(path)(record), path).toBeUndefined();
    }
    const body = 'fields:\n  company: "{constructor.name}{__proto__.constructor.name}"\n  name: name\n';
    expect(contactOf(compile(body).apply({ id: "1", name: "Ada" }, "r")).contact).toEqual({ name: "Ada", uc_app_name: "TEST", uc_external_id: "1" });
  });

  it("reads an own __proto__ key as JSON.parse makes it, as data", () => {
    const record = JSON.parse('{"__proto__": {"x": "own"}, "a": {"__proto__": {"y": "deep"}}}') as Record<string, unknown>;
    expect(compileFieldGetter("__proto__.x")(record)).toBe("own");
    expect(compileFieldGetter("a.__proto__.y")(record)).toBe("deep");
  });

  it("gives undefined for an index out of range, a step through a scalar, and a selector on a non-list", () => {
    const get = (path: string): unknown => compileFieldGetter(path)(PIPEDRIVE);
    expect(get("phone[3].value")).toBeUndefined();
    expect(get("phone[-4].value")).toBeUndefined();
    expect(get("name.first")).toBeUndefined();
    expect(get("org_id[0]")).toBeUndefined();
    expect(get("org_id[*].name")).toBeUndefined();
    expect(get("org_id[?name=x]")).toBeUndefined();
    expect(get("phone[?label=pager].value")).toBeUndefined();
    expect(get("phone[0]")).toEqual({ label: "work", value: "0733 123456", primary: true });
    expect(get("phone[*].label")).toEqual(["work", "Mobile ", "other"]);
    expect(get("phone")).toBe(PIPEDRIVE.phone);
  });

  it("filters on a dotted key, with a quoted value", () => {
    const record = { people: [{ role: { code: "x" }, n: 1 }, { role: { code: "Sales Lead" }, n: 2 }] };
    expect(compileFieldGetter('people[?role.code="sales lead"].n')(record)).toBe(2);
    expect(compileFieldGetter("people[?role.code= Sales Lead ].n")(record)).toBe(2);
    expect(compileFieldGetter("people[?role.code=y].n")(record)).toBeUndefined();
  });
});

describe("a malformed path", () => {
  it.each([
    ["a..b", 'bad field path "a..b": empty key at character 3; write ["..."] for a key with dots'],
    ["a.", 'bad field path "a.": empty key at character 3; write ["..."] for a key with dots'],
    [".a", 'bad field path ".a": empty key at character 1; write ["..."] for a key with dots'],
    ["a[]", 'bad field path "a[]": empty "[]" at character 2; write [0], [-1], [*], [?label=work] or ["key"]'],
    ["a[0", 'bad field path "a[0": unbalanced "[" at character 2'],
    ["a[", 'bad field path "a[": unbalanced "[" at character 2'],
    ["a.b]", 'bad field path "a.b]": "]" without "[" at character 4'],
    ["a[0]]", 'bad field path "a[0]]": "]" without "[" at character 5'],
    ["a[0]b", 'bad field path "a[0]b": expected "." or "[" after "]" at character 5'],
    ['a["b]', 'bad field path "a["b]": unclosed double quote at character 3'],
    ["a['b'", 'bad field path "a[\'b\'": unbalanced "[" at character 2'],
    ['a["b"x]', 'bad field path "a["b"x]": expected "]" after the quoted text at character 6'],
    ["a[x]", 'bad field path "a[x]": "[x]" is not an index at character 2; write [0], [-1], [*], [?label=work] or ["key"]'],
    ["[?=x]", 'bad field path "[?=x]": empty key in the filter at character 1; write [?label=work]'],
    ["a[?label]", 'bad field path "a[?label]": a filter needs "=" at character 2; write [?label=work]'],
    ["a[?b..c=x]", 'bad field path "a[?b..c=x]": empty key in the filter at character 2; write [?label=work]'],
  ])("%s is refused with what is wrong", (path, message) => {
    expect(() => compileFieldGetter(path)).toThrow(new Error(message));
    expect(() => shapeOf(path)).toThrow(new Error(message));
  });

  it("is a mapping problem with its key path and line, every one at once", () => {
    const text = mappingText(`fields:
  name: "properties..firstname"
  company: "{org_id.name} {phone[}"
numbers:
  numoffice: "phone[?=work].value"
  nummobile: { from: [mobile, "phones[]"] }
extInfo:
  - caption: Agent
    from: "custom['agent"
skip:
  - when: { field: "a.b]", empty: true }
externalId: { hash: ["x..y"] }
`);
    expect(refusal(text).message.split("\n")).toEqual([
      `${MAPPING_FILE}:4: fields.name.from: bad field path "properties..firstname": empty key at character 12; write ["..."] for a key with dots`,
      `${MAPPING_FILE}:5: fields.company.template: bad field path "phone[": unbalanced "[" at character 6`,
      `${MAPPING_FILE}:7: numbers.numoffice.from: bad field path "phone[?=work].value": empty key in the filter at character 6; write [?label=work]`,
      `${MAPPING_FILE}:8: numbers.nummobile.from[1]: bad field path "phones[]": empty "[]" at character 7; write [0], [-1], [*], [?label=work] or ["key"]`,
      `${MAPPING_FILE}:11: extInfo[0].from: bad field path "custom['agent": unclosed single quote at character 8`,
      `${MAPPING_FILE}:13: skip[0].when.field: bad field path "a.b]": "]" without "[" at character 4`,
      `${MAPPING_FILE}:14: externalId.hash[0]: bad field path "x..y": empty key at character 3; write ["..."] for a key with dots`,
    ]);
  });

  it("is reported once, not also as a missing column, when the source's columns are known", () => {
    const error = refusal(mappingText('fields:\n  name: "properties..firstname"\n'), { columns: shapesOf(HUBSPOT) });
    expect(error.message.split("\n")).toHaveLength(1);
    expect(error.message).toContain('bad field path "properties..firstname"');
  });
});

describe("the shapes of a path", () => {
  it("turns selectors into [] and quoted keys into dotted ones unless they hold dots or brackets", () => {
    expect(shapeOf("phone[?label=work].value")).toBe("phone[].value");
    expect(shapeOf("phone[0].value")).toBe("phone[].value");
    expect(shapeOf("businessPhones[-1]")).toBe("businessPhones[]");
    expect(shapeOf("emailAddresses[*].address")).toBe("emailAddresses[].address");
    expect(shapeOf(`custom['Sales agent']`)).toBe("custom.Sales agent");
    expect(shapeOf(`custom['vat.no']`)).toBe('custom["vat.no"]');
    expect(shapeOf(`["@odata.etag"]`)).toBe('["@odata.etag"]');
    expect(shapeOf(`["id"]`)).toBe("id");
    expect(shapeOf("first_name")).toBe("first_name");
  });
});

describe("shapesOf", () => {
  it("lists the leaves of a HubSpot contact", () => {
    expect(shapesOf(HUBSPOT)).toEqual([
      "archived",
      "createdAt",
      "id",
      "properties.company",
      "properties.createdate",
      "properties.email",
      "properties.firstname",
      "properties.lastname",
      "properties.mobilephone",
      "properties.phone",
      "updatedAt",
    ]);
  });

  it("lists the elements of a Pipedrive person's lists once, and a null leaf by its path", () => {
    expect(shapesOf(PIPEDRIVE)).toEqual([
      "email[].label",
      "email[].primary",
      "email[].value",
      "first_name",
      "id",
      "label",
      "last_name",
      "name",
      "org_id.name",
      "org_id.people_count",
      "org_id.value",
      "owner_id.email",
      "owner_id.id",
      "owner_id.name",
      "phone[].label",
      "phone[].primary",
      "phone[].value",
    ]);
  });

  it("lists a Graph contact's lists of scalars as name[], empty lists and objects by their path, keys with dots quoted", () => {
    expect(shapesOf(GRAPH)).toEqual([
      '["@odata.etag"]',
      "businessAddress.city",
      "businessAddress.countryOrRegion",
      "businessPhones[]",
      "companyName",
      "displayName",
      "emailAddresses[].address",
      "emailAddresses[].name",
      "givenName",
      "homeAddress",
      "homePhones",
      "id",
      "mobilePhone",
      "surname",
    ]);
  });

  it("merges the records of a page, and stops at the limit", () => {
    expect(shapesOf([{ id: 1, a: { b: 1 } }, { id: 2, c: [[1]] }])).toEqual(["a.b", "c[][]", "id"]);
    expect(shapesOf(PIPEDRIVE, 3)).toHaveLength(3);
  });
});

describe("the columns check against a nested source", () => {
  /** The problems a context with these known columns finds in the names. */
  function check(columns: readonly string[], names: readonly string[], optional: readonly string[] = []): string[] {
    const ctx = new CompileContext(columns, optional);
    names.forEach((name, index) => ctx.column(name, ["fields", index]));
    return ctx.problems.items.map((problem) => problem.message);
  }

  it("passes known paths, paths known by their shape, and whole objects and lists", () => {
    const names = ["org_id.name", "phone[?label=work].value", "phone[0].label", "phone[*].value", "phone", "phone[*]", "org_id", "businessPhones[0]"];
    expect(check([...shapesOf(PIPEDRIVE), "businessPhones[]"], names)).toEqual([]);
    expect(check(shapesOf(GRAPH), ["Version", '["@odata.etag"]', "@odata.etag", "homePhones[0]", "homeAddress.city"])).toEqual([
      'no field "Version" in the source',
    ]);
  });

  it("reports an unknown path as a field, with the nearest path under the same parent, keeping its selectors", () => {
    expect(check(shapesOf(HUBSPOT), ["properties.fristname", "properties.fax", "propertes.company", "nmae"])).toEqual([
      'no field "properties.fristname" in the source (did you mean "properties.firstname"?)',
      'no field "properties.fax" in the source',
      'no field "propertes.company" in the source (did you mean "properties.company"?)',
      'no field "nmae" in the source',
    ]);
    expect(check(shapesOf(PIPEDRIVE), ["phone[?label=work].valeu", "org_id.nmae", "nmae", "phone.value"])).toEqual([
      'no field "phone[?label=work].valeu" in the source (did you mean "phone[?label=work].value"?)',
      'no field "org_id.nmae" in the source (did you mean "org_id.name"?)',
      'no field "nmae" in the source (did you mean "name"?)',
      'no field "phone.value" in the source (did you mean "phone[].value"?)',
    ]);
  });

  it("accepts optional paths, by name or by shape", () => {
    expect(check(shapesOf(HUBSPOT), ["properties.fax", "properties['jobtitle']"], ["properties.fax", "properties.jobtitle"])).toEqual([]);
  });

  it("keeps the column wording for a flat source, whose dotted headers are columns", () => {
    const columns = ["id", "first_name", "Tel. ufficio"];
    expect(check(columns, ["firstname", "Tel. ufficio", "Tel", "last_name.x"])).toEqual([
      'no column "firstname" in the source (did you mean "first_name"?)',
      'no column "Tel" in the source',
      'no field "last_name.x" in the source',
    ]);
  });

  it("passes a path inside a known column: a sample's empty list, null or JSON column says nothing of other records", () => {
    expect(check(["id", "data", "tags"], ["data.phone", "tags[0]", "data[?kind=work].number"])).toEqual([]);
  });

  it("tells a missing pair's columns from present ones by shape", () => {
    const ctx = new CompileContext(shapesOf(PIPEDRIVE), []);
    expect(ctx.missing("phone[5].value")).toBe(false);
    expect(ctx.missing("fax[0].value")).toBe(true);
  });

  it("refuses a whole mapping with the line of the unknown field", () => {
    const text = mappingText("fields:\n  name: properties.fristname\n  company: properties.company\n");
    expect(refusal(text, { columns: shapesOf(HUBSPOT) }).message).toBe(
      `${MAPPING_FILE}:5: fields.name.from: no field "properties.fristname" in the source (did you mean "properties.firstname"?)`,
    );
  });
});
