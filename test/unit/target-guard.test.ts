import type { LookupAddress } from 'node:dns';
import {
  forbiddenAddressReason,
  guardedLookup,
  TargetForbiddenError,
  urlTargetProblem,
  type ResolvedAddress,
} from '../../lambdas/destinations/target-guard';

describe('forbiddenAddressReason', () => {
  it.each<[string, string | undefined]>([
    // IPv4 public
    ['93.184.216.34', undefined],
    ['8.8.8.8', undefined],
    ['172.32.0.1', undefined],
    ['100.128.0.1', undefined],
    ['192.169.0.1', undefined],
    // IPv4 refused
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['0.0.0.0', '"this" network'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    // IPv6 public
    ['2606:4700:4700::1111', undefined],
    ['2a00:1450:4001:82b::200e', undefined],
    // IPv6 refused
    ['::1', 'unspecified, loopback or IPv4-compatible'],
    ['::', 'unspecified, loopback or IPv4-compatible'],
    ['[::1]', 'unspecified, loopback or IPv4-compatible'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'IETF protocol assignments (Teredo, ORCHID)'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    // IPv6 forms that embed an IPv4 address are judged by it
    ['::ffff:127.0.0.1', 'loopback (127.0.0.1 embedded in IPv6)'],
    ['::ffff:7f00:1', 'loopback (127.0.0.1 embedded in IPv6)'],
    ['::ffff:10.0.0.1', 'private (10.0.0.1 embedded in IPv6)'],
    ['::ffff:169.254.169.254', 'link-local (169.254.169.254 embedded in IPv6)'],
    ['::ffff:93.184.216.34', undefined],
    ['64:ff9b::a00:1', 'private (10.0.0.1 embedded in IPv6)'],
    ['64:ff9b::169.254.169.254', 'link-local (169.254.169.254 embedded in IPv6)'],
    ['64:ff9b::5db8:d822', undefined],
    ['2002:c0a8:101::1', 'private (192.168.1.1 embedded in IPv6)'],
    ['2002:5db8:d822::1', undefined],
    // not an address at all
    ['example.com', 'not an IP address'],
    ['', 'not an IP address'],
  ])('%s -> %p', (address, reason) => {
    expect(forbiddenAddressReason(address)).toBe(reason);
  });
});

describe('urlTargetProblem', () => {
  it.each<[string, string | undefined]>([
    ['https://hooks.example.com/in', undefined],
    ['https://93.184.216.34/in', undefined],
    ['https://[2606:4700:4700::1111]/in', undefined],
    ['http://hooks.example.com/in', 'must use https'],
    ['ftp://hooks.example.com/in', 'must use https'],
    ['https://localhost/in', 'must not point at localhost'],
    ['https://api.localhost:8443/in', 'must not point at localhost'],
    ['https://LOCALHOST./in', 'must not point at localhost'],
    ['https://127.0.0.1/in', 'must not point at a forbidden address (loopback)'],
    ['https://169.254.169.254/latest/meta-data', 'must not point at a forbidden address (link-local)'],
    [
      'https://[::1]:8443/in',
      'must not point at a forbidden address (unspecified, loopback or IPv4-compatible)',
    ],
    [
      'https://[::ffff:10.0.0.1]/in',
      'must not point at a forbidden address (private (10.0.0.1 embedded in IPv6))',
    ],
    // The WHATWG URL parser normalises these spellings of 127.0.0.1 into the IPv4 literal.
    ['https://2130706433/in', 'must not point at a forbidden address (loopback)'],
    ['https://0x7f.1/in', 'must not point at a forbidden address (loopback)'],
  ])('%s -> %p', (url, problem) => {
    expect(urlTargetProblem(new URL(url))).toBe(problem);
  });
});

type LookupResult = {
  error: NodeJS.ErrnoException | null;
  address: string | LookupAddress[];
  family?: number;
};

function runLookup(
  addresses: ResolvedAddress[] | Error,
  options: { all?: boolean; family?: number },
): Promise<LookupResult & { asked: string[] }> {
  const asked: string[] = [];
  const lookup = guardedLookup(async (hostname) => {
    asked.push(hostname);
    if (addresses instanceof Error) throw addresses;
    return addresses;
  });
  return new Promise((resolve) => {
    lookup('hooks.example.test', options, (error, address, family) =>
      resolve({ error, address, family, asked }),
    );
  });
}

const publicV4: ResolvedAddress = { address: '93.184.216.34', family: 4 };
const publicV6: ResolvedAddress = { address: '2606:4700:4700::1111', family: 6 };
const privateV4: ResolvedAddress = { address: '10.0.0.7', family: 4 };
const metadataV4: ResolvedAddress = { address: '169.254.169.254', family: 4 };
const loopbackV6: ResolvedAddress = { address: '::1', family: 6 };

describe('guardedLookup (fake resolver)', () => {
  it.each<
    [
      string,
      ResolvedAddress[],
      { all?: boolean; family?: number },
      string | LookupAddress[],
      number | undefined,
    ]
  >([
    ['single public address', [publicV4], {}, '93.184.216.34', 4],
    ['first of several', [publicV6, publicV4], {}, '2606:4700:4700::1111', 6],
    ['family filter', [publicV6, publicV4], { family: 4 }, '93.184.216.34', 4],
    [
      'all addresses (autoSelectFamily)',
      [publicV4, publicV6],
      { all: true },
      [publicV4, publicV6],
      undefined,
    ],
  ])('connects to the checked address: %s', async (_label, addresses, options, expected, family) => {
    const result = await runLookup(addresses, options);
    expect(result.error).toBeNull();
    expect(result.address).toEqual(expected);
    expect(result.family).toBe(family);
    expect(result.asked).toEqual(['hooks.example.test']);
  });

  it.each<[string, ResolvedAddress[], { all?: boolean; family?: number }]>([
    ['private only', [privateV4], {}],
    ['instance metadata', [metadataV4], { all: true }],
    ['IPv6 loopback', [loopbackV6], {}],
    ['public and private mixed (rebinding)', [publicV4, privateV4], { all: true }],
    ['forbidden address in a family not asked for', [publicV4, loopbackV6], { family: 4 }],
  ])('refuses %s', async (_label, addresses, options) => {
    const result = await runLookup(addresses, options);
    expect(result.error).toBeInstanceOf(TargetForbiddenError);
    expect(result.error?.code).toBe('target_forbidden');
  });

  it('reports a name with no usable address as ENOTFOUND', async () => {
    const result = await runLookup([publicV6], { family: 4 });
    expect(result.error?.code).toBe('ENOTFOUND');
  });

  it('passes resolver failures through', async () => {
    const failure = Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' });
    const result = await runLookup(failure, {});
    expect(result.error).toBe(failure);
  });
});
