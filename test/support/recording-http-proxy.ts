import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test fixture: an HTTP forwarder in front of a real server (an emulator that does not check
 * signatures or checksums) that records each request as it went over the wire: how it was signed
 * (the access key id of its SigV4 `Authorization` header and its session token), its headers and
 * its body. A test can so prove which credentials a client used and what it sent, since the
 * emulator behind would accept any.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  accessKeyId: string | undefined;
  sessionToken: string | undefined;
  headers: http.IncomingHttpHeaders;
  /** Complete once the request has ended, before the upstream's answer is passed on. */
  body: Buffer;
}

export interface RecordingHttpProxy {
  endpoint: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingHttpProxy(target: string): Promise<RecordingHttpProxy> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const server = http.createServer((request, response) => {
    const token = request.headers['x-amz-security-token'];
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      path: request.url ?? '',
      accessKeyId: /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1],
      sessionToken: Array.isArray(token) ? token[0] : token,
      headers: request.headers,
      body: Buffer.alloc(0),
    };
    requests.push(recorded);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      recorded.body = Buffer.concat(chunks);
    });
    const forwarded = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: upstream.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
