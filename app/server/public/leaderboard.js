// The leaderboard page: the table, refreshed every few seconds while votes come in.
import { nav, showError } from './common.js';
import { renderBoard } from './board.js';

nav();
const box = document.getElementById('board');
const refresh = () => renderBoard(box).catch((err) => showError(box, err));
await refresh();
setInterval(refresh, 5000);
