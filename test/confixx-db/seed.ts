/**
 * Seed data for the test Confixx database: four resellers (res4 without customers),
 * customers web1..web300 spread over res1..res3, their domains, pop3 boxes, addresses
 * and forwards, one customer locked (web13), one with a latin1 name (web274), and a few
 * hostile or broken rows the adapter must pass over and count. Deterministic: the tests
 * compute what they expect from the same description.
 */

export const CUSTOMER_COUNT = 300;
export const LOCKED_CUSTOMER = 'web13';
export const UMLAUT_CUSTOMER = 'web274';
export const UMLAUT_FIRMA = 'Müller & Söhne Bäckerei';

export interface SeedRows {
  anbieter: (string | number)[][];
  kunden: (string | number)[][];
  domains: (string | number)[][];
  pop3: (string | number)[][];
  email: (string | number)[][];
  email_forward: (string | number)[][];
}

export const COLUMNS: Record<keyof SeedRows, string[]> = {
  anbieter: ['anbieter', 'longpw', 'maxkunden', 'firstname', 'name', 'firma', 'emailadresse'],
  kunden: ['kunde', 'anbieter', 'kundennummer', 'longpw', 'gesperrt', 'firstname', 'name', 'firma', 'emailadresse'],
  domains: ['domain', 'kunde', 'pfad', 'richtigedomain'],
  pop3: ['account', 'kunde', 'longpw', 'maxkb'],
  email: ['ident', 'prefix', 'domain', 'kunde'],
  email_forward: ['email_ident', 'pop3'],
};

export const RESELLERS = [
  { login: 'res1', name: 'Hosting Nord GmbH', email: 'support@hosting-nord.example' },
  { login: 'res2', name: 'Webagentur Süd', email: 'info@webagentur-sued.example' },
  { login: 'res3', name: 'Klaus Kleinhoster', email: 'klaus@kleinhoster.example' },
  { login: 'res4', name: 'Neu Reseller', email: 'neu@reseller.example' },
];

const FIRST = ['Anna', 'Bernd', 'Carla', 'Dieter', 'Eva', 'Frank', 'Gisela'];
const LAST = ['Schmidt', 'Meier', 'Schulz', 'Fischer', 'Weber', 'Wagner', 'Becker', 'Hoffmann'];

/** What the seed says about customer webN: the tests' expectations come from here. */
export function customerSeed(n: number) {
  const login = `web${n}`;
  const reseller = n <= 100 ? 'res1' : n <= 200 ? 'res2' : 'res3';
  const firstname = FIRST[n % FIRST.length]!;
  const name = LAST[n % LAST.length]!;
  const firma = `web${n}` === UMLAUT_CUSTOMER ? UMLAUT_FIRMA : n % 7 === 0 ? `Firma ${n} GmbH` : '';
  const email = n === 5 ? '' : n === 6 ? 'not-an-address' : `inhaber${n}@kunde${n}.example`;
  const main = `kunde${n}.example`;
  const domains: { domain: string; pfad: string; real: number }[] = [{ domain: main, pfad: '/', real: 1 }];
  if (n % 10 === 0) domains.push({ domain: `shop${n}.example`, pfad: '/shop/', real: 1 });
  if (n % 25 === 0) domains.push({ domain: `blog.${main}`, pfad: '/blog/', real: 0 });
  const boxes = Array.from({ length: (n % 3) + 1 }, (_, i) => `${login}p${i + 1}`);
  const addresses: { prefix: string; domain: string; to: string[] }[] = [{ prefix: 'info', domain: main, to: [boxes[0]!] }];
  if (boxes.length >= 2) addresses.push({ prefix: 'kontakt', domain: main, to: [boxes[1]!, 'chef@elsewhere.example'] });
  if (n % 10 === 0) addresses.push({ prefix: 'bestellung', domain: `shop${n}.example`, to: ['orders@elsewhere.example'] });
  return { login, reseller, firstname, name, firma, email, locked: login === LOCKED_CUSTOMER ? 1 : 0, domains, boxes, addresses };
}

export function buildSeed(): SeedRows {
  const rows: SeedRows = { anbieter: [], kunden: [], domains: [], pop3: [], email: [], email_forward: [] };
  for (const r of RESELLERS) rows.anbieter.push([r.login, '$1$salt$hash', -1, '', '', r.name, r.email]);
  let ident = 0;
  for (let n = 1; n <= CUSTOMER_COUNT; n++) {
    const c = customerSeed(n);
    rows.kunden.push([c.login, c.reseller, String(10000 + n), '$1$salt$hash', c.locked, c.firstname, c.name, c.firma, c.email]);
    for (const d of c.domains) rows.domains.push([d.domain, c.login, d.pfad, d.real]);
    for (const b of c.boxes) rows.pop3.push([b, c.login, '$1$salt$hash', 51200]);
    for (const a of c.addresses) {
      ident++;
      rows.email.push([ident, a.prefix, a.domain, c.login]);
      for (const t of a.to) rows.email_forward.push([ident, t]);
    }
  }
  // Hostile and broken rows, as a panel's database collects them over the years.
  rows.kunden.push(['admin', 'res1', '0', '', 0, '', '', '', '']);
  rows.domains.push(["evil.example'; DROP TABLE kunden; --", 'web300', '/', 1]);
  rows.domains.push(['traversal.example', 'web299', '/../../etc/', 1]);
  rows.domains.push(['orphan.example', 'web999', '/', 1]);
  rows.email.push([++ident, 'line\nbreak', 'kunde300.example', 'web300']);
  return rows;
}
