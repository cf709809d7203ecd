import { useEffect, useState } from 'preact/hooks';
import { api, onSignedOut } from './api';
import { Link } from './components/link';
import { LanguageSelect, ThemeSelect } from './components/preferences';
import { Status } from './components/status';
import { useText } from './i18n';
import { ConfigPage } from './pages/config';
import { DashboardPage } from './pages/dashboard';
import { KeysPage } from './pages/keys';
import { LogsPage } from './pages/logs';
import { SignIn } from './pages/sign-in';
import { usePlace } from './router';

type Session = 'checking' | 'signed-in' | 'signed-out' | 'expired';

function Page({ path }: { path: string }) {
  switch (path) {
    case '/keys':
      return <KeysPage />;
    case '/config':
      return <ConfigPage />;
    case '/logs':
      return <LogsPage />;
    default:
      return <DashboardPage />;
  }
}

function Header({ path, onSignOut }: { path: string; onSignOut: () => void }) {
  const text = useText();
  const links = [
    ['/', text.nav.dashboard],
    ['/keys', text.nav.keys],
    ['/config', text.nav.config],
    ['/logs', text.nav.logs],
  ] as const;
  return (
    <header class="header">
      <a class="skip" href="#main">
        {text.common.skipToContent}
      </a>
      <span class="brand">gemgate</span>
      <nav aria-label={text.nav.label} class="nav">
        {links.map(([href, label]) => (
          <Link key={href} href={href} class="nav-link" current={path === href}>
            {label}
          </Link>
        ))}
      </nav>
      <div class="header-tools">
        <LanguageSelect />
        <ThemeSelect />
        <button type="button" class="button" onClick={onSignOut}>
          {text.nav.signOut}
        </button>
      </div>
    </header>
  );
}

const titles = { '/keys': 'keys', '/config': 'config', '/logs': 'logs' } as const;

/** The console: the sign-in form until a session is open, then the page the URL names. */
export function App() {
  const { path } = usePlace();
  const text = useText();
  const pageTitle = text.nav[titles[path as keyof typeof titles] ?? 'dashboard'];
  // The tab and the history name the page; a screen reader hears it as the page changes.
  useEffect(() => {
    document.title = `${pageTitle} · gemgate`;
  }, [pageTitle]);
  const [session, setSession] = useState<Session>('checking');
  const [problem, setProblem] = useState<unknown>();
  // Pages are mounted anew after each sign-in, so what they show is read with the new session.
  const [signIns, setSignIns] = useState(0);

  useEffect(() => {
    api<{ signedIn: boolean }>('/api/auth/session').then(
      (answer) => setSession(answer.signedIn ? 'signed-in' : 'signed-out'),
      (error: unknown) => setProblem(error),
    );
    return onSignedOut(() => setSession((now) => (now === 'signed-in' ? 'expired' : now)));
  }, []);

  if (session === 'checking') return <Status error={problem} onRetry={() => location.reload()} />;
  if (session !== 'signed-in')
    return (
      <SignIn
        expired={session === 'expired'}
        onSignedIn={() => {
          setSignIns((count) => count + 1);
          setSession('signed-in');
        }}
      />
    );
  return (
    <>
      <Header
        path={path}
        onSignOut={() => {
          api('/api/auth/logout', { method: 'POST' }).finally(() => setSession('signed-out'));
        }}
      />
      <main id="main" class="main" key={signIns}>
        <Page path={path} />
      </main>
    </>
  );
}
