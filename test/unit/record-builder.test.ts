// The compiled record builder of the CSV connector: any header, hostile names included, gives what field-by-field assignment gives.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { putField, recordBuilder } from "../../connectors/fields.js";

function byAssignment(columns: readonly string[], values: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i < columns.length; i++) putField(record, columns[i] ?? "", values[i] ?? "");
  return record;
}

describe("recordBuilder", () => {
  it("builds plain records whose names are code, quotes, line breaks or the prototype's", () => {
    const columns = ["id", '"); process.exit(1); ("', "a\nb", "\u2028", "constructor", "__proto__", "toString", "", "0", "😀"];
    const values = columns.map((_, i) => `v${i}`);
    const record = recordBuilder(columns)(values);
    expect(record).toEqual(byAssignment(columns, values));
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(Object.keys(byAssignment(columns, values)));
    expect(record["__proto__"]).toBe("v5");
    const withoutProto = columns.filter((column) => column !== "__proto__");
    const compiled = recordBuilder(withoutProto)(values);
    expect(Object.getPrototypeOf(compiled)).toBe(Object.prototype);
    expect(compiled['"); process.exit(1); ("']).toBe("v1");
  });

  it("agrees with assignment for any header and values (fast-check)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: "binary", maxLength: 8 }), { maxLength: 20 }), fc.array(fc.string(), { maxLength: 20 }), (columns, values) => {
        const built = recordBuilder(columns)(values);
        const expected = byAssignment(columns, values);
        expect(built).toEqual(expected);
        expect(JSON.stringify(built)).toBe(JSON.stringify(expected));
      }),
    );
  });
});
