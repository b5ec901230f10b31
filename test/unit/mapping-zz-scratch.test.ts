import { it } from "vitest";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { parseMapping } from "../../src/mapping/load.js";
import { compileMapping } from "../../src/mapping/compile.js";
import { validateContact } from "../../src/pbx/contact.js";
const text = `version: 1
externalId: "{id}"
defaultCountry: IT
fields:
  name: { from: first_name, transform: [trim, title] }
  surname: last_name
  company: company
  email: { from: email, transform: [lower] }
numbers:
  numoffice: phone
  nummobile: mobile
extInfo:
  - { caption: "Credit limit", from: credit, format: { currency: EUR, locale: it-IT } }
  - { caption: "City", from: city }
skip:
  - { when: noNumber }
`;
it("bench", () => {
  const m = compileMapping(parseMapping(text, "m.yaml"), { appName: "CRM" });
  const N = 200_000;
  const rows = [];
  for (let i = 0; i < N; i++) rows.push({ id: String(i), first_name: "mario", last_name: "Rossi", company: "ACME", email: "A@B.IT", phone: "0733 " + (100000 + i), mobile: i % 2 ? "+39333" + (1000000 + i) : "333 " + (1000000 + i), credit: String(i), city: "Roma" });
  for (let k = 0; k < 2; k++) {
  let t = performance.now(); let n = 0;
  for (const r of rows) { const res = m.apply(r, "x"); if (res.kind === "contact") n++; }
  const ours = performance.now() - t;
  t = performance.now();
  const out = [];
  for (const r of rows) { out.push({ name: r.first_name.trim(), surname: r.last_name, numoffice: parsePhoneNumberFromString(r.phone, "IT")?.number, nummobile: parsePhoneNumberFromString(r.mobile, "IT")?.number, ext_info: [{ caption: "Credit", value: r.credit }] }); }
  const naive = performance.now() - t;
  t = performance.now(); let ok = 0;
  for (const r of rows.slice(0, 50000)) { const res = m.apply(r, "x"); if (res.kind === "contact" && validateContact(res.contact).ok) ok++; }
  const zodT = performance.now() - t;
  console.log({ ours, naive, n, zod50k: zodT, ok });
  }
});
