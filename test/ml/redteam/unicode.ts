/** True when `text` has no lone surrogate (String.prototype.isWellFormed is ES2024, past the project's lib). */
export const isWellFormed = (text: string): boolean => !/[\uD800-\uDFFF]/u.test(text);
