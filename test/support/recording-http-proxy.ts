import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test fixture: an HTTP forwarder in front of a real server (an emulator that does not check
 * signatures) that records how each request was signed: the access key id of its SigV4
 * `Authorization` header and its session token. A test can so prove which credentials a client
 * used, since the emulator behind would accept any.
 */
export interface SignedRequest {
  accessKeyId: string | undefined;
  sessionToken: string | undefined;
}

export interface RecordingHttpProxy {
  endpoint: string;
  requests: SignedRequest[];
  close(): Promise<void>;
}

export async function startRecordingHttpProxy(target: string): Promise<RecordingHttpProxy> {
  const upstream = new URL(target);
  const requests: SignedRequest[] = [];
  const server = http.createServer((request, response) => {
    const token = request.headers['x-amz-security-token'];
    requests.push({
      accessKeyId: /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1],
      sessionToken: Array.isArray(token) ? token[0] : token,
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
