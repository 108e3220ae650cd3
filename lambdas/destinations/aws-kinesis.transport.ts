import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { awsClientFor, awsTransport, delivered, sendAws } from './aws-client';
import { awsTarget } from './aws-endpoint';
import type { KinesisRequest } from './aws-kinesis.adapter';

export const transport = awsTransport<KinesisRequest>('aws_kinesis', (request, destination, ctx) => {
  const target = awsTarget(destination.config);
  const client = awsClientFor(destination, target, ctx, (config) => new KinesisClient(config));
  return sendAws(
    target,
    ctx,
    (abortSignal) => client.send(new PutRecordCommand(request), { abortSignal }),
    (output) => delivered({ shard_id: output.ShardId, sequence_number: output.SequenceNumber }),
  );
});
