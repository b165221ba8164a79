#!/usr/bin/env bash
# Execute notebooks headless with the tslab kernel; exit non-zero if any cell throws.
#
#   scripts/run-notebooks.sh                      # every notebooks/*.ipynb
#   scripts/run-notebooks.sh notebooks/01-world.ipynb
#   scripts/run-notebooks.sh --out /tmp/executed  # keep the executed copies (with outputs)
#
# The committed notebooks are never modified: executed copies go to a temporary folder
# (removed at exit) or to --out. JUPYTER names the jupyter binary (default: Debian's
# /usr/bin/jupyter, else the first `jupyter` on PATH).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
setup_hint="run the set-up command first: scripts/setup.sh"
# tslab's kernel spec runs `tslab` from PATH.
export PATH="$root/node_modules/.bin:$PATH"
# Quiet debugpy's frozen-modules warning, printed on every Python start.
export PYDEVD_DISABLE_FILE_VALIDATION=1

out=""
notebooks=()
while (($# > 0)); do
  case "$1" in
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    -h | --help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) notebooks+=("$1"); shift ;;
  esac
done
if ((${#notebooks[@]} == 0)); then
  shopt -s nullglob
  notebooks=("$root"/notebooks/*.ipynb)
  shopt -u nullglob
  if ((${#notebooks[@]} == 0)); then
    echo "run-notebooks: no notebooks in $root/notebooks" >&2
    exit 1
  fi
fi

jupyter="${JUPYTER:-}"
if [[ -z "$jupyter" ]]; then
  if [[ -x /usr/bin/jupyter ]]; then jupyter=/usr/bin/jupyter; else jupyter="$(command -v jupyter || true)"; fi
fi
if [[ -z "$jupyter" ]] || ! "$jupyter" nbconvert --version >/dev/null 2>&1; then
  echo "run-notebooks: jupyter nbconvert not found (${jupyter:-no jupyter on PATH}); $setup_hint" >&2
  exit 1
fi
if ! command -v tslab >/dev/null 2>&1; then
  echo "run-notebooks: tslab not found in $root/node_modules/.bin; $setup_hint" >&2
  exit 1
fi
# (captured first: `grep -q` closing the pipe early would fail the pipeline under pipefail)
kernels="$("$jupyter" kernelspec list 2>/dev/null || true)"
if ! grep -qE '^\s*tslab\s' <<<"$kernels"; then
  echo "run-notebooks: the tslab Jupyter kernel is not installed; $setup_hint" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/run-notebooks.XXXXXX")"
trap 'rm -rf "$work"' EXIT
out="${out:-$work/executed}"
mkdir -p "$out"
log="$work/nbconvert.log"
export RUN_NOTEBOOKS_ERROR_FILE="$work/cell-error"

# tslab reports a thrown error as the cell's stderr text, with an empty error name and
# value, so nbconvert's own message says nothing. This hook (nbclient's on_cell_error)
# writes the failing cell's number, id and stderr to $RUN_NOTEBOOKS_ERROR_FILE.
config="$work/nbconvert_config.py"
cat >"$config" <<'PY'
import os, re

def report_cell_error(cell, cell_index, execute_reply):
    stderr = ''.join(o.get('text', '') for o in cell.get('outputs', [])
                     if o.get('output_type') == 'stream' and o.get('name') == 'stderr')
    content = (execute_reply or {}).get('content', {})
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    reason = next((line for line in lines if re.match(r'^[\w$.]*(Error|Exception)\b', line)), None)
    if reason is None and content.get('ename'):
        reason = f"{content.get('ename')}: {content.get('evalue', '')}"
    if reason is None:
        reason = lines[-1] if lines else 'no error message'
    with open(os.environ['RUN_NOTEBOOKS_ERROR_FILE'], 'w') as f:
        f.write(f"cell {cell_index} (id {cell.get('id', '?')}): {reason}\n{stderr}")

c.ExecutePreprocessor.on_cell_error = report_cell_error
PY

failed=0
for notebook in "${notebooks[@]}"; do
  if [[ ! -f "$notebook" ]]; then
    echo "run-notebooks: FAILED $notebook: no such file" >&2
    failed=1
    continue
  fi
  rm -f "$RUN_NOTEBOOKS_ERROR_FILE"
  start=$SECONDS
  # nbconvert starts the kernel in the notebook's folder, which is what its imports expect.
  if "$jupyter" nbconvert --config "$config" --to notebook --execute --ExecutePreprocessor.timeout=600 \
    --output-dir "$out" "$notebook" >"$log" 2>&1; then
    echo "run-notebooks: ok $notebook ($((SECONDS - start)) s)"
  elif [[ -s "$RUN_NOTEBOOKS_ERROR_FILE" ]]; then
    # The failing cell's stderr (the stack trace), then one line naming notebook and cell.
    tail -n +2 "$RUN_NOTEBOOKS_ERROR_FILE" | head -n 30 >&2
    echo "run-notebooks: FAILED $notebook: $(head -n 1 "$RUN_NOTEBOOKS_ERROR_FILE")" >&2
    failed=1
  else
    # Not a cell error (kernel died, timeout, unreadable notebook): nbconvert's log says why.
    tail -n 20 "$log" >&2
    echo "run-notebooks: FAILED $notebook: nbconvert failed after $((SECONDS - start)) s (log above)" >&2
    failed=1
  fi
done
exit "$failed"
