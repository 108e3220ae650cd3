import type { StringMap } from '../core/model';
import { urlTargetProblem } from './target-guard';

/** Where an AWS destination's requests go. */
export interface AwsTarget {
  region: string;
  /** A custom endpoint (emulators, VPC endpoints); AWS's own endpoint for the region otherwise. */
  endpoint?: string;
}

/** The configured region (or `fallback`'s, else us-east-1) and the optional `endpoint`. */
export function awsTarget(config: StringMap, fallback?: string): AwsTarget {
  return {
    region: config.region ?? fallback ?? 'us-east-1',
    ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
  };
}

/** Create-time and delivery-time rule for `endpoint`: any http(s) URL locally, https + public address deployed. */
export function endpointProblem(
  endpoint: string | undefined,
  allowPrivateTargets: boolean,
): string | undefined {
  if (endpoint === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'must be a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  return allowPrivateTargets ? undefined : urlTargetProblem(url);
}

/** `targetProblems` of every AWS adapter: the endpoint rule, named after the field. */
export function endpointTargetProblems(config: StringMap, ctx: { allowPrivateTargets: boolean }): string[] {
  const problem = endpointProblem(config.endpoint, ctx.allowPrivateTargets);
  return problem === undefined ? [] : [`config.endpoint: ${problem}`];
}
