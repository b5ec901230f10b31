// ext_info: caption/value blocks in order, numbers, money and dates formatted per locale, empty values left out.
import { describe, expect, it } from "vitest";
import type { ExtInfoBlock } from "../../src/pbx/contact.js";
import { contactOf, map, MAPPING_FILE, mappingText, refusal } from "./mapping-helpers.js";

const NBSP = "\u00a0";

/** The ext_info blocks and warnings of a record mapped with these extInfo entries (YAML list items). */
function extInfo(entries: string, fields: Record<string, unknown>): { blocks: ExtInfoBlock[] | undefined; warnings: string[] } {
  const body = `fields:\n  company: company\nnumbers:\n  numoffice: phone\nextInfo:\n${entries}`;
  const { contact, warnings } = contactOf(map(body, { company: "Rossi", phone: "0733 123456", ...fields }));
  return { blocks: contact.ext_info, warnings };
}

/** The one value a single-entry ext_info gives for `value`. */
function formatted(format: string, value: unknown): { value: string | undefined; warnings: string[] } {
  const { blocks, warnings } = extInfo(`  - caption: Value\n    from: v\n    format: ${format}\n`, { v: value });
  return { value: blocks?.[0]?.value, warnings };
}

describe("ext_info blocks", () => {
  it("keeps the mapping's order and captions", () => {
    const entries = "  - caption: Agent\n    from: agent\n  - caption: City\n    from: city\n";
    expect(extInfo(entries, { agent: "Laura Fontana", city: "Macerata" }).blocks).toEqual([
      { caption: "Agent", value: "Laura Fontana" },
      { caption: "City", value: "Macerata" },
    ]);
  });

  it("leaves out blocks whose value is empty, and ext_info itself when all are", () => {
    const entries = "  - caption: Agent\n    from: agent\n  - caption: City\n    from: city\n  - caption: Where\n    template: \"{city} ({country})\"\n";
    expect(extInfo(entries, { agent: "", city: "Roma", country: "" }).blocks).toEqual([
      { caption: "City", value: "Roma" },
      { caption: "Where", value: "Roma ()" },
    ]);
    const { contact } = contactOf(
      map("fields:\n  company: company\nnumbers:\n  numoffice: phone\nextInfo:\n" + entries, { company: "Rossi", phone: "0733 123456", agent: " ", city: "", country: null }),
    );
    expect(contact).not.toHaveProperty("ext_info");
  });

  it("leaves out an empty formatted value, unless a default says what to show", () => {
    expect(formatted("{ currency: EUR }", "").value).toBeUndefined();
    const entries = '  - caption: Credit\n    from: credit\n    format: { currency: EUR, locale: it-IT }\n    transform: [{ default: "none" }]\n';
    expect(extInfo(entries, { credit: "" }).blocks).toEqual([{ caption: "Credit", value: "none" }]);
    expect(extInfo(entries, { credit: "10" }).blocks).toEqual([{ caption: "Credit", value: `10,00${NBSP}€` }]);
  });

  it("builds values from templates and concats, with transforms", () => {
    const entries = '  - caption: Role\n    concat: [title, department]\n    separator: ", "\n  - caption: Agent\n    from: agent\n    transform: [upper]\n';
    expect(extInfo(entries, { title: "Buyer", department: "Acquisti", agent: "laura" }).blocks).toEqual([
      { caption: "Role", value: "Buyer, Acquisti" },
      { caption: "Agent", value: "LAURA" },
    ]);
  });

  it("reports a value longer than the PBX takes as invalid, with the fix", () => {
    const body = "fields:\n  company: company\nnumbers:\n  numoffice: phone\nextInfo:\n  - caption: Notes\n    from: notes\n";
    expect(map(body, { company: "Rossi", phone: "0733 123456", notes: "x".repeat(1200) })).toEqual({
      kind: "invalid",
      problems: ['ext_info "Notes": 1200 characters, at most 1000 (shorten it with { truncate: 1000 })'],
    });
  });
});

