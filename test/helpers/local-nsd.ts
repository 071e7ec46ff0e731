/**
 * A real authoritative DNS server (Debian's nsd) on 127.0.0.1 and a free port, serving
 * zones the test writes, so DNSBL queries are answered by real DNS over UDP while nothing
 * leaves the machine. Started in the foreground (-d) from a temp dir, stopped by pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resolver } from 'node:dns/promises';

export const NSD = '/usr/sbin/nsd';

export interface LocalNsd {
  server: string;
  port: number;
  stop(): Promise<void>;
}

/** zones: origin -> zone file body (records after $ORIGIN/$TTL/SOA, which are added) */
export async function startNsd(zones: Record<string, string>, ttl = 300): Promise<LocalNsd> {
  const dir = mkdtempSync(join(tmpdir(), 'nsd-'));
  const port = await freeUdpPort();
  const zoneConf: string[] = [];
  for (const [origin, body] of Object.entries(zones)) {
    const file = `${origin}.zone`;
    writeFileSync(join(dir, file), `$ORIGIN ${origin}.\n$TTL ${ttl}\n@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n@ NS ns.test.\n${body}\n`);
    zoneConf.push(`zone:\n  name: "${origin}"\n  zonefile: "${file}"\n`);
  }
  const conf = join(dir, 'nsd.conf');
  writeFileSync(
    conf,
    `server:\n  ip-address: 127.0.0.1@${port}\n  port: ${port}\n  do-ip6: no\n  username: ""\n  zonesdir: "${dir}"\n  pidfile: "${dir}/nsd.pid"\n` +
      `  zonelistfile: "${dir}/zone.list"\n  xfrdfile: "${dir}/xfrd.state"\n  logfile: "${dir}/nsd.log"\n  server-count: 1\n  verbosity: 1\n` +
      `remote-control:\n  control-enable: no\n${zoneConf.join('')}`,
  );
  const check = spawnSync('/usr/sbin/nsd-checkconf', [conf], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nsd-checkconf: ${check.stderr}`);
  const child: ChildProcess = spawn(NSD, ['-d', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const server = `127.0.0.1:${port}`;
  const first = Object.keys(zones)[0]!;
  const r = new Resolver({ timeout: 500, tries: 1 });
  r.setServers([server]);
  const end = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nsd ended: ${err}`);
    const ok = await r.resolveSoa(first).then(() => true, () => false);
    if (ok) break;
    if (Date.now() > end) throw new Error(`nsd did not answer on ${server}: ${err}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    server,
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      const done = new Promise((res) => child.once('close', res));
      child.kill('SIGTERM');
      await done;
    },
  };
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const haveNsd = (): boolean => existsSync(NSD);
