/** BT.709 luma weights (what H.264/VP9 files made from RGB store at full resolution). */
export const LUMA: readonly [number, number, number] = [0.2126, 0.7152, 0.0722];
export const luma = (r: number, g: number, b: number): number => LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
