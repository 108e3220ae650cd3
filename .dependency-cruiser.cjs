/** Architectural boundaries of DESIGN.md §2 and §7, enforced in `npm run lint`. */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'lambdas/core is the domain: no AWS SDK, broker client or other layer may be imported there.',
      severity: 'error',
      from: { path: '^lambdas/core' },
      to: {
        path: [
          '@aws-sdk',
          'aws-sdk',
          'amqplib',
          'kafkajs',
          '@google-cloud',
          '^lambdas/(store|queue|api|handlers|destinations)',
          '^local',
        ],
      },
    },
    {
      name: 'table-keys-stay-in-store',
      comment: 'Only lambdas/store knows DynamoDB tables and keys.',
      severity: 'error',
      from: { pathNot: '^(lambdas/store|local|test|bench)' },
      to: { path: '@aws-sdk/(client-dynamodb|lib-dynamodb)' },
    },
    {
      name: 'adapters-carry-no-delivery-client',
      comment:
        'A <type>.adapter.ts (and the api, which needs every one) stays light: SDK and broker clients for ' +
        'delivery live in <type>.transport.ts, which only the deliver function of that type bundles.',
      severity: 'error',
      from: {
        path: '^lambdas/(api/|destinations/[^/]+[.]adapter[.]ts$|destinations/aws-(adapter-common|credentials|endpoint)[.]ts$)',
      },
      to: {
        path: [
          'amqplib',
          'kafkajs',
          '@google-cloud',
          '@aws-sdk/client-(sns|eventbridge|kinesis|s3|sts)',
          '[.]transport[.]ts$',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
