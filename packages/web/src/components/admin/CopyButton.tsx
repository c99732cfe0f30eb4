/** "Copy" for a piece of text, with a short confirmation (or a hint when the clipboard is refused). */
import { useState } from 'react';
import { Button } from '../ui.js';

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    window.setTimeout(() => setState('idle'), 2500);
  }
  return (
    <span className="copy">
      <Button onClick={() => void copy()}>{label}</Button>
      <span role="status" className="muted copy-state">
        {state === 'copied' ? 'Copied.' : state === 'failed' ? 'The browser refused; select the text and copy it.' : ''}
      </span>
    </span>
  );
}
