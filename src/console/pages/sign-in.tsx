import { useState } from 'preact/hooks';
import { session, type SessionInfo } from '../api.js';
import { ErrorNote } from '../components/error.js';

export function SignInPage({ onSignedIn }: { onSignedIn: (info: SessionInfo) => void }) {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const token = String(new FormData(event.currentTarget as HTMLFormElement).get('token') ?? '').trim();
    setBusy(true);
    try {
      onSignedIn(await session.signIn(token));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>inband console</h1>
      <form class="card" onSubmit={submit} aria-labelledby="sign-in-heading">
        <h2 id="sign-in-heading">Sign in</h2>
        <div class="field">
          <label for="token">Operator token</label>
          <input id="token" name="token" type="password" autoComplete="current-password" required aria-describedby="token-hint" />
          <small id="token-hint">
            The token the CLI uses: <code>--admin-token</code>, or the <code>admin-token</code> file in the service's data directory.
          </small>
        </div>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
