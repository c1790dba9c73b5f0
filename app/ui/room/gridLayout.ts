/**
 * Picks the column count that makes `count` tiles of `aspect` (width / height) as large as possible inside a
 * `width` × `height` box, so 1–9 people fill a phone in portrait or landscape without scrolling. The default
 * aspect follows the box: phone cameras held upright send portrait video, laptops and rotated phones landscape.
 */
export function bestGrid(
  count: number,
  width: number,
  height: number,
  aspect = width >= height ? 16 / 9 : 3 / 4,
): { columns: number; rows: number } {
  if (count <= 0 || width <= 0 || height <= 0) return { columns: 1, rows: 1 };
  let best = { columns: 1, rows: count, area: 0 };
  for (let columns = 1; columns <= count; columns++) {
    const rows = Math.ceil(count / columns);
    const cellWidth = width / columns;
    const cellHeight = height / rows;
    // The tile's visible size is limited by whichever side runs out first at this aspect ratio.
    const tileWidth = Math.min(cellWidth, cellHeight * aspect);
    const area = tileWidth * (tileWidth / aspect);
    if (area > best.area + 1) best = { columns, rows, area };
  }
  return { columns: best.columns, rows: best.rows };
}

/**
 * The person speaking across the top, over two thirds of the height (a `2fr` row in CSS), and the `others` in a
 * grid sized to the third below; `rows` counts only theirs.
 */
export function featuredGrid(others: number, width: number, height: number): { columns: number; rows: number } {
  // The cameras' shape follows the whole screen (upright phone: upright video), not the strip's.
  const below = bestGrid(others, width, height / 3, width >= height ? 16 / 9 : 3 / 4);
  return { columns: below.columns, rows: Math.ceil(Math.max(others, 1) / below.columns) };
}
