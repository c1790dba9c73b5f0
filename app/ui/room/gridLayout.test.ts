import { describe, expect, test } from 'vitest';
import { bestGrid, featuredGrid } from './gridLayout.ts';

// The space left for tiles on a 390×844 phone (status bar and controls take ~170 px).
const PORTRAIT = { width: 374, height: 670 };
const LANDSCAPE = { width: 740, height: 330 };

describe('bestGrid', () => {
  test('portrait phone stacks few tiles and goes two-wide for more', () => {
    const grid = (count: number) => bestGrid(count, PORTRAIT.width, PORTRAIT.height);
    expect(grid(1)).toEqual({ columns: 1, rows: 1 });
    expect(grid(2)).toEqual({ columns: 1, rows: 2 });
    expect(grid(4)).toEqual({ columns: 2, rows: 2 });
    expect(grid(6)).toEqual({ columns: 2, rows: 3 });
    expect(grid(9)).toEqual({ columns: 3, rows: 3 });
  });

  test('landscape puts tiles side by side', () => {
    expect(bestGrid(2, LANDSCAPE.width, LANDSCAPE.height).columns).toBe(2);
    expect(bestGrid(4, LANDSCAPE.width, LANDSCAPE.height)).toEqual({ columns: 2, rows: 2 });
  });

  test('always has room for every tile', () => {
    for (let count = 1; count <= 9; count++) {
      for (const box of [PORTRAIT, LANDSCAPE, { width: 1280, height: 640 }]) {
        const { columns, rows } = bestGrid(count, box.width, box.height);
        expect(columns * rows).toBeGreaterThanOrEqual(count);
        expect(columns * (rows - 1)).toBeLessThan(count); // no empty row
      }
    }
  });
});

describe('featuredGrid', () => {
  test('the others share the third below the speaker side by side, with no empty row', () => {
    expect(featuredGrid(2, PORTRAIT.width, PORTRAIT.height)).toEqual({ columns: 2, rows: 1 });
    expect(featuredGrid(3, LANDSCAPE.width, LANDSCAPE.height)).toEqual({ columns: 3, rows: 1 });
    for (let others = 2; others <= 8; others++) {
      for (const box of [PORTRAIT, LANDSCAPE]) {
        const { columns, rows } = featuredGrid(others, box.width, box.height);
        expect(columns * rows).toBeGreaterThanOrEqual(others);
        expect(columns * (rows - 1)).toBeLessThan(others);
      }
    }
  });
});
