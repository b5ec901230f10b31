// Numbers from generic columns (spread) and from label/value pairs (labelled), into the PBX's seven fields.
import { describe, expect, it } from "vitest";
import { compile, contactOf, map, mappingText, refusal } from "./mapping-helpers.js";

describe("spread", () => {
  const body = "fields:\n  company: company\nspread:\n  - from: [phone1, phone2, phone3]\n    into: [numoffice, numother]\n";

  it("puts each number into the first free field of its list", () => {
    const { contact, warnings } = contactOf(map(body, { company: "Rossi", phone1: "", phone2: "0733 123456", phone3: "333 1234567" }));
    expect(contact).toMatchObject({ numoffice: "+390733123456", numother: "+393331234567" });
    expect(warnings).toEqual([]);
  });

  it("does not repeat a number, comparing after normalization", () => {
    const { contact } = contactOf(map(body, { company: "Rossi", phone1: "0733 123456", phone2: "+39 0733 123456", phone3: "333 1234567" }));
    expect(contact).toMatchObject({ numoffice: "+390733123456", numother: "+393331234567" });
  });

  it("leaves a number with no free field out, with a warning", () => {
    const { contact, warnings } = contactOf(map(body, { company: "Rossi", phone1: "0733 111111", phone2: "0733 222222", phone3: "0733 333333" }));
    expect(contact).toMatchObject({ numoffice: "+390733111111", numother: "+390733222222" });
    expect(warnings).toEqual(['spread: no free field for "+390733333333"; left out']);
  });

  it("fills only the fields the direct numbers left empty", () => {
    const text = "fields:\n  company: company\nnumbers:\n  numoffice: office\nspread:\n  - from: [phone1]\n    into: [numoffice, numother]\n";
    const { contact } = contactOf(map(text, { company: "Rossi", office: "0733 111111", phone1: "0733 222222" }));
    expect(contact).toMatchObject({ numoffice: "+390733111111", numother: "+390733222222" });
  });

  it("names the column of a number it cannot read", () => {
    const { warnings } = contactOf(map(body, { company: "Rossi", phone1: "0733 111111", phone2: "nope", phone3: "" }));
    expect(warnings).toEqual(['phone2: "nope" is not a phone number; left empty']);
  });
});

describe("labelled pairs (Google Contacts' Phone N - Label / Phone N - Value)", () => {
  const body = `fields:
  name: name
labelled:
  pairs:
    - { label: p1_label, value: p1_value }
    - { label: p2_label, value: p2_value }
    - { label: p3_label, value: p3_value }
  labels: { Mobile: nummobile, Work: numoffice, Home: numhome, Pager: ignore }
`;
  const row = (pairs: [string, string][]): Record<string, string> => {
    const out: Record<string, string> = { name: "Mario" };
    pairs.forEach(([label, value], i) => {
      out[`p${i + 1}_label`] = label;
      out[`p${i + 1}_value`] = value;
    });
    return out;
  };

  it("puts each number in the field its label names, ignoring case and Google's primary mark", () => {
    const { contact } = contactOf(map(body, row([["* Mobile", "333 1234567"], ["work", "0733 123456"], ["Home", "0733 654321"]])));
    expect(contact).toMatchObject({ nummobile: "+393331234567", numoffice: "+390733123456", numhome: "+390733654321" });
  });

  it("sends a label it does not list to numother, and drops a label mapped to ignore", () => {
    const { contact } = contactOf(map(body, row([["Warehouse", "0733 111111"], ["Pager", "0733 222222"]])));
    expect(contact).toMatchObject({ numother: "+390733111111" });
    expect(contact).not.toHaveProperty("numoffice");
    expect(Object.values(contact)).not.toContain("+390733222222");
  });

  it("splits several numbers in one cell, and moves the second to the fallback field", () => {
    const { contact } = contactOf(map(body, row([["Work", "0733 111111 ::: 0733 222222"]])));
    expect(contact).toMatchObject({ numoffice: "+390733111111", numother: "+390733222222" });
  });

  it("leaves a number out, with a warning, when its field and the fallback are both taken", () => {
    const { contact, warnings } = contactOf(map(body, row([["Work", "0733 111111 ::: 0733 222222 ::: 0733 333333"]])));
    expect(contact).toMatchObject({ numoffice: "+390733111111", numother: "+390733222222" });
    expect(warnings).toEqual(['p1_value: no free field for "+390733333333" (label "Work"); left out']);
  });

  it("skips pairs whose columns are not in the export, but reads the ones that are", () => {
    const columns = ["id", "name", "p1_label", "p1_value"];
    const mapping = compile(body, { columns });
    expect(mapping.columns).not.toContain("p2_value");
    const result = contactOf(mapping.apply({ id: "1", name: "Mario", p1_label: "Mobile", p1_value: "333 1234567" }, "line 2"));
    expect(result.contact.nummobile).toBe("+393331234567");
  });

  it("refuses a mapping when none of the pairs' columns is in the export", () => {
    const error = refusal(mappingText(body), { columns: ["id", "name"] });
    expect(error.message).toContain("labelled.pairs: none of the label/value columns is in the source");
  });
});
