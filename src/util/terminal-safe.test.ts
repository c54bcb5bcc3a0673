import { describe, expect, it } from 'vitest';
import { terminalSafe } from './terminal-safe.js';

describe('terminalSafe', () => {
  it('shows control characters and bidi overrides as escapes, leaving plain text and other Unicode alone', () => {
    expect(terminalSafe('node-1.lab.example.com')).toBe('node-1.lab.example.com');
    expect(terminalSafe('x\u001b]0;pwned\u0007y')).toBe('x\\x1b]0;pwned\\x07y');
    expect(terminalSafe('a\r\nb\tc')).toBe('a\\r\\nb\\tc');
    expect(terminalSafe('\u009b2J')).toBe('\\x9b2J');
    expect(terminalSafe('abc\u202edef')).toBe('abc\\u202edef');
    expect(terminalSafe('émile-Ω-数据')).toBe('émile-Ω-数据');
    expect(terminalSafe('\u0000\u007f')).toBe('\\x00\\x7f');
  });
});
