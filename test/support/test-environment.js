/**
 * Environment of every test worker, set before any module loads. The handlers' INFO lines (one per
 * delivery) and the AWS SDK's Node-version notice would bury jest's own output in CI; a test that
 * wants a level sets its own. Warnings and errors still print.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
