import { describe, expect, it } from 'vitest';
import { EnvError, loadEnv } from '../../src/config/env.js';
import { panelBaseUrl } from '../../src/web/index.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadEnv(env);
    return [];
  } catch (err) {
    return err instanceof EnvError ? err.problems : [String(err)];
  }
}

describe('web panel configuration', () => {
  it('the web role comes with bot, and can run alone', () => {
    expect(loadEnv({}).STORYWATCH_ROLES).toEqual(['bot', 'scheduler', 'worker', 'web']);
    expect(loadEnv({ STORYWATCH_ROLES: 'worker' }).STORYWATCH_ROLES).toEqual(['worker']);
    expect(loadEnv({ STORYWATCH_ROLES: 'web' }).STORYWATCH_ROLES).toEqual(['web']);
  });

  it('STORYWATCH_PUBLIC_URL takes http(s) URLs only, without a trailing slash', () => {
    expect(loadEnv({ STORYWATCH_PUBLIC_URL: 'https://sw.example.com/' }).STORYWATCH_PUBLIC_URL).toBe(
      'https://sw.example.com',
    );
    expect(problems({ STORYWATCH_PUBLIC_URL: 'ftp://sw.example.com' })).toEqual([
      'STORYWATCH_PUBLIC_URL: must be an http:// or https:// URL, e.g. https://storywatch.example.com',
    ]);
  });

  it('PANEL_INIT_DATA_MAX_AGE is an hour unless set, within 60-86400 seconds', () => {
    expect(loadEnv({}).PANEL_INIT_DATA_MAX_AGE).toBe(3600);
    expect(loadEnv({ PANEL_INIT_DATA_MAX_AGE: '600' }).PANEL_INIT_DATA_MAX_AGE).toBe(600);
    expect(problems({ PANEL_INIT_DATA_MAX_AGE: '5' })[0]).toMatch(/^PANEL_INIT_DATA_MAX_AGE: /);
  });

  it('links point at the public URL, else at this machine, and nowhere when HTTP is off', () => {
    expect(panelBaseUrl('https://sw.example.com', '127.0.0.1', 8080)).toBe('https://sw.example.com');
    expect(panelBaseUrl(undefined, '0.0.0.0', 8080)).toBe('http://127.0.0.1:8080');
    expect(panelBaseUrl(undefined, '::1', 9000)).toBe('http://[::1]:9000');
    expect(panelBaseUrl(undefined, '127.0.0.1', 0)).toBeUndefined();
  });
});
