import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import './app.css';
import { session, setSession, type SessionInfo } from './api.js';
import { live, type LiveState } from './live.js';
import { EventsPage } from './pages/events.js';
import { HostDetailPage } from './pages/host-detail.js';
import { HostsPage } from './pages/hosts.js';
import { InfraEnvsPage } from './pages/infra-envs.js';
import { SignInPage } from './pages/sign-in.js';
import { href, useRoute } from './router.js';

const LIVE_TEXT: Record<LiveState, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' };

function Shell({ info, onSignOut }: { info: SessionInfo; onSignOut: () => void }) {
  const route = useRoute();
  const [liveState, setLiveState] = useState<LiveState>(live.state);
  useEffect(() => {
    live.start();
    const off = live.onState(setLiveState);
    return () => {
      off();
      live.stop();
    };
  }, []);
  const firstRoute = useRef(true);
  useEffect(() => {
    // Moving between pages: focus the new page's content, where a screen reader user expects to be.
    if (firstRoute.current) firstRoute.current = false;
    else document.getElementById('main')?.focus();
  }, [route.page, route.parts.join('/')]);

  let page;
  if (route.page === 'hosts') page = <HostsPage key={route.query.get('infra_env') ?? 'all'} infraEnvId={route.query.get('infra_env') ?? undefined} initialStatus={route.query.get('status') ?? undefined} initialSearch={route.query.get('q') ?? undefined} />;
  else if (route.page === 'host' && route.parts.length === 2) page = <HostDetailPage infraEnvId={route.parts[0] as string} hostId={route.parts[1] as string} />;
  else if (route.page === 'events') page = <EventsPage infraEnvId={route.query.get('infra_env') ?? undefined} hostId={route.query.get('host') ?? undefined} />;
  else page = <InfraEnvsPage selected={route.parts[0]} />;

  const link = (target: string, label: string) => (
    <a href={href(target)} aria-current={route.page === target || (target === 'hosts' && route.page === 'host') ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">inband</span>
        <nav aria-label="Console">
          {link('infra-envs', 'Infra-envs')}
          {link('hosts', 'Hosts')}
          {link('events', 'Events')}
        </nav>
        <span class={`live live-${liveState}`} role="status" aria-live="polite">
          <span aria-hidden="true">{liveState === 'live' ? '● ' : '○ '}</span>
          Updates: {LIVE_TEXT[liveState]}
        </span>
        {info.auth_mode === 'token' ? (
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        ) : (
          <span class="hint">--auth none: no sign-in</span>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

function App() {
  const [info, setInfo] = useState<SessionInfo | null | undefined>(undefined);
  const signedOut = () => {
    live.stop();
    setInfo(null);
  };
  const signedIn = (next: SessionInfo) => {
    setSession(next.csrf_token, signedOut);
    setInfo(next);
  };
  useEffect(() => {
    session.current().then(signedIn, () => setInfo(null));
  }, []);
  if (info === undefined) return <p class="loading">Loading…</p>;
  if (info === null) return <SignInPage onSignedIn={signedIn} />;
  return (
    <Shell
      info={info}
      onSignOut={async () => {
        await session.signOut().catch(() => undefined);
        signedOut();
      }}
    />
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
