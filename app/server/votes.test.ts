import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VoteStore } from './votes.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spacetime-votes-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('VoteStore', () => {
  it('is in WAL mode and keeps pairs and votes across reopening', () => {
    const file = path.join(tmp, 'votes.sqlite');
    const store = new VoteStore(file);
    expect(store.journalMode()).toBe('wal');
    const pair = store.createPair({ videoId: 'bounce-000-s1', left: 'g1', right: 'g3' });
    expect(pair.token).toMatch(/^[0-9a-f]{32}$/);
    const other = store.createPair({ videoId: 'bounce-001-s1', left: 'g3', right: 'g1' });
    store.vote(pair.token, 'right');
    store.close();

    const again = new VoteStore(file);
    expect(again.votes().map(({ videoId, left, right, choice }) => ({ videoId, left, right, choice }))).toEqual([
      { videoId: 'bounce-000-s1', left: 'g1', right: 'g3', choice: 'right' },
    ]);
    // The pair handed out before the restart can still be voted on, once.
    again.vote(other.token, 'both_bad');
    expect(() => again.vote(other.token, 'left')).toThrow(/already has a vote/);
    expect(again.csv().trim().split('\n').slice(1).map((l) => l.split(',').slice(2).join(','))).toEqual([
      'bounce-000-s1,g1,g3,right,g3',
      'bounce-001-s1,g3,g1,both_bad,',
    ]);
    again.close();
  });

  it('refuses malformed and unknown tokens', () => {
    const store = new VoteStore(path.join(tmp, 'other.sqlite'));
    expect(() => store.pair('../x')).toThrow(/bad pair token/);
    expect(() => store.vote('f'.repeat(32), 'tie')).toThrow(/no such pair/);
    store.close();
  });
});
