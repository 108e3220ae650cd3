import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test fixture: the part of AWS STS that role assumption needs, over the AWS Query protocol
 * (`Action=AssumeRole` form-encoded in the POST body, XML answers), so the real
 * @aws-sdk/client-sts can be pointed at it with an endpoint. Every call is recorded with the
 * RoleArn, ExternalId and RoleSessionName it named, and answered with fresh temporary credentials
 * (a new access key id each time, so a test can tell which assumption a request was signed with),
 * or refused with `AccessDenied` as STS refuses a role whose trust policy does not allow the call:
 * a role given a trust condition (`trustExternalId`) is assumed only with that external id. It can
 * also leave calls unanswered (`stallNextCalls`), as an STS that accepted the connection and hangs.
 * No signature check: it stands in for the service, not for IAM.
 */

export interface AssumeRoleCall {
  roleArn: string;
  externalId: string | undefined;
  roleSessionName: string;
  durationSeconds: number | undefined;
}

export interface IssuedCredentials {
  roleArn: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface StsTestServer {
  endpoint: string;
  calls: AssumeRoleCall[];
  /** What each successful call issued, in order. */
  issued: IssuedCredentials[];
  /** Calls naming this role are refused with AccessDenied (403), until allowRole. */
  denyRole(roleArn: string): void;
  allowRole(roleArn: string): void;
  /** The role's trust policy: assumed only with this ExternalId (sts:ExternalId condition). */
  trustExternalId(roleArn: string, externalId: string): void;
  /** The next `count` calls are recorded and never answered. */
  stallNextCalls(count: number): void;
  /** Credentials issued from now on expire this long after issue. @default 3600 s */
  setLifetimeSeconds(seconds: number): void;
  close(): Promise<void>;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorXml(type: 'Sender' | 'Receiver', code: string, message: string, requestId: string): string {
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

function assumeRoleXml(call: AssumeRoleCall, issued: IssuedCredentials, requestId: string): string {
  const roleName = call.roleArn.split('/').pop() ?? call.roleArn;
  const account = call.roleArn.split(':')[4] ?? '000000000000';
  return `<AssumeRoleResponse xmlns="${XMLNS}"><AssumeRoleResult><Credentials><AccessKeyId>${issued.accessKeyId}</AccessKeyId><SecretAccessKey>${issued.secretAccessKey}</SecretAccessKey><SessionToken>${issued.sessionToken}</SessionToken><Expiration>${issued.expiration.toISOString()}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROATESTROLEID:${escapeXml(call.roleSessionName)}</AssumedRoleId><Arn>arn:aws:sts::${account}:assumed-role/${escapeXml(roleName)}/${escapeXml(call.roleSessionName)}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
}

export async function startStsTestServer(): Promise<StsTestServer> {
  const calls: AssumeRoleCall[] = [];
  const issued: IssuedCredentials[] = [];
  const denied = new Set<string>();
  const trustedExternalIds = new Map<string, string>();
  let stalls = 0;
  let lifetimeSeconds = 3600;
  let requests = 0;

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const requestId = `sts-${++requests}`;
      const reply = (status: number, body: string): void => {
        response.writeHead(status, {
          'content-type': 'text/xml',
          'content-length': Buffer.byteLength(body),
          'x-amzn-requestid': requestId,
        });
        response.end(body);
      };
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      if (request.method !== 'POST' || form.get('Action') !== 'AssumeRole') {
        reply(400, errorXml('Sender', 'InvalidAction', 'only AssumeRole', requestId));
        return;
      }
      const roleArn = form.get('RoleArn');
      const roleSessionName = form.get('RoleSessionName');
      if (roleArn === null || roleSessionName === null) {
        reply(400, errorXml('Sender', 'MissingParameter', 'RoleArn and RoleSessionName', requestId));
        return;
      }
      const duration = form.get('DurationSeconds');
      const call: AssumeRoleCall = {
        roleArn,
        externalId: form.get('ExternalId') ?? undefined,
        roleSessionName,
        durationSeconds: duration === null ? undefined : Number(duration),
      };
      calls.push(call);
      if (stalls > 0) {
        stalls--;
        return;
      }
      const trusted = trustedExternalIds.get(roleArn);
      if (denied.has(roleArn) || (trusted !== undefined && trusted !== call.externalId)) {
        const message = `User: arn:aws:iam::123456789012:role/platform is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
        reply(403, errorXml('Sender', 'AccessDenied', message, requestId));
        return;
      }
      const credentials: IssuedCredentials = {
        roleArn,
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: randomBytes(48).toString('base64'),
        // STS states expiry to the second.
        expiration: new Date(Math.floor(Date.now() / 1000) * 1000 + lifetimeSeconds * 1000),
      };
      issued.push(credentials);
      reply(200, assumeRoleXml(call, credentials, requestId));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    issued,
    denyRole: (roleArn) => denied.add(roleArn),
    allowRole: (roleArn) => denied.delete(roleArn),
    trustExternalId: (roleArn, externalId) => trustedExternalIds.set(roleArn, externalId),
    stallNextCalls: (count) => {
      stalls = count;
    },
    setLifetimeSeconds: (seconds) => {
      lifetimeSeconds = seconds;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
