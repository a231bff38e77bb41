package io.batchdiffusion.jobs

import java.nio.charset.StandardCharsets
import java.nio.file.{Files, Path}
import java.nio.file.attribute.PosixFilePermissions
import java.util.concurrent.TimeUnit

import scala.jdk.CollectionConverters._

/**
 * The submit/ scripts themselves, on the packaged jars: the import command for real, the option
 * errors of sweep and nightly before Spark starts, and what the scripts hand a Spark distribution
 * (a stand-in `$SPARK_HOME` whose spark-submit and spark-class record their arguments).
 */
class SubmitSuite extends SparkSuite {

  private case class Ran(exit: Int, output: String)

  private def run(command: Seq[String], env: Map[String, String] = Map.empty): Ran = {
    val log = Files.createTempFile(tmp, "command", ".log")
    val builder = new ProcessBuilder(command.asJava).directory(repoRoot.toFile)
      .redirectErrorStream(true).redirectOutput(log.toFile)
    builder.environment().remove("SPARK_HOME")
    builder.environment().put("BATCHDIFFUSION_NO_BUILD", "1")
    builder.environment().put("JAVA_MEMORY", "1g")
    builder.environment().put("DRIVER_MEMORY", "1g")
    env.foreach { case (k, v) => builder.environment().put(k, v) }
    val process = builder.start()
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly()
      fail(s"${command.mkString(" ")} did not finish:\n${Files.readString(log)}")
    }
    Ran(process.exitValue(), Files.readString(log))
  }

  private def submit(name: String): String = repoRoot.resolve("submit").resolve(name).toString

  test("submit/import turns the JSONL sample and the PartiPrompts TSV into catalogues the render job accepts", PackagedTest) {
    val jsonl = tmp.resolve("sample.parquet").toString
    val fromJsonl = run(Seq(submit("import"), "--format", "jsonl", "--input", "datasets/catalogues/sample.jsonl",
      "--output", jsonl))
    assert(fromJsonl.exit === 0, fromJsonl.output)
    assert(fromJsonl.output.contains(s"wrote 8 rows to $jsonl"))
    val sample = spark.read.parquet(jsonl)
    JobSchemas.validateCatalogue(sample.schema, jsonl)
    assert(sample.orderBy("id").collect().map(_.getAs[String]("prompt")).toSeq ===
      spark.read.parquet(sampleCatalogue.toString).orderBy("id").collect().map(_.getAs[String]("prompt")).toSeq)

    val parti = tmp.resolve("parti.parquet").toString
    val fromParti = run(Seq(submit("import"), "--format", "parti", "--input", "datasets/catalogues/PartiPrompts.tsv",
      "--output", parti))
    assert(fromParti.exit === 0, fromParti.output)
    val table = spark.read.parquet(parti)
    JobSchemas.validateCatalogue(table.schema, parti)
    assert(table.count() === 1632)
    assert(Set("category", "challenge").subsetOf(table.columns.toSet))

    val bad = run(Seq(submit("import"), "--format", "csv", "--input", "datasets/catalogues/sample.jsonl",
      "--output", tmp.resolve("never.parquet").toString))
    assert(bad.exit !== 0)
    assert(bad.output.contains("unknown format 'csv'"))
  }

  test("submit/sweep and submit/nightly refuse bad options before Spark starts", PackagedTest) {
    val sweep = run(Seq(submit("sweep"), "--", "--catalogue", "c.parquet"))
    assert(sweep.exit === 2, sweep.output)
    assert(sweep.output.contains("error: a sweep needs at least one of --seeds"))
    val nightly = run(Seq(submit("nightly"), "--", "--date", "2026-13-01"))
    assert(nightly.exit === 2, nightly.output)
    assert(nightly.output.contains("error: --date '2026-13-01' is not a date"))
  }

  test("with a Spark distribution, submit/ passes our defaults under the cluster's, the profile, and only the jars it lacks", PackagedTest) {
    val dist = tmp.resolve("spark-dist")
    val record = tmp.resolve("recorded-args")
    Files.createDirectories(dist.resolve("jars"))
    Seq("hadoop-client-api-3.4.1.jar", "parquet-hadoop-1.15.2.jar", "jackson-databind-2.18.2.jar")
      .foreach(j => Files.createFile(dist.resolve("jars").resolve(j)))
    for (tool <- Seq("spark-submit", "spark-class")) {
      val script = Files.createDirectories(dist.resolve("bin")).resolve(tool)
      Files.writeString(script,
        "#!/usr/bin/env bash\n{ echo \"" + tool + "\"; echo \"opts=${SPARK_DAEMON_JAVA_OPTS:-}\"; printf '%s\\n' \"$@\"; } > \"$RECORD\"\n")
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"))
    }
    val env = Map("SPARK_HOME" -> dist.toString, "RECORD" -> record.toString)
    def recorded(): Seq[String] = Files.readAllLines(record, StandardCharsets.UTF_8).asScala.toSeq

    val render = run(Seq(submit("render"), "--properties-file", "conf/gpu-cluster.conf", "--master", "spark://h:7077",
      "--", "--catalogue", "s3a://b/prompts.parquet", "--output", "s3a://b/renders"), env)
    assert(render.exit === 0, render.output)
    val args = recorded()
    assert(args.take(7) === Seq("spark-submit", "opts=", "--properties-file",
      repoRoot.resolve("conf/spark-defaults.conf").toString, "--load-spark-defaults", "--class",
      "io.batchdiffusion.jobs.RenderJob"))
    val jars = args(args.indexOf("--jars") + 1).split(",").toSeq
    val names = jars.map(j => Path.of(j).getFileName.toString)
    assert(jars.forall(j => Files.isRegularFile(Path.of(j))))
    assert(Seq("hadoop-aws-", "bundle-", "pytorch-native-cpu-", "model-loader-", "datasets-", "spark-hadoop-cloud_")
      .forall(prefix => names.exists(_.startsWith(prefix))), names)
    assert(!names.exists(n => Files.exists(dist.resolve("jars").resolve(n))), "nothing the distribution has")
    assert(args.containsSlice(Seq("--conf", "spark.executor.resource.gpu.amount=1")))
    assert(args.containsSlice(Seq("--conf",
      s"spark.executor.resource.gpu.discoveryScript=${repoRoot.resolve("conf/gpu-discovery.sh")}")))
    assert(args.containsSlice(Seq("--master", "spark://h:7077")))
    val jobArgs = args.drop(args.indexWhere(_.endsWith("/jobs-0.1.0-SNAPSHOT.jar")) + 1)
    assert(jobArgs === Seq("--catalogue", "s3a://b/prompts.parquet", "--output", "s3a://b/renders",
      "--model", repoRoot.resolve("models/shapes-sd").toString))

    val worker = run(Seq(submit("standalone"), "worker", "spark://h:7077", "--properties-file", "conf/gpu-worker.conf",
      "--cores", "8"), env)
    assert(worker.exit === 0, worker.output)
    val daemon = recorded()
    assert(daemon.head === "spark-class")
    assert(daemon(1).contains(s"-Dspark.worker.resource.gpu.discoveryScript=${repoRoot.resolve("conf/gpu-discovery.sh")}"))
    assert(daemon.drop(2) === Seq("org.apache.spark.deploy.worker.Worker", "spark://h:7077", "--cores", "8"))
  }
}
