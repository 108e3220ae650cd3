/**
 * `npm run bench [-- --quick] [-- --write]`: see bench/main.ts. The handlers' loggers read their level
 * when their modules load, so it is set before anything else is imported: per-delivery INFO lines
 * would drown the table (their CloudWatch cost is estimated in BENCHMARKS.md instead).
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require('./main') as typeof import('./main');

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
