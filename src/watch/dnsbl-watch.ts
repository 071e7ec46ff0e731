/**
 * The blocklist check inside the watcher: every `intervalMinutes` the outbound addresses
 * are discovered again (a bind address may change) and checked; answers come from the
 * cache while their TTL lasts. A change (listed, delisted, cannot check any more) is logged
 * and mailed to the admin; the state is in dnsbl.json for the UI and `watch dnsbl`.
 */
import type { Host } from '../host/host';
import { discoverOutbound, localInterfaces, type InterfaceAddress } from '../dnsbl/outbound-ips';
import { DnsblMonitor, type DnsblChange, type DnsblStatus } from '../dnsbl/dnsbl-monitor';
import type { WatchPolicy } from './watch-policy';


export class DnsblWatch {
  private last = 0;
  private running: Promise<DnsblStatus | null> | null = null;
  private readonly monitor: DnsblMonitor;

  constructor(
    private readonly host: Host,
    private readonly policy: Readonly<WatchPolicy>,
    statePath: string,
    private readonly onChange: (changes: DnsblChange[], status: DnsblStatus) => void | Promise<void>,
    private readonly interfaces: () => InterfaceAddress[] = localInterfaces,
  ) {
    this.monitor = new DnsblMonitor({ statePath, zones: policy.dnsbl.zones, server: policy.dnsbl.server });
  }

  /** Checks now. */
  async check(): Promise<DnsblStatus> {
    const d = await discoverOutbound(this.host, this.interfaces(), this.policy.dnsbl.addresses);
    const s = await this.monitor.check(d.addresses, d.notes);
    if (s.changes.length) await this.onChange(s.changes, s);
    return s;
  }

  /** Starts a check when one is due, in the background: the log is followed meanwhile. */
  tick(nowMs = Date.now()): void {
    if (this.policy.dnsbl.zones.length === 0 || this.running) return;
    if (this.last && nowMs - this.last < this.policy.dnsbl.intervalMinutes * 60_000) return;
    this.last = nowMs;
    this.running = this.check()
      .catch(() => null)
      .finally(() => {
        this.running = null;
      });
  }

  async idle(): Promise<void> {
    await this.running;
  }
}
