#!/usr/bin/env bash
# Shared by the submit/ commands: builds the project when needed and runs a class either through a
# Spark distribution ($SPARK_HOME/bin/spark-submit) or, without one, through the project's own Spark
# jars (a Spark home of symlinks under jobs/target/spark-home, which executors launched by a
# standalone worker also need).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS_JAR="$ROOT/jobs/target/jobs-0.1.0-SNAPSHOT.jar"
# The model the project provides: the default of every command.
DEFAULT_MODEL="$ROOT/models/shapes-sd"
JAVA_OPENS="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED \
--add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"

# glibc keeps freed blocks for reuse (one arena, no mmap per big block, no trimming, huge pages): the
# engine's allocator has no cache of its own, and without this every convolution's weight reorder
# page-faults afresh (3.3x on a UNet step, docs/performance.md). glibc reads it at process start only.
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184:glibc.malloc.hugetlb=1}"

# Builds the jars and classpath files unless they are newer than every source file.
# BATCHDIFFUSION_NO_BUILD=1 never builds (tests running after `mvn package`): the jars must be there.
ensure_built() {
  local stamp="$ROOT/jobs/target/runtime.classpath"
  if [[ -n "${BATCHDIFFUSION_NO_BUILD:-}" ]]; then
    if [[ ! -f "$stamp" || ! -f "$JOBS_JAR" ]]; then
      echo "BATCHDIFFUSION_NO_BUILD is set but $JOBS_JAR or $stamp is missing: run mvn -DskipTests package" >&2
      exit 1
    fi
    return
  fi
  if [[ -f "$stamp" && -f "$JOBS_JAR" ]] && \
     [[ -z "$(find "$ROOT/model-loader/src/main" "$ROOT/datasets/src/main" "$ROOT/jobs/src/main" "$ROOT"/pom.xml "$ROOT"/*/pom.xml -newer "$stamp" -print -quit)" ]]; then
    return
  fi
  echo "building (mvn -DskipTests package) ..." >&2
  (cd "$ROOT" && mvn -q -B -DskipTests -Dspotless.check.skip=true package) >&2
  # Maven leaves an unchanged classpath file as it was: mark the build as newer than the sources.
  touch "$stamp"
}

runtime_classpath() {
  echo "$ROOT/jobs/target/classes:$(cat "$ROOT/jobs/target/runtime.classpath")"
}

full_classpath() {
  echo "$(runtime_classpath):$(cat "$ROOT/jobs/target/provided.classpath")"
}

# A Spark home made of symlinks to the project's jars, for running without a distribution.
local_spark_home() {
  local home="$ROOT/jobs/target/spark-home"
  if [[ ! -f "$home/.complete" || "$ROOT/jobs/target/runtime.classpath" -nt "$home/.complete" || "$JOBS_JAR" -nt "$home/.complete" ]]; then
    rm -rf "$home"
    mkdir -p "$home/jars" "$home/extra" "$home/conf" "$home/bin"
    local jar dir
    while IFS= read -r jar; do
      [[ "$jar" == *.jar ]] || continue
      # The AWS SDK bundle also carries unshaded netty, httpclient and slf4j 1.7; a JVM lists jars/*
      # in directory order, so the bundle lives in extra/, after Spark's jars (SPARK_DIST_CLASSPATH
      # for executors), and Spark's own versions win as they do in a distribution.
      dir=jars
      [[ "$(basename "$jar")" == bundle-*.jar ]] && dir=extra
      ln -sf "$jar" "$home/$dir/$(basename "$jar")"
    done < <({ cat "$ROOT/jobs/target/runtime.classpath"; echo; cat "$ROOT/jobs/target/provided.classpath"; echo; echo "$JOBS_JAR"; } | tr ':' '\n')
    touch "$home/.complete"
  fi
  echo "$home"
}

# The classpath of JVMs running on a Spark home made by local_spark_home.
spark_home_classpath() {
  echo "$1/jars/*:$1/extra/*"
}

# True when $SPARK_HOME is a Spark distribution (it then runs everything Spark).
has_distribution() {
  [[ -n "${SPARK_HOME:-}" && -x "${SPARK_HOME}/bin/spark-submit" ]]
}

# Splits "$@" at the first "--" into the globals spark_args (before: spark-submit options) and
# job_args (after: the job's options).
split_args() {
  spark_args=(); job_args=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do spark_args+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  job_args=("$@")
  return 0
}

has_spark_flag() {
  local a
  for a in "${spark_args[@]}"; do [[ "$a" == "$1" || "$a" == "$1="* ]] && return 0; done
  return 1
}

has_job_flag() {
  local a
  for a in "${job_args[@]}"; do [[ "$a" == "$1" || "$a" == "$1="* ]] && return 0; done
  return 1
}

# local Spark on every core unless --master is given.
default_master() {
  has_spark_flag --master || spark_args+=(--master "local[*]")
}

