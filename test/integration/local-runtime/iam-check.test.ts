import { ENTRY_METADATA_KEY, TRANSPORT_METADATA_KEY } from '../../../lib/handler-function';
import { synthesizeTemplate, type CloudFormationTemplate } from '../../../lib/synthesize-template';
import { startLocalRuntime, type LocalRuntime } from '../../../local/runtime';
import { apiClient, eventually, type ApiClient } from '../../support/api-client';
import { runtimeStore, type RuntimeStore } from '../../support/runtime-store';
import { startStsTestServer, type StsTestServer } from '../../support/sts-test-server';

/**
 * The local runtime judges each function's platform AWS calls by that function's role policy in the
 * template: here grants are taken out of the synthesized stack, the sweeper's PutItem (its take-over
 * write), the aws_sqs deliverer's sts:AssumeRole and a deliverer's sqs:ReceiveMessage on its queue;
 * each call is refused with the service's AccessDenied and a log line naming function, action and
 * resource, before it reaches the emulator or the STS server (a mapping that could not poll stops
 * the start). Everything else still works: the e2e suites run the real policies.
 */

const template = synthesizeTemplate();
const functionOf = (entry: string, transport?: string): string => {
  const [id] = Object.entries(template.Resources).find(
    ([, resource]) =>
      resource.Type === 'AWS::Lambda::Function' &&
      resource.Metadata?.[ENTRY_METADATA_KEY] === entry &&
      resource.Metadata?.[TRANSPORT_METADATA_KEY] === transport,
  )!;
  return id;
};
const sweeperId = functionOf('lambdas/handlers/sweeper.handler.ts');
const sqsDelivererId = functionOf('lambdas/handlers/deliver.handler.ts', 'aws_sqs');

/** The template with `action` taken out of every statement of the function's role policies. */
function withoutAction(
  from: CloudFormationTemplate,
  functionId: string,
  action: string,
): CloudFormationTemplate {
  const copy = structuredClone(from);
  const role = (copy.Resources[functionId]!.Properties!.Role as { 'Fn::GetAtt': [string, string] })[
    'Fn::GetAtt'
  ][0];
  let removed = 0;
  for (const resource of Object.values(copy.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' || !JSON.stringify(resource.Properties?.Roles).includes(role))
      continue;
    const document = resource.Properties!.PolicyDocument as {
      Statement: Array<{ Action: string | string[] }>;
    };
    for (const statement of document.Statement) {
      const actions = [statement.Action].flat();
      if (!actions.includes(action)) continue;
      removed += 1;
      statement.Action = actions.filter((candidate) => candidate !== action);
    }
    document.Statement = document.Statement.filter((statement) => statement.Action.length > 0);
  }
  if (removed === 0) throw new Error(`${functionId} has no ${action} to take out`);
  return copy;
}

let runtime: LocalRuntime;
let api: ApiClient;
let store: RuntimeStore;
let sts: StsTestServer;
const logged: string[] = [];

beforeAll(async () => {
  sts = await startStsTestServer();
  runtime = await startLocalRuntime({
    inMemory: true,
    apiPort: 0,
    template: withoutAction(
      withoutAction(template, sweeperId, 'dynamodb:PutItem'),
      sqsDelivererId,
      'sts:AssumeRole',
    ),
    env: { AWS_ENDPOINT_URL_STS: sts.endpoint, RETRY_SCHEDULE: '1', RETRY_JITTER: '0' },
    log: (line) => logged.push(line),
  });
  api = apiClient(runtime.apiUrl, runtime.adminKey);
  store = runtimeStore(runtime);
  expect((await api.put('/tenants/iam', {})).status).toBe(201);
}, 120000);

afterAll(async () => {
  store?.close();
  await runtime?.stop();
  await sts?.close();
});

it('refuses the sweeper its take-over PutItem when its policy lacks it, naming function, action and table', async () => {
  const { delivery } = await store.storeUnsentDelivery({
    tenantId: 'iam',
    eventId: 'evt-iam',
    destinationId: 'des_iam',
    taskId: 'lost-task',
    data: {},
  });

  const tableArn = `arn:aws:dynamodb:us-east-1:000000000000:table/${runtime.env.EVENTS_TABLE}`;
  await expect(runtime.runSweeper()).rejects.toMatchObject({
    name: 'AccessDeniedException',
    $metadata: { httpStatusCode: 403 },
    message: `${sweeperId} is not authorized to perform: dynamodb:PutItem on resource: ${tableArn} (not allowed by its role's policy in the synthesized template)`,
  });
  expect(logged).toContain(
    `local IAM check: ACCESS DENIED: ${sweeperId} is not authorized to perform: dynamodb:PutItem on resource: ${tableArn} (not allowed by its role's policy in the synthesized template)`,
  );
  // Nothing was written: the delivery still carries its lost task.
  expect((await store.deliveries.get('iam', delivery.event_id, 'des_iam'))?.task_id).toBe('lost-task');
});

it('refuses an aws_sqs deliverer without sts:AssumeRole before STS is asked, as AssumeRole.AccessDenied', async () => {
  const roleArn = 'arn:aws:iam::123456789012:role/tenant-role';
  const created = await api.post<{ id: string }>('/tenants/iam/destinations', {
    type: 'aws_sqs',
    topics: ['role.check'],
    config: {
      queue_url: 'https://sqs.us-east-1.amazonaws.com/123456789012/tenant-queue',
      endpoint: 'http://127.0.0.1:9',
    },
    credentials: { role_arn: roleArn },
  });
  expect(created.status).toBe(201);
  const published = await api.post<{ id: string }>('/publish', {
    tenant_id: 'iam',
    topic: 'role.check',
    data: { n: 1 },
  });
  expect(published.status).toBe(202);

  const attempt = await eventually('the failed attempt', async () => {
    const page = await api.get<{ models: Array<{ code: string; response_data?: { error?: string } }> }>(
      `/attempts?tenant_id=iam&event_id=${published.body.id}&include=response_data`,
    );
    return page.body.models[0];
  });
  expect(attempt.code).toBe('AssumeRole.AccessDenied');
  expect(attempt.response_data?.error).toContain(
    `${sqsDelivererId} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
  );
  expect(sts.calls).toEqual([]);
  expect(
    logged.some((line) => line.includes(`${sqsDelivererId} is not authorized to perform: sts:AssumeRole`)),
  ).toBe(true);
});

it('refuses to start when a function cannot poll the queue its event source mapping reads', async () => {
  const webhookDelivererId = functionOf('lambdas/handlers/deliver.handler.ts', 'webhook');
  await expect(
    startLocalRuntime({
      inMemory: true,
      apiPort: 0,
      template: withoutAction(template, webhookDelivererId, 'sqs:ReceiveMessage'),
      log: () => undefined,
    }),
  ).rejects.toThrow(
    new RegExp(
      `^${webhookDelivererId} is not authorized to perform: sqs:ReceiveMessage on resource: arn:aws:sqs:us-east-1:000000000000:\\S*webhook`,
    ),
  );
});
