import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * SSRF protection for deployed mode: a tenant-supplied URL must not reach the deployment's own
 * network (VPC, instance metadata at 169.254.169.254, loopback services). The hostname is resolved
 * once, every address is checked, and the connection goes to the checked address (the lookup below
 * is handed to the HTTP request), so a DNS answer that changes between check and connect
 * (rebinding) has no window.
 */

/** The attempt code (and error code) of a connection the guard refused. */
export const TARGET_FORBIDDEN = 'target_forbidden';

export class TargetForbiddenError extends Error {
  readonly code = TARGET_FORBIDDEN;
  constructor(message: string) {
    super(message);
    this.name = 'TargetForbiddenError';
  }
}

const forbiddenV4: [string, number, string][] = [
  ['0.0.0.0', 8, '"this" network'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/** IPv6 ranges refused outright. Ranges that embed an IPv4 address are judged by that address. */
const forbiddenV6: [string, number, string][] = [
  ['::', 96, 'unspecified, loopback or IPv4-compatible'],
  ['64:ff9b:1::', 48, 'local-use NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001::', 23, 'IETF protocol assignments (Teredo, ORCHID)'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
  ['fc00::', 7, 'unique local'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

function buildBlockList(ranges: [string, number, string][], family: 'ipv4' | 'ipv6'): Map<string, BlockList> {
  // One list per reason, so a refusal can say why.
  const byReason = new Map<string, BlockList>();
  for (const [network, prefix, reason] of ranges) {
    const list = byReason.get(reason) ?? new BlockList();
    list.addSubnet(network, prefix, family);
    byReason.set(reason, list);
  }
  return byReason;
}

const blockedV4 = buildBlockList(forbiddenV4, 'ipv4');
const blockedV6 = buildBlockList(forbiddenV6, 'ipv6');

/** The 16 bytes of an IPv6 address (isIP already said it is one; zone id stripped). */
function ipv6Bytes(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail.push(
      ...text
        .slice(lastColon + 1)
        .split('.')
        .map(Number),
    );
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(missing, 0)).fill('0'), ...restGroups];
  const bytes = groups.flatMap((group) => {
    const value = parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

function startsWith(bytes: number[], prefix: number[]): boolean {
  return prefix.every((value, index) => bytes[index] === value);
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
const NAT64_PREFIX = [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
const SIX_TO_FOUR_PREFIX = [0x20, 0x02];

/** The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), if any. */
function embeddedIpv4(bytes: number[]): string | undefined {
  if (startsWith(bytes, MAPPED_PREFIX) || startsWith(bytes, NAT64_PREFIX)) return bytes.slice(12).join('.');
  if (startsWith(bytes, SIX_TO_FOUR_PREFIX)) return bytes.slice(2, 6).join('.');
  return undefined;
}

function reasonIn(
  lists: Map<string, BlockList>,
  address: string,
  family: 'ipv4' | 'ipv6',
): string | undefined {
  for (const [reason, list] of lists) {
    if (list.check(address, family)) return reason;
  }
  return undefined;
}

/**
 * Why a delivery must not connect to this IP address (`"private"`, `"loopback"`...), or undefined
 * when it may. Anything that is not an IP address is refused.
 */
export function forbiddenAddressReason(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 4) return reasonIn(blockedV4, bare, 'ipv4');
  if (version !== 6) return 'not an IP address';
  const embedded = embeddedIpv4(ipv6Bytes(bare));
  if (embedded !== undefined) {
    const reason = reasonIn(blockedV4, embedded, 'ipv4');
    return reason === undefined ? undefined : `${reason} (${embedded} embedded in IPv6)`;
  }
  return reasonIn(blockedV6, bare, 'ipv6');
}

const LOCALHOST = /(^|\.)localhost\.?$/i;

/**
 * What can be judged from the URL alone, without DNS: https only, no IP literal in a forbidden
 * range, no `localhost`. Used at delivery (before connecting) and when a destination is created.
 * Returns the problem, or undefined.
 */
export function urlTargetProblem(url: URL): string | undefined {
  if (url.protocol !== 'https:') return 'must use https';
  const host = url.hostname;
  if (LOCALHOST.test(host)) return 'must not point at localhost';
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) {
    const reason = forbiddenAddressReason(host);
    if (reason !== undefined) return `must not point at a forbidden address (${reason})`;
  }
  return undefined;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Why a delivery must not connect to an address, or undefined when it may (forbiddenAddressReason). */
export type AddressCheck = (address: string) => string | undefined;

/** Every address of a hostname; the default is the system resolver (what Node would use). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({
    address,
    family: family === 6 ? 6 : 4,
  }));

function familyNumber(family: number | 'IPv4' | 'IPv6' | undefined): 4 | 6 | undefined {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return undefined;
}

/**
 * A `lookup` for http(s).request / net.connect that resolves once and refuses the whole hostname
 * when any of its addresses is forbidden (a name that mixes public and private answers is a
 * rebinding attempt, not a misconfiguration to work around).
 */
export function guardedLookup(
  resolve: Resolver = systemResolver,
  forbidden: AddressCheck = forbiddenAddressReason,
): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = familyNumber(options.family);
        const candidates = wanted === undefined ? addresses : addresses.filter((a) => a.family === wanted);
        for (const { address } of addresses) {
          const reason = forbidden(address);
          if (reason !== undefined) {
            callback(new TargetForbiddenError(`${hostname} resolves to ${address} (${reason})`), '', 4);
            return;
          }
        }
        const first = candidates[0];
        if (first === undefined) {
          callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
        } else if (options.all) {
          callback(null, candidates);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, '', 4),
    );
  };
}
