// The connector registry: source `type` in the configuration -> connector. 
import { SyncError } from "../src/errors.js";
import { carddavConnector } from "./carddav.js";
import { csvConnector } from "./csv.js";
import { restConnector } from "./rest.js";
import { sqlConnector } from "./sql.js";
import type { Connector } from "./types.js";

export type { CheckResult, Connector, ConnectorContext, SourceItem, SourcePresent, SourceProblem, SourceRecord, SourceWatermark } from "./types.js";
export { defineConnector } from "./types.js";
export { csvConnector, csvConfigSchema, type CsvConfig } from "./csv.js";
export { sqlConnector, sqlConfigSchema, type SqlConfig } from "./sql.js";
export { restConnector, restConfigSchema, type RestConfig } from "./rest.js";
export { carddavConnector, carddavConfigSchema, type CarddavConfig } from "./carddav.js";

/** Every connector by its `type`; a new connector is one more entry here. */
const connectors: Readonly<Record<string, Connector<unknown>>> = {
  csv: csvConnector as Connector<unknown>,
  sql: sqlConnector as Connector<unknown>,
  rest: restConnector as Connector<unknown>,
  carddav: carddavConnector as Connector<unknown>,
};

/** The source types a configuration may name. */
export const connectorTypes: readonly string[] = Object.keys(connectors);

/** The connector for a source type; an unknown type is a configuration error that names the known ones. */
export function getConnector(type: string): Connector<unknown> {
  const connector = Object.hasOwn(connectors, type) ? connectors[type] : undefined;
  if (!connector) {
    throw new SyncError("CONFIG_INVALID", `unknown source type "${type}": use one of ${connectorTypes.join(", ")}`, { field: "type" });
  }
  return connector;
}
