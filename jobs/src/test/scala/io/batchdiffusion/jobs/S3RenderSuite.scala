package io.batchdiffusion.jobs

import java.nio.charset.StandardCharsets
import java.nio.file.{Files, Path}

import scala.jdk.CollectionConverters._

import com.fasterxml.jackson.databind.ObjectMapper
import org.apache.spark.sql.SaveMode

/**
 * The job against a real S3 endpoint (S3Proxy on loopback) through S3A, with the settings of
 * conf/spark-defaults.conf (the magic committer included): catalogue, model and scorer read from
 * buckets, images, results and manifest written to one, then every object checked.
 */
class S3RenderSuite extends SparkSuite {

  private var s3: S3TestServer = _
  private val Catalogues = "catalogues"
  private val Models = "models"
  private val Renders = "renders"
  private val startedRuns = scala.collection.mutable.Set[String]()

  override protected def sparkConf: Map[String, String] =
    SparkDefaults.load(repoRoot.resolve("conf/spark-defaults.conf")) ++ s3.sparkSettings

  override protected def beforeAll(): Unit = {
    s3 = S3TestServer.start()
    Seq(Catalogues, Models, Renders).foreach(s3.createBucket)
    s3.putFile(Catalogues, "prompts/sample.parquet", sampleCatalogue)
    val noGoldens = (p: String) => p.startsWith("goldens/")
    s3.putFolder(Models, "sd/shapes-sd", defaultModel, p => noGoldens(p) || p.startsWith("clip-scorer/"))
    s3.putFolder(Models, "scorers/clip", defaultModel.resolve("clip-scorer"))
    // The layout the job finds by itself: the scorer in a clip-scorer folder beside the components.
    s3.putFolder(Models, "sd/tiny-with-scorer", defaultModel, noGoldens)
    super.beforeAll()
  }

  override protected def afterAll(): Unit = {
    try super.afterAll()
    finally if (s3 != null) s3.stop()
  }

  private def job(runId: String, extra: String*): JobOptions = {
    startedRuns += s"runs/$runId"
    jobOptions(runId, extra: _*)
  }

  private def jobOptions(runId: String, extra: String*): JobOptions = JobOptions.parse(
    (Seq("--output", s"s3a://$Renders/runs", "--run-id", runId, "--num-inference-steps", "2",
      "--progress-seconds", "1") ++ extra): _*)

  /**
   * Engines are cached per JVM by (model, scorer, device, factory), and earlier suites in this JVM
   * loaded the same model: a factory name of its own makes a run load (and copy) the model anew.
   */
  private def freshEngines(factory: Class[_ <: EngineFactory], cache: Path): Unit = {
    spark.conf.set(RenderJob.CONF_ENGINE_FACTORY, factory.getName)
    spark.conf.set(RenderJob.CONF_MODEL_CACHE, cache.toString)
  }

  test("a catalogue, model and scorer in buckets render into images, a results table and a manifest in a bucket, and every object checks out") {
    val cache = tmp.resolve("s3-model-cache")
    freshEngines(classOf[S3CacheRunEngines], cache)
    val summary = RenderJob.run(spark, job("s3-sample",
      "--catalogue", s"s3a://$Catalogues/prompts/sample.parquet",
      "--model", s"s3a://$Models/sd/shapes-sd", "--scorer", s"s3a://$Models/scorers/clip"))
    assert(summary.model.uri === s"s3a://$Models/sd/shapes-sd")
    assert(summary.scorer.uri === s"s3a://$Models/scorers/clip")
    val local = ModelFiles.describeDiffusers(defaultModel.toString, spark.sparkContext.hadoopConfiguration)
    assert(summary.model.fingerprint === local.fingerprint, "the bucket's model is the fixture, file for file")

    val okKeys = checkRunObjects("runs/s3-sample", expectedRows = 8, sweep = false)
    assert(okKeys.size === 8)
    assert(summary.engineLoads === 1)

    // The executor copied both folders into its local cache, every file verified against the fingerprint.
    Seq(summary.model, summary.scorer).foreach { descriptor =>
      val cached = cache.resolve(descriptor.fingerprint)
      assert(Files.isRegularFile(cached.resolve(".complete")), s"$cached holds a complete copy")
      descriptor.sha256ByFile.asScala.foreach { case (file, sha) =>
        assert(RenderKeys.sha256Hex(Files.readAllBytes(cached.resolve(file))) === sha, file)
      }
    }
  }

