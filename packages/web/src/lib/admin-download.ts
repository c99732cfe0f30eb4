/** Offering text as a file download (object URL on an <a download>), revoked when replaced or unmounted. */
import { useEffect, useState } from 'react';

/** An object URL for `text` (null when text is null); revoked automatically. */
export function useDownloadUrl(text: string | null, type = 'application/json'): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (text === null) {
      setUrl(null);
      return;
    }
    const u = URL.createObjectURL(new Blob([text], { type }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [text, type]);
  return url;
}
