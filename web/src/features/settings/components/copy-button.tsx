import { useState } from 'react';
import { Button } from '../../../components/button';
import { Icon } from '../../../components/icons';

/** Copies a secret or snippet; says so (the button's name changes, read by screen readers). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <Button
      size="sm"
      icon={<Icon name={copied ? 'check' : 'copy'} size={16} />}
      aria-label={copied ? `${label}: copied` : label}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        } catch {
          // Clipboard refused (insecure context): the text is selectable on screen.
          setCopied(false);
        }
      }}
    >
      {copied ? 'Copied' : 'Copy'}
    </Button>
  );
}
