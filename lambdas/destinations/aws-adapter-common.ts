import { z } from 'zod';
import type { DestinationAdapter, DestinationField } from '../core/destination-adapter';
import { awsCredentialsSchema, maskAwsCredentials, prepareAwsCredentials } from './aws-credentials';
import { endpointProblem, endpointTargetProblems } from './aws-endpoint';

/** The credential half of every AWS adapter: one schema, validation, masking and endpoint rule. */
export const awsAdapterCommon: Pick<
  DestinationAdapter,
  'credentialsSchema' | 'prepareCredentials' | 'maskCredentials' | 'targetProblems'
> = {
  credentialsSchema: awsCredentialsSchema,
  // The API has already merge-patched the request over the stored credentials.
  prepareCredentials: (input, existing) => prepareAwsCredentials(input, existing),
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
 * Markdown instructions: the role to create in the tenant's account (trust policy with the
 * external id), the permission policy for the service, then the static-key alternative.
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
        Condition: { StringEquals: { 'sts:ExternalId': '<YOUR_EXTERNAL_ID>' } },
      },
    ],
  };
  return `${options.delivery}

## Grant access with a role (recommended)

1. Choose an external id (a random string, e.g. a UUID) and keep it for step 3.
2. In your AWS account create an IAM role that this service may assume, with this **trust policy**
   (\`<PLATFORM_ACCOUNT_ID>\` is the account that runs event delivery, given by your provider):

\`\`\`json
${JSON.stringify(trust, null, 2)}
\`\`\`

   and this **permission policy**:

\`\`\`json
${JSON.stringify(permissions, null, 2)}
\`\`\`

3. Create the destination with \`role_arn\` (the role's ARN) and \`external_id\`. Every delivery uses
   short-lived credentials from STS AssumeRole; nothing long-lived is stored.

## Static keys (not recommended)

Instead of a role, \`key\` and \`secret\` (and \`session\` for temporary keys) of an IAM user with the
permission policy above. They are encrypted at rest and never shown again in full.

## Failures

Throttling, 5xx errors and network problems are retried with backoff. Access denied, a missing
${options.service} resource or an invalid request fail the attempt without retrying (the attempt's
\`code\` names the AWS error, e.g. \`AccessDenied\`): fix the setup, then retry the event.
`;
}
