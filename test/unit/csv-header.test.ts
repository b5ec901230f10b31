// The CSV header helpers: where the header line ends, which delimiter it uses, and unique column names.
import { describe, expect, it } from "vitest";
import { columnNames, findHeaderLine, sniffDelimiter } from "../../connectors/csv-header.js";

describe("findHeaderLine", () => {
  it("returns the first line and its line break", () => {
    expect(findHeaderLine("a,b\r\n1,2\r\n", '"', false)).toEqual({ text: "a,b", newline: "\r\n" });
    expect(findHeaderLine("a,b\n1,2\n", '"', false)).toEqual({ text: "a,b", newline: "\n" });
    expect(findHeaderLine("a,b\r1,2\r", '"', false)).toEqual({ text: "a,b", newline: "\r" });
  });

  it("skips blank lines before the header", () => {
    expect(findHeaderLine("\n\r\nname;phone\n", '"', false)).toEqual({ text: "name;phone", newline: "\n" });
  });

  it("keeps a line break inside a quoted column name", () => {
    expect(findHeaderLine('"first\nname",phone\nx,y\n', '"', false)).toEqual({ text: '"first\nname",phone', newline: "\n" });
  });

  it("waits for more text while the line, or a trailing \\r, may go on", () => {
    expect(findHeaderLine("name,pho", '"', false)).toBeUndefined();
    expect(findHeaderLine("name,phone\r", '"', false)).toBeUndefined();
    expect(findHeaderLine("", '"', false)).toBeUndefined();
  });

  it("takes the whole text as the header at the end of a file without a line break", () => {
    expect(findHeaderLine("name,phone", '"', true)).toEqual({ text: "name,phone", newline: "\n" });
  });
});

describe("sniffDelimiter", () => {
  it("picks the most frequent delimiter outside quotes", () => {
    expect(sniffDelimiter("name,surname,phone", '"')).toBe(",");
    expect(sniffDelimiter("Nome;Cognome;Telefono", '"')).toBe(";");
    expect(sniffDelimiter("name\tsurname\tphone", '"')).toBe("\t");
    expect(sniffDelimiter("name|surname|phone", '"')).toBe("|");
    expect(sniffDelimiter('"Phone, office";"Phone, home";Name', '"')).toBe(";");
  });

  it("breaks ties in the order tab, semicolon, comma, pipe", () => {
    expect(sniffDelimiter("a,b;c", '"')).toBe(";");
    expect(sniffDelimiter("a,b\tc", '"')).toBe("\t");
    expect(sniffDelimiter("a|b,c", '"')).toBe(",");
    expect(sniffDelimiter("a|b;c\td,e", '"')).toBe("\t");
  });

  it("falls back to a comma for a one-column header", () => {
    expect(sniffDelimiter("phone", '"')).toBe(",");
  });

  it("honours a custom quote character", () => {
    expect(sniffDelimiter("'a;b','c;d',e", "'")).toBe(",");
  });
});

describe("columnNames", () => {
  it("trims names, including a stray byte-order mark", () => {
    expect(columnNames(["\uFEFF name ", " phone"], true)).toEqual({ names: ["name", "phone"], renamed: [] });
  });

  it("keeps spaces when trimming is off, but never a byte-order mark", () => {
    expect(columnNames(["\uFEFF name ", "phone"], false).names).toEqual([" name ", "phone"]);
  });

  it("names an empty column column_N after its position", () => {
    const result = columnNames(["name", "", "phone", "  "], true);
    expect(result.names).toEqual(["name", "column_2", "phone", "column_4"]);
    expect(result.renamed).toEqual(['column 2 has no name: it is read as "column_2"', 'column 4 has no name: it is read as "column_4"']);
  });

  it("makes repeated names unique with _2, _3 and says so", () => {
    const result = columnNames(["phone", "Phone", "phone", "phone"], true);
    expect(result.names).toEqual(["phone", "Phone", "phone_2", "phone_3"]);
    expect(result.renamed).toEqual([
      'column 3 repeats the name "phone": it is read as "phone_2"',
      'column 4 repeats the name "phone": it is read as "phone_3"',
    ]);
  });

  it("never gives a repeated name a suffix that another column already has", () => {
    expect(columnNames(["phone", "phone", "phone_2"], true).names).toEqual(["phone", "phone_3", "phone_2"]);
  });
});
