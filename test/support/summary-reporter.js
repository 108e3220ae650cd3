/**
 * Prints the plain closing line CI reads (`N passed, N failed`), after jest's own summary.
 * Suites that fail to run (syntax errors, hooks that throw) count as failures too.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failedSuitesWithoutTests = results.testResults.filter(
      (suite) => suite.testExecError && suite.numFailingTests === 0,
    ).length;
    const failed = results.numFailedTests + failedSuitesWithoutTests;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(
      `\n${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  }
}
module.exports = SummaryReporter;
