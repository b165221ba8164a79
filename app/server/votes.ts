/**
 * Blind A/B votes in SQLite (better-sqlite3), WAL mode with synchronous=FULL, so a vote the
 * server acknowledged survives the server being killed (kill -9) or the machine losing
 * power. Two tables:
 *
 *   pairs  one blind match-up handed to a browser: an unguessable token, the video id and
 *          which run is on the left and which on the right (the browser never sees names);
 *   votes  at most one vote per pair: left, right, tie or both_bad.
 *
 *   const store = new VoteStore('evals/votes.sqlite');
 *   const pair = store.createPair({ videoId: 'gravity-003-s1', left: 'g1', right: 'g3' });
 *   store.vote(pair.token, 'left');
 *   store.votes()   // [{ left: 'g1', right: 'g3', choice: 'left', ... }]
 */
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { formatCsv } from '../../base/io/csv.js';
import { HttpError } from './http-error.js';
import type { Outcome } from './ranking.js';

export interface Pair {
  token: string;
  videoId: string;
  left: string;
  right: string;
  created: string;
}

export interface StoredVote {
  id: number;
  token: string;
  videoId: string;
  left: string;
  right: string;
  choice: Outcome;
  created: string;
}

/** A pair token: 128 random bits, hex. */
export const TOKEN = /^[0-9a-f]{32}$/;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pairs (
  token    TEXT PRIMARY KEY,
  video_id TEXT NOT NULL,
  left_run TEXT NOT NULL,
  right_run TEXT NOT NULL,
  created  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  token    TEXT NOT NULL UNIQUE REFERENCES pairs(token),
  video_id TEXT NOT NULL,
  left_run TEXT NOT NULL,
  right_run TEXT NOT NULL,
  choice   TEXT NOT NULL CHECK (choice IN ('left', 'right', 'tie', 'both_bad')),
  created  TEXT NOT NULL
);`;

export class VoteStore {
  private readonly db: Database.Database;
  private readonly insertPair: Database.Statement;
  private readonly selectPair: Database.Statement;
  private readonly insertVote: Database.Statement;
  private readonly selectVotes: Database.Statement;
  /** Bumped on every vote, so callers can cache what they derive from the votes. */
  version = 0;

  constructor(readonly file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.insertPair = this.db.prepare('INSERT INTO pairs (token, video_id, left_run, right_run, created) VALUES (?, ?, ?, ?, ?)');
    this.selectPair = this.db.prepare('SELECT token, video_id AS videoId, left_run AS left, right_run AS right, created FROM pairs WHERE token = ?');
    this.insertVote = this.db.prepare('INSERT INTO votes (token, video_id, left_run, right_run, choice, created) VALUES (?, ?, ?, ?, ?, ?)');
    this.selectVotes = this.db.prepare(
      'SELECT id, token, video_id AS videoId, left_run AS left, right_run AS right, choice, created FROM votes ORDER BY id',
    );
  }

  /** The journal mode SQLite is in ('wal'). */
  journalMode(): string {
    return String(this.db.pragma('journal_mode', { simple: true }));
  }

  createPair(p: { videoId: string; left: string; right: string }): Pair {
    const pair: Pair = { token: crypto.randomBytes(16).toString('hex'), ...p, created: new Date().toISOString() };
    this.insertPair.run(pair.token, pair.videoId, pair.left, pair.right, pair.created);
    return pair;
  }

  /** The pair for a token, or a 404 (a malformed token is a 400). */
  pair(token: string): Pair {
    if (!TOKEN.test(token)) throw new HttpError(400, 'bad pair token: expected 32 hex digits');
    const pair = this.selectPair.get(token) as Pair | undefined;
    if (!pair) throw new HttpError(404, 'no such pair (it may belong to another vote database)');
    return pair;
  }

  /** Record the vote on a pair (once: a second vote on the same pair is a 409). */
  vote(token: string, choice: Outcome): StoredVote {
    const pair = this.pair(token);
    const created = new Date().toISOString();
    try {
      const info = this.insertVote.run(token, pair.videoId, pair.left, pair.right, choice, created);
      this.version++;
      return { id: Number(info.lastInsertRowid), token, videoId: pair.videoId, left: pair.left, right: pair.right, choice, created };
    } catch (err) {
      if (err instanceof Error && /UNIQUE/.test(err.message)) throw new HttpError(409, 'this pair already has a vote');
      throw err;
    }
  }

  votes(): StoredVote[] {
    return this.selectVotes.all() as StoredVote[];
  }

  /** Every vote as CSV: id, created, video_id, left_run, right_run, choice, winner. */
  csv(): string {
    const rows = this.votes().map((v) => [
      v.id,
      v.created,
      v.videoId,
      v.left,
      v.right,
      v.choice,
      v.choice === 'left' ? v.left : v.choice === 'right' ? v.right : '',
    ]);
    return formatCsv(['id', 'created', 'video_id', 'left_run', 'right_run', 'choice', 'winner'], rows);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
