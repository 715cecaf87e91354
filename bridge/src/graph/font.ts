/**
 * A 5x9 bitmap font for printable ASCII (space to ~): caps and digits 7 rows high, two rows of
 * descenders below. Each glyph is 9 characters, one per row, top first; a character is the row's
 * 5 pixels as a number 0-31 written in base 32 (digits then A-V), leftmost pixel the highest bit.
 * About 900 bytes of the bundle; anything outside ASCII is drawn as "?".
 */
const GLYPHS =
  "000000000444440400AAA000000AAVAVAA004FKE5U400OP248J300CIK8LID0044400000024888420084222480004LEL4000044V44000000006624000V0000000000CC0001248G000EHJLPHE004C4444E00EH1248V00V2421HE0026AIV2200VGU11HE0068GUHHE00V12488800EHHEHHE00EHHF12C000CC0CC0000CC0CC480248G8420000V0V0000842124800EH1240400EH1DLLE00EHHVHHH00UHHUHHU00EHGGGHE00SIHHHIS00VGGUGGV00VGGUGGG00EHGNHHF00HHHVHHH00E44444E0072222IC00HIKOKIH00GGGGGGV00HRLLHHH00HHPLJHH00EHHHHHE00UHHUGGG00EHHHLID00UHHUKIH00FGGE11U00V44444400HHHHHHE00HHHHHA400HHHLLLA00HHA4AHH00HHHA44400V1248GV00E88888E000G8421000E22222E004AH0000000000000V084200000000E1FHF00GGMPHHU0000EGGHE0011DJHHF0000EHVGE00698S8880000FHHF1HEGGMPHHH0040C444E002062222ICGGIKOKI00C44444E0000QLLLL0000MPHHH0000EHHHE0000UHHUGGG00FHHF11100MPGGG0000FGE1U0088S88960000HHHJD0000HHHA40000HHLLA0000HA4AH0000HHHF1HE00V248V00344844300444444400O44244O00008L20000";

export const GLYPH_WIDTH = 5;
export const GLYPH_ROWS = 9;
/** Rows above the baseline: the height of a capital or a digit. */
export const CAP_ROWS = 7;
/** One blank column between glyphs. */
export const ADVANCE = GLYPH_WIDTH + 1;

const FIRST = 32;
const LAST = 126;

/** The rows of a character's glyph, each a 5-bit mask (bit 4 is the leftmost pixel). */
export function glyphRows(ch: string): readonly number[] {
  const code = ch.charCodeAt(0);
  const i = code >= FIRST && code <= LAST ? code - FIRST : "?".charCodeAt(0) - FIRST;
  return Array.from(GLYPHS.slice(i * GLYPH_ROWS, (i + 1) * GLYPH_ROWS), (c) => parseInt(c, 32));
}

/** Width in pixels of a line of text at a scale (no blank column after the last glyph). */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * ADVANCE - 1) * scale;
}
