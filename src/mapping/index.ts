// The mapping module: load a mapping file, compile it once per run, apply it to every source record.
export { loadMapping, parseMapping, type LoadedMapping } from "./load.js";
export { compileMapping, type CompileOptions, type CompiledMapping, type MapResult } from "./compile.js";
export { mappingSchema, type MappingSpec, type NumberFormat } from "./schema.js";
export { PhoneParser, formatPhone, type ParsedPhone } from "./phone.js";
export { resolveCountry } from "./countries.js";
export { titleCase } from "./transforms.js";
