/**
 * xterm.js's DOM renderer writes its theme and cell sizes into <style> elements it creates at run
 * time; the server's CSP (style-src 'self') refuses inline style blocks. While a terminal lives:
 *   1. `document.createElement('style')` makes an inert <meshwork-xterm-style> element instead
 *      (hidden by styles.css), so no inline style block exists to be refused (any <style> created
 *      meanwhile would have been refused anyway: only xterm creates them);
 *   2. the text of those elements under the terminal is mirrored into a constructed stylesheet
 *      adopted by the document (built by our own script, not inline markup), which applies it.
 * Returns a function that undoes both. Not covered: xterm's per-cell `style` attributes for 24-bit
 * colours (those cells fall back to the default colour).
 */
const INERT_TAG = 'meshwork-xterm-style';
let patched = 0;
const createElement = Document.prototype.createElement;

function inertStyles(): () => void {
  if (patched++ === 0) {
    document.createElement = function (this: Document, tag: string, options?: ElementCreationOptions): HTMLElement {
      return createElement.call(this, tag.toLowerCase() === 'style' ? INERT_TAG : tag, options);
    } as typeof document.createElement;
  }
  return () => {
    if (--patched === 0) delete (document as { createElement?: unknown }).createElement;
  };
}

export function mirrorInlineStyles(root: HTMLElement): () => void {
  const restore = inertStyles();
  const sheets = new Map<Element, CSSStyleSheet>();
  const sync = (el: Element): void => {
    let sheet = sheets.get(el);
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheets.set(el, sheet);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    }
    sheet.replaceSync(el.textContent ?? '');
  };
  const scan = (): void => root.querySelectorAll(INERT_TAG).forEach(sync);
  const observer = new MutationObserver(scan);
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  scan();
  return () => {
    observer.disconnect();
    restore();
    const mine = new Set(sheets.values());
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => !mine.has(s));
    sheets.clear();
  };
}
