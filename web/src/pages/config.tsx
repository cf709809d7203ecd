import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { Status } from '../components/status';
import { useText } from '../i18n';
import { setQuery, usePlace } from '../router';
import { useApi } from '../use-api';
import {
  byGroup,
  type ConfigAnswer,
  matches,
  type Problem,
  pendingChanges,
  type ServerProblem,
  type SettingView,
  textOf,
} from './config/model';
import { SettingField } from './config/setting-field';
import './config.css';

interface Notice {
  readonly kind: 'status' | 'alert';
  readonly text: string;
  readonly details?: readonly string[];
}

const controlOf = (name: string) => document.getElementById(`setting-${name}-control`);

/**
 * Every setting, grouped as the seed groups them, edited in place: changes are collected, checked
 * in the browser, and saved together (all or none, as PUT /api/config does). Secrets stay masked
 * until the operator reveals one; settings read at start are shown, not edited.
 */
export function ConfigPage() {
  const text = useText();
  const t = text.config;
  const search = usePlace().query.get('q') ?? '';
  const loaded = useApi<ConfigAnswer>('/api/config');
  const [settings, setSettings] = useState<readonly SettingView[]>();
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [revealed, setRevealed] = useState<Record<string, unknown>>({});
  const [serverProblems, setServerProblems] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<Notice>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (loaded.data) setSettings(loaded.data.settings);
  }, [loaded.data]);

  const current = (setting: SettingView) =>
    Object.hasOwn(revealed, setting.name) ? revealed[setting.name] : setting.value;
  const pending = useMemo(
    () => pendingChanges(drafts, settings ?? [], current),
    [drafts, settings, revealed],
  );

  // Unsaved changes are not lost to a reload or a closed tab without the browser asking.
  useEffect(() => {
    if (pending.count === 0) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    addEventListener('beforeunload', warn);
    return () => removeEventListener('beforeunload', warn);
  }, [pending.count]);

  if (!settings)
    return (
      <>
        <h1>{t.title}</h1>
        <Status error={loaded.error} onRetry={loaded.reload} />
      </>
    );

  const describe = (setting: SettingView) => t.descriptions[setting.name] || setting.description;
  const baseText = (setting: SettingView) =>
    setting.secret && !Object.hasOwn(revealed, setting.name) ? undefined : textOf(setting, current(setting));
  const problemText = (problem: Problem) =>
    problem.code === 'range'
      ? t.problem.range(
          problem.min === undefined ? '' : String(problem.min),
          problem.max === undefined ? '' : String(problem.max),
        )
      : t.problem[problem.code];

  const replace = (fresh: readonly SettingView[]) => {
    const byName = new Map(fresh.map((setting) => [setting.name, setting]));
    setSettings((now) => now?.map((setting) => byName.get(setting.name) ?? setting));
  };
  const without = <T,>(record: Record<string, T>, names: readonly string[]) => {
    const next = { ...record };
    for (const name of names) delete next[name];
    return next;
  };
  const failed = (error: unknown) =>
    setNotice({
      kind: 'alert',
      text: text.common.error(error instanceof Error ? error.message : String(error)),
    });

  function edit(setting: SettingView, value: string) {
    setDrafts((now) =>
      value === baseText(setting) ? without(now, [setting.name]) : { ...now, [setting.name]: value },
    );
    setServerProblems((now) => without(now, [setting.name]));
    setNotice(undefined);
  }

  async function save() {
    const invalid = Object.keys(pending.problems);
    if (invalid.length > 0) {
      setNotice({ kind: 'alert', text: t.fixFirst(invalid.length) });
      controlOf(invalid[0] as string)?.focus();
      return;
    }
    const names = Object.keys(pending.values);
    if (names.length === 0) return;
    setBusy(true);
    setNotice({ kind: 'status', text: t.saving });
    try {
      const answer = await api<ConfigAnswer>('/api/config', {
        method: 'PUT',
        body: { values: pending.values },
      });
      replace(answer.settings);
      setDrafts({});
      setServerProblems({});
      // A saved secret is masked again: what is on screen is what the operator asked to see.
      setRevealed((now) => without(now, names));
      setNotice({ kind: 'status', text: t.saved(names.length) });
      loaded.reload();
    } catch (error) {
      const problems =
        (error instanceof ApiError &&
          (error.body as { error?: { problems?: ServerProblem[] } } | null)?.error?.problems) ||
        [];
      if (problems.length === 0) failed(error);
      else {
        const named: Record<string, string> = {};
        const other: string[] = [];
        for (const problem of problems) {
          if (names.includes(problem.name)) named[problem.name] = problem.message;
          else other.push(problem.message);
        }
        setServerProblems(named);
        setNotice({
          kind: 'alert',
          text: t.refused,
          details: [...Object.entries(named).map(([name, message]) => `${name}: ${message}`), ...other],
        });
        const first = Object.keys(named)[0];
        if (first) controlOf(first)?.focus();
      }
    } finally {
      setBusy(false);
    }
  }

  function discard() {
    setDrafts({});
    setServerProblems({});
    setNotice(undefined);
  }

  async function useEnvironment(setting: SettingView) {
    setBusy(true);
    try {
      const answer = await api<{ setting: SettingView }>(`/api/config/${encodeURIComponent(setting.name)}`, {
        method: 'DELETE',
      });
      replace([answer.setting]);
      setDrafts((now) => without(now, [setting.name]));
      setServerProblems((now) => without(now, [setting.name]));
      setRevealed((now) => without(now, [setting.name]));
      setNotice({ kind: 'status', text: t.forgotten(setting.name) });
    } catch (error) {
      failed(error);
    } finally {
      setBusy(false);
    }
  }

  async function reveal(setting: SettingView) {
    try {
      const answer = await api<{ value: unknown }>(`/api/config/${encodeURIComponent(setting.name)}/value`);
      setRevealed((now) => ({ ...now, [setting.name]: answer.value }));
    } catch (error) {
      failed(error);
    }
  }

  function hide(setting: SettingView) {
    setRevealed((now) => without(now, [setting.name]));
    setDrafts((now) => without(now, [setting.name]));
  }

  const groups = byGroup(settings.filter((setting) => matches(setting, describe(setting), search)));
  const groupName = (group: string) => t.groups[group] ?? group;

  return (
    <div class="config">
      <h1>{t.title}</h1>
      <p class="muted">{t.intro}</p>
      <div class="toolbar config-tools">
        <label class="field config-search">
          <span>{t.search}</span>
          <input
            type="search"
            value={search}
            placeholder={t.searchHint}
            onInput={(event) => setQuery({ q: event.currentTarget.value })}
          />
        </label>
      </div>
      <nav class="config-jump" aria-label={t.groupsLabel}>
        {groups.map(([group]) => (
          <a key={group} href={`#group-${group}`} class="config-jump-link">
            {groupName(group)}
          </a>
        ))}
      </nav>
      {groups.length === 0 && <p class="status">{t.noMatch}</p>}
      {groups.map(([group, members]) => (
        <section
          key={group}
          id={`group-${group}`}
          class="card config-group"
          aria-labelledby={`group-${group}-title`}
        >
          <h2 id={`group-${group}-title`}>{groupName(group)}</h2>
          {members.map((setting) => {
            const draft = drafts[setting.name];
            const problem = pending.problems[setting.name];
            return (
              <SettingField
                key={setting.name}
                setting={setting}
                description={describe(setting)}
                text={draft ?? baseText(setting)}
                changed={Object.hasOwn(pending.values, setting.name) || problem !== undefined}
                problem={serverProblems[setting.name] ?? (problem && problemText(problem))}
                revealed={Object.hasOwn(revealed, setting.name)}
                busy={busy}
                onText={(value) => edit(setting, value)}
                onReveal={() => reveal(setting)}
                onHide={() => hide(setting)}
                onUseEnvironment={() => useEnvironment(setting)}
              />
            );
          })}
        </section>
      ))}
      <div class="config-savebar">
        <div class="config-notices">
          <p role="status" class="config-pending">
            {notice?.kind === 'status' ? notice.text : t.pending(pending.count)}
          </p>
          <div role="alert" class="problem">
            {notice?.kind === 'alert' && (
              <>
                <p>{notice.text}</p>
                {notice.details && notice.details.length > 0 && (
                  <ul>
                    {notice.details.map((detail) => (
                      <li key={detail}>{detail}</li>
                    ))}
                  </ul>
                )}
              </>
            )}
          </div>
        </div>
        <div class="config-buttons">
          <button type="button" class="button" onClick={discard} disabled={busy || pending.count === 0}>
            {t.discard}
          </button>
          <button type="button" class="button primary" onClick={save} disabled={busy || pending.count === 0}>
            {busy ? t.saving : t.saveChanges(pending.count)}
          </button>
        </div>
      </div>
    </div>
  );
}
