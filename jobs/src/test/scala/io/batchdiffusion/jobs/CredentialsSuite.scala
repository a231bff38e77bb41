package io.batchdiffusion.jobs

import java.io.{ByteArrayOutputStream, PrintStream}
import java.nio.charset.StandardCharsets
import java.nio.file.{Files, Path}

import scala.jdk.CollectionConverters._

import org.apache.logging.log4j.Level
import org.apache.spark.{ListenerBuses, SparkEnv}

/**
 * Credentials reach S3 through Hadoop's providers and nowhere else: a run with sentinel values and
 * event logging on leaves no trace of them in the driver and executor logs (local mode: one JVM), the
 * console, the event log, the manifest, the results or any file written; an S3 error names the bucket
 * and key, never a credential or a signed URL. The session is built the way the submit/ commands build
 * it: conf/spark-defaults.conf plus the credentials at submit time.
 */
class CredentialsSuite extends SparkSuite {

  private val accessKey = "SENTINELAKID7Q2W9E4R"
  private val secretKey = "SENTINEL/secret+Zx81Lq0PwVb3Kd7Yt"
  private val sessionToken = "SENTINEL-session-token-Fq2Hs9"
  private val envKey = "SENTINEL-env-key-Jm4Ns6"
  private val envSecret = "SENTINEL-env-secret-Uv5Ty8"
  private val wrongKey = "SENTINELWRONGKEY0000"
  private val wrongSecret = "SENTINEL-wrong-secret-Gh3Jk1"
  private val sentinelNames = Seq("accessKey" -> accessKey, "secretKey" -> secretKey,
    "sessionToken" -> sessionToken, "envKey" -> envKey, "envSecret" -> envSecret, "wrongKey" -> wrongKey,
    "wrongSecret" -> wrongSecret)
  private val sentinels = sentinelNames.map(_._2)

  private var s3: LocalS3 = _
  private var work: Path = _
  private var logs: LogCapture = _
  private val console = new ByteArrayOutputStream()

  override protected def sparkConf: Map[String, String] = {
    val defaults = Files.readAllLines(repoRoot.resolve("conf/spark-defaults.conf")).asScala
      .map(_.trim).filter(l => l.nonEmpty && !l.startsWith("#"))
      .map { l => val Array(k, v) = l.split("\\s+", 2); k -> v }.toMap
    defaults ++ s3.s3aSettings.map { case (k, v) => s"spark.hadoop.$k" -> v } ++ Map(
      "spark.hadoop.fs.s3a.aws.credentials.provider" -> "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
      "spark.hadoop.fs.s3a.access.key" -> accessKey,
      "spark.hadoop.fs.s3a.secret.key" -> secretKey,
      "spark.hadoop.fs.s3a.session.token" -> sessionToken,
      "spark.executorEnv.AWS_ACCESS_KEY_ID" -> envKey,
      "spark.executorEnv.AWS_SECRET_ACCESS_KEY" -> envSecret,
      "spark.eventLog.enabled" -> "true",
      "spark.eventLog.dir" -> work.resolve("events").toUri.toString,
      "spark.eventLog.compress" -> "false")
  }

  override protected def beforeAll(): Unit = {
    work = Files.createTempDirectory("credentials")
    Files.createDirectories(work.resolve("events"))
    s3 = new LocalS3(accessKey, secretKey)
    Seq("data", "locked").foreach { bucket =>
      s3.createBucket(bucket)
      s3.upload(bucket, "catalogues/sample.parquet", repoRoot.resolve("datasets/catalogues/sample.parquet"))
      s3.upload(bucket, "models/tiny-sd-a", repoRoot.resolve("models/tiny-sd-a"), _.startsWith("goldens"))
      // A fingerprint of its own, so the executor loads this model from S3 even when an earlier suite
      // left an engine for the repository's copy in this JVM.
      val index = Files.readString(repoRoot.resolve("models/tiny-sd-a/model_index.json"))
        .replaceFirst("\\{", "{\n  \"_test_copy\": \"s3\",")
      s3.blobs.putBlob(bucket, s3.blobs.blobBuilder("models/tiny-sd-a/model_index.json")
        .payload(index.getBytes(StandardCharsets.UTF_8)).build())
    }
    logs = LogCapture(work.resolve("job.log"), Level.INFO) // from before the session starts
    super.beforeAll()
  }

  override protected def afterAll(): Unit = {
    try super.afterAll()
    finally {
      if (logs != null) logs.close()
      if (s3 != null) s3.close()
    }
  }

  /** Runs `body` with System.out and System.err copied into `console`. */
  private def teeConsole[T](body: => T): T = {
    val (out, err) = (System.out, System.err)
    System.setOut(new PrintStream(new TeeStream(out, console), true))
    System.setErr(new PrintStream(new TeeStream(err, console), true))
    try body
    finally {
      System.setOut(out)
      System.setErr(err)
    }
  }

  private def messages(t: Throwable): String =
    Iterator.iterate(t)(_.getCause).takeWhile(_ != null).map(String.valueOf(_)).mkString("\n")

  /**
   * Fails naming what was found and where (which sentinel, and for JSON lines such as events the event
   * type and the key just before it), without printing the searched text.
   */
  private def assertClean(what: String, text: String): Unit = {
    val found = sentinelNames.filter { case (_, value) => text.contains(value) }.map { case (name, value) =>
      val places = text.linesIterator.filter(_.contains(value)).map(whereIn(_, value)).toSeq.distinct
      s"a sentinel credential ($name${places.mkString(" in ", "; ", "")})"
    } ++ Seq("X-Amz-Signature", "X-Amz-Credential", "Credential=", "Authorization:").filter(text.contains)
    if (found.nonEmpty) fail(s"$what contains ${found.mkString(", ")}")
  }

