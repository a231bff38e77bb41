#!/usr/bin/env bash
# Spark resource discovery script for GPUs (spark.executor.resource.gpu.discoveryScript, and
# spark.worker.resource.gpu.discoveryScript on standalone workers): prints the GPUs this process may
# use as Spark's resource JSON, e.g. {"name": "gpu", "addresses": ["0", "1"]}.
# The addresses are CUDA device ordinals as this process sees them: with CUDA_VISIBLE_DEVICES set
# (YARN, Kubernetes and container runtimes set it) the visible GPUs are 0..n-1 in that order.
# The job renders on the address Spark assigns to each task (fp16, VAE in fp32).
set -euo pipefail

emit() {
  local out="" a
  for a in "$@"; do out+="${out:+, }\"$a\""; done
  printf '{"name": "gpu", "addresses": [%s]}\n' "$out"
}

if [[ -n "${CUDA_VISIBLE_DEVICES+x}" && "${CUDA_VISIBLE_DEVICES}" != "all" ]]; then
  IFS=',' read -r -a visible <<< "${CUDA_VISIBLE_DEVICES// /}"
  addresses=()
  for ((i = 0; i < ${#visible[@]}; i++)); do
    [[ -n "${visible[$i]}" && "${visible[$i]}" != "-1" ]] && addresses+=("$i")
  done
  emit "${addresses[@]}"
  exit 0
fi

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-discovery: nvidia-smi not found; reporting no GPU" >&2
  emit
  exit 0
fi
mapfile -t addresses < <(nvidia-smi --query-gpu=index --format=csv,noheader,nounits | tr -d ' \r' | grep -E '^[0-9]+$')
emit "${addresses[@]}"
