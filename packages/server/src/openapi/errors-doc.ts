/** docs/errors.md, generated from the error catalogue (ERROR_CODES) by `npm run gen:openapi`. */
import { ERROR_CODES, type ErrorCode } from '@meshwork/protocol';

export function renderErrorsDoc(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => `| \`${code}\` | ${ERROR_CODES[code].status} | ${ERROR_CODES[code].message} |`);
  return [
    '<!-- DO NOT EDIT. Generated from packages/protocol/src/errors.ts by `npm run gen:openapi`. -->',
    '# Error codes',
    '',
    'Every error response of the REST API (and every `error` frame of the event stream) carries one',
    'shape: `{ "code": "<code>", "message": "<text>" }`. Codes are stable: they are never renamed,',
    'and new ones are added at the end. Messages are safe to show to users and may change.',
    '',
    '| Code | HTTP status | Message |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
