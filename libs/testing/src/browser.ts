import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (`apt-get install -y chromium`); MLC_CHROMIUM overrides it. Never a downloaded browser. */
export const CHROMIUM_PATH = process.env.MLC_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/**
 * The system's Chromium driven by playwright-core, with a fresh profile (playwright gives every
 * launch its own temporary --user-data-dir). Fails with the command to run when it is missing:
 * browser tests never skip.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's package (sudo apt-get update && sudo apt-get install -y chromium) or set MLC_CHROMIUM to its path`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_FLAGS], timeout: 60_000 });
}
