import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test fixture: the part of Amazon EventBridge that PutEvents needs, over AWS JSON 1.1
 * (`X-Amz-Target: AWSEvents.PutEvents`), so the real @aws-sdk/client-eventbridge can be pointed at it
 * with `endpoint`. It records every accepted entry and can be told to fail the next entries (per-entry
 * `ErrorCode`, as EventBridge reports partial failures) or the next requests (an HTTP error).
 * No signature check: it stands in for the service, not for IAM.
 */

export interface PutEventsEntry {
  EventBusName?: string;
  Source?: string;
  DetailType?: string;
  Detail?: string;
  /** Epoch seconds, as the SDK serialises timestamps in AWS JSON. */
  Time?: number;
  Resources?: string[];
}

export interface EventBridgeTestServer {
  endpoint: string;
  entries: PutEventsEntry[];
  /** The next `count` entries come back with this ErrorCode (FailedEntryCount > 0). */
  failNextEntries(count: number, errorCode: string): void;
  /** The next `count` requests are answered with this HTTP status and AWS error type. */
  failNextRequests(count: number, status: number, errorType: string): void;
  close(): Promise<void>;
}

export async function startEventBridgeTestServer(): Promise<EventBridgeTestServer> {
  const entries: PutEventsEntry[] = [];
  let entryFailures = { count: 0, errorCode: '' };
  let requestFailures = { count: 0, status: 500, errorType: '' };
  let nextId = 1;

  const reply = (response: http.ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': `req-${nextId}`,
    });
    response.end(text);
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        reply(response, 400, { __type: 'UnknownOperationException', message: 'only PutEvents' });
        return;
      }
      if (requestFailures.count > 0) {
        requestFailures.count--;
        reply(response, requestFailures.status, {
          __type: requestFailures.errorType,
          message: 'told to fail',
        });
        return;
      }
      const { Entries = [] } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        Entries?: PutEventsEntry[];
      };
      let failed = 0;
      const results = Entries.map((entry) => {
        if (entryFailures.count > 0) {
          entryFailures.count--;
          failed++;
          return { ErrorCode: entryFailures.errorCode, ErrorMessage: 'told to fail' };
        }
        entries.push(entry);
        return { EventId: `eb-${nextId++}` };
      });
      reply(response, 200, { FailedEntryCount: failed, Entries: results });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    entries,
    failNextEntries(count, errorCode) {
      entryFailures = { count, errorCode };
    },
    failNextRequests(count, status, errorType) {
      requestFailures = { count, status, errorType };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
