import { describe, expect, test } from 'vitest';
import { normalizeRoom, roomFromPath, roomPath } from './roomLink.ts';

describe('room links', () => {
  test('reads the room from /r/<room>', () => {
    expect(roomFromPath('/r/standup')).toBe('standup');
    expect(roomFromPath('/r/standup/')).toBe('standup');
    expect(roomFromPath('/')).toBe('');
    expect(roomFromPath('/r/%E0%A4%A')).toBe(''); // malformed escape
  });

  test('round-trips through roomPath', () => {
    expect(roomFromPath(roomPath('team_sync-2'))).toBe('team_sync-2');
  });

  test('turns typed text into a valid room name', () => {
    expect(normalizeRoom('  Team sync! ')).toBe('Team-sync');
    expect(normalizeRoom('x'.repeat(80))).toHaveLength(64);
  });
});
