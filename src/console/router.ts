import { useEffect, useState } from 'preact/hooks';

/** Hash routes (`#/hosts?infra_env=…`): the service serves one page at `/`, whatever the view. */
export interface Route {
  page: string;
  parts: string[];
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] ?? 'infra-envs', parts: parts.slice(1), query: new URLSearchParams(search) };
}

export function href(page: string, parts: string[] = [], query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const search = params.size > 0 ? `?${params}` : '';
  return `#/${[page, ...parts].map(encodeURIComponent).join('/')}${search}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}
