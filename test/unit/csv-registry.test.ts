// The connector registry: source types map to connectors, and an unknown type is a configuration error.
import { describe, expect, it } from "vitest";
import { connectorTypes, csvConnector, getConnector } from "../../connectors/index.js";
import { isSyncError } from "../../src/errors.js";

describe("connector registry", () => {
  it("lists csv among the source types", () => {
    expect(connectorTypes).toContain("csv");
  });

  it("returns the CSV connector for type csv, whose schema takes the whole source block", () => {
    const connector = getConnector("csv");
    expect(connector).toBe(csvConnector);
    expect(connector.type).toBe("csv");
    expect(connector.configSchema.safeParse({ type: "csv", path: "contacts.csv" }).success).toBe(true);
  });

  it("refuses an unknown type with CONFIG_INVALID, naming it and the known types", () => {
    let caught: unknown;
    try {
      getConnector("excel");
    } catch (err) {
      caught = err;
    }
    expect(isSyncError(caught, "CONFIG_INVALID")).toBe(true);
    expect((caught as Error).message).toBe(`unknown source type "excel": use one of ${connectorTypes.join(", ")}`);
  });

  it("does not mistake an Object.prototype name for a connector", () => {
    expect(() => getConnector("toString")).toThrow('unknown source type "toString"');
    expect(() => getConnector("__proto__")).toThrow('unknown source type "__proto__"');
  });
});
