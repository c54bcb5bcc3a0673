import { useState } from 'preact/hooks';

/** A value to copy (a command line, a URL): shown in full, selectable, with a copy button. */
export function Copyable({ label, value, id }: { label: string; value: string; id: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      window.setTimeout(() => setCopied(false), 2_000);
    } catch {
      // No clipboard (plain HTTP on a remote address): select the text for the operator instead.
      const element = document.getElementById(id);
      if (element) window.getSelection()?.selectAllChildren(element);
    }
  };
  return (
    <div class="copyable">
      <span class="copyable-label" id={`${id}-label`}>
        {label}
      </span>
      <code id={id} aria-labelledby={`${id}-label`}>
        {value}
      </code>
      <button type="button" onClick={copy} aria-describedby={`${id}-label`}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
