/**
 * Realistic Apache combined access-log lines for the benchmark, from a seeded PRNG so every
 * generation of the data set is the same. The mix follows a shared-hosting vhost: mostly
 * GET for pages and assets, about 10 % POST (forms, wp-login, xmlrpc, admin-ajax), bots,
 * IPv6 clients, "-" sizes, the odd escaped quote in an agent and a junk line now and then.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** xorshift32: fast and deterministic; quality is irrelevant for test data. */
export class Prng {
  constructor(private state: number) {
    if (this.state === 0) this.state = 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  below(n: number): number {
    return this.next() % n;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.next() % list.length]!;
  }
}

const PAGES = ['/', '/index.php', '/kontakt/', '/impressum/', '/blog/2014/02/hello-world/', '/shop/produkt-123.html', '/index.php?option=com_content&view=article&id=12', '/?p=1234', '/feed/', '/category/news/page/2/'];
const ASSETS = ['/wp-content/themes/twentytwelve/style.css?ver=3.8.1', '/wp-includes/js/jquery/jquery.js?ver=1.10.2', '/wp-content/uploads/2014/01/header.jpg', '/favicon.ico', '/robots.txt', '/images/logo.png', '/css/main.css'];
const POSTS = ['/wp-login.php', '/xmlrpc.php', '/wp-admin/admin-ajax.php', '/kontakt/', '/wp-content/plugins/contact-form-7/includes/submit.php', '/wp-content/uploads/2013/11/xmlrpclAag.php', '/index.php?option=com_users&task=user.login', '/cgi-bin/formmail.pl'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.107 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.73.11 (KHTML, like Gecko) Version/7.0.1 Safari/537.73.11',
  'Mozilla/5.0 (Windows NT 6.1; rv:27.0) Gecko/20100101 Firefox/27.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 7_0_4 like Mac OS X) AppleWebKit/537.51.1 (KHTML, like Gecko) Version/7.0 Mobile/11B554a Safari/9537.53',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 (compatible; AhrefsBot/5.0; +http://ahrefs.com/robot/)',
  'curl/7.26.0',
  'python-requests/2.2.1 CPython/2.7.3 Linux/3.2.0-4-amd64',
  '-',
  'Mozilla/4.0 (compatible; MSIE 6.0; \\"hostile\\" agent \\\\ with escapes)',
];
const REFERERS = ['-', '-', '-', 'http://www.example.de/', 'https://www.google.de/', 'http://www.example.de/kontakt/', 'http://spam.example.ru/?q=\\"x\\"'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `22/Feb/2014:06:30:16 +0100` for a UTC epoch-ms, shown in +0100 as a German server would. */
export function logTime(ms: number): string {
  const d = new Date(ms + 3600_000);
  return `${pad2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0100`;
}

function client(r: Prng): string {
  if (r.below(8) === 0) return `2001:db8:${r.below(0xffff).toString(16)}::${r.below(0xffff).toString(16)}`;
  return `${1 + r.below(223)}.${r.below(256)}.${r.below(256)}.${1 + r.below(254)}`;
}

/** One line (with its newline) for a request at `ms`. */
export function synthLine(r: Prng, ms: number): string {
  const roll = r.below(1000);
  if (roll === 0) return `\x16\x03\x01 junk from a TLS client on port 80 ${r.next()}\n`;
  const t = logTime(ms);
  const c = client(r);
  if (roll < 100) {
    return `${c} - - [${t}] "POST ${r.pick(POSTS)} HTTP/1.1" ${r.below(5) === 0 ? 302 : 200} ${r.below(9000) + 20} "${r.pick(REFERERS)}" "${r.pick(AGENTS)}"\n`;
  }
  const method = roll < 130 ? 'HEAD' : 'GET';
  const path = roll < 600 ? r.pick(ASSETS) : r.pick(PAGES);
  const status = r.below(20) === 0 ? 404 : r.below(10) === 0 ? 304 : 200;
  const size = status === 304 || method === 'HEAD' ? '-' : String(r.below(60000) + 100);
  return `${c} - - [${t}] "${method} ${path} HTTP/1.1" ${status} ${size} "${r.pick(REFERERS)}" "${r.pick(AGENTS)}"\n`;
}
