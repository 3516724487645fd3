import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { withSecretKey } from './lib/dev-secret.js';

/** Process entry: config -> app -> listen, and a clean close on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = withSecretKey(loadConfig());
  const app = await buildApp(config);
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
  await app.listen({ host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  // One line naming the cause; config errors never contain secret values.
  const message = error instanceof ConfigError ? error.message : `Bindery failed to start: ${(error as Error)?.message ?? String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
