import { parseSettings, readEnvironment, SettingsError } from './config/load-settings.js';
import { startGateway } from './start-gateway.js';

// Beyond the drain, closing waits only for storage and upstream to let go: if one of them hangs,
// the process still ends, and says so.
const closeGraceMs = 15_000;

// The process entry: settings from the environment and .env, then the gateway until a signal.
try {
  const environment = readEnvironment();
  const settings = parseSettings(environment);
  const gateway = await startGateway(settings, { environment });
  console.log(`gemgate listening on ${gateway.url} (${settings.API_KEYS.length} API keys)`);
  if (gateway.database.location) console.log(`SQLite database: ${gateway.database.location}`);
  if (gateway.generatedAuthToken) {
    console.log(
      `\nNo AUTH_TOKEN was configured, so one was generated and stored in the database.\n` +
        `It is shown this once; clients and the admin console use it:\n\n  ${gateway.generatedAuthToken}\n`,
    );
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal is an operator who will not wait for the drain.
    if (stopping) {
      console.error(`${signal} during the shutdown: exiting now, without waiting for open requests`);
      process.exit(1);
    }
    stopping = true;
    const deadlineMs = settings.SHUTDOWN_TIMEOUT_SECONDS * 1000;
    setTimeout(() => {
      console.error('the shutdown did not finish in time: exiting now');
      process.exit(1);
    }, deadlineMs + closeGraceMs).unref();
    // close() reports a part that fails to close and goes on with the rest: it does not reject.
    void gateway.close(deadlineMs).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  if (error instanceof SettingsError) console.error(error.message);
  else console.error(`gemgate could not start: ${(error as Error).message}`);
  process.exit(1);
}
