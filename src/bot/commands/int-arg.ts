import { z } from 'zod';

/**
 * A whole-number argument: text front-ends give strings, Discord gives numbers. The message names the
 * accepted range, so "abc", "1.5" and "900" each say what was wrong.
 */
export function intArg(label: string, min: number, max: number) {
  return z
    .union([z.number(), z.string()], { error: `give the ${label}, a whole number from ${min} to ${max}` })
    .transform((raw, ctx): number => {
      const text = String(raw).trim();
      const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(n)) {
        ctx.addIssue({
          code: 'custom',
          message: `${label} must be a whole number from ${min} to ${max}; got "${text}"`,
        });
        return z.NEVER;
      }
      if (n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${label} must be from ${min} to ${max}; got ${n}` });
        return z.NEVER;
      }
      return n;
    });
}

/** A whole number whose range only the handler's core call knows (`niche move`: 1 to the niche count). */
export function wholeNumberArg(label: string) {
  return z
    .union([z.number(), z.string()], { error: `give the ${label}, a whole number` })
    .transform((raw, ctx): number => {
      const text = String(raw).trim();
      const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(n)) {
        ctx.addIssue({ code: 'custom', message: `${label} must be a whole number; got "${text}"` });
        return z.NEVER;
      }
      return n;
    });
}
