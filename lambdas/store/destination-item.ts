import type { Destination } from '../core/model';
import type { CredentialCipher } from '../core/ports';
import type { StoredItem } from './batch-operations';
import { destinationSk, tenantPk } from './keys';

/** A destination as stored: credentials only as ciphertext. */
type DestinationItem = Omit<Destination, 'credentials'> & {
  pk: string;
  sk: string;
  credentials_ciphertext: string;
};

export async function toDestinationItem(
  destination: Destination,
  cipher: CredentialCipher,
): Promise<DestinationItem> {
  const { credentials, ...rest } = destination;
  return {
    pk: tenantPk(destination.tenant_id),
    sk: destinationSk(destination.id),
    ...rest,
    credentials_ciphertext: await cipher.encrypt(credentials, {
      tenantId: destination.tenant_id,
      destinationId: destination.id,
    }),
  };
}

export async function fromDestinationItem(item: StoredItem, cipher: CredentialCipher): Promise<Destination> {
  const { pk: _pk, sk: _sk, credentials_ciphertext: ciphertext, ...rest } = item as DestinationItem;
  return {
    ...rest,
    credentials: await cipher.decrypt(ciphertext, { tenantId: rest.tenant_id, destinationId: rest.id }),
  };
}
