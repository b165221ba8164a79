// The leaderboard table (Bradley–Terry on the Elo scale, 95% bootstrap interval), shared by
// the blind page and the leaderboard page.
import { api, el } from './common.js';

export async function renderBoard(box) {
  const data = await api('/api/leaderboard');
  if (!data.standings.length) return void box.replaceChildren(el('p', { class: 'muted' }, 'No votes yet.'));
  const head = el('tr', {}, ['#', 'run', 'score', '95% interval', 'votes', 'wins', 'losses', 'ties', 'both bad'].map((h, i) => el('th', { class: i >= 2 ? 'num' : null }, h)));
  const rows = data.standings.map((s, i) =>
    el(
      'tr',
      { dataset: { run: s.run } },
      el('td', {}, i + 1),
      el('td', {}, s.run),
      el('td', { class: 'num score' }, s.score.toFixed(0)),
      el('td', { class: 'num' }, `${s.low.toFixed(0)} – ${s.high.toFixed(0)}`),
      [s.votes, s.wins, s.losses, s.ties, s.bothBad].map((n) => el('td', { class: 'num' }, n)),
    ),
  );
  box.replaceChildren(
    el('table', { id: 'leaderboard' }, el('thead', {}, head), el('tbody', {}, rows)),
    el('p', { class: 'muted' }, `${data.votes} votes · Bradley–Terry, Elo scale (400 points = 10:1 odds), ${data.resamples} bootstrap resamples (seed ${data.seed}) · `, el('a', { href: '/api/votes.csv' }, 'votes as CSV')),
  );
}
