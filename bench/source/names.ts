// Names, surnames and company forms per country: accents, apostrophes, quotes and commas, as CRMs hold them.
import type { Country } from "./phones.js";

interface People {
  first: readonly string[];
  last: readonly string[];
  /** Company names from a surname and a word; quotes and commas on purpose. */
  companies: ReadonlyArray<(last: string, word: string) => string>;
  tld: string;
}

const WORDS = ["Alfa", "Nord", "Sole", "Delta", "Vega", "Orion", "Kappa", "Prisma", "Atlas", "Fenice", "Borealis", "Zenit", "Lumen", "Terra", "Helix"];

export const PEOPLE: Record<Country, People> = {
  IT: {
    first: ["Giulia", "Marco", "Francesca", "Luca", "Chiara", "Alessandro", "Sara", "Matteo", "Elena", "Davide", "Martina", "Niccolò", "Ilaria", "Gianluca"],
    last: ["Rossi", "Bianchi", "D'Angelo", "Esposito", "Romano", "Colombo", "De Luca", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "Mancini", "Fabbri"],
    companies: [(l) => `${l} S.r.l.`, (l) => `${l} & Figli S.p.A.`, (l, w) => `"${w}" di ${l}, S.n.c.`, (l, w) => `${w} Impianti S.r.l.`, (l) => `Studio ${l}, Commercialisti Associati`],
    tld: "it",
  },
  DE: {
    first: ["Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Lena", "Maximilian", "Jürgen", "Katrin", "Björn", "Ulrike"],
    last: ["Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Meyer", "Wagner", "Becker", "Schäfer", "Koch", "von Richthofen", "Hoffmann"],
    companies: [(l) => `${l} GmbH`, (l) => `${l} GmbH & Co. KG`, (l, w) => `Bäckerei "${w}" ${l}`, (l, w) => `${w} Logistik AG`, (l) => `${l}, Kanzlei für Steuerrecht`],
    tld: "de",
  },
  FR: {
    first: ["Camille", "Louis", "Léa", "Hugo", "Chloé", "Théo", "Manon", "Gabriel", "Inès", "Raphaël", "Élodie"],
    last: ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "D'Artagnan", "Fontaine", "Chevalier", "Lemaire", "Roux"],
    companies: [(l) => `${l} SARL`, (l) => `Société ${l} et Fils`, (l, w) => `"${w}" Conseil, SAS`, (l, w) => `Établissements ${w}`, (l) => `${l}, Dupont & Associés`],
    tld: "fr",
  },
  GB: {
    first: ["Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Jack", "Emily", "Siobhan", "Rhys"],
    last: ["Smith", "Jones", "O'Brien", "Taylor", "Brown", "Williams", "Davies", "Evans", "Wilson", "Thomas", "Fitzgerald-Hughes"],
    companies: [(l) => `${l} & Sons Ltd`, (l) => `${l}, Jones & Partners LLP`, (l, w) => `The "${w}" Trading Company Ltd`, (l, w) => `${w} Holdings plc`],
    tld: "co.uk",
  },
  US: {
    first: ["James", "Olivia", "Michael", "Emma", "William", "Sophia", "Ethan", "Madison", "Jacob", "Abigail", "Daniel"],
    last: ["Johnson", "Williams", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Anderson", "O'Neil", "McAllister", "Lee"],
    companies: [(l) => `${l} Industries, Inc.`, (l) => `${l} & Associates, LLC`, (l, w) => `"${w}" Software Corp.`, (l, w) => `${w} Capital, L.P.`],
    tld: "com",
  },
  CH: {
    first: ["Luca", "Mia", "Noah", "Lea", "Leon", "Laura", "Nino", "Anouk", "Reto", "Corinne"],
    last: ["Meier", "Keller", "Brunner", "Frei", "Zürcher", "Baumann", "Graf", "Rochat", "Favre", "Bernasconi"],
    companies: [(l) => `${l} AG`, (l) => `${l} & Cie SA`, (l, w) => `"${w}" Treuhand GmbH`, (l, w) => `${w} Uhren, Genève`],
    tld: "ch",
  },
};

export const SALES_AGENTS = [
  "Paola Ferrari",
  "Klaus Neumann",
  "Sébastien Roy",
  "Hannah Clarke",
  "Tyler Brooks",
  "Urs Steiner",
  "Valentina Costa",
  "Mehmet Yılmaz",
  "Agnieszka Nowak",
  "Rui Carvalho",
];

export function companyWord(index: number): string {
  return WORDS[index % WORDS.length] ?? "Alfa";
}

/** An e-mail local part or domain label from a name: plain ASCII letters, digits, dots and dashes. */
export function asciiLabel(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ß/g, "ss")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