# The job's paths it is not told (and no --conf file may tell): the sample catalogue, the project's
# model, and $1 (default out/) for the output.
default_job_paths() {
  has_job_flag --conf && return 0
  has_job_flag --catalogue || job_args+=(--catalogue "$ROOT/datasets/catalogues/sample.parquet")
  has_job_flag --model || job_args+=(--model "$DEFAULT_MODEL")
  has_job_flag --output || job_args+=(--output "${1:-$ROOT/out}")
  return 0
}

# Prints the settings of a properties file as key=value lines ("key value" and "key=value" lines;
# # and ! start comments), with "{repo}" in a value replaced by this repository's root.
properties_entries() {
  local line key value
  if [[ ! -f "$1" ]]; then echo "error: properties file '$1' not found" >&2; exit 2; fi
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line#"${line%%[![:space:]]*}"}"
    [[ -z "$line" || "$line" == \#* || "$line" == \!* ]] && continue
    key="${line%%[[:space:]=:]*}"
    value="${line:${#key}}"
    value="${value#"${value%%[![:space:]]*}"}"
    value="${value#[=:]}"
    value="${value#"${value%%[![:space:]]*}"}"
    value="${value%"${value##*[![:space:]]}"}"
    printf '%s=%s\n' "$key" "${value//\{repo\}/$ROOT}"
  done < "$1"
}

# Takes every --properties-file FILE out of spark_args and prints FILE's entries (key=value lines).
take_properties_files() {
  local out=() i=0 a file
  taken_properties=()
  while [[ $i -lt ${#spark_args[@]} ]]; do
    a="${spark_args[$i]}"
    if [[ "$a" == --properties-file || "$a" == --properties-file=* ]]; then
      if [[ "$a" == *=* ]]; then file="${a#*=}"; else i=$((i + 1)); file="${spark_args[$i]:-}"; fi
      mapfile -t -O "${#taken_properties[@]}" taken_properties < <(properties_entries "$file")
    else
      out+=("$a")
    fi
    i=$((i + 1))
  done
  spark_args=("${out[@]}")
}

# Spark's --properties-file FILE adds FILE's settings on top of conf/spark-defaults.conf (as --conf
# pairs) instead of replacing it, so profiles such as conf/gpu-cluster.conf keep the S3A and committer
# settings.
expand_properties_files() {
  local pre=() entry
  take_properties_files
  for entry in "${taken_properties[@]}"; do pre+=(--conf "$entry"); done
  spark_args=("${pre[@]}" "${spark_args[@]}")
}

# spark_submit CLASS [spark-submit options...] -- [application arguments...]
# Runs CLASS with conf/spark-defaults.conf through $SPARK_HOME/bin/spark-submit when SPARK_HOME is a
# distribution, else in a JVM on the project's own Spark jars (client mode: the driver runs here).
spark_submit() {
  local class="$1"; shift
  split_args "$@"
  expand_properties_files
  ensure_built
  local props="$ROOT/conf/spark-defaults.conf"
  if has_distribution; then
    # The distribution brings Spark, Hadoop's client and Parquet; ship only the jars it lacks (DJL and
    # the PyTorch natives, S3A and the AWS SDK, the project's modules). --load-spark-defaults keeps the
    # cluster's own conf/spark-defaults.conf under ours.
    local jars="" jar
    while IFS= read -r jar || [[ -n "$jar" ]]; do
      [[ "$jar" == *.jar && ! -e "$SPARK_HOME/jars/$(basename "$jar")" ]] && jars+="${jars:+,}$jar"
    done < <(tr ':' '\n' < "$ROOT/jobs/target/runtime.classpath")
    exec "$SPARK_HOME/bin/spark-submit" --properties-file "$props" --load-spark-defaults --class "$class" \
      --jars "$jars" "${spark_args[@]}" "$JOBS_JAR" "${job_args[@]}"
  fi
  # Without a distribution the driver JVM starts here, so its heap is set here.
  local memory="${DRIVER_MEMORY:-4g}" i
  for ((i = 0; i < ${#spark_args[@]}; i++)); do
    [[ "${spark_args[$i]}" == --driver-memory ]] && memory="${spark_args[$((i + 1))]:-$memory}"
    [[ "${spark_args[$i]}" == --driver-memory=* ]] && memory="${spark_args[$i]#*=}"
  done
  export SPARK_HOME SPARK_SCALA_VERSION=2.13
  SPARK_HOME="$(local_spark_home)"
  # shellcheck disable=SC2086
  exec java ${JAVA_OPTS:-} -Xmx"$memory" $JAVA_OPENS -cp "$(spark_home_classpath "$SPARK_HOME")" \
    org.apache.spark.deploy.SparkSubmit --properties-file "$props" --class "$class" \
    "${spark_args[@]}" "$JOBS_JAR" "${job_args[@]}"
}

# run_java CLASS [arguments...]: a plain JVM on the project's classpath (no Spark).
run_java() {
  local class="$1"; shift
  ensure_built
  # shellcheck disable=SC2086
  exec java ${JAVA_OPTS:-} -Xmx${JAVA_MEMORY:-4g} $JAVA_OPENS -cp "$(full_classpath)" "$class" "$@"
}
