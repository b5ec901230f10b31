// Phone numbers: the formats people type in six countries, output formats, per-row countries, policies, extensions.
import { describe, expect, it } from "vitest";
import { contactOf, map } from "./mapping-helpers.js";

const OFFICE = "fields:\n  company: company\nnumbers:\n  numoffice: phone\n";

/** numoffice of a contact whose office number is `phone`, read with `country` as the row's country. */
function office(phone: string, country = "", extra = ""): { value: string | undefined; warnings: string[] } {
  const body = `countryField: country\n${extra}${OFFICE}`;
  const { contact, warnings } = contactOf(map(body, { company: "Rossi", phone, country }));
  return { value: contact.numoffice, warnings };
}

describe("numbers as people type them", () => {
  const cases: [country: string, typed: string, e164: string][] = [
    ["IT", "0733/123456", "+390733123456"],
    ["IT", "0733 123456", "+390733123456"],
    ["IT", "0733.123456", "+390733123456"],
    ["IT", "+39 (0)733 123456", "+390733123456"],
    ["IT", "0039 0733 123456", "+390733123456"],
    ["IT", "+39 333 123 4567", "+393331234567"],
    ["IT", "333-1234567", "+393331234567"],
    ["DE", "030 1234567", "+49301234567"],
    ["DE", "030/1234567", "+49301234567"],
    ["DE", "+49 (0)30 1234567", "+49301234567"],
    ["DE", "0171/2345678", "+491712345678"],
    ["DE", "+49 (0) 171 2345678", "+491712345678"],
    ["FR", "01 42 68 53 00", "+33142685300"],
    ["FR", "01.42.68.53.00", "+33142685300"],
    ["FR", "+33 (0)1 42 68 53 00", "+33142685300"],
    ["FR", "06 12 34 56 78", "+33612345678"],
    ["GB", "020 7946 0958", "+442079460958"],
    ["GB", "+44 (0)20 7946 0958", "+442079460958"],
    ["GB", "07911 123456", "+447911123456"],
    ["US", "(212) 555-0123", "+12125550123"],
    ["US", "212-555-0123", "+12125550123"],
    ["US", "212.555.0123", "+12125550123"],
    ["US", "+1 (212) 555-0123", "+12125550123"],
    ["US", "1-212-555-0123", "+12125550123"],
    ["CH", "044 668 18 00", "+41446681800"],
    ["CH", "+41 (0)44 668 18 00", "+41446681800"],
    ["CH", "079 123 45 67", "+41791234567"],
  ];
  it.each(cases)("reads %s %j as %s", (country, typed, e164) => {
    expect(office(typed, country)).toEqual({ value: e164, warnings: [] });
  });

  it("reads numbers with an international prefix whatever the row's country", () => {
    // 00 is the international prefix nearly everywhere; a German number in an Italian row is still German.
    expect(office("0049 30 1234567", "IT").value).toBe("+49301234567");
    expect(office("00 41 79 123 45 67", "IT").value).toBe("+41791234567");
    expect(office("+1 212 555 0123", "DE").value).toBe("+12125550123");
  });

  it("keeps the digits of (555) 123-4567, an area code that does not exist, and says so", () => {
    expect(office("(555) 123-4567", "US")).toEqual({
      value: "5551234567",
      warnings: ['numoffice: "(555) 123-4567" is not a valid number for US; kept digits "5551234567"'],
    });
  });

  it("leaves out an extension typed after the number, with a warning", () => {
    for (const typed of ["0733 123456 int. 12", "0733 123456 ext. 12"]) {
      expect(office(typed, "IT")).toEqual({
        value: "+390733123456",
        warnings: [`numoffice: extension "12" of "${typed}" left out (the PBX takes digits only)`],
      });
    }
  });
});

describe("output formats", () => {
  const row = { company: "Rossi", phone: "0733/123456", mobile: "+49 171 2345678", fax: "(0733) 654321" };
  const body = (format: string) => `numberFormat: ${format}\nfields:\n  company: company\nnumbers:\n  numoffice: phone\n  nummobile: mobile\n`;

  it("sends E.164 by default", () => {
    const { contact } = contactOf(map("fields:\n  company: company\nnumbers:\n  numoffice: phone\n  nummobile: mobile\n", row));
    expect([contact.numoffice, contact.nummobile]).toEqual(["+390733123456", "+491712345678"]);
  });

  it("sends the national form for numbers of the default country, E.164 for the others", () => {
    const { contact } = contactOf(map(body("national"), row));
    expect([contact.numoffice, contact.nummobile]).toEqual(["0733123456", "+491712345678"]);
  });

  it("writes the trunk prefix in national numbers of countries that dial one, and none in the US", () => {
    const de = contactOf(map("defaultCountry: DE\nnumberFormat: national\n" + OFFICE, { company: "Weber", phone: "+49 30 1234567" }));
    expect(de.contact.numoffice).toBe("0301234567");
    const us = contactOf(map("defaultCountry: US\nnumberFormat: national\n" + OFFICE, { company: "Acme", phone: "+1 (212) 555-0123" }));
    expect(us.contact.numoffice).toBe("2125550123");
  });

  it("sends E.164 without the + as digits, also for numbers already in E.164", () => {
    const { contact } = contactOf(map(body("digits"), row));
    expect([contact.numoffice, contact.nummobile]).toEqual(["390733123456", "491712345678"]);
    const e164 = contactOf(map(body("digits"), { ...row, phone: "+390733123456" }));
    expect(e164.contact.numoffice).toBe("390733123456");
  });

  it("lets one number field choose its own format", () => {
    const text = "fields:\n  company: company\nnumbers:\n  numoffice: phone\n  numfax:\n    from: fax\n    format: national\n";
    const { contact } = contactOf(map(text, row));
    expect([contact.numoffice, contact.numfax]).toEqual(["+390733123456", "0733654321"]);
  });
});

