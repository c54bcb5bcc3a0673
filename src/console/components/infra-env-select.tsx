import type { InfraEnv } from '../model.js';

/** The "Infra-env" filter of the lists: every infra-env by name, or all of them. */
export function InfraEnvSelect({ id, infraEnvs, value, onPick }: { id: string; infraEnvs: InfraEnv[]; value: string | undefined; onPick: (id: string | undefined) => void }) {
  return (
    <div class="field">
      <label for={id}>Infra-env</label>
      <select id={id} value={value ?? ''} onChange={(e) => onPick((e.currentTarget as HTMLSelectElement).value || undefined)}>
        <option value="">All infra-envs</option>
        {infraEnvs.map((ie) => (
          <option key={ie.id} value={ie.id}>
            {ie.name}
          </option>
        ))}
      </select>
    </div>
  );
}
