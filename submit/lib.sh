#!/usr/bin/env bash
# Shared by the submit/ commands: builds the project when needed and runs a class either through a
# Spark distribution ($SPARK_HOME/bin/spark-submit) or, without one, through the project's own Spark
# jars (a Spark home of symlinks under jobs/target/spark-home, which executors launched by a
# standalone worker also need).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS_JAR="$ROOT/jobs/target/jobs-0.1.0-SNAPSHOT.jar"
# The model the project provides: the default of every command.
DEFAULT_MODEL="$ROOT/models/tiny-sd-a"
JAVA_OPENS="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED \
--add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"

# Builds the jars and classpath files unless they are newer than every source file.
ensure_built() {
  local stamp="$ROOT/jobs/target/runtime.classpath"
  if [[ -f "$stamp" && -f "$JOBS_JAR" ]] && \
     [[ -z "$(find "$ROOT/model-loader/src/main" "$ROOT/datasets/src/main" "$ROOT/jobs/src/main" "$ROOT"/pom.xml "$ROOT"/*/pom.xml -newer "$stamp" -print -quit)" ]]; then
    return
  fi
  echo "building (mvn -DskipTests package) ..." >&2
  (cd "$ROOT" && mvn -q -B -DskipTests -Dspotless.check.skip=true package) >&2
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
    mkdir -p "$home/jars" "$home/conf" "$home/bin"
    local jar
    while IFS= read -r jar; do
      [[ "$jar" == *.jar ]] && ln -sf "$jar" "$home/jars/$(basename "$jar")"
    done < <({ cat "$ROOT/jobs/target/runtime.classpath"; echo; cat "$ROOT/jobs/target/provided.classpath"; echo; echo "$JOBS_JAR"; } | tr ':' '\n')
    touch "$home/.complete"
  fi
  echo "$home"
}

# spark_submit CLASS [spark-submit options...] -- [application arguments...]
spark_submit() {
  local class="$1"; shift
  local spark_args=() app_args=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do spark_args+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  app_args=("$@")
  ensure_built
  local props="$ROOT/conf/spark-defaults.conf"
  if [[ -n "${SPARK_HOME:-}" && -x "${SPARK_HOME}/bin/spark-submit" ]]; then
    local jars
    jars="$(tr ':' ',' < "$ROOT/jobs/target/runtime.classpath")"
    exec "$SPARK_HOME/bin/spark-submit" --properties-file "$props" --class "$class" --jars "$jars" \
      "${spark_args[@]}" "$JOBS_JAR" "${app_args[@]}"
  fi
  export SPARK_HOME SPARK_SCALA_VERSION=2.13
  SPARK_HOME="$(local_spark_home)"
  # shellcheck disable=SC2086
  exec java ${JAVA_OPTS:-} -Xmx${DRIVER_MEMORY:-4g} $JAVA_OPENS -cp "$SPARK_HOME/jars/*" \
    org.apache.spark.deploy.SparkSubmit --properties-file "$props" --class "$class" \
    "${spark_args[@]}" "$JOBS_JAR" "${app_args[@]}"
}

# run_java CLASS [arguments...]: a plain JVM on the project's classpath (no Spark).
run_java() {
  local class="$1"; shift
  ensure_built
  # shellcheck disable=SC2086
  exec java ${JAVA_OPTS:-} -Xmx${JAVA_MEMORY:-4g} $JAVA_OPENS -cp "$(full_classpath)" "$class" "$@"
}