  test("broadcasting the weights from a bucket renders the same bytes, with the scorer found beside the model") {
    // This catalogue is a Parquet folder written to the bucket by Spark, through the committer.
    val written = s"s3a://$Catalogues/prompts/sample-table"
    spark.read.parquet(sampleCatalogue.toString).limit(4).write.mode(SaveMode.Overwrite).parquet(written)
    assert(s3.list(Catalogues, "prompts/sample-table/").exists(_.endsWith(".parquet")))
    assert(s3.pendingUploads(Catalogues).isEmpty)

    def run(id: String, extra: String*) = RenderJob.run(spark, job(id,
      (Seq("--catalogue", written, "--model", s"s3a://$Models/sd/tiny-with-scorer") ++ extra): _*))
    val cached = run("s3-cache")
    val broadcastCache = tmp.resolve("broadcast-model-cache")
    freshEngines(classOf[S3BroadcastRunEngines], broadcastCache)
    val broadcast = run("s3-broadcast", "--model-distribution", "broadcast")
    assert(broadcast.scorer.uri === s"s3a://$Models/sd/tiny-with-scorer/clip-scorer")
    assert(broadcast.engineLoads === 1)
    // The executor wrote the broadcast bytes into its cache, verified against the fingerprint.
    Seq(broadcast.model, broadcast.scorer).foreach { descriptor =>
      assert(Files.isRegularFile(broadcastCache.resolve(descriptor.fingerprint).resolve(".complete")))
    }
    val cacheKeys = checkRunObjects("runs/s3-cache", expectedRows = 4, sweep = false)
    val broadcastKeys = checkRunObjects("runs/s3-broadcast", expectedRows = 4, sweep = false)
    assert(cacheKeys === broadcastKeys)
    cacheKeys.foreach { key =>
      assert(s3.get(Renders, s"runs/s3-cache/images/$key.png") sameElements
        s3.get(Renders, s"runs/s3-broadcast/images/$key.png"), key)
    }
  }

  test("a sweep on S3 writes its summary table through the committer beside the results") {
    val summary = RenderJob.run(spark, job("s3-sweep",
      "--catalogue", s"s3a://$Catalogues/prompts/sample.parquet", "--model", s"s3a://$Models/sd/tiny-with-scorer",
      "--seeds", "0-1", "--num-inference-steps", "2", "--width", "16", "--height", "16"))
    assert(summary.rows === 16)
    checkRunObjects("runs/s3-sweep", expectedRows = 16, sweep = true)
    val table = spark.read.parquet(s"s3a://$Renders/runs/s3-sweep/summary").collect()
    assert(table.exists(r => r.getAs[String]("category") == "all" && r.getAs[Long]("renders") == 16L))
  }

  test("a model object changed after the driver described it is refused by the executor's copy, and nothing is cached") {
    s3.putFolder(Models, "sd/tampered", defaultModel, p => p.startsWith("goldens/") || p.startsWith("clip-scorer/"))
    val conf = spark.sparkContext.hadoopConfiguration
    val described = ModelFiles.describeDiffusers(s"s3a://$Models/sd/tampered", conf)
    s3.put(Models, "sd/tampered/scheduler/scheduler_config.json", "{\"_class_name\": \"DDIMScheduler\"}".getBytes)
    val cache = tmp.resolve("tamper-cache")
    val e = intercept[ModelFiles.ModelIntegrityException] {
      ModelFiles.materialize(described, conf, cache)
    }
    assert(e.getMessage.contains("scheduler/scheduler_config.json"))
    assert(!Files.exists(cache.resolve(described.fingerprint)))
    assert(Files.list(cache).iterator().asScala.isEmpty, "the staging copy is removed")
  }

