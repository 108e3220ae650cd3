import type { STSClient } from '@aws-sdk/client-sts';

/**
 * How the deliver function reaches STS to assume tenants' roles, set once by the composition root
 * from the function's own environment: its region, `AWS_ENDPOINT_URL_STS` (a test server or
 * emulator in local mode), and in local mode the runtime's credentials. Operator configuration
 * only: nothing a tenant stores reaches it. Its own module, free of SDK imports, so the composition
 * root of every bundle can set it without carrying the STS client.
 */
export interface StsSettings {
  region?: string;
  /** @default - STS of the region */
  endpoint?: string;
  /** @default - the function's own identity (the SDK's default chain) */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Observes the client once built, as every platform client is (X-Ray in AWS, the local runtime's
   * IAM check). @default - nothing
   */
  instrument?: (client: STSClient) => void;
}

let current: StsSettings = {};

export function configureSts(settings: StsSettings): void {
  current = settings;
}

/** The settings in force; a new object after each configureSts, so a client built from them can tell. */
export function stsSettings(): StsSettings {
  return current;
}
