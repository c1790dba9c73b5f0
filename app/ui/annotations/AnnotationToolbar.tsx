import type { Signal } from '@preact/signals';
import { ANNOTATION_COLORS, type AnnotationColor } from '../../../shared/protocol/index.ts';
import { penColor, type AnnotationActions } from '../../models/annotations.ts';

/** What each pen colour is called, for people who cannot tell them apart by sight. */
const COLOR_NAMES: Record<AnnotationColor, string> = {
  '#ff2d55': 'Red',
  '#ffcc00': 'Yellow',
  '#34c759': 'Green',
  '#0a84ff': 'Blue',
  '#ffffff': 'White',
};

/**
 * The tools over a shared screen: **Draw** alone while off (a corner of the picture, nothing more), the pen colour,
 * **Undo** (your newest stroke) and **Clear** (the whole board) while on.
 */
export function AnnotationToolbar({ board, actions, drawing }: { board: string; actions: AnnotationActions; drawing: Signal<boolean> }) {
  const on = drawing.value;
  return (
    <div class={`annotation-tools${on ? ' open' : ''}`} role="toolbar" aria-label="Annotation tools">
      <div class="annotation-row">
        <button type="button" class="annotation-button" aria-pressed={on} onClick={() => (drawing.value = !on)}>
          <PenIcon />
          Draw
        </button>
        {on && (
          <>
            <button type="button" class="annotation-button" onClick={() => actions.undo(board)}>
              Undo
            </button>
            <button type="button" class="annotation-button" onClick={() => actions.clear(board)}>
              Clear
            </button>
          </>
        )}
      </div>
      {on && (
        <div class="annotation-row annotation-colors" role="radiogroup" aria-label="Pen colour">
          {ANNOTATION_COLORS.map((color) => (
            <label key={color} class="annotation-swatch" style={{ '--swatch': color }}>
              <input
                type="radio"
                name={`pen-colour-${board}`}
                value={color}
                checked={penColor.value === color}
                onChange={() => (penColor.value = color)}
              />
              <span class="annotation-swatch-name">{COLOR_NAMES[color]}</span>
            </label>
          ))}
        </div>
      )}
    </div>
  );
}

function PenIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round">
      <path d="M4 20l4-1 11-11-3-3L5 16l-1 4z" />
    </svg>
  );
}
