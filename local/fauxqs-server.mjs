// fauxqs is ESM-only while the project is CommonJS, so local/sqs-emulator.ts runs it in this child
// process. Protocol: one JSON line `{"port":N}` on stdout once listening. The child exits when its
// stdin closes (the parent stopped or died) or on SIGTERM, so an emulator never outlives its runtime.
import { buildApp } from 'fauxqs';

// buildApp rather than startFauxqs: startFauxqs listens on every interface, the runtime wants loopback.
// host 'localhost' makes every queue URL `http://sqs.<region>.localhost:<port>/...` however the client
// reached the server; fauxqs looks queues up by exact URL, so URLs must not depend on the Host header.
const app = buildApp({ logger: false, host: 'localhost' });
await app.listen({ port: Number(process.env.FAUXQS_PORT ?? '0'), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: app.server.address().port })}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await app.close();
  process.exit(0);
}
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
// Ctrl-C reaches the whole process group; the runtime stops this emulator itself, after its pollers.
process.on('SIGINT', () => {});
