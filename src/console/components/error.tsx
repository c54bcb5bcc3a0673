export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      <span aria-hidden="true">✖ </span>
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}
