import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The secrets AWS keeps in Secrets Manager / KMS; locally generated once and kept in the data dir. */
export interface LocalSecrets {
  adminKey: string;
  jwtSecret: string;
  /** base64 of 32 bytes (CREDENTIALS_KEY). */
  credentialsKey: string;
}

export const SECRETS_FILE = 'secrets.json';

export function generateSecrets(): LocalSecrets {
  return {
    adminKey: `sk_${randomBytes(32).toString('base64url')}`,
    jwtSecret: randomBytes(32).toString('base64url'),
    credentialsKey: randomBytes(32).toString('base64'),
  };
}

/** Reads `<dataDir>/secrets.json`, creating it (mode 0600) on first use so keys survive restarts. */
export async function readOrCreateSecrets(dataDir: string): Promise<LocalSecrets> {
  const file = path.join(dataDir, SECRETS_FILE);
  await mkdir(dataDir, { recursive: true });
  try {
    await writeFile(file, `${JSON.stringify(generateSecrets(), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // An existing file is the normal case after the first start: keep its keys.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stored = JSON.parse(await readFile(file, 'utf8')) as Partial<LocalSecrets>;
  if (!stored.adminKey || !stored.jwtSecret || !stored.credentialsKey) {
    throw new Error(`${file} lacks adminKey, jwtSecret or credentialsKey; delete it to generate new secrets`);
  }
  return { adminKey: stored.adminKey, jwtSecret: stored.jwtSecret, credentialsKey: stored.credentialsKey };
}
