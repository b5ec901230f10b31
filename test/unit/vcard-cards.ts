// Shared by the vCard tests: cards as servers serve them (iCloud's vCard 3, an RFC 6350 vCard 4).

const PHOTO_LINES = [
  "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0a",
  " HBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAA",
  " AAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AVN//2Q==",
];

/** An iPhone's card as iCloud serves it: item groups with X-ABLabel, repeated lower-case TYPE, folded lines, CRLF. */
export const APPLE_CARD = [
  "BEGIN:VCARD",
  "VERSION:3.0",
  "PRODID:-//Apple Inc.//iPhone OS 17.4//EN",
  "N:Müller;Zoë;Anna;Dr.;",
  "FN:Dr. Zo",
  " ë Anna Müller",
  "ORG:Müller GmbH;Einkauf;",
  "TITLE:Leiterin Einkauf",
  "EMAIL;type=INTERNET;type=HOME:zoe@home.example",
  "EMAIL;type=INTERNET;type=WORK;type=pref:zoe.mueller@mueller.example",
  "TEL;type=WORK;type=VOICE:030 1234567",
  "item1.TEL;type=pref:+49 171 2345678",
  "item1.X-ABLabel:_$!<Mobile>!$_",
  "TEL;type=WORK;type=FAX:030 1234568",
  "item2.TEL:030 7654321",
  "item2.X-ABLabel:Lager",
  "TEL;type=HOME,VOICE:030 555 0101",
  "item3.ADR;type=WORK;type=pref:;;Friedrichstraße 10;Berlin;;10117;Deutschland",
  "item3.X-ABADR:de",
  "NOTE:Ruft gern morgens an.\\nRabatt 5%\\, Zah",
  " lung 30 Tage.",
  "CATEGORIES:Customers,VIP",
  ...PHOTO_LINES,
  "UID:0C3D7B2A-1111-4E0F-9A55-6B1B2C3D4E5F",
  "END:VCARD",
  "",
].join("\r\n");

/** A vCard 4 card (RFC 6350 spellings: tel: URIs, PREF=n, quoted TYPE lists), LF line ends. */
export const VCARD4_CARD = [
  "BEGIN:VCARD",
  "VERSION:4.0",
  "UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
  "FN:Łukasz Żółć",
  "N:Żółć;Łukasz;Jan,Maria;;",
  "ORG:Żółć Sp. z o.o.",
  'TEL;VALUE=uri;TYPE="work,voice";PREF=2:tel:+48-22-123-45-67;ext=89',
  "TEL;VALUE=uri;TYPE=cell;PREF=1:tel:+48-600-100-200",
  "TEL;VALUE=uri;TYPE=work;TYPE=voice:tel:+48-22-765-43-21",
  "TEL;VALUE=uri;TYPE=home:tel:+48-22-111-22-33",
  "TEL;TYPE=text:+48 600 100 201",
  "EMAIL;TYPE=work:biuro@zolc.example",
  "EMAIL;PREF=1:lukasz@zolc.example",
  "CATEGORIES:Customers",
  "CATEGORIES:Suppliers, Customers",
  "ADR;TYPE=home:;;ul. Marszałkowska 1;Warszawa;;00-001;Polska",
  "ADR;TYPE=work;PREF=1:;;ul. Prosta 2,piętro 3;Warszawa;;00-850;Poland",
  "BDAY:19850412",
  "NICKNAME:Łuki,Luke",
  "URL:https://zolc.example/",
  "END:VCARD",
].join("\n");