describe("the country of each row", () => {
  it("reads national numbers with the row's country, by code or by name in several languages", () => {
    expect(office("030 1234567", "DE").value).toBe("+49301234567");
    expect(office("030 1234567", "Deutschland").value).toBe("+49301234567");
    expect(office("030 1234567", "Germania").value).toBe("+49301234567");
    expect(office("020 7946 0958", "uk").value).toBe("+442079460958");
    expect(office("020 7946 0958", "United Kingdom").value).toBe("+442079460958");
    expect(office("044 668 18 00", "Svizzera").value).toBe("+41446681800");
    expect(office("044 668 18 00", "Schweiz").value).toBe("+41446681800");
    expect(office("01 42 68 53 00", "france").value).toBe("+33142685300");
    expect(office("(212) 555-0123", "United States of America").value).toBe("+12125550123");
  });

  it("uses the default country when the row's country is empty", () => {
    expect(office("0733 123456", "").value).toBe("+390733123456");
  });

  it("uses the default country, with a warning, when the row's country is unknown", () => {
    expect(office("0733 123456", "Atlantis")).toEqual({
      value: "+390733123456",
      warnings: ['country: "Atlantis" is not a country name or code I know; numbers read as IT'],
    });
  });

  it("takes the first non-empty of several country columns", () => {
    const body = "countryField: [business_country, home_country]\n" + OFFICE;
    const { contact } = contactOf(map(body, { company: "Clark", phone: "020 7946 0958", business_country: "", home_country: "GB" }));
    expect(contact.numoffice).toBe("+442079460958");
  });
});

describe("internal extensions and short codes", () => {
  it("passes numbers of up to four digits through untouched, in every format", () => {
    for (const format of ["e164", "national", "digits"]) {
      expect(office("200", "", `numberFormat: ${format}\n`)).toEqual({ value: "200", warnings: [] });
    }
    expect(office("12-34").value).toBe("1234");
    expect(office("112").value).toBe("112");
  });

  it("passes through as many digits as extensions.maxDigits says, and none with 0", () => {
    expect(office("20345", "", "extensions: { maxDigits: 5 }\n")).toEqual({ value: "20345", warnings: [] });
    expect(office("200", "", "extensions: { maxDigits: 0 }\n").warnings).toEqual(['numoffice: "200" is not a valid number for IT; kept digits "200"']);
  });
});

describe("numbers that cannot be read", () => {
  const policy = (name: string) => `unparseable: ${name}\nfields:\n  company: company\nnumbers:\n  numoffice: phone\n  nummobile: mobile\n`;
  const row = { company: "Becker", phone: "+49 30 12", mobile: "+49 171 2345678" };

  it("keep-digits (the default) sends the digits as typed, with a warning", () => {
    const { contact, warnings } = contactOf(map(policy("keep-digits"), row));
    expect(contact.numoffice).toBe("+493012");
    expect(warnings).toEqual(['numoffice: "+49 30 12" is not a valid international number; kept digits "+493012"']);
    expect(contactOf(map(`numberFormat: digits\n${policy("keep-digits")}`, row)).contact.numoffice).toBe("493012");
  });

  it("keep-digits leaves a value with no digits empty, with a warning", () => {
    const { contact, warnings } = contactOf(map(policy("keep-digits"), { ...row, phone: "n/a" }));
    expect(contact).not.toHaveProperty("numoffice");
    expect(contact.nummobile).toBe("+491712345678");
    expect(warnings).toEqual(['numoffice: "n/a" is not a phone number; left empty']);
  });

  it("drop leaves the field empty, with a warning, and sends the rest", () => {
    const { contact, warnings } = contactOf(map(policy("drop"), row));
    expect(contact).not.toHaveProperty("numoffice");
    expect(contact.nummobile).toBe("+491712345678");
    expect(warnings).toEqual(['numoffice: "+49 30 12" is not a valid international number; left empty']);
  });

  it("skip-contact skips the whole contact and names the number", () => {
    expect(map(policy("skip-contact"), row)).toEqual({ kind: "skip", reason: 'numoffice: "+49 30 12" is not a valid international number' });
    expect(map(policy("skip-contact"), { ...row, phone: "0733 12345678901" })).toEqual({
      kind: "skip",
      reason: 'numoffice: "0733 12345678901" is not a valid number for IT',
    });
    expect(map(policy("skip-contact"), { ...row, phone: "0733 123456" }).kind).toBe("contact");
  });

  it("takes a number already written in E.164 as it is, without checking it", () => {
    // The fast path for sources that hold nothing else; such a number is what the PBX wants anyway.
    expect(contactOf(map(policy("skip-contact"), { ...row, phone: "+4930123" })).contact.numoffice).toBe("+4930123");
  });
});
