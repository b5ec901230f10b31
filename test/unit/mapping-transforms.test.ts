// Text transforms and value sources: every transform, in order, on the fields of a contact.
import { describe, expect, it } from "vitest";
import { titleCase } from "../../src/mapping/index.js";
import { contactOf, map, MAPPING_FILE, mappingText, refusal } from "./mapping-helpers.js";

/** The company a one-transform-list mapping makes of `value`. */
function company(transform: string, value: unknown): string | undefined {
  const body = `fields:\n  company:\n    from: company\n    transform: ${transform}\nnumbers:\n  numoffice: phone\n`;
  return contactOf(map(body, { company: value, phone: "0733 123456" })).contact.company;
}

describe("transforms", () => {
  it("trims, upper-cases and lower-cases", () => {
    expect(company("[upper]", "Rossi S.r.l.")).toBe("ROSSI S.R.L.");
    expect(company("[lower]", "Rossi S.r.l.")).toBe("rossi s.r.l.");
    // Values are trimmed as they are read; trim still matters after a replace or a template.
    expect(company('[{ suffix: "  " }, trim]', "Rossi")).toBe("Rossi");
  });

  it("title-cases words, keeping words written in mixed case on purpose", () => {
    expect(company("[title]", "mario ROSSI")).toBe("Mario Rossi");
    expect(titleCase("d'angelo")).toBe("D'Angelo");
    expect(titleCase("jean-luc o'brien")).toBe("Jean-Luc O'Brien");
    expect(titleCase("MCDONALD")).toBe("Mcdonald");
    expect(titleCase("McDonald GmbH")).toBe("McDonald GmbH");
    expect(titleCase("NICCOLÒ sant'elia")).toBe("Niccolò Sant'Elia");
  });

  it("collapses runs of spaces, tabs and line breaks into one space", () => {
    expect(company("[collapse]", "Rossi  &\tFigli\nS.r.l.")).toBe("Rossi & Figli S.r.l.");
  });

  it("keeps only the digits", () => {
    expect(company("[digits]", "P.IVA 01234567890")).toBe("01234567890");
  });

  it("fills an empty value with a default, and leaves a value alone", () => {
    expect(company('[{ default: "Private customer" }]', "")).toBe("Private customer");
    expect(company('[{ default: "Private customer" }]', "   ")).toBe("Private customer");
    expect(company('[{ default: "Private customer" }]', "Rossi")).toBe("Rossi");
  });

  it("replaces with a regular expression, globally unless flags say otherwise", () => {
    expect(company('[{ replace: { pattern: "\\\\s*-\\\\s*", with: " " } }]', "Rossi - Figli - Roma")).toBe("Rossi Figli Roma");
    expect(company('[{ replace: { pattern: "-", with: "/", flags: "" } }]', "a-b-c")).toBe("a/b-c");
    expect(company('[{ replace: { pattern: "\\\\bsrl$", with: "S.r.l.", flags: "i" } }]', "Rossi SRL")).toBe("Rossi S.r.l.");
    expect(company('[{ replace: { pattern: "^(\\\\w+) (\\\\w+)$", with: "$2 $1" } }]', "Figli Rossi")).toBe("Rossi Figli");
    // `with` defaults to the empty text: the match is removed.
    expect(company('[{ replace: { pattern: " \\\\(.*\\\\)" } }]', "Rossi (old customer)")).toBe("Rossi");
  });

  it("truncates to a number of characters, trimming the cut end", () => {
    expect(company("[{ truncate: 6 }]", "Rossi & Figli")).toBe("Rossi");
    expect(company("[{ truncate: 20 }]", "Rossi & Figli")).toBe("Rossi & Figli");
  });

  it("never truncates an emoji in half, and the result always fits the PBX's limit", () => {
    // "🍕" is two UTF-16 units: cutting at 6 would leave half of it.
    expect(company("[{ truncate: 6 }]", "Pizza🍕Rossi")).toBe("Pizza");
    const long = "🍕".repeat(200);
    const cut = company("[{ truncate: 255 }]", long) ?? "";
    expect(cut.length).toBeLessThanOrEqual(255);
    expect(cut).toBe("🍕".repeat(127));
  });

  it("adds a prefix or a suffix to a value, but not to an empty one", () => {
    expect(company('[{ prefix: "Studio " }]', "Rossi")).toBe("Studio Rossi");
    expect(company('[{ suffix: " (CH)" }]', "Weber AG")).toBe("Weber AG (CH)");
    const body = 'fields:\n  name: name\n  company:\n    from: company\n    transform: [{ prefix: "Studio " }]\nnumbers:\n  numoffice: phone\n';
    expect(contactOf(map(body, { name: "Mario", company: "", phone: "0733 123456" })).contact).not.toHaveProperty("company");
  });

  it("runs the transforms in the order written", () => {
    expect(company('[{ default: "n.d." }, upper]', "")).toBe("N.D.");
    expect(company('[upper, { replace: { pattern: "S\\\\.R\\\\.L\\\\.", with: "S.r.l." } }, { truncate: 12 }]', "rossi s.r.l.")).toBe("ROSSI S.r.l.");
  });
});

