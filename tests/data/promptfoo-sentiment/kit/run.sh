#!/usr/bin/env bash
# Reproduce N offline promptfoo iterations of the sentiment classifier. Usage: ./run.sh N PROMPTFOO_BIN
# Writes ../results/iterNN.json (promptfoo's own output) and ../prompts/sentiment.txt (the last text).
set -u
N=${1:-32}; PF=${2:?path to the promptfoo executable}
HERE="$(cd "$(dirname "$0")" && pwd)"; cd "$HERE"
export PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_DISABLE_SHARING=1 \
  PROMPTFOO_DISABLE_REMOTE_GENERATION=1 PROMPTFOO_DISABLE_REDTEAM_REMOTE_GENERATION=1 \
  PROMPTFOO_DISABLE_SHARE_EMAIL_REQUEST=1 PROMPTFOO_SELF_HOSTED=1 PROMPTFOO_CACHE_ENABLED=false \
  PROMPTFOO_CONFIG_DIR="$HERE/pfhome" PROMPTFOO_PYTHON=python3 NO_UPDATE_NOTIFIER=1 NO_COLOR=1
mkdir -p out prompts ../results ../prompts
printf 'Classify the sentiment of the customer review as positive, negative or neutral.\nReply with the label only.\nReview: {{review}}\n' > prompts/sentiment.txt
# Instruction edits aimed at the two failing cases; none of them is a worked example.
EDITS=(
  "Watch for sarcasm: praise that describes a bad experience is negative."
  "Reviews may be written in any language; judge the sentiment, not the language."
  "Read the whole review before choosing a label; the last sentence often decides it."
  "Ironic enthusiasm (\"oh great\", \"just what I needed\") signals a negative review."
  "A review in German, French or Spanish gets the same three labels."
)
for i in $(seq 1 "$N"); do
  tag=$(printf 'iter%02d' "$i")
  if [ "$i" -gt 1 ]; then
    echo "Revision $i: ${EDITS[$(( (i - 2) % ${#EDITS[@]} ))]}" >> prompts/sentiment.txt
  fi
  [ "$i" -eq 5 ] && echo "Statements of fact with no opinion are neutral." >> prompts/sentiment.txt
  "$PF" eval -c promptfooconfig.yaml --no-cache --no-progress-bar --no-table \
     --description "sentiment ${tag}" -o "../results/${tag}.json" > "out/${tag}.log" 2>&1
  echo "$tag exit=$?"
done
cp prompts/sentiment.txt ../prompts/sentiment.txt