describe("ext_info formats", () => {
  it("formats numbers for a locale, with fraction digits and grouping as asked", () => {
    expect(formatted("{ number: true, locale: it-IT }", "1234.5").value).toBe("1234,5");
    expect(formatted("{ number: true, locale: it-IT }", "12345.5").value).toBe("12.345,5");
    expect(formatted("{ number: { minimumFractionDigits: 2 }, locale: en-US }", "1234.5").value).toBe("1,234.50");
    expect(formatted("{ number: { maximumFractionDigits: 0, useGrouping: false } }", "1234.5").value).toBe("1235");
  });

  it("formats money in the currency and locale given", () => {
    expect(formatted("{ currency: EUR, locale: it-IT }", "12500.00").value).toBe(`12.500,00${NBSP}€`);
    expect(formatted("{ currency: USD }", "1234.5").value).toBe("$1,234.50");
    expect(formatted("{ currency: EUR, locale: it-IT, number: { maximumFractionDigits: 0 } }", "12500.40").value).toBe(`12.500${NBSP}€`);
  });

  it("reads numbers written with a decimal comma, thousands dots, spaces or Swiss apostrophes", () => {
    expect(formatted('{ number: true, decimal: ",", locale: en-US }', "1.234,5").value).toBe("1,234.5");
    expect(formatted("{ number: true, locale: en-US }", "1,234.5").value).toBe("1,234.5");
    expect(formatted("{ number: true, locale: en-US }", "1'234.5").value).toBe("1,234.5");
    expect(formatted("{ number: true, locale: en-US }", "1 234.5").value).toBe("1,234.5");
  });

  it("formats a number that arrives as a number (SQL, JSON)", () => {
    expect(formatted("{ currency: EUR, locale: it-IT }", 12500).value).toBe(`12.500,00${NBSP}€`);
    expect(formatted("{ number: true }", 0).value).toBe("0");
  });

  it("shows a value that is not a number as it is, with a warning", () => {
    expect(formatted("{ currency: EUR }", "n.d.")).toEqual({ value: "n.d.", warnings: ['Value: "n.d." is not a number; shown as it is'] });
  });

  it("formats ISO dates in the style and locale given", () => {
    expect(formatted("{ date: medium, locale: it-IT }", "2024-03-05").value).toBe("5 mar 2024");
    expect(formatted("{ date: short, locale: en-US }", "2024-03-05").value).toBe("3/5/24");
    expect(formatted("{ date: long, locale: de-DE }", "2024-03-05").value).toBe("5. März 2024");
    expect(formatted("{ date: medium, locale: it-IT }", "2024-03-05T23:30:00Z").value).toBe("5 mar 2024");
  });

  it("reads dates written day first, month first or year first when told", () => {
    expect(formatted("{ date: medium, input: dmy, locale: it-IT }", "05/03/2024").value).toBe("5 mar 2024");
    expect(formatted("{ date: medium, input: dmy, locale: it-IT }", "5.3.24").value).toBe("5 mar 2024");
    expect(formatted("{ date: medium, input: mdy, locale: it-IT }", "03/05/2024").value).toBe("5 mar 2024");
    expect(formatted("{ date: medium, input: ymd, locale: it-IT }", "2024/03/05").value).toBe("5 mar 2024");
  });

  it("formats a SQL DATE (a Date at local midnight) as its calendar day", () => {
    expect(formatted("{ date: medium, locale: it-IT }", new Date(2024, 2, 5)).value).toBe("5 mar 2024");
  });

  it("shows a date it cannot read, or a day that does not exist, as it is, with a warning", () => {
    expect(formatted("{ date: medium, input: dmy }", "31/02/2024")).toEqual({
      value: "31/02/2024",
      warnings: ['Value: "31/02/2024" is not a date in dmy form; shown as it is'],
    });
    expect(formatted("{ date: medium }", "05/03/2024").warnings).toEqual(['Value: "05/03/2024" is not a date in iso form; shown as it is']);
  });

  it("applies transforms to the formatted text", () => {
    const entries = "  - caption: Credit\n    from: credit\n    format: { currency: EUR, locale: it-IT }\n    transform: [{ prefix: \"fido \" }]\n";
    expect(extInfo(entries, { credit: "500" }).blocks).toEqual([{ caption: "Credit", value: `fido 500,00${NBSP}€` }]);
  });

  it("refuses formats that say nothing, or too much, or name unknown codes, each on its line", () => {
    const text = (format: string) => mappingText(`extInfo:\n  - caption: Credit\n    from: credit\n    format: ${format}\n`);
    expect(refusal(text("{ locale: it-IT }")).message).toContain(`${MAPPING_FILE}:7: extInfo[0].format: say how to format: currency, number or date`);
    expect(refusal(text("{ currency: EURO }")).message).toContain("extInfo[0].format.currency: not an ISO 4217 currency code such as EUR, USD, CHF");
    expect(refusal(text("{ date: medium, currency: EUR }")).message).toContain("a date format takes no currency, number or decimal");
    expect(refusal(text("{ number: true, input: dmy }")).message).toContain("extInfo[0].format.input: input goes with date");
    expect(refusal(text("{ number: true, locale: not_a_locale! }")).message).toContain("not a locale tag such as it-IT, de-DE, en-US");
    expect(refusal(text("{ date: tiny }")).message).toContain('extInfo[0].format.date: expected one of "short", "medium", "long", "full", got "tiny"');
  });
});
