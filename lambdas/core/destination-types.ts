import type { AppDependencies } from './dependencies';
import type { DestinationTypeMetadata } from './destination-adapter';
import { NotFoundError, TenantNotFoundError } from './errors';
import { deploymentId } from './destinations';

/**
 * A destination type as one tenant sees it. What this service issues to the tenant for the type (an
 * AWS role's external id) becomes the `default` of that credential field and replaces the field's
 * placeholder in the instructions (its key upper-cased: `<EXTERNAL_ID>`), so that the tenant can set
 * up its side (the role's trust policy) before it creates the destination.
 */
export async function destinationTypeForTenant(
  deps: AppDependencies,
  tenantId: string,
  type: string,
): Promise<DestinationTypeMetadata> {
  const adapter = deps.adapters(type);
  if (!adapter) throw new NotFoundError('destination type not found');
  if (!(await deps.tenants.get(tenantId))) throw new TenantNotFoundError();
  const { metadata } = adapter;
  const issued = adapter.issuedCredentials?.({ tenantId, deploymentId: deploymentId(deps) }) ?? {};
  return {
    ...metadata,
    instructions: Object.entries(issued).reduce(
      (text, [key, value]) => text.replaceAll(`<${key.toUpperCase()}>`, value),
      metadata.instructions,
    ),
    credential_fields: metadata.credential_fields.map((field) => {
      const value = issued[field.key];
      return value === undefined ? field : { ...field, default: value };
    }),
  };
}
