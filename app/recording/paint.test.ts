import { describe, expect, it } from 'vitest';
import { initialsOf } from './paint.ts';

describe('initialsOf (what a tile shows while the camera is off)', () => {
  it('takes the first and last names’ first letters, upper-cased', () => {
    expect(initialsOf('Ada Lovelace')).toBe('AL');
    expect(initialsOf('  jean  paul   sartre ')).toBe('JS');
    expect(initialsOf('Carol')).toBe('C');
  });

  it('keeps a letter outside the basic plane whole, and shows "?" for no name', () => {
    expect(initialsOf('𝒜lice Émile')).toBe('𝒜É');
    expect(initialsOf('   ')).toBe('?');
  });
});