  /**
   * Checks every object of the renders bucket against the run's results table: nothing outside the
   * run prefix, one PNG per OK row whose bytes hash to the row's image_sha256 and nothing else under
   * images/, a committed results table (the magic committer's _SUCCESS), the manifest, no lock, no
   * committer leftovers, no pending multipart upload. Returns the keys of the OK rows.
   */
  private def checkRunObjects(prefix: String, expectedRows: Int, sweep: Boolean): Set[String] = {
    val runKeys = s3.list(Renders, s"$prefix/")
    val rows = spark.read.parquet(s"s3a://$Renders/$prefix/results").collect()
    assert(rows.length === expectedRows)
    val ok = rows.filter(_.getAs[String]("status") == "OK")
    assert(ok.length === expectedRows, rows.filter(_.getAs[String]("status") != "OK").mkString("\n"))
    ok.foreach { row =>
      val key = row.getAs[String]("key")
      assert(row.getAs[String]("image_path") === s"s3a://$Renders/$prefix/images/$key.png")
      val png = s3.get(Renders, s"$prefix/images/$key.png")
      assert(ImageStore.isCompletePng(png))
      assert(RenderKeys.sha256Hex(png) === row.getAs[String]("image_sha256"), key)
      assert(new String(png, StandardCharsets.ISO_8859_1).contains("parameters\u0000" + row.getAs[String]("prompt")))
    }
    val images = runKeys.filter(_.startsWith(s"$prefix/images/")).filterNot(_.endsWith("/"))
    assert(images.toSet === ok.map(r => s"$prefix/images/${r.getAs[String]("key")}.png").toSet)

    val results = runKeys.filter(_.startsWith(s"$prefix/results/")).filterNot(_.endsWith("/"))
    assert(results.exists(_.endsWith(".parquet")))
    assert(results.forall(k => k.endsWith(".parquet") || k.endsWith("/_SUCCESS")), results.mkString(", "))
    val success = new ObjectMapper().readTree(s3.get(Renders, s"$prefix/results/_SUCCESS"))
    assert(success.path("committer").asText === "magic", "the results table went through the S3A magic committer")

    val manifest = new ObjectMapper().readTree(s3.get(Renders, s"$prefix/manifest.json"))
    assert(manifest.path("rows").asLong === expectedRows)
    assert(manifest.path("counts_by_status").path("OK").asLong === expectedRows)
    assert(manifest.path("results").asText === s"s3a://$Renders/$prefix/results")
    assert(!new String(s3.get(Renders, s"$prefix/manifest.json"), StandardCharsets.UTF_8).contains(s3.secretKey))

    val required = Set("images", "results", "manifest.json") ++ (if (sweep) Set("summary") else Set())
    val optional = if (sweep) Set("report") else Set[String]() // a sweep's HTML report, where built
    val tops = runKeys.map(_.stripPrefix(s"$prefix/").takeWhile(_ != '/')).toSet
    assert(required.subsetOf(tops) && (tops -- required).subsetOf(optional), s"objects under $prefix: ${runKeys.mkString(", ")}")
    assert(!runKeys.exists(k => k.contains("__magic") || k.contains("_temporary") || k.contains("_run.lock")))
    val outside = s3.list(Renders).filterNot(k => k == "runs/" || startedRuns.exists(r => k.startsWith(s"$r/")))
    assert(outside.isEmpty, "objects outside the run prefixes")
    assert(s3.pendingUploads(Renders).isEmpty, "no multipart upload is left open")
    ok.map(_.getAs[String]("key")).toSet
  }
}

/** The production engine under names of their own (see S3RenderSuite.freshEngines). */
abstract class RenamedPipelineEngines extends EngineFactory {
  override def create(model: java.nio.file.Path, scorer: java.nio.file.Path, device: DeviceChoice): RenderEngine =
    new PipelineEngineFactory().create(model, scorer, device)
}
class S3CacheRunEngines extends RenamedPipelineEngines
class S3BroadcastRunEngines extends RenamedPipelineEngines

/** Reads a spark-defaults.conf file (`key value` lines, `#` comments) as Spark does. */
object SparkDefaults {
  def load(file: Path): Map[String, String] =
    Files.readAllLines(file).asScala.map(_.trim).filter(l => l.nonEmpty && !l.startsWith("#")).map { line =>
      val split = line.indexWhere(_.isWhitespace)
      require(split > 0, s"$file: no value in '$line'")
      line.take(split) -> line.drop(split).trim
    }.toMap
}
