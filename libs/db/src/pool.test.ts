import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError } from '@mlc/errors';
import { withSessionOption } from './pool.js';

test('withSessionOption adds a startup option to a URL, after the ones it has', () => {
  const added = (url: string) => new URL(withSessionOption(url, '-c plan_cache_mode=force_generic_plan')).searchParams.get('options');
  assert.equal(added('postgres://app@db:5432/mlc'), '-c plan_cache_mode=force_generic_plan');
  assert.equal(added('postgres://app@db:5432/mlc?options=-c%20search_path%3Daudit&sslmode=require'), '-c search_path=audit -c plan_cache_mode=force_generic_plan');
  assert.equal(new URL(withSessionOption('postgres://app:s3cret@db/mlc?sslmode=require', '-c a=b')).searchParams.get('sslmode'), 'require');
});

test('withSessionOption refuses a connection string that is not a URL, without echoing it (it may hold a password)', () => {
  assert.throws(
    () => withSessionOption('postgres host=db password=s3cret', '-c a=b'),
    (error: unknown) => error instanceof MlcError && error.code === 'MLC_CONFIG_INVALID' && !JSON.stringify({ m: error.message, c: error.context }).includes('s3cret'),
  );
});
