import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { awsClientFor, awsTransport, delivered, sendAws } from './aws-client';
import { awsTarget } from './aws-endpoint';
import type { S3Request } from './aws-s3.adapter';

export const transport = awsTransport<S3Request>('aws_s3', (request, destination, ctx) => {
  const target = awsTarget(destination.config);
  // Path-style addressing on a custom endpoint: emulators and VPC endpoints do not serve
  // <bucket>.<endpoint host>.
  const client = awsClientFor(
    destination,
    target,
    ctx,
    (config) => new S3Client({ ...config, forcePathStyle: target.endpoint !== undefined }),
  );
  return sendAws(
    target,
    ctx,
    (abortSignal) => client.send(new PutObjectCommand(request), { abortSignal }),
    (output) => delivered({ key: request.Key, etag: output.ETag, version_id: output.VersionId }),
  );
});
