import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';
import {
  forbiddenAddressReason,
  guardedLookup,
  TargetForbiddenError,
  type AddressCheck,
} from './target-guard';

/** What kafkajs' own socket factory sets: idle connections are probed after a minute. */
const KEEP_ALIVE_DELAY_MS = 60_000;

/**
 * kafkajs' default socket factory with the address guard of deployed mode (target-guard.ts) on
 * every connection kafkajs opens: to the bootstrap brokers the tenant configured, and to the
 * brokers those advertise in their metadata, which the tenant's cluster chooses and create-time
 * checks never see (a cluster advertising 169.254.169.254 would otherwise have the deliver
 * function connect there). A hostname is resolved once and connected to only when every address is
 * allowed; an IP literal, which Node connects to without a lookup, is checked here. A refused
 * connection fails with the TargetForbiddenError's `target_forbidden` code, which kafkajs keeps on
 * its KafkaJSConnectionError.
 */
export function guardedSocketFactory(forbidden: AddressCheck = forbiddenAddressReason): ISocketFactory {
  const lookup = guardedLookup(undefined, forbidden);
  return ({ host, port, ssl, onConnect }) => {
    const literal = net.isIP(host) !== 0;
    const reason = literal ? forbidden(host) : undefined;
    if (reason !== undefined) {
      const socket = new net.Socket();
      // After kafkajs has attached its listeners, as a failed connect would.
      process.nextTick(() =>
        socket.destroy(new TargetForbiddenError(`broker ${host}:${port} is a forbidden address (${reason})`)),
      );
      return socket;
    }
    // kafkajs passes `ssl` as configured: false, true or TLS options (its type names only the last).
    const useTls = Boolean(ssl as unknown);
    const socket = useTls
      ? tls.connect(
          {
            host,
            port,
            lookup,
            ...(literal ? {} : { servername: host }),
            ...(typeof ssl === 'object' ? ssl : {}),
          },
          onConnect,
        )
      : net.connect({ host, port, lookup }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    return socket;
  };
}
