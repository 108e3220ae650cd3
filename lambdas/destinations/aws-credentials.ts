import { z } from 'zod';
import type { DestinationField } from '../core/destination-adapter';
import { ValidationError } from '../core/errors';
import type { StringMap } from '../core/model';
import { describeIssues } from '../core/destinations';
import { definedOnly } from './string-maps';

/**
 * Credentials shared by every AWS destination type (their schema, masking and form fields; the
 * deliver side is aws-credential-provider.ts). Two ways, exactly one per destination:
 * - `role_arn` + `external_id` (recommended, the documented default): the deliver Lambda assumes a
 *   role in the tenant's account with STS AssumeRole; the external id guards against the confused
 *   deputy (another tenant naming the same role).
 * - `key` + `secret` (+ `session`): static keys, Outpost's fields, accepted for parity.
 */

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** STS's ExternalId alphabet and length (2-1224). */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/i;

const text = z.string().min(1, 'must not be empty');

export const awsCredentialsSchema = z
  .object({
    role_arn: text.regex(ROLE_ARN, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)').optional(),
    external_id: text.regex(EXTERNAL_ID, 'must be 2-1224 characters of [A-Za-z0-9+=,.@:/_-]').optional(),
    key: text.regex(ACCESS_KEY_ID, 'must be an AWS access key id').optional(),
    secret: text.optional(),
    session: text.optional(),
  })
  .superRefine((value, ctx) => {
    const missing = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const usesRole = value.role_arn !== undefined || value.external_id !== undefined;
    const usesKeys = value.key !== undefined || value.secret !== undefined || value.session !== undefined;
    if (usesRole && usesKeys) {
      missing('role_arn', 'give either role_arn + external_id or key + secret, not both');
    } else if (usesRole) {
      if (value.role_arn === undefined) missing('role_arn', 'required with external_id');
      if (value.external_id === undefined) missing('external_id', 'required with role_arn');
    } else if (usesKeys) {
      if (value.key === undefined) missing('key', 'required with secret');
      if (value.secret === undefined) missing('secret', 'required with key');
    } else {
      missing('role_arn', 'required (with external_id), unless key and secret are given');
      missing('key', 'required (with secret), unless role_arn and external_id are given');
    }
  })
  .transform(definedOnly);

/**
 * Validates what is stored; AWS credentials are the tenant's own, so a tenant may set them. A value
 * equal to what a read shows for the stored one (a client that reads a destination and sends it
 * back unchanged, as the Outpost SDK's update does) keeps the stored value.
 */
export function prepareAwsCredentials(input: StringMap, existing: StringMap | null): StringMap {
  const shown = existing === null ? {} : maskAwsCredentials(existing);
  const restored = Object.fromEntries(
    Object.entries(input).map(([field, value]) => [
      field,
      existing?.[field] !== undefined && value === shown[field] ? existing[field] : value,
    ]),
  );
  const parsed = awsCredentialsSchema.safeParse(restored);
  if (!parsed.success) {
    throw new ValidationError('invalid credentials', describeIssues(parsed.error.issues, ['credentials']));
  }
  return parsed.data;
}

const MASK = '********';

/** Secrets never leave the store; the access key id keeps its last 4 characters so it can be recognised. */
export function maskAwsCredentials(credentials: StringMap): StringMap {
  const masked: StringMap = { ...credentials };
  if (masked.secret !== undefined) masked.secret = MASK;
  if (masked.session !== undefined) masked.session = MASK;
  if (masked.key !== undefined) masked.key = `${MASK}${masked.key.slice(-4)}`;
  return masked;
}

export const AWS_CREDENTIAL_FIELDS: DestinationField[] = [
  {
    key: 'role_arn',
    type: 'text',
    label: 'IAM role ARN',
    description:
      'Recommended. A role in your account that trusts this service; events are delivered with it (STS AssumeRole).',
    required: false,
    pattern: ROLE_ARN.source,
  },
  {
    key: 'external_id',
    type: 'text',
    label: 'External ID',
    description: "Required with the role: the sts:ExternalId condition of the role's trust policy.",
    required: false,
    minlength: 2,
    maxlength: 1224,
  },
  {
    key: 'key',
    type: 'text',
    label: 'Access key ID',
    description: 'Instead of a role: a static access key (not recommended).',
    required: false,
    sensitive: true,
  },
  {
    key: 'secret',
    type: 'text',
    label: 'Secret access key',
    description: 'With the access key ID.',
    required: false,
    sensitive: true,
  },
  {
    key: 'session',
    type: 'text',
    label: 'Session token',
    description: 'Optional, for temporary keys.',
    required: false,
    sensitive: true,
  },
];
