import { parseSettings, readEnvironment, SettingsError } from './config/load-settings.js';
import { startGateway } from './start-gateway.js';

// The process entry: settings from the environment and .env, then the gateway until a signal.
try {
  const environment = readEnvironment();
  const settings = parseSettings(environment);
  const gateway = await startGateway(settings, { environment });
  console.log(`gemgate listening on ${gateway.url} (${settings.API_KEYS.length} API keys)`);
  if (gateway.database.location) console.log(`SQLite database: ${gateway.database.location}`);
  if (gateway.authTokenGenerated) {
    console.log(
      `\nNo AUTH_TOKEN was configured, so one was generated and stored in the database.\n` +
        `It is shown this once; clients and the admin console use it:\n\n  ${gateway.authToken}\n`,
    );
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await gateway.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  if (error instanceof SettingsError) console.error(error.message);
  else console.error(`gemgate could not start: ${(error as Error).message}`);
  process.exit(1);
}