describe("value sources", () => {
  const phone = { phone: "0733 123456" };

  it("reads the first non-empty of several columns", () => {
    const body = "fields:\n  company: { from: [company, trading_name] }\nnumbers:\n  numoffice: phone\n";
    expect(contactOf(map(body, { company: " ", trading_name: "Rossi", ...phone })).contact.company).toBe("Rossi");
    expect(contactOf(map(body, { company: "Alfa", trading_name: "Rossi", ...phone })).contact.company).toBe("Alfa");
  });

  it("fills a template, and gives nothing when every column in it is empty", () => {
    const body = 'fields:\n  name: first\n  company: "{company} ({city})"\nnumbers:\n  numoffice: phone\n';
    expect(contactOf(map(body, { first: "Mario", company: "Rossi", city: "Roma", ...phone })).contact.company).toBe("Rossi (Roma)");
    expect(contactOf(map(body, { first: "Mario", company: "", city: "", ...phone })).contact).not.toHaveProperty("company");
  });

  it("writes literal braces in a template as {{ and }}", () => {
    const body = 'fields:\n  company: "{{{company}}}"\nnumbers:\n  numoffice: phone\n';
    expect(contactOf(map(body, { company: "Rossi", ...phone })).contact.company).toBe("{Rossi}");
  });

  it("joins the non-empty columns of a concat with its separator (a space by default)", () => {
    const body = 'fields:\n  name: { concat: [first, middle] }\n  company: { concat: [company, city], separator: " - " }\nnumbers:\n  numoffice: phone\n';
    const { contact } = contactOf(map(body, { first: "Hans", middle: "", company: "Weber AG", city: "Zürich", ...phone }));
    expect(contact.name).toBe("Hans");
    expect(contact.company).toBe("Weber AG - Zürich");
  });

  it("turns numbers, booleans and SQL dates into text, and null into nothing", () => {
    const body = 'fields:\n  name: "{a}|{b}|{c}|{d}"\nnumbers:\n  numoffice: phone\n';
    const { contact } = contactOf(map(body, { a: 42, b: true, c: new Date(2024, 2, 5), d: null, ...phone }));
    expect(contact.name).toBe("42|true|2024-03-05|");
  });

  it("refuses an unclosed or stray brace in a template, naming the position", () => {
    const text = mappingText('fields:\n  company: "{company"\n');
    expect(refusal(text).message).toContain(`${MAPPING_FILE}:5: fields.company.template: unclosed "{" at character 1 of the template`);
    expect(refusal(mappingText('fields:\n  company: "a {b}}"\n')).message).toContain('stray "}" at character 6');
  });
});
