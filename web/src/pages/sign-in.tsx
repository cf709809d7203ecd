import { useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { LanguageSelect, ThemeSelect } from '../components/preferences';
import { useText } from '../i18n';

/** The sign-in form: the admin token opens a session; the page the operator was on stays in the URL. */
export function SignIn({ expired, onSignedIn }: { expired: boolean; onSignedIn: () => void }) {
  const text = useText();
  const [token, setToken] = useState('');
  const [working, setWorking] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();

  async function submit(event: Event) {
    event.preventDefault();
    setWorking(true);
    setProblem(undefined);
    try {
      await api('/api/auth/login', { method: 'POST', body: { token } });
      setToken('');
      onSignedIn();
    } catch (error) {
      setProblem(
        error instanceof ApiError && error.status === 401
          ? text.signIn.refused
          : String((error as Error).message),
      );
    } finally {
      setWorking(false);
    }
  }

  return (
    <main id="main" class="sign-in">
      <div class="sign-in-tools">
        <LanguageSelect />
        <ThemeSelect />
      </div>
      <form class="card sign-in-card" onSubmit={submit}>
        <h1>{text.signIn.title}</h1>
        {expired && (
          <p class="notice" role="status">
            {text.signIn.expired}
          </p>
        )}
        <p class="muted">{text.signIn.intro}</p>
        <label class="field">
          <span>{text.signIn.token}</span>
          <input
            type="password"
            name="token"
            autoComplete="current-password"
            required
            value={token}
            onInput={(event) => setToken(event.currentTarget.value)}
          />
        </label>
        {problem && (
          <p class="problem" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" class="button primary" disabled={working || token === ''}>
          {working ? text.signIn.working : text.signIn.submit}
        </button>
      </form>
    </main>
  );
}
