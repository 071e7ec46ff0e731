/** Blocklist state of the addresses mail leaves from: discovery, DNSBL queries, cached state. */
export { DNSBL_LISTS, interpretAnswer, listOf, type DnsblList, type DnsblState } from './dnsbl-lists';
export { queryDnsbl, queryName, makeResolver, type DnsblAnswer, type QueryOptions } from './dnsbl-query';
export { discoverOutbound, isPrivate, type OutboundAddress, type OutboundDiscovery, type InterfaceAddress } from './outbound-ips';
export { DnsblMonitor, renderDnsbl, type DnsblStatus, type DnsblChange } from './dnsbl-monitor';