  /** The event type and the nearest JSON key before `value` on `line`, when it has them. */
  private def whereIn(line: String, value: String): String = {
    val event = "\"Event\":\"([^\"]+)\"".r.findFirstMatchIn(line).map(_.group(1)).getOrElse("a line")
    val before = line.substring(0, line.indexOf(value))
    val key = "\"([^\"]{1,120})\":".r.findAllMatchIn(before).map(_.group(1)).toSeq.lastOption
    event + key.map(k => s" after key $k").getOrElse("")
  }

  test("an S3 403 names the bucket and key, never the credentials or a signed URL") {
    // A session someone else made with Spark's default pattern: the job extends it on the live conf.
    // The event log redacts as it writes, with the pattern live then: the session's start-up events,
    // written with the pattern it started with, must be out before the test weakens it.
    ListenerBuses.drain(spark.sparkContext)
    SparkEnv.get.conf.set(Sessions.REDACTION, "(?i)secret|password|token|access[.]?key")
    val hadoop = spark.sparkContext.hadoopConfiguration
    hadoop.set("fs.s3a.bucket.locked.access.key", wrongKey)
    hadoop.set("fs.s3a.bucket.locked.secret.key", wrongSecret)
    val failures = teeConsole {
      Seq(
        ("catalogue", Seq("--catalogue", "s3a://locked/catalogues/sample.parquet", "--model", "s3a://data/models/tiny-sd-a"),
          "s3a://locked/catalogues/sample.parquet"),
        ("model", Seq("--catalogue", "s3a://data/catalogues/sample.parquet", "--model", "s3a://locked/models/tiny-sd-a"),
          "s3a://locked/models/tiny-sd-a/model_index.json")
      ).map { case (what, args, location) =>
        val e = intercept[Exception] {
          RenderJob.run(spark, JobOptions.parse((args ++ Seq("--output", work.resolve("out").toString,
            "--run-id", s"forbidden-$what")): _*))
        }
        (what, messages(e), location)
      }
    }
    failures.foreach { case (what, text, location) =>
      assert(text.contains(location), s"$what: $text")
      assert(text.contains("403"), s"$what: $text")
      assertClean(s"the $what error", text)
      info(s"$what: ${text.linesIterator.next().take(220)}")
    }
    assert(Sessions.coversAll(SparkEnv.get.conf.get(Sessions.REDACTION)), "the job extended the live pattern")
  }

  test("a run with sentinel credentials leaves them in no log, console output, event log, manifest or result") {
    val summary = teeConsole {
      RenderJob.run(spark, JobOptions.parse("--catalogue", "s3a://data/catalogues/sample.parquet",
        "--model", "s3a://data/models/tiny-sd-a", "--output", work.resolve("out").toString,
        "--num-inference-steps", "2", "--run-id", "sentinels"))
    }
    assert(summary.countsByStatus.asScala.toMap === Map("OK" -> 8L), "the credentials were used: S3 answered")
    val results = spark.read.parquet(summary.runRoot + "/results").collect().map(_.toString).mkString("\n")
    spark.stop() // flushes and closes the event log
    logs.close()

    val eventLog = Files.walk(work.resolve("events")).iterator().asScala.filter(Files.isRegularFile(_))
      .map(f => new String(Files.readAllBytes(f), StandardCharsets.UTF_8)).mkString("\n")
    val written = Files.walk(work.resolve("out")).iterator().asScala.filter(Files.isRegularFile(_))
      .map(f => new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).mkString("\n")
    val logText = new String(Files.readAllBytes(work.resolve("job.log")), StandardCharsets.UTF_8)
    val manifest = new String(Files.readAllBytes(work.resolve("out/sentinels/manifest.json")), StandardCharsets.UTF_8)

    // The searches can see: the settings are in the start-up environment event by name (job events
    // carry them too), the logs hold the run.
    val environment = eventLog.linesIterator.filter(_.contains("\"Event\":\"SparkListenerEnvironmentUpdate\""))
      .mkString("\n")
    assert(environment.contains("\"spark.hadoop.fs.s3a.secret.key\":\"*********(redacted)\""))
    assert(environment.contains("\"spark.executorEnv.AWS_ACCESS_KEY_ID\":\"*********(redacted)\""))
    if (!logText.contains("loaded model") || !logText.contains("Executor task launch worker")) {
      fail("the capture lacks the executor's log")
    }
    assert(manifest.contains("s3a://data/models/tiny-sd-a"))

    Seq("driver and executor logs" -> logText, "console" -> console.toString(StandardCharsets.UTF_8),
      "event log" -> eventLog, "manifest" -> manifest, "results" -> results, "written files" -> written)
      .foreach { case (what, text) => assertClean(what, text) }
    info(f"searched ${logText.length}%,d chars of log, ${eventLog.length}%,d of event log, " +
      f"${written.length}%,d of written files: no sentinel")
  }
}

/** Writes every byte to two streams. */
private final class TeeStream(a: java.io.OutputStream, b: java.io.OutputStream) extends java.io.OutputStream {
  override def write(byte: Int): Unit = { a.write(byte); b.write(byte) }
  override def write(bytes: Array[Byte], off: Int, len: Int): Unit = { a.write(bytes, off, len); b.write(bytes, off, len) }
  override def flush(): Unit = { a.flush(); b.flush() }
}
