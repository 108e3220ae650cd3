import { z } from 'zod';
import type { DestinationAdapter, DestinationField } from '../core/destination-adapter';
import {
  awsCredentialsSchema,
  issuedAwsCredentials,
  maskAwsCredentials,
  prepareAwsCredentials,
} from './aws-credentials';
import { endpointProblem, endpointTargetProblems } from './aws-endpoint';

/** The credential half of every AWS adapter: one schema, validation, masking and endpoint rule. */
export const awsAdapterCommon: Pick<
  DestinationAdapter,
  'credentialsSchema' | 'issuedCredentials' | 'prepareCredentials' | 'maskCredentials' | 'targetProblems'
> = {
  credentialsSchema: awsCredentialsSchema,
  issuedCredentials: issuedAwsCredentials,
  // The API has already merge-patched the request over the stored credentials.
  prepareCredentials: (input, existing, ctx) => prepareAwsCredentials(input, existing, ctx),
  maskCredentials: maskAwsCredentials,
  targetProblems: endpointTargetProblems,
};

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;

export const regionSchema = z.string().regex(REGION, 'must be an AWS region such as us-east-1');

/** Shape only; whether a private address is allowed depends on the mode (targetProblems). */
export const endpointSchema = z
  .string()
  .refine((value) => endpointProblem(value, true) === undefined, 'must be an http(s) URL');

export const REGION_FIELD: DestinationField = {
  key: 'region',
  type: 'text',
  label: 'Region',
  description: 'The AWS region, e.g. us-east-1.',
  required: true,
  pattern: REGION.source,
};

export function endpointField(service: string): DestinationField {
  return {
    key: 'endpoint',
    type: 'text',
    label: 'Endpoint',
    description: `Optional. A custom ${service} endpoint URL (a VPC endpoint; an emulator in local mode). Must be https.`,
    required: false,
  };
}

/** A small inline AWS-style icon: the service's initials on a rounded square. */
export function awsIcon(initials: string, color: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="4" fill="${color}"/><text x="12" y="16" font-family="Arial,sans-serif" font-size="${initials.length > 2 ? 7 : 9}" font-weight="700" fill="#fff" text-anchor="middle">${initials}</text></svg>`;
}

/**
 * Markdown instructions in the order that works: read the issued external id, create the role in the
 * tenant's account (trust policy naming it, permission policy for the service), create the
 * destination; then the static-key alternative. The tenant-scoped read fills in `<EXTERNAL_ID>`
 * (lambdas/core/destination-types.ts).
 */
export function awsInstructions(options: {
  service: string;
  actions: string[];
  resource: string;
  delivery: string;
}): string {
  const permissions = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: options.actions, Resource: options.resource }],
  };
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::<PLATFORM_ACCOUNT_ID>:root' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': '<EXTERNAL_ID>' } },
      },
    ],
  };
  return `${options.delivery}

## Grant access with a role (recommended)

1. Read the external id this service issued to your tenant (the same for all of your role
   destinations): \`GET /api/v1/tenants/<tenant_id>/destination-types/<type>\` answers these
   instructions with it in the trust policy below, and as the \`external_id\` credential field's
   \`default\`.
2. In your AWS account create an IAM role with this **trust policy** (\`sts:ExternalId\` is the issued
   external id; \`<PLATFORM_ACCOUNT_ID>\` the account that runs event delivery, given by your provider):

\`\`\`json
${JSON.stringify(trust, null, 2)}
\`\`\`

   and this **permission policy**:

\`\`\`json
${JSON.stringify(permissions, null, 2)}
\`\`\`

3. Create the destination with the role's \`role_arn\` (\`arn:aws:iam::<your account>:role/<name>\`).
   Leave \`external_id\` out: it is filled in (a different value is refused), and the destination's
   \`credentials.external_id\` shows it.

Every delivery uses short-lived credentials from STS AssumeRole; nothing long-lived is stored. Events
published before the role exists (or while its policies propagate) fail with \`AssumeRole.AccessDenied\`
and are retried on the destination's schedule, so they arrive once the role is in place.

## Static keys (not recommended)

Instead of a role, \`key\` and \`secret\` (and \`session\` for temporary keys) of an IAM user with the
permission policy above. They are encrypted at rest and never shown again in full.

## Failures

Throttling, 5xx errors, network problems and access denied (the role or policy not in place yet) are
retried with backoff. A missing ${options.service} resource or an invalid request fails the attempt
without retrying (the attempt's \`code\` names the AWS error, e.g. \`ResourceNotFoundException\`): fix the
setup, then retry the event.
`;
}
