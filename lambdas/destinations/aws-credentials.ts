import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { CredentialsContext, DestinationField, IssueContext } from '../core/destination-adapter';
import { ValidationError } from '../core/errors';
import type { StringMap } from '../core/model';
import { describeIssues } from '../core/destinations';
import { definedOnly } from './string-maps';

/**
 * Credentials shared by every AWS destination type (their schema, masking and form fields; the
 * deliver side is aws-credential-provider.ts). Two ways, exactly one per destination:
 * - `role_arn` (recommended, the documented default): the deliver Lambda assumes a role in the
 *   tenant's account with STS AssumeRole, passing the `external_id` this service issued to the
 *   tenant. The tenant never chooses it: were it chosen, a tenant who learned another account's role
 *   ARN and external id could have events delivered into it (the confused deputy AWS's external id
 *   exists to prevent). Issued, it is the same for all of one tenant's destinations and different
 *   for every other tenant, so a role that trusts it trusts deliveries for that tenant only.
 * - `key` + `secret` (+ `session`): static keys, Outpost's fields, accepted for parity.
 */

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/i;
const STATIC_KEY_FIELDS = ['key', 'secret', 'session'] as const;

const text = z.string().min(1, 'must not be empty');

/**
 * The external id of `tenantId`'s role destinations: an HMAC of the tenant id keyed by the
 * deployment id, so two deployments that share a platform account never issue the same one. It is
 * not a secret (AWS: the external id is an identifier, not a password); what protects a tenant is
 * that the platform, not the tenant, decides which one each delivery sends.
 */
export function issuedExternalId(tenantId: string, deploymentId: string): string {
  const mac = createHmac('sha256', `event-destinations/aws-external-id/${deploymentId}`);
  return `ed-${mac.update(tenantId, 'utf8').digest('hex').slice(0, 32)}`;
}

/** What a tenant reads before creating a role destination: the external id for its role's trust policy. */
export function issuedAwsCredentials(ctx: IssueContext): StringMap {
  return { external_id: issuedExternalId(ctx.tenantId, ctx.deploymentId) };
}

export const awsCredentialsSchema = z
  .object({
    role_arn: text.regex(ROLE_ARN, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)').optional(),
    // Checked against the issued one by prepareAwsCredentials, which also fills it in.
    external_id: text.optional(),
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
      missing('role_arn', 'give either role_arn or key + secret, not both');
    } else if (usesRole) {
      if (value.role_arn === undefined) missing('role_arn', 'required with external_id');
    } else if (usesKeys) {
      if (value.key === undefined) missing('key', 'required with secret');
      if (value.secret === undefined) missing('secret', 'required with key');
    } else {
      missing('role_arn', 'required, unless key and secret are given');
      missing('key', 'required (with secret), unless role_arn is given');
    }
  })
  .transform(definedOnly);

/**
 * Validates what is stored; AWS credentials are the tenant's own, so a tenant may set them, except
 * the external id, which is issued (issuedExternalId) and filled in. A value equal to what a read
 * shows for the stored one (a client that reads a destination and sends it back unchanged, as the
 * Outpost SDK's update does) keeps the stored value; an empty key, secret or session (what a read
 * of a role destination shows, for the SDK's sake) means "not given".
 */
export function prepareAwsCredentials(
  input: StringMap,
  existing: StringMap | null,
  ctx: Pick<CredentialsContext, 'tenantId' | 'deploymentId'>,
): StringMap {
  const shown = existing === null ? {} : maskAwsCredentials(existing);
  const restored = definedOnly(
    Object.fromEntries(
      Object.entries(input).map(([field, value]) => {
        if (existing?.[field] !== undefined && value === shown[field]) return [field, existing[field]];
        const notGiven = value === '' && (STATIC_KEY_FIELDS as readonly string[]).includes(field);
        return [field, notGiven ? undefined : value];
      }),
    ),
  );
  // Switching from a role to keys: the issued external id, merged in from what is stored, goes with the role.
  if (restored.role_arn === undefined && restored.key !== undefined) delete restored.external_id;
  const parsed = awsCredentialsSchema.safeParse(restored);
  if (!parsed.success) {
    throw new ValidationError('invalid credentials', describeIssues(parsed.error.issues, ['credentials']));
  }
  if (parsed.data.role_arn === undefined) return parsed.data;
  if (ctx.tenantId === undefined || ctx.deploymentId === undefined) {
    throw new Error('issuing an external id needs the tenant id and the deployment id');
  }
  const externalId = issuedExternalId(ctx.tenantId, ctx.deploymentId);
  if (parsed.data.external_id !== undefined && parsed.data.external_id !== externalId) {
    throw new ValidationError('invalid credentials', [
      `credentials.external_id: must be ${externalId}, the external id this service issued to your tenant (leave it out and it is filled in; it cannot be chosen)`,
    ]);
  }
  return { ...parsed.data, external_id: externalId };
}

const MASK = '********';

/**
 * Secrets never leave the store; the access key id keeps its last 4 characters so it can be
 * recognised. The external id is shown as it is: the tenant puts it in the role's trust policy. A
 * role destination also shows an empty `key` and `secret`: Outpost's SDK requires both on every AWS
 * destination it reads, and an empty one sent back on update means "not given".
 */
export function maskAwsCredentials(credentials: StringMap): StringMap {
  const masked: StringMap = { ...credentials };
  if (masked.role_arn !== undefined) return { key: '', secret: '', ...masked };
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
    description:
      "Issued by this service for your tenant and filled in with the role: put it in the sts:ExternalId condition of the role's trust policy. Read it before creating the role from GET /api/v1/tenants/{tenant_id}/destination-types/{type} (this field's default there); it cannot be chosen.",
    required: false,
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
