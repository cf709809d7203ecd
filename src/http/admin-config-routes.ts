import type { FastifyInstance } from 'fastify';
import { isSettingName, type SettingProblem } from '../config/check-setting-values.js';
import {
  describeSetting,
  describeSettings,
  settingValue,
  unrevealedSetting,
} from '../config/describe-settings.js';
import { settingText } from '../config/setting-text.js';
import type { SettingsStore } from '../config/settings-store.js';
import { parseJsonObject } from '../protocols/parse-json-object.js';
import { sendAdminError } from './operator-auth.js';

export interface AdminConfigRouteOptions {
  readonly store: SettingsStore;
}

/** The settings' values as `.env` text, or the problems of the body (never a value). */
function textsOf(body: Record<string, unknown>): {
  texts: Record<string, string>;
  problems: SettingProblem[];
} {
  const texts: Record<string, string> = {};
  const problems: SettingProblem[] = [];
  const extra = Object.keys(body).filter((field) => field !== 'values');
  if (extra.length > 0) problems.push({ name: '?', message: 'the body has fields other than "values"' });
  const values = body.values;
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    problems.push({ name: '?', message: 'expected {"values": {NAME: value, ...}}' });
    return { texts, problems };
  }
  for (const [name, value] of Object.entries(values)) {
    const text = settingText(value);
    if (text === undefined) {
      const named = isSettingName(name) ? name : '?';
      problems.push({
        name: named,
        message: 'null is not a value; DELETE /api/config/{NAME} forgets a saved one',
      });
    } else texts[name] = text;
  }
  if (Object.keys(values).length === 0) problems.push({ name: '?', message: 'no setting given' });
  return { texts, problems };
}

const describeProblems = (problems: readonly SettingProblem[]) =>
  problems.map((problem) => `${problem.name}: ${problem.message}`).join('; ');

/**
 * The operator API for the settings (JSON; signed in, or `Authorization: Bearer AUTH_TOKEN`): every setting with
 * its value, source and whether it applies live; saving values, all or none; forgetting a saved
 * value. Secrets are masked in answers and never repeated in errors.
 */
export async function adminConfigRoutes(
  app: FastifyInstance,
  options: AdminConfigRouteOptions,
): Promise<void> {
  const { store } = options;

  app.get('/api/config', async () => {
    const snapshot = store.current();
    return { version: snapshot.version, settings: describeSettings(snapshot) };
  });

  app.put('/api/config', async (request, reply) => {
    const parsed = parseJsonObject(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
    if (!parsed.ok) return sendAdminError(reply, 400, `Expected a JSON body; it is ${parsed.problem}.`);
    const { texts, problems } = textsOf(parsed.value);
    if (problems.length > 0) return sendAdminError(reply, 400, describeProblems(problems), { problems });
    let result: Awaited<ReturnType<SettingsStore['save']>>;
    try {
      result = await store.save(texts);
    } catch (error) {
      // The code only: a driver's message may quote the values it failed to write.
      request.log.warn({ code: (error as { code?: unknown }).code }, 'could not save settings');
      return sendAdminError(reply, 503, 'The settings could not be stored, so none changed; try again.');
    }
    if (!result.ok) {
      const refused = [...result.problems];
      return sendAdminError(reply, 400, `${describeProblems(refused)}; nothing was saved.`, {
        problems: refused,
      });
    }
    const { snapshot } = result;
    return {
      version: snapshot.version,
      settings: Object.keys(texts).map((name) =>
        describeSetting(snapshot, name as keyof typeof snapshot.sources),
      ),
    };
  });

  // One value unmasked, for the console's Reveal button: never cached, and only on demand, so a
  // secret is on screen only when the operator asked for it. The admin token is the exception: a
  // session (an hour) must not be able to read the credential that outlives it.
  app.get<{ Params: { name: string } }>('/api/config/:name/value', async (request, reply) => {
    const { name } = request.params;
    if (!isSettingName(name)) return sendAdminError(reply, 404, 'No setting with that name.');
    if (name === unrevealedSetting)
      return sendAdminError(reply, 403, 'The admin token is not shown through the API it protects.');
    reply.header('cache-control', 'no-store');
    return { name, value: settingValue(store.current(), name) };
  });

  app.delete<{ Params: { name: string } }>('/api/config/:name', async (request, reply) => {
    const { name } = request.params;
    // The name is not repeated: it might be a secret sent to the wrong place.
    if (!isSettingName(name)) return sendAdminError(reply, 404, 'No setting with that name.');
    const wasSaved = Object.hasOwn(store.current().saved, name);
    let snapshot = store.current();
    if (wasSaved) {
      try {
        const result = await store.forget(name);
        if (!result.ok)
          return sendAdminError(reply, 400, describeProblems(result.problems), { problems: result.problems });
        snapshot = result.snapshot;
      } catch (error) {
        request.log.warn({ code: (error as { code?: unknown }).code }, 'could not forget a saved setting');
        return sendAdminError(reply, 503, 'The saved value could not be forgotten; try again.');
      }
    }
    return { version: snapshot.version, forgotten: wasSaved, setting: describeSetting(snapshot, name) };
  });
}
